#pragma once
// AWS's input rules for the local backend: parameter constraints (-> ValidationError, reference
// §5.1), tag rules (-> InvalidInput), policy ARNs, version ids and policy sizes.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/backend/error.hpp"
#include "iamforge/backend/types.hpp"

namespace iamforge::backend::detail {

/// Collects every constraint violation of one request, then reports them as one ValidationError
/// in AWS's words: "1 validation error detected: Value 'x' at 'roleName' failed to satisfy
/// constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+".
class Constraints {
 public:
  /// User, group, role, policy, inline policy or instance profile name: 1..max, [\w+=,.@-]+.
  void name(std::string_view param, std::string_view v, std::size_t max);
  /// Path of a user, group, role or instance profile: "/" or "/.../" with U+0021..U+007E, 1..512.
  void path(std::string_view param, std::string_view v);
  /// Path of a managed policy: ((/[A-Za-z0-9\.,\+@=_-]+)*)/, 1..512.
  void policy_path(std::string_view param, std::string_view v);
  /// PathPrefix of ListRoles/ListUsers/ListGroups: \u002F[\u0021-\u007F]*, 1..512.
  void path_prefix(std::string_view param, std::string_view v);
  /// Role description: at most 1000 characters of [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF].
  void role_description(std::string_view param, std::string_view v);
  /// Policy description: at most 1000 characters.
  void policy_description(std::string_view param, std::string_view v);
  /// Policy document: 1..131072 characters of [\u0009\u000A\u000D\u0020-\u00FF].
  void document(std::string_view param, std::string_view v);
  /// An ARN parameter: 20..2048 characters.
  void arn(std::string_view param, std::string_view v);
  /// Policy version id: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?
  void version_id(std::string_view param, std::string_view v);
  /// MaxSessionDuration: 3600..43200 when given.
  void max_session_duration(const std::optional<int>& v);
  /// Marker (1..320 when given) and MaxItems (1..1000 when given).
  void page(const std::string& marker, const std::optional<int>& max_items);
  /// Tags of a create or Tag* call: at most `max` (50), keys 1..128 and values 0..256 with AWS's pattern.
  void tags(const std::vector<Tag>& tags, int max);
  /// TagKeys of an Untag* call: at most `max`, each a valid key.
  void tag_keys(const std::vector<std::string>& keys, int max);

  /// The ValidationError, or nullopt when every constraint held.
  std::optional<ApiError> error() const;

 private:
  void fail(std::string_view param, std::string_view value, std::string_view constraint);
  void length(std::string_view param, std::string_view v, std::size_t min, std::size_t max);
  void tag_key(std::string_view param, std::string_view key);
  std::vector<std::string> errors_;
};

/// How tag keys compare: roles and users ignore case, policies and instance profiles do not.
enum class TagKeyCase : unsigned char { Insensitive, Sensitive };

/// InvalidInput for duplicate keys (compared as `key_case` says) or AWS's reserved `aws:` prefix.
std::optional<ApiError> check_tags(const std::vector<Tag>& tags, TagKeyCase key_case);
/// True if two tag keys are the same key.
bool same_tag_key(std::string_view a, std::string_view b, TagKeyCase key_case);

/// The parts of a managed policy ARN: arn:PARTITION:iam::ACCOUNT:policy{path}{name}.
struct PolicyArn {
  std::string partition, account, path, name;
};
/// Parses a managed policy ARN, or nullopt when it is not one.
std::optional<PolicyArn> parse_policy_arn(std::string_view arn);
/// InvalidInput "ARN x is not valid." unless `arn` is a managed policy ARN.
std::optional<ApiError> check_policy_arn(std::string_view arn);

/// The number of a version id this backend issues ("v7" -> 7), or nullopt ("v1.a", "x").
std::optional<long long> version_number(std::string_view version_id);

/// Characters that count against IAM's policy size quotas: code points that are not whitespace.
/// AWS: reference §5.4, "whitespace not counted".
std::size_t policy_size(std::string_view document);

/// Number of UTF-8 code points (invalid bytes count one each).
std::size_t char_count(std::string_view s);

}  // namespace iamforge::backend::detail
