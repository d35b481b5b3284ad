#pragma once
/// IAM entities and the request/response shapes of the IAM API operations (operations.def).
///
/// Naming rule: every member is AWS's member name in snake_case (`RoleName` -> `role_name`,
/// `AssumeRolePolicyDocument` -> `assume_role_policy_document`), so the Query API client and the
/// HTTP layer map them 1:1. Dates are ISO-8601 UTC strings as the API returns them
/// ("2024-05-08T23:34:01Z"). Policy documents are held as the text that was submitted; the Query
/// API returns them URL-encoded (RFC 3986), which is the HTTP layer's job, never the backend's.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iamforge::backend {

// ---------------------------------------------------------------------------------------------
// Entities (AWS's output shapes, reference §6.3)

/// A tag on a role, user, policy or instance profile.
struct Tag {
  std::string key;
  std::string value;
  auto operator<=>(const Tag&) const = default;
};

/// AWS's `AttachedPermissionsBoundary`: the managed policy that bounds a role or user.
struct AttachedPermissionsBoundary {
  std::string permissions_boundary_type = "PermissionsBoundaryPolicy";  ///< the only type AWS has
  std::string permissions_boundary_arn;
  auto operator<=>(const AttachedPermissionsBoundary&) const = default;
};

/// AWS's `RoleLastUsed`: when and in which region the role was last used (both empty: never).
struct RoleLastUsed {
  std::optional<std::string> last_used_date;  ///< ISO-8601 UTC
  std::optional<std::string> region;
  auto operator<=>(const RoleLastUsed&) const = default;
};

/// AWS's `Role`. List operations leave `permissions_boundary` and `tags` empty, as AWS does.
struct Role {
  std::string path;
  std::string role_name;
  std::string role_id;  ///< AROA + 17 characters
  std::string arn;
  std::string create_date;
  std::string assume_role_policy_document;  ///< as submitted (the Query API URL-encodes it)
  std::optional<std::string> description;
  int max_session_duration = 3600;
  std::optional<AttachedPermissionsBoundary> permissions_boundary;
  std::vector<Tag> tags;
  /// GetRole only (AWS: GetRole and GetAccountAuthorizationDetails); engaged but empty for a role
  /// never used, which AWS sends as an empty `<RoleLastUsed/>`.
  std::optional<RoleLastUsed> role_last_used;
};

/// AWS's `User`. List operations leave `permissions_boundary` and `tags` empty, as AWS does.
struct User {
  std::string path;
  std::string user_name;
  std::string user_id;  ///< AIDA + 17 characters
  std::string arn;
  std::string create_date;
  std::optional<AttachedPermissionsBoundary> permissions_boundary;
  std::vector<Tag> tags;
};

/// AWS's `Group`.
struct Group {
  std::string path;
  std::string group_name;
  std::string group_id;  ///< AGPA + 17 characters
  std::string arn;
  std::string create_date;
};

/// AWS's `Policy` shape: a customer managed policy. ListPolicies leaves `description` and `tags`
/// empty, as AWS does.
struct ManagedPolicy {
  std::string policy_name;
  std::string policy_id;  ///< ANPA + 17 characters
  std::string arn;
  std::string path;
  std::string default_version_id;  ///< "v1", "v2", ...
  int attachment_count = 0;
  int permissions_boundary_usage_count = 0;
  bool is_attachable = true;
  std::optional<std::string> description;
  std::string create_date;
  std::string update_date;  ///< when the newest version was created
  std::vector<Tag> tags;
};

/// AWS's `PolicyVersion`. `document` is only returned by GetPolicyVersion, as AWS does.
struct PolicyVersion {
  std::optional<std::string> document;  ///< as submitted (the Query API URL-encodes it)
  std::string version_id;
  bool is_default_version = false;
  std::string create_date;
};

/// AWS's `AttachedPolicy`: one managed policy attached to a role, user or group.
struct AttachedPolicy {
  std::string policy_name;
  std::string policy_arn;
  auto operator<=>(const AttachedPolicy&) const = default;
};

/// AWS's `InstanceProfile`, with its roles (list form).
struct InstanceProfile {
  std::string path;
  std::string instance_profile_name;
  std::string instance_profile_id;  ///< AIPA + 17 characters
  std::string arn;
  std::string create_date;
  std::vector<Role> roles;
  std::vector<Tag> tags;
};

/// ListPolicies `Scope`.
enum class PolicyScopeType : std::uint8_t { All, AWS, Local };
/// ListPolicies `PolicyUsageFilter`.
enum class PolicyUsageType : std::uint8_t { PermissionsPolicy, PermissionsBoundary };

// ---------------------------------------------------------------------------------------------
// Requests and responses (reference §6.4). Optional AWS parameters are std::optional, or a
// string whose empty value means "not given" where AWS gives the empty string no meaning.
// Paginated requests take `marker` (opaque, from the previous response; empty for the first page)
// and `max_items` (1..1000, default 100); responses say `is_truncated` and the next `marker`.

