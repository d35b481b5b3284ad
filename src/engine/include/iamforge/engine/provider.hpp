#pragma once
/// One Provider per resource type: how the engine creates, updates, deletes and reads a resource
/// through the Backend interface (so a second target, AWS's Query API, plugs in unchanged).
/// Properties travel as text: strings as they are, numbers and booleans in their plain form,
/// policy documents, lists and maps as JSON text (what engine's raw_text gives).
///
/// Ids are pulumi-aws's import formats, so `import TYPE NAME ID` takes what pulumi takes:
/// Role, Group, User, InstanceProfile: the name; Policy: the ARN; Role/Group/UserPolicyAttachment:
/// `role/policyArn` (`group/...`, `user/...`); Role/Group/UserPolicy: `role:policyName`;
/// UserGroupMembership: `user/group1/group2` (rewritten when `groups` changes); GroupMembership:
/// the group's name (pulumi-aws uses the `name` input, which IAM does not store, so read() could
/// not find the group from it; the membership is exclusive per group, so the group names it).
///
/// Outputs: every input echoed, `id`, and the computed outputs of resource_types.def (`arn`,
/// `uniqueId`, `createDate`, `policyId`, `attachmentCount`, `tagsAll`, ...), plus `name` and `path`
/// as IAM holds them (also when the stack did not write them).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/backend/backend.hpp"

namespace iamforge::engine {

/// Property name -> value as text.
using Props = std::map<std::string, std::string, std::less<>>;

/// What a read found.
///
/// How `inputs` are reported (the rule refresh and import compare by):
/// - Same names and text forms as the stack's inputs (engine raw_text of a spec::Value): strings as
///   they are, numbers as spec::format_number writes them ("3600"), documents as the JSON text IAM
///   holds (URL-decoded), tags as spec::to_json of a StringMap (`{"k":"v"}`, keys sorted, Go
///   escaping), lists as spec::to_json of a StringList (`["a","b"]`).
/// - Every input IAM holds a value for is reported, including values IAM filled in by default
///   (Role `path` "/" and `maxSessionDuration` "3600", `path` of every entity): a stack may write
///   them. `input_defaults()` names those defaults, so an input the stack leaves out whose read
///   value equals its default is no drift (import must not copy it into state as written).
/// - An optional input IAM holds no value for is absent (no description, no permissions boundary,
///   no tags, an instance profile without a role): absent equals its default too ("{}" for tags).
/// - Inputs IAM does not hold at all (`unread_inputs()`: namePrefix, forceDetachPolicies,
///   forceDestroy, GroupMembership `name`) are never reported: refresh keeps their state values,
///   import takes them from the stack.
/// - Lists with set semantics (GroupMembership `users`, UserGroupMembership `groups`) are reported
///   sorted; compare them through `canonical_input()`, which sorts the stack's list the same way.
/// - UserGroupMembership reports only the groups its id names (it is not exclusive), and does not
///   exist once the user is in none of them; GroupMembership reports every member of the group (it
///   is exclusive, so a user added by hand is drift).
struct ReadResult {
  bool exists = false;  ///< false: the resource is gone (refresh drops it from state)
  Props inputs;         ///< inputs as the target reports them (see above)
  Props outputs;        ///< outputs, including `id`, as create would return them
};

class Provider {
 public:
  virtual ~Provider() = default;
  /// The type token, e.g. "aws:iam:Role".
  virtual std::string_view type() const = 0;
  /// Creates the resource. `physical_name` is the name chosen by the engine (the `name` input, a
  /// `namePrefix` plus suffix, or the logical name plus suffix); "" for types without names.
  /// Returns the outputs as pulumi-aws has them: every input echoed, `id`, and the computed ones.
  virtual backend::Result<Props> create(backend::Backend& be, const Props& inputs,
                                        const std::string& physical_name) const = 0;
  /// Changes in place the inputs named in `changed` (none of which forces a replacement) to their
  /// values in `inputs`; `old_outputs` are the outputs recorded in state. Returns the new outputs,
  /// whose `id` may differ from the old one (Group / User rename, UserGroupMembership groups).
  /// Tags are brought to exactly `inputs` (live tags added by hand are removed).
  virtual backend::Result<Props> update(backend::Backend& be, const Props& inputs, const Props& old_outputs,
                                        const std::vector<std::string>& changed) const = 0;
  /// Deletes the resource recorded with `outputs`, first removing what IAM requires gone before the
  /// delete, as terraform-provider-aws does: a policy's non-default versions; a role's instance
  /// profile links (and, with forceDetachPolicies, its attached and inline policies); a user's
  /// group memberships (and, with forceDestroy, its access keys); an instance profile's role.
  /// GroupMembership / UserGroupMembership remove only the memberships they list. A resource (or
  /// link) already gone is success.
  virtual backend::Status remove(backend::Backend& be, const Props& outputs) const = 0;
  /// Reads the live resource with this `id` (the `id` output; for import, the ID the user gave in
  /// pulumi-aws's import format). A missing resource is `exists == false`, not an error.
  virtual backend::Result<ReadResult> read(backend::Backend& be, const std::string& id) const = 0;

  /// Inputs IAM does not store, which read() therefore never reports (see ReadResult).
  virtual std::vector<std::string_view> unread_inputs() const { return {}; }
  /// The text of the value IAM gives an input the stack leaves out ("path" -> "/", "tags" -> "{}").
  /// An input absent on one side and equal to its default on the other is no difference.
  virtual Props input_defaults() const { return {}; }
  /// The form of an input's text to compare in: lists with set semantics sorted and de-duplicated,
  /// tag maps re-rendered with sorted keys; any other input unchanged. Policy documents are left to
  /// the engine's canonical form (policy::print_compact).
  virtual std::string canonical_input(std::string_view name, const std::string& text) const {
    (void)name;
    return text;
  }
};

/// The provider for a type token, or null when the engine cannot manage that type yet.
const Provider* find_provider(std::string_view type);

}  // namespace iamforge::engine
