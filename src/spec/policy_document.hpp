#pragma once
// `aws:iam:getPolicyDocument`, computed locally exactly as pulumi-aws computes it (the bridged
// Terraform data source `aws_iam_policy_document`): statements, source/override documents merged by
// Sid, and the JSON rendered the way Go's encoder renders the provider's structs.
#include <optional>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/spec/value.hpp"

namespace iamforge::spec::detail {

/// Names of the fields of the result (`json`, `minifiedJson`, `id`), for `return:` and did-you-mean.
const std::vector<std::string_view>& policy_document_result_fields();

/// Evaluates the invoke over its (evaluated) arguments. Returns a Map value {json, minifiedJson, id}
/// spanning `invoke_span`, an Unknown if some argument is not known yet (after checking what is
/// known), or nullopt after adding errors to `diags`.
std::optional<Value> get_policy_document(const Value& arguments, base::Span invoke_span,
                                         std::vector<base::Diagnostic>& diags);

}  // namespace iamforge::spec::detail
