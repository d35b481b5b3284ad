#pragma once
/// Catalog-aware validation of a parsed policy: actions, resources, condition keys and values,
/// sizes, and security findings, with severities as Access Analyzer has them.
#include <string_view>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/catalog/catalog.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::policy {

/// Maximum document size in characters for a policy type (whitespace excluded where AWS excludes it).
std::size_t size_limit(PolicyType t);

/// Whether the document is one of AWS's own managed policies (exempt from customer size quotas).
enum class Owner : std::uint8_t { Customer, Aws };

/// Validates `p` (parsed from `text`) as a policy of type `type`. Returns every finding, sorted.
std::vector<base::Diagnostic> validate(const Policy& p, std::string_view text, PolicyType type,
                                       Owner owner = Owner::Customer,
                                       const catalog::Catalog& cat = catalog::Catalog::builtin());

/// Parse + validate in one call.
std::vector<base::Diagnostic> check(std::string_view text, PolicyType type, Owner owner = Owner::Customer,
                                    const catalog::Catalog& cat = catalog::Catalog::builtin());

/// True if a policy ARN pattern (with `*`/`?`) can match some ARN of the template
/// (e.g. "arn:${Partition}:s3:::${BucketName}"). Used to flag resources no action can act on.
bool pattern_meets_template(std::string_view pattern, std::string_view arn_template);

}  // namespace iamforge::policy
