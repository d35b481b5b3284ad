#pragma once
/// The IAM Query API's parameters of every request type of operations.def (AWS's names, reference
/// §6.4), listed once: AwsBackend encodes requests with these lists (src/aws/aws_backend.cpp) and
/// `iamforge serve` decodes them (src/serve/codec.cpp), so the client and the server cannot drift
/// apart (when they were two lists, serve ignored ListPolicies' PathPrefix, which the client sent).
///
/// `query_params(v, r)` calls, for each parameter, one of the visitor's
///   required(name, std::string&)
///   optional(name, F&)      F: std::string (empty: absent), std::optional<std::string>,
///                           std::optional<int>, bool (false: absent)
///   strings(name, std::vector<std::string>&, bool required)   Name.member.N
///   tags(name, std::vector<Tag>&, bool required)              Name.member.N.Key / .Value
///   choice(name, E& or std::optional<E>&, {{"Text", E::Value}, ...})   an enumeration
/// with R const when encoding and not when decoding. A request type without a list here has no
/// viable overload: a new operation does not compile until it has one.
#include <initializer_list>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "iamforge/backend/types.hpp"

namespace iamforge::backend {

template <class R, class T>
concept RequestOf = std::is_same_v<std::remove_const_t<R>, T>;

/// The enumeration of a choice() field: E for E and for std::optional<E>.
template <class F>
struct ChoiceOf {
  using type = std::remove_const_t<F>;
};
template <class E>
struct ChoiceOf<std::optional<E>> {
  using type = E;
};
template <class E>
struct ChoiceOf<const std::optional<E>> {
  using type = E;
};
template <class F>
using Choices = std::initializer_list<std::pair<std::string_view, typename ChoiceOf<F>::type>>;

/// Marker and MaxItems.
template <class V, class R>
void page(V& v, R& r) {
  v.optional("Marker", r.marker);
  v.optional("MaxItems", r.max_items);
}

template <class V, RequestOf<CreateRoleRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("AssumeRolePolicyDocument", r.assume_role_policy_document);
  v.optional("Path", r.path);
  v.optional("Description", r.description);
  v.optional("MaxSessionDuration", r.max_session_duration);
  v.optional("PermissionsBoundary", r.permissions_boundary);
  v.tags("Tags", r.tags, false);
}
template <class V, RequestOf<GetRoleRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
}
template <class V, RequestOf<UpdateRoleRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.optional("Description", r.description);
  v.optional("MaxSessionDuration", r.max_session_duration);
}
template <class V, RequestOf<UpdateRoleDescriptionRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("Description", r.description);
}
template <class V, RequestOf<UpdateAssumeRolePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("PolicyDocument", r.policy_document);
}
template <class V, RequestOf<DeleteRoleRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
}
template <class V, RequestOf<ListRolesRequest> R>
void query_params(V& v, R& r) {
  v.optional("PathPrefix", r.path_prefix);
  page(v, r);
}
template <class V, RequestOf<PutRolePermissionsBoundaryRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("PermissionsBoundary", r.permissions_boundary);
}
template <class V, RequestOf<DeleteRolePermissionsBoundaryRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
}
template <class V, RequestOf<TagRoleRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.tags("Tags", r.tags, true);
}
template <class V, RequestOf<UntagRoleRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.strings("TagKeys", r.tag_keys, true);
}
template <class V, RequestOf<CreatePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyName", r.policy_name);
  v.required("PolicyDocument", r.policy_document);
  v.optional("Path", r.path);
  v.optional("Description", r.description);
  v.tags("Tags", r.tags, false);
}
template <class V, RequestOf<GetPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<DeletePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<ListPoliciesRequest> R>
void query_params(V& v, R& r) {
  v.choice("Scope", r.scope, {{"All", PolicyScopeType::All}, {"AWS", PolicyScopeType::AWS}, {"Local", PolicyScopeType::Local}});
  v.optional("OnlyAttached", r.only_attached);
  v.optional("PathPrefix", r.path_prefix);
  v.choice("PolicyUsageFilter", r.policy_usage_filter,
           {{"PermissionsPolicy", PolicyUsageType::PermissionsPolicy}, {"PermissionsBoundary", PolicyUsageType::PermissionsBoundary}});
  page(v, r);
}
template <class V, RequestOf<TagPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
  v.tags("Tags", r.tags, true);
}
template <class V, RequestOf<UntagPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
  v.strings("TagKeys", r.tag_keys, true);
}
template <class V, RequestOf<CreatePolicyVersionRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
  v.required("PolicyDocument", r.policy_document);
  v.optional("SetAsDefault", r.set_as_default);
}
template <class V, RequestOf<GetPolicyVersionRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
  v.required("VersionId", r.version_id);
}
template <class V, RequestOf<DeletePolicyVersionRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
  v.required("VersionId", r.version_id);
}
template <class V, RequestOf<ListPolicyVersionsRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
  page(v, r);
}
template <class V, RequestOf<SetDefaultPolicyVersionRequest> R>
void query_params(V& v, R& r) {
  v.required("PolicyArn", r.policy_arn);
  v.required("VersionId", r.version_id);
}
template <class V, RequestOf<AttachRolePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<DetachRolePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<ListAttachedRolePoliciesRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.optional("PathPrefix", r.path_prefix);
  page(v, r);
}
template <class V, RequestOf<AttachUserPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<DetachUserPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<ListAttachedUserPoliciesRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.optional("PathPrefix", r.path_prefix);
  page(v, r);
}
template <class V, RequestOf<AttachGroupPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<DetachGroupPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.required("PolicyArn", r.policy_arn);
}
template <class V, RequestOf<ListAttachedGroupPoliciesRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.optional("PathPrefix", r.path_prefix);
  page(v, r);
}
template <class V, RequestOf<PutRolePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("PolicyName", r.policy_name);
  v.required("PolicyDocument", r.policy_document);
}
template <class V, RequestOf<GetRolePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("PolicyName", r.policy_name);
}
template <class V, RequestOf<DeleteRolePolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  v.required("PolicyName", r.policy_name);
}
template <class V, RequestOf<ListRolePoliciesRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  page(v, r);
}
template <class V, RequestOf<PutUserPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.required("PolicyName", r.policy_name);
  v.required("PolicyDocument", r.policy_document);
}
template <class V, RequestOf<GetUserPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.required("PolicyName", r.policy_name);
}
template <class V, RequestOf<DeleteUserPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.required("PolicyName", r.policy_name);
}
template <class V, RequestOf<ListUserPoliciesRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  page(v, r);
}
template <class V, RequestOf<PutGroupPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.required("PolicyName", r.policy_name);
  v.required("PolicyDocument", r.policy_document);
}
template <class V, RequestOf<GetGroupPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.required("PolicyName", r.policy_name);
}
template <class V, RequestOf<DeleteGroupPolicyRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.required("PolicyName", r.policy_name);
}
template <class V, RequestOf<ListGroupPoliciesRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  page(v, r);
}
template <class V, RequestOf<CreateUserRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.optional("Path", r.path);
  v.optional("PermissionsBoundary", r.permissions_boundary);
  v.tags("Tags", r.tags, false);
}
template <class V, RequestOf<GetUserRequest> R>
void query_params(V& v, R& r) {
  v.optional("UserName", r.user_name);
}
template <class V, RequestOf<UpdateUserRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.optional("NewPath", r.new_path);
  v.optional("NewUserName", r.new_user_name);
}
template <class V, RequestOf<DeleteUserRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
}
template <class V, RequestOf<ListUsersRequest> R>
void query_params(V& v, R& r) {
  v.optional("PathPrefix", r.path_prefix);
  page(v, r);
}
template <class V, RequestOf<TagUserRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.tags("Tags", r.tags, true);
}
template <class V, RequestOf<UntagUserRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.strings("TagKeys", r.tag_keys, true);
}
template <class V, RequestOf<PutUserPermissionsBoundaryRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  v.required("PermissionsBoundary", r.permissions_boundary);
}
template <class V, RequestOf<DeleteUserPermissionsBoundaryRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
}
template <class V, RequestOf<CreateAccessKeyRequest> R>
void query_params(V& v, R& r) {
  v.optional("UserName", r.user_name);
}
template <class V, RequestOf<DeleteAccessKeyRequest> R>
void query_params(V& v, R& r) {
  v.optional("UserName", r.user_name);
  v.required("AccessKeyId", r.access_key_id);
}
template <class V, RequestOf<ListAccessKeysRequest> R>
void query_params(V& v, R& r) {
  v.optional("UserName", r.user_name);
  page(v, r);
}
template <class V, RequestOf<UpdateAccessKeyRequest> R>
void query_params(V& v, R& r) {
  v.optional("UserName", r.user_name);
  v.required("AccessKeyId", r.access_key_id);
  v.required("Status", r.status);
}
template <class V, RequestOf<CreateGroupRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.optional("Path", r.path);
}
template <class V, RequestOf<GetGroupRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  page(v, r);
}
template <class V, RequestOf<UpdateGroupRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.optional("NewPath", r.new_path);
  v.optional("NewGroupName", r.new_group_name);
}
template <class V, RequestOf<DeleteGroupRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
}
template <class V, RequestOf<ListGroupsRequest> R>
void query_params(V& v, R& r) {
  v.optional("PathPrefix", r.path_prefix);
  page(v, r);
}
template <class V, RequestOf<AddUserToGroupRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.required("UserName", r.user_name);
}
template <class V, RequestOf<RemoveUserFromGroupRequest> R>
void query_params(V& v, R& r) {
  v.required("GroupName", r.group_name);
  v.required("UserName", r.user_name);
}
template <class V, RequestOf<ListGroupsForUserRequest> R>
void query_params(V& v, R& r) {
  v.required("UserName", r.user_name);
  page(v, r);
}
template <class V, RequestOf<CreateInstanceProfileRequest> R>
void query_params(V& v, R& r) {
  v.required("InstanceProfileName", r.instance_profile_name);
  v.optional("Path", r.path);
  v.tags("Tags", r.tags, false);
}
template <class V, RequestOf<GetInstanceProfileRequest> R>
void query_params(V& v, R& r) {
  v.required("InstanceProfileName", r.instance_profile_name);
}
template <class V, RequestOf<DeleteInstanceProfileRequest> R>
void query_params(V& v, R& r) {
  v.required("InstanceProfileName", r.instance_profile_name);
}
template <class V, RequestOf<AddRoleToInstanceProfileRequest> R>
void query_params(V& v, R& r) {
  v.required("InstanceProfileName", r.instance_profile_name);
  v.required("RoleName", r.role_name);
}
template <class V, RequestOf<RemoveRoleFromInstanceProfileRequest> R>
void query_params(V& v, R& r) {
  v.required("InstanceProfileName", r.instance_profile_name);
  v.required("RoleName", r.role_name);
}
template <class V, RequestOf<TagInstanceProfileRequest> R>
void query_params(V& v, R& r) {
  v.required("InstanceProfileName", r.instance_profile_name);
  v.tags("Tags", r.tags, true);
}
template <class V, RequestOf<UntagInstanceProfileRequest> R>
void query_params(V& v, R& r) {
  v.required("InstanceProfileName", r.instance_profile_name);
  v.strings("TagKeys", r.tag_keys, true);
}
template <class V, RequestOf<ListInstanceProfilesForRoleRequest> R>
void query_params(V& v, R& r) {
  v.required("RoleName", r.role_name);
  page(v, r);
}

}  // namespace iamforge::backend