/// CreateRole.
struct CreateRoleRequest {
  std::string role_name;
  std::string assume_role_policy_document;
  std::string path = "/";
  std::optional<std::string> description;
  std::optional<int> max_session_duration;  ///< 3600..43200 seconds, default 3600
  std::string permissions_boundary;         ///< managed policy ARN; empty for none
  std::vector<Tag> tags;
};
/// GetRole.
struct GetRoleRequest {
  std::string role_name;
};
/// UpdateRole: changes only the members given.
struct UpdateRoleRequest {
  std::string role_name;
  std::optional<std::string> description;  ///< empty string clears the description
  std::optional<int> max_session_duration;
};
/// UpdateRoleDescription (returns the role).
struct UpdateRoleDescriptionRequest {
  std::string role_name;
  std::string description;  ///< empty clears it
};
/// UpdateAssumeRolePolicy.
struct UpdateAssumeRolePolicyRequest {
  std::string role_name;
  std::string policy_document;
};
/// DeleteRole.
struct DeleteRoleRequest {
  std::string role_name;
};
/// ListRoles.
struct ListRolesRequest {
  std::string path_prefix = "/";
  std::string marker;
  std::optional<int> max_items;
};
/// ListRoles result.
struct ListRolesResponse {
  std::vector<Role> roles;
  bool is_truncated = false;
  std::string marker;
};
/// PutRolePermissionsBoundary.
struct PutRolePermissionsBoundaryRequest {
  std::string role_name;
  std::string permissions_boundary;  ///< managed policy ARN
};
/// DeleteRolePermissionsBoundary.
struct DeleteRolePermissionsBoundaryRequest {
  std::string role_name;
};
/// TagRole: adds tags; an existing key (compared case-insensitively for roles) is overwritten.
struct TagRoleRequest {
  std::string role_name;
  std::vector<Tag> tags;
};
/// UntagRole: keys not present are ignored.
struct UntagRoleRequest {
  std::string role_name;
  std::vector<std::string> tag_keys;
};

/// CreatePolicy (the document becomes version v1, the default).
struct CreatePolicyRequest {
  std::string policy_name;
  std::string policy_document;
  std::string path = "/";
  std::optional<std::string> description;
  std::vector<Tag> tags;
};
/// GetPolicy.
struct GetPolicyRequest {
  std::string policy_arn;
};
/// DeletePolicy.
struct DeletePolicyRequest {
  std::string policy_arn;
};
/// ListPolicies.
struct ListPoliciesRequest {
  PolicyScopeType scope = PolicyScopeType::All;
  bool only_attached = false;
  std::string path_prefix = "/";
  std::optional<PolicyUsageType> policy_usage_filter;
  std::string marker;
  std::optional<int> max_items;
};
/// ListPolicies result.
struct ListPoliciesResponse {
  std::vector<ManagedPolicy> policies;
  bool is_truncated = false;
  std::string marker;
};
/// TagPolicy (tag keys of policies are case-sensitive).
struct TagPolicyRequest {
  std::string policy_arn;
  std::vector<Tag> tags;
};
/// UntagPolicy.
struct UntagPolicyRequest {
  std::string policy_arn;
  std::vector<std::string> tag_keys;
};
/// CreatePolicyVersion (returns the version without its document, as AWS does).
struct CreatePolicyVersionRequest {
  std::string policy_arn;
  std::string policy_document;
  bool set_as_default = false;
};
/// GetPolicyVersion.
struct GetPolicyVersionRequest {
  std::string policy_arn;
  std::string version_id;
};
/// DeletePolicyVersion.
struct DeletePolicyVersionRequest {
  std::string policy_arn;
  std::string version_id;
};
/// ListPolicyVersions (newest first).
struct ListPolicyVersionsRequest {
  std::string policy_arn;
  std::string marker;
  std::optional<int> max_items;
};
/// ListPolicyVersions result.
struct ListPolicyVersionsResponse {
  std::vector<PolicyVersion> versions;
  bool is_truncated = false;
  std::string marker;
};
/// SetDefaultPolicyVersion.
struct SetDefaultPolicyVersionRequest {
  std::string policy_arn;
  std::string version_id;
};

