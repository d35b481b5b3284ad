#pragma once
/// The resource schema: every resource type the stack language knows, its input properties (type,
/// required or not, whether a change forces replacement, which policy grammar applies) and its
/// outputs. Generated from resource_types.def.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "iamforge/policy/policy.hpp"

namespace iamforge::spec {

/// One enumerator per resource type, in the order of resource_types.def.
enum class ResourceKind : std::uint8_t {
#define IAMFORGE_RESOURCE_TYPE(kind, token, autoname) kind,
#include "iamforge/spec/resource_types.def"
};

/// The type of a property's value.
enum class ValueType : std::uint8_t {
  String,
  Integer,
  Boolean,
  StringList,
  StringMap,
  PolicyDocument,   ///< a JSON string or an object (rendered as fn::toJSON does)
};
/// Lowercase name for messages: "string", "integer", "boolean", "list of strings", "map of strings", "policy document".
std::string_view to_string(ValueType t);

/// Whether a property must be written.
enum class Presence : std::uint8_t { Required, Optional };
/// What a change of the property does to the resource (pulumi-aws / Terraform `ForceNew`).
enum class OnChange : std::uint8_t { Update, Replace };
/// Which policy grammar a policy-document property is checked with.
enum class Document : std::uint8_t { None, Trust, Identity, Inline };
/// The policy::PolicyType for a document kind (nullopt for Document::None).
std::optional<policy::PolicyType> policy_type(Document d);
/// Pulumi auto-naming: `<logical name>-<7 characters>` when neither `name` nor `namePrefix` is set.
enum class Autoname : std::uint8_t { No, Yes };

/// The AWS rule a known value must satisfy (iam-reference.md §5.1).
enum class Check : std::uint8_t {
  None,
  RoleName, RoleNamePrefix, UserName, GroupName, PolicyName, PolicyNamePrefix, InlinePolicyName,
  InlinePolicyNamePrefix, InstanceProfileName, InstanceProfileNamePrefix,
  Path, PolicyPath, RoleDescription, PolicyDescription, SessionDuration, PolicyArn, Tags, UserNames, GroupNames,
};

/// One input property: its pulumi-aws name, value type, and what AWS does with it.
struct PropertySchema {
  std::string_view name;
  ValueType type = ValueType::String;
  Presence presence = Presence::Optional;
  OnChange on_change = OnChange::Update;
  Document document = Document::None;
  Check check = Check::None;
  /// True if changing the value replaces the resource (create the new one, delete the old).
  bool forces_replacement() const { return on_change == OnChange::Replace; }
};

/// One computed output (`arn`, `uniqueId`, ...).
struct OutputSchema {
  std::string_view name;
  ValueType type = ValueType::String;
};

/// A resource type of the schema, e.g. `aws:iam:Role`.
struct ResourceType {
  ResourceKind kind;
  std::string_view token;                 ///< e.g. "aws:iam:Role"
  Autoname autoname = Autoname::No;
  std::span<const PropertySchema> inputs;
  std::span<const OutputSchema> computed; ///< outputs that are not inputs (`arn`, `uniqueId`, ...); `id` is implicit

  /// The input named exactly `name`, or null.
  const PropertySchema* find_input(std::string_view name) const;
  /// True for `id`, every input and every computed output.
  bool has_output(std::string_view name) const;
  /// Every output name: `id`, inputs, computed (for did-you-mean).
  std::vector<std::string_view> output_names() const;
  /// Every input name, in schema order (for did-you-mean).
  std::vector<std::string_view> input_names() const;
};

/// All resource types, in the order of resource_types.def.
std::span<const ResourceType> resource_types();
/// The type with token exactly `token` (e.g. "aws:iam:Role"), or null.
const ResourceType* find_resource_type(std::string_view token);
/// The type of `kind` (never fails: every kind has a row).
const ResourceType& resource_type(ResourceKind kind);

}  // namespace iamforge::spec
