#pragma once
/// The IAM Query API codec: form parameters -> the backend's request structs, and the backend's
/// response structs -> AWS's XML result elements (reference §6.1, §6.3, §6.4).
#include <optional>
#include <string>

#include "iamforge/backend/backend.hpp"
#include "iamforge/serve/wire.hpp"

namespace iamforge::serve {

inline constexpr std::string_view kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
inline constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
inline constexpr std::string_view kIamVersion = "2010-05-08";
inline constexpr std::string_view kStsVersion = "2011-06-15";

/// Reads typed parameters (scalars, `Name.member.N` lists, `Tags.member.N.Key/Value`) and keeps
/// the first problem as AWS's ValidationError.
class Decoder {
 public:
  explicit Decoder(const Params& params) : p_(params) {}
  /// A required string: missing -> "Value null at 'roleName' failed to satisfy constraint: Member must not be null".
  void required(std::string_view name, std::string& out);
  /// An optional string: left as is when absent.
  void optional(std::string_view name, std::string& out);
  void optional(std::string_view name, std::optional<std::string>& out);
  void optional_int(std::string_view name, std::optional<int>& out);
  void optional_bool(std::string_view name, bool& out);
  /// `Name.member.N` (1-based, consecutive). `required`: at least the parameter must be present
  /// (botocore sends `Name=` for an empty list).
  void strings(std::string_view name, std::vector<std::string>& out, bool required = false);
  /// `Name.member.N.Key` / `.Value`.
  void tags(std::string_view name, std::vector<backend::Tag>& out, bool required = false);
  /// `Marker` and `MaxItems`.
  template <class R>
  void page(R& r) {
    optional("Marker", r.marker);
    optional_int("MaxItems", r.max_items);
  }
  const std::optional<backend::ApiError>& error() const { return error_; }
  void fail(backend::ApiError e) {
    if (!error_) error_ = std::move(e);
  }
  const Params& params() const { return p_; }