/// AttachRolePolicy (attaching an attached policy again is a no-op).
struct AttachRolePolicyRequest {
  std::string role_name;
  std::string policy_arn;
};
/// DetachRolePolicy.
struct DetachRolePolicyRequest {
  std::string role_name;
  std::string policy_arn;
};
/// ListAttachedRolePolicies.
struct ListAttachedRolePoliciesRequest {
  std::string role_name;
  std::string path_prefix = "/";
  std::string marker;
  std::optional<int> max_items;
};
/// AttachUserPolicy.
struct AttachUserPolicyRequest {
  std::string user_name;
  std::string policy_arn;
};
/// DetachUserPolicy.
struct DetachUserPolicyRequest {
  std::string user_name;
  std::string policy_arn;
};
/// ListAttachedUserPolicies.
struct ListAttachedUserPoliciesRequest {
  std::string user_name;
  std::string path_prefix = "/";
  std::string marker;
  std::optional<int> max_items;
};
/// AttachGroupPolicy.
struct AttachGroupPolicyRequest {
  std::string group_name;
  std::string policy_arn;
};
/// DetachGroupPolicy.
struct DetachGroupPolicyRequest {
  std::string group_name;
  std::string policy_arn;
};
/// ListAttachedGroupPolicies.
struct ListAttachedGroupPoliciesRequest {
  std::string group_name;
  std::string path_prefix = "/";
  std::string marker;
  std::optional<int> max_items;
};
/// ListAttached{Role,User,Group}Policies result.
struct ListAttachedPoliciesResponse {
  std::vector<AttachedPolicy> attached_policies;
  bool is_truncated = false;
  std::string marker;
};

/// PutRolePolicy: creates or replaces an inline policy.
struct PutRolePolicyRequest {
  std::string role_name;
  std::string policy_name;
  std::string policy_document;
};
/// GetRolePolicy.
struct GetRolePolicyRequest {
  std::string role_name;
  std::string policy_name;
};
/// GetRolePolicy result.
struct GetRolePolicyResponse {
  std::string role_name;
  std::string policy_name;
  std::string policy_document;  ///< as submitted (the Query API URL-encodes it)
};
/// DeleteRolePolicy.
struct DeleteRolePolicyRequest {
  std::string role_name;
  std::string policy_name;
};
/// ListRolePolicies.
struct ListRolePoliciesRequest {
  std::string role_name;
  std::string marker;
  std::optional<int> max_items;
};
/// PutUserPolicy.
struct PutUserPolicyRequest {
  std::string user_name;
  std::string policy_name;
  std::string policy_document;
};
/// GetUserPolicy.
struct GetUserPolicyRequest {
  std::string user_name;
  std::string policy_name;
};
/// GetUserPolicy result.
struct GetUserPolicyResponse {
  std::string user_name;
  std::string policy_name;
  std::string policy_document;
};
/// DeleteUserPolicy.
struct DeleteUserPolicyRequest {
  std::string user_name;
  std::string policy_name;
};
/// ListUserPolicies.
struct ListUserPoliciesRequest {
  std::string user_name;
  std::string marker;
  std::optional<int> max_items;
};
/// PutGroupPolicy.
struct PutGroupPolicyRequest {
  std::string group_name;
  std::string policy_name;
  std::string policy_document;
};
/// GetGroupPolicy.
struct GetGroupPolicyRequest {
  std::string group_name;
  std::string policy_name;
};
/// GetGroupPolicy result.
struct GetGroupPolicyResponse {
  std::string group_name;
  std::string policy_name;
  std::string policy_document;
};
/// DeleteGroupPolicy.
struct DeleteGroupPolicyRequest {
  std::string group_name;
  std::string policy_name;
};
/// ListGroupPolicies.
struct ListGroupPoliciesRequest {
  std::string group_name;
  std::string marker;
  std::optional<int> max_items;
};
/// List{Role,User,Group}Policies result: inline policy names.
struct ListInlinePoliciesResponse {
  std::vector<std::string> policy_names;
  bool is_truncated = false;
  std::string marker;
};

/// CreateUser.
struct CreateUserRequest {
  std::string user_name;
  std::string path = "/";
  std::string permissions_boundary;  ///< managed policy ARN; empty for none
  std::vector<Tag> tags;
};
/// GetUser. AWS defaults the name to the caller; the local backend has no caller, so it is required.
struct GetUserRequest {
  std::string user_name;
};
/// UpdateUser: renames and/or moves a user; a member left empty is kept. The ARN follows the new
/// name and path; the unique id, groups, policies and tags stay.
struct UpdateUserRequest {
  std::string user_name;
  std::optional<std::string> new_path;
  std::optional<std::string> new_user_name;
};
/// DeleteUser.
struct DeleteUserRequest {
  std::string user_name;
};
/// ListUsers.
struct ListUsersRequest {
  std::string path_prefix = "/";
  std::string marker;
  std::optional<int> max_items;
};
/// ListUsers result.
struct ListUsersResponse {
  std::vector<User> users;
  bool is_truncated = false;
  std::string marker;
};
/// TagUser (tag keys of users are case-insensitive).
struct TagUserRequest {
  std::string user_name;
  std::vector<Tag> tags;
};
/// UntagUser.
struct UntagUserRequest {
  std::string user_name;
  std::vector<std::string> tag_keys;
};
/// PutUserPermissionsBoundary.
struct PutUserPermissionsBoundaryRequest {
  std::string user_name;
  std::string permissions_boundary;
};
/// DeleteUserPermissionsBoundary.
struct DeleteUserPermissionsBoundaryRequest {
  std::string user_name;
};

