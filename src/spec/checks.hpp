#pragma once
// AWS's rules for names, paths, descriptions, tags, ARNs and session durations, applied to known
// property values (iam-reference.md §5.1).
#include <string_view>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/spec/schema.hpp"
#include "iamforge/spec/value.hpp"

namespace iamforge::spec::detail {

/// Applies `check` to `v` (unknown parts are skipped). `where` names the property for messages,
/// e.g. "mlTeamRole.name".
void check_value(Check check, const Value& v, std::string_view where, std::vector<base::Diagnostic>& diags);

/// For an auto-named resource: `<logical>-<7 chars>` must itself be a valid name of its type.
void check_autoname(const ResourceType& type, std::string_view logical, base::Span span,
                    std::vector<base::Diagnostic>& diags);

}  // namespace iamforge::spec::detail