 private:
  const Params& p_;
  std::optional<backend::ApiError> error_;
};

/// "roleName" for "RoleName": how AWS's validation messages name a parameter.
std::string member_name(std::string_view param);

// One decoder per request type of operations.def, written out (not generated from it): the
// dispatch in service.cpp is generated from operations.def, so a new operation fails to compile
// there until its decoder (and, for a new response type, its encoder) exists here.
void decode(Decoder& d, backend::CreateRoleRequest& r);
void decode(Decoder& d, backend::GetRoleRequest& r);
void decode(Decoder& d, backend::UpdateRoleRequest& r);
void decode(Decoder& d, backend::UpdateRoleDescriptionRequest& r);
void decode(Decoder& d, backend::UpdateAssumeRolePolicyRequest& r);
void decode(Decoder& d, backend::DeleteRoleRequest& r);
void decode(Decoder& d, backend::ListRolesRequest& r);
void decode(Decoder& d, backend::PutRolePermissionsBoundaryRequest& r);
void decode(Decoder& d, backend::DeleteRolePermissionsBoundaryRequest& r);
void decode(Decoder& d, backend::TagRoleRequest& r);
void decode(Decoder& d, backend::UntagRoleRequest& r);
void decode(Decoder& d, backend::CreatePolicyRequest& r);
void decode(Decoder& d, backend::GetPolicyRequest& r);
void decode(Decoder& d, backend::DeletePolicyRequest& r);
void decode(Decoder& d, backend::ListPoliciesRequest& r);
void decode(Decoder& d, backend::TagPolicyRequest& r);
void decode(Decoder& d, backend::UntagPolicyRequest& r);
void decode(Decoder& d, backend::CreatePolicyVersionRequest& r);
void decode(Decoder& d, backend::GetPolicyVersionRequest& r);
void decode(Decoder& d, backend::DeletePolicyVersionRequest& r);
void decode(Decoder& d, backend::ListPolicyVersionsRequest& r);
void decode(Decoder& d, backend::SetDefaultPolicyVersionRequest& r);
void decode(Decoder& d, backend::AttachRolePolicyRequest& r);
void decode(Decoder& d, backend::DetachRolePolicyRequest& r);
void decode(Decoder& d, backend::ListAttachedRolePoliciesRequest& r);
void decode(Decoder& d, backend::AttachUserPolicyRequest& r);
void decode(Decoder& d, backend::DetachUserPolicyRequest& r);
void decode(Decoder& d, backend::ListAttachedUserPoliciesRequest& r);
void decode(Decoder& d, backend::AttachGroupPolicyRequest& r);
void decode(Decoder& d, backend::DetachGroupPolicyRequest& r);
void decode(Decoder& d, backend::ListAttachedGroupPoliciesRequest& r);
void decode(Decoder& d, backend::PutRolePolicyRequest& r);
void decode(Decoder& d, backend::GetRolePolicyRequest& r);
void decode(Decoder& d, backend::DeleteRolePolicyRequest& r);
void decode(Decoder& d, backend::ListRolePoliciesRequest& r);
void decode(Decoder& d, backend::PutUserPolicyRequest& r);
void decode(Decoder& d, backend::GetUserPolicyRequest& r);
void decode(Decoder& d, backend::DeleteUserPolicyRequest& r);
void decode(Decoder& d, backend::ListUserPoliciesRequest& r);
void decode(Decoder& d, backend::PutGroupPolicyRequest& r);
void decode(Decoder& d, backend::GetGroupPolicyRequest& r);
void decode(Decoder& d, backend::DeleteGroupPolicyRequest& r);
void decode(Decoder& d, backend::ListGroupPoliciesRequest& r);
void decode(Decoder& d, backend::CreateUserRequest& r);
void decode(Decoder& d, backend::GetUserRequest& r);
void decode(Decoder& d, backend::UpdateUserRequest& r);
void decode(Decoder& d, backend::DeleteUserRequest& r);
void decode(Decoder& d, backend::ListUsersRequest& r);
void decode(Decoder& d, backend::TagUserRequest& r);
void decode(Decoder& d, backend::UntagUserRequest& r);
void decode(Decoder& d, backend::PutUserPermissionsBoundaryRequest& r);
void decode(Decoder& d, backend::DeleteUserPermissionsBoundaryRequest& r);
void decode(Decoder& d, backend::CreateAccessKeyRequest& r);
void decode(Decoder& d, backend::DeleteAccessKeyRequest& r);
void decode(Decoder& d, backend::ListAccessKeysRequest& r);
void decode(Decoder& d, backend::UpdateAccessKeyRequest& r);
void decode(Decoder& d, backend::CreateGroupRequest& r);
void decode(Decoder& d, backend::GetGroupRequest& r);
void decode(Decoder& d, backend::DeleteGroupRequest& r);
void decode(Decoder& d, backend::UpdateGroupRequest& r);
void decode(Decoder& d, backend::ListGroupsRequest& r);
void decode(Decoder& d, backend::AddUserToGroupRequest& r);
void decode(Decoder& d, backend::RemoveUserFromGroupRequest& r);
void decode(Decoder& d, backend::ListGroupsForUserRequest& r);
void decode(Decoder& d, backend::CreateInstanceProfileRequest& r);
void decode(Decoder& d, backend::GetInstanceProfileRequest& r);
void decode(Decoder& d, backend::DeleteInstanceProfileRequest& r);
void decode(Decoder& d, backend::TagInstanceProfileRequest& r);
void decode(Decoder& d, backend::UntagInstanceProfileRequest& r);
void decode(Decoder& d, backend::AddRoleToInstanceProfileRequest& r);
void decode(Decoder& d, backend::RemoveRoleFromInstanceProfileRequest& r);
void decode(Decoder& d, backend::ListInstanceProfilesForRoleRequest& r);

/// The members of `<ActionResult>` for each response type (entities as AWS's named element).
void encode(Xml& x, const backend::Role& v);
void encode(Xml& x, const backend::User& v);
void encode(Xml& x, const backend::Group& v);
void encode(Xml& x, const backend::ManagedPolicy& v);
void encode(Xml& x, const backend::PolicyVersion& v);
void encode(Xml& x, const backend::InstanceProfile& v);
void encode(Xml& x, const backend::AccessKey& v);
void encode(Xml& x, const backend::ListRolesResponse& v);
void encode(Xml& x, const backend::ListPoliciesResponse& v);
void encode(Xml& x, const backend::ListPolicyVersionsResponse& v);
void encode(Xml& x, const backend::ListAttachedPoliciesResponse& v);
void encode(Xml& x, const backend::GetRolePolicyResponse& v);
void encode(Xml& x, const backend::GetUserPolicyResponse& v);
void encode(Xml& x, const backend::GetGroupPolicyResponse& v);
void encode(Xml& x, const backend::ListInlinePoliciesResponse& v);
void encode(Xml& x, const backend::ListUsersResponse& v);
void encode(Xml& x, const backend::GetGroupResponse& v);
void encode(Xml& x, const backend::ListGroupsResponse& v);
void encode(Xml& x, const backend::ListInstanceProfilesResponse& v);
void encode(Xml& x, const backend::ListAccessKeysResponse& v);

/// Entity bodies under a given element name (`Role` or `member`).
void write_role(Xml& x, std::string_view element, const backend::Role& v);
void write_user(Xml& x, std::string_view element, const backend::User& v);
void write_group(Xml& x, std::string_view element, const backend::Group& v);

/// AWS's error envelope: `<ErrorResponse xmlns=ns><Error><Type/><Code/><Message/></Error><RequestId/>`.
std::string error_xml(const backend::ApiError& e, std::string_view xmlns, std::string_view request_id);
/// `<ResponseMetadata><RequestId>..</RequestId></ResponseMetadata>`.
void write_metadata(Xml& x, std::string_view request_id);

}  // namespace iamforge::serve