/// AWS's `AccessKey`: CreateAccessKey's reply, the only place the secret is ever returned.
struct AccessKey {
  std::string user_name;
  std::string access_key_id;      ///< AKIA + 16 characters
  std::string status = "Active";  ///< Active | Inactive
  std::string secret_access_key;  ///< 40 characters
  std::string create_date;
};
/// AWS's `AccessKeyMetadata` (ListAccessKeys): an access key without its secret.
struct AccessKeyMetadata {
  std::string user_name;
  std::string access_key_id;
  std::string status;
  std::string create_date;
};
/// CreateAccessKey. AWS defaults the user to the caller; the backend has no caller, so the HTTP
/// layer fills it in and the backend requires it.
struct CreateAccessKeyRequest {
  std::string user_name;
};
/// DeleteAccessKey.
struct DeleteAccessKeyRequest {
  std::string user_name;
  std::string access_key_id;
};
/// UpdateAccessKey: sets the status (Active | Inactive).
struct UpdateAccessKeyRequest {
  std::string user_name;
  std::string access_key_id;
  std::string status;
};
/// ListAccessKeys.
struct ListAccessKeysRequest {
  std::string user_name;
  std::string marker;
  std::optional<int> max_items;
};
/// ListAccessKeys result.
struct ListAccessKeysResponse {
  std::vector<AccessKeyMetadata> access_key_metadata;
  bool is_truncated = false;
  std::string marker;
};

/// CreateGroup.
struct CreateGroupRequest {
  std::string group_name;
  std::string path = "/";
};
/// GetGroup: the group and a page of its members.
struct GetGroupRequest {
  std::string group_name;
  std::string marker;
  std::optional<int> max_items;
};
/// GetGroup result.
struct GetGroupResponse {
  Group group;
  std::vector<User> users;
  bool is_truncated = false;
  std::string marker;
};
/// UpdateGroup: renames and/or moves a group; a member left empty is kept. The ARN follows the new
/// name and path; the unique id, members and policies stay.
struct UpdateGroupRequest {
  std::string group_name;
  std::optional<std::string> new_path;
  std::optional<std::string> new_group_name;
};
/// DeleteGroup.
struct DeleteGroupRequest {
  std::string group_name;
};
/// ListGroups.
struct ListGroupsRequest {
  std::string path_prefix = "/";
  std::string marker;
  std::optional<int> max_items;
};
/// ListGroups and ListGroupsForUser result.
struct ListGroupsResponse {
  std::vector<Group> groups;
  bool is_truncated = false;
  std::string marker;
};
/// AddUserToGroup (adding a member again is a no-op).
struct AddUserToGroupRequest {
  std::string group_name;
  std::string user_name;
};
/// RemoveUserFromGroup.
struct RemoveUserFromGroupRequest {
  std::string group_name;
  std::string user_name;
};
/// ListGroupsForUser.
struct ListGroupsForUserRequest {
  std::string user_name;
  std::string marker;
  std::optional<int> max_items;
};

/// CreateInstanceProfile.
struct CreateInstanceProfileRequest {
  std::string instance_profile_name;
  std::string path = "/";
  std::vector<Tag> tags;
};
/// GetInstanceProfile.
struct GetInstanceProfileRequest {
  std::string instance_profile_name;
};
/// DeleteInstanceProfile.
struct DeleteInstanceProfileRequest {
  std::string instance_profile_name;
};
/// AddRoleToInstanceProfile.
struct AddRoleToInstanceProfileRequest {
  std::string instance_profile_name;
  std::string role_name;
};
/// RemoveRoleFromInstanceProfile.
struct RemoveRoleFromInstanceProfileRequest {
  std::string instance_profile_name;
  std::string role_name;
};
/// TagInstanceProfile (tag keys of instance profiles are case-sensitive).
struct TagInstanceProfileRequest {
  std::string instance_profile_name;
  std::vector<Tag> tags;
};
/// UntagInstanceProfile: keys not present are ignored.
struct UntagInstanceProfileRequest {
  std::string instance_profile_name;
  std::vector<std::string> tag_keys;
};
/// ListInstanceProfilesForRole.
struct ListInstanceProfilesForRoleRequest {
  std::string role_name;
  std::string marker;
  std::optional<int> max_items;
};
/// ListInstanceProfilesForRole result.
struct ListInstanceProfilesResponse {
  std::vector<InstanceProfile> instance_profiles;
  bool is_truncated = false;
  std::string marker;
};

}  // namespace iamforge::backend
