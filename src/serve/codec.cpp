// The IAM Query API codec: request decoders (one per operation) and result encoders.
#include "iamforge/serve/codec.hpp"

#include <cctype>
#include <charconv>

namespace iamforge::serve {

using backend::ApiError;
using backend::ErrorCode;

std::string member_name(std::string_view param) {
  std::string s(param);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

namespace {
ApiError validation(std::string_view value_text, std::string_view param, std::string_view constraint) {
  return ApiError(ErrorCode::ValidationError, "1 validation error detected: Value " + std::string(value_text) + " at '" +
                                                  member_name(param) + "' failed to satisfy constraint: " +
                                                  std::string(constraint));
}
ApiError missing(std::string_view param) { return validation("null", param, "Member must not be null"); }

std::string key(std::string_view a, std::string_view b) {
  std::string k(a);
  k += b;
  return k;
}
}  // namespace

void Decoder::required(std::string_view name, std::string& out) {
  auto it = p_.find(name);
  if (it == p_.end()) return fail(missing(name));
  out = it->second;
}

void Decoder::optional(std::string_view name, std::string& out) {
  auto it = p_.find(name);
  if (it != p_.end()) out = it->second;
}

void Decoder::optional(std::string_view name, std::optional<std::string>& out) {
  auto it = p_.find(name);
  if (it != p_.end()) out = it->second;
}

void Decoder::optional_int(std::string_view name, std::optional<int>& out) {
  auto it = p_.find(name);
  if (it == p_.end()) return;
  const std::string& v = it->second;
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty())
    return fail(ApiError(ErrorCode::ValidationError, "Invalid value '" + v + "' for parameter " + std::string(name) +
                                                         ": not an integer"));
  out = n;
}

void Decoder::optional_bool(std::string_view name, bool& out) {
  auto it = p_.find(name);
  if (it == p_.end()) return;
  if (it->second == "true")
    out = true;
  else if (it->second == "false")
    out = false;
  else
    fail(ApiError(ErrorCode::ValidationError,
                  "Invalid value '" + it->second + "' for parameter " + std::string(name) + ": not a boolean"));
}

void Decoder::bad_choice(std::string_view name, const std::string& text, const std::string& allowed) {
  fail(validation("'" + text + "'", name, "Member must satisfy enum value set: [" + allowed + "]"));
}

void Decoder::strings(std::string_view name, std::vector<std::string>& out, bool required) {
  bool present = p_.find(name) != p_.end();
  for (int i = 1;; ++i) {
    auto it = p_.find(key(name, ".member." + std::to_string(i)));
    if (it == p_.end()) break;
    out.push_back(it->second);
    present = true;
  }
  if (required && !present) fail(missing(name));
}

void Decoder::tags(std::string_view name, std::vector<backend::Tag>& out, bool required) {
  bool present = p_.find(name) != p_.end();
  for (int i = 1;; ++i) {
    std::string prefix = key(name, ".member." + std::to_string(i));
    auto k = p_.find(prefix + ".Key");
    auto v = p_.find(prefix + ".Value");
    if (k == p_.end() && v == p_.end()) break;
    present = true;
    if (k == p_.end()) return fail(missing(prefix + ".Key"));
    if (v == p_.end()) return fail(missing(prefix + ".Value"));
    out.push_back(backend::Tag{k->second, v->second});
  }
  if (required && !present) fail(missing(name));
}

using namespace backend;

// ---------------------------------------------------------------------------------------------
// Encoders (reference §6.3). Policy documents are URL-encoded (RFC 3986), as AWS returns them.

namespace {
void write_tags(Xml& x, const std::vector<Tag>& tags) {
  if (tags.empty()) return;
  x.open("Tags");
  for (const auto& t : tags) x.open("member").leaf("Key", t.key).leaf("Value", t.value).close("member");
  x.close("Tags");
}
void write_boundary(Xml& x, const std::optional<AttachedPermissionsBoundary>& b) {
  if (!b) return;
  x.open("PermissionsBoundary")
      .leaf("PermissionsBoundaryType", b->permissions_boundary_type)
      .leaf("PermissionsBoundaryArn", b->permissions_boundary_arn)
      .close("PermissionsBoundary");
}
void write_page(Xml& x, bool truncated, const std::string& marker) {
  x.leaf("IsTruncated", truncated);
  if (truncated) x.leaf("Marker", marker);
}
template <class T, class F>
void write_list(Xml& x, std::string_view name, const std::vector<T>& items, F&& each) {
  if (items.empty()) {
    x.empty(name);
    return;
  }
  x.open(name);
  for (const auto& item : items) each(item);
  x.close(name);
}
void write_policy(Xml& x, std::string_view element, const ManagedPolicy& v) {
  x.open(element)
      .leaf("PolicyName", v.policy_name)
      .leaf("PolicyId", v.policy_id)
      .leaf("Arn", v.arn)
      .leaf("Path", v.path)
      .leaf("DefaultVersionId", v.default_version_id)
      .leaf("AttachmentCount", v.attachment_count)
      .leaf("PermissionsBoundaryUsageCount", v.permissions_boundary_usage_count)
      .leaf("IsAttachable", v.is_attachable)
      .leaf("Description", v.description)
      .leaf("CreateDate", v.create_date)
      .leaf("UpdateDate", v.update_date);
  write_tags(x, v.tags);
  x.close(element);
}
void write_version(Xml& x, std::string_view element, const PolicyVersion& v) {
  x.open(element);
  if (v.document) x.leaf("Document", uri_encode(*v.document));
  x.leaf("VersionId", v.version_id).leaf("IsDefaultVersion", v.is_default_version).leaf("CreateDate", v.create_date);
  x.close(element);
}
void write_instance_profile(Xml& x, std::string_view element, const InstanceProfile& v) {
  x.open(element)
      .leaf("Path", v.path)
      .leaf("InstanceProfileName", v.instance_profile_name)
      .leaf("InstanceProfileId", v.instance_profile_id)
      .leaf("Arn", v.arn)
      .leaf("CreateDate", v.create_date);
  write_list(x, "Roles", v.roles, [&](const Role& r) { write_role(x, "member", r); });
  write_tags(x, v.tags);
  x.close(element);
}
}  // namespace

void write_role(Xml& x, std::string_view element, const Role& v) {
  x.open(element)
      .leaf("Path", v.path)
      .leaf("RoleName", v.role_name)
      .leaf("RoleId", v.role_id)
      .leaf("Arn", v.arn)
      .leaf("CreateDate", v.create_date)
      .leaf("AssumeRolePolicyDocument", uri_encode(v.assume_role_policy_document))
      .leaf("Description", v.description)
      .leaf("MaxSessionDuration", v.max_session_duration);
  write_boundary(x, v.permissions_boundary);
  write_tags(x, v.tags);
  // GetRole only (engaged by LocalBackend::get_role): AWS sends `<RoleLastUsed/>` for a role never
  // used, which boto3 parses as {}.
  if (v.role_last_used) {
    if (!v.role_last_used->last_used_date && !v.role_last_used->region)
      x.empty("RoleLastUsed");
    else
      x.open("RoleLastUsed")
          .leaf("LastUsedDate", v.role_last_used->last_used_date)
          .leaf("Region", v.role_last_used->region)
          .close("RoleLastUsed");
  }
  x.close(element);
}

void write_user(Xml& x, std::string_view element, const User& v) {
  x.open(element)
      .leaf("Path", v.path)
      .leaf("UserName", v.user_name)
      .leaf("UserId", v.user_id)
      .leaf("Arn", v.arn)
      .leaf("CreateDate", v.create_date);
  write_boundary(x, v.permissions_boundary);
  write_tags(x, v.tags);
  x.close(element);
}

void write_group(Xml& x, std::string_view element, const Group& v) {
  x.open(element)
      .leaf("Path", v.path)
      .leaf("GroupName", v.group_name)
      .leaf("GroupId", v.group_id)
      .leaf("Arn", v.arn)
      .leaf("CreateDate", v.create_date)
      .close(element);
}

void encode(Xml& x, const Role& v) { write_role(x, "Role", v); }
void encode(Xml& x, const User& v) { write_user(x, "User", v); }
void encode(Xml& x, const Group& v) { write_group(x, "Group", v); }
void encode(Xml& x, const ManagedPolicy& v) { write_policy(x, "Policy", v); }
void encode(Xml& x, const PolicyVersion& v) { write_version(x, "PolicyVersion", v); }
void encode(Xml& x, const InstanceProfile& v) { write_instance_profile(x, "InstanceProfile", v); }
void encode(Xml& x, const AccessKey& v) {
  x.open("AccessKey")
      .leaf("UserName", v.user_name)
      .leaf("AccessKeyId", v.access_key_id)
      .leaf("Status", v.status)
      .leaf("SecretAccessKey", v.secret_access_key)
      .leaf("CreateDate", v.create_date)
      .close("AccessKey");
}
void encode(Xml& x, const ListRolesResponse& v) {
  write_list(x, "Roles", v.roles, [&](const Role& r) { write_role(x, "member", r); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const ListPoliciesResponse& v) {
  write_list(x, "Policies", v.policies, [&](const ManagedPolicy& p) { write_policy(x, "member", p); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const ListPolicyVersionsResponse& v) {
  write_list(x, "Versions", v.versions, [&](const PolicyVersion& p) { write_version(x, "member", p); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const ListAttachedPoliciesResponse& v) {
  write_list(x, "AttachedPolicies", v.attached_policies, [&](const AttachedPolicy& p) {
    x.open("member").leaf("PolicyName", p.policy_name).leaf("PolicyArn", p.policy_arn).close("member");
  });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const GetRolePolicyResponse& v) {
  x.leaf("RoleName", v.role_name).leaf("PolicyName", v.policy_name).leaf("PolicyDocument", uri_encode(v.policy_document));
}
void encode(Xml& x, const GetUserPolicyResponse& v) {
  x.leaf("UserName", v.user_name).leaf("PolicyName", v.policy_name).leaf("PolicyDocument", uri_encode(v.policy_document));
}
void encode(Xml& x, const GetGroupPolicyResponse& v) {
  x.leaf("GroupName", v.group_name)
      .leaf("PolicyName", v.policy_name)
      .leaf("PolicyDocument", uri_encode(v.policy_document));
}
void encode(Xml& x, const ListInlinePoliciesResponse& v) {
  write_list(x, "PolicyNames", v.policy_names, [&](const std::string& n) { x.leaf("member", n); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const ListUsersResponse& v) {
  write_list(x, "Users", v.users, [&](const User& u) { write_user(x, "member", u); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const GetGroupResponse& v) {
  write_group(x, "Group", v.group);
  write_list(x, "Users", v.users, [&](const User& u) { write_user(x, "member", u); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const ListGroupsResponse& v) {
  write_list(x, "Groups", v.groups, [&](const Group& g) { write_group(x, "member", g); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const ListInstanceProfilesResponse& v) {
  write_list(x, "InstanceProfiles", v.instance_profiles,
             [&](const InstanceProfile& p) { write_instance_profile(x, "member", p); });
  write_page(x, v.is_truncated, v.marker);
}
void encode(Xml& x, const ListAccessKeysResponse& v) {
  write_list(x, "AccessKeyMetadata", v.access_key_metadata, [&](const AccessKeyMetadata& m) {
    x.open("member")
        .leaf("UserName", m.user_name)
        .leaf("AccessKeyId", m.access_key_id)
        .leaf("Status", m.status)
        .leaf("CreateDate", m.create_date)
        .close("member");
  });
  write_page(x, v.is_truncated, v.marker);
}

std::string error_xml(const ApiError& e, std::string_view xmlns, std::string_view request_id) {
  Xml x;
  x.open("ErrorResponse", xmlns)
      .open("Error")
      .leaf("Type", to_string(fault_of(e.code)))
      .leaf("Code", to_string(e.code))
      .leaf("Message", e.message)
      .close("Error")
      .leaf("RequestId", request_id)
      .close("ErrorResponse");
  return x.take();
}

void write_metadata(Xml& x, std::string_view request_id) {
  x.open("ResponseMetadata").leaf("RequestId", request_id).close("ResponseMetadata");
}

}  // namespace iamforge::serve
