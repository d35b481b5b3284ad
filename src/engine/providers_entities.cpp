// Providers of the IAM entities: Role, Policy, Group, User, InstanceProfile. Behaviour follows
// terraform-provider-aws (internal/service/iam/{role,policy,group,user,instance_profile}.go), which
// pulumi-aws wraps: see include/iamforge/engine/provider.hpp for ids, outputs and read().
#include <algorithm>
#include <charconv>

#include "provider_util.hpp"

namespace iamforge::engine::detail {
namespace {

using backend::ApiError;
using backend::Result;
using backend::Status;

// The name to create under: the engine's choice, else the `name` input.
std::string create_name(const Props& in, const std::string& physical_name) {
  return physical_name.empty() ? get(in, "name") : physical_name;
}

// Sets `name` in `p` to `value`, or removes it when `value` is empty.
void put(Props& p, const std::string& name, const std::string& value) {
  if (value.empty())
    p.erase(name);
  else
    p[name] = value;
}

std::string tag_map_canonical(std::string_view name, const std::string& text) {
  if (name != "tags") return text;
  auto tags = parse_tags(text);
  return tags.ok() ? tags_text(*tags) : text;
}

// ---------------------------------------------------------------------------------------------
// aws:iam:Role

class RoleProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:Role"; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string& physical_name) const override {
    backend::CreateRoleRequest req;
    req.role_name = create_name(in, physical_name);
    req.assume_role_policy_document = get(in, "assumeRolePolicy");
    req.path = get(in, "path", "/");
    if (auto d = get(in, "description"); !d.empty()) req.description = d;
    if (!get(in, "maxSessionDuration").empty()) {
      auto m = integer(in, "maxSessionDuration", 3600);
      if (!m.ok()) return m.error();
      req.max_session_duration = *m;
    }
    req.permissions_boundary = get(in, "permissionsBoundary");
    auto tags = parse_tags(get(in, "tags"));
    if (!tags.ok()) return tags.error();
    req.tags = *tags;
    auto role = be.create_role(req);
    if (!role.ok()) return role.error();
    return outputs(in, *role);
  }

  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    const std::string name = get(old, "name", get(old, "id"));
    for (const auto& c : changed) {
      Status s;
      if (c == "assumeRolePolicy") {
        s = be.update_assume_role_policy({name, get(in, "assumeRolePolicy")});
      } else if (c == "description") {
        // An empty description clears it (UpdateRole), as terraform does on removal.
        s = be.update_role({.role_name = name, .description = get(in, "description")});
      } else if (c == "maxSessionDuration") {
        auto m = integer(in, "maxSessionDuration", 3600);
        if (!m.ok()) return m.error();
        s = be.update_role({.role_name = name, .max_session_duration = *m});
      } else if (c == "permissionsBoundary") {
        const std::string boundary = get(in, "permissionsBoundary");
        s = boundary.empty() ? be.delete_role_permissions_boundary({name})
                             : be.put_role_permissions_boundary({name, boundary});
      } else if (c == "tags") {
        auto live = be.get_role({name});
        if (!live.ok()) return live.error();
        auto want = parse_tags(get(in, "tags"));
        if (!want.ok()) return want.error();
        s = reconcile_tags(
            live->tags, *want, [&](std::vector<std::string> keys) { return be.untag_role({name, std::move(keys)}); },
            [&](std::vector<backend::Tag> tags) { return be.tag_role({name, std::move(tags)}); });
      } else if (c == "forceDetachPolicies") {
        // Only changes what remove() does; nothing to tell IAM.
      } else {
        return not_updatable(type(), c);
      }
      if (!s.ok()) return s.error();
    }
    auto role = be.get_role({name});
    if (!role.ok()) return role.error();
    return outputs(in, *role);
  }

  // terraform's deleteRole: the role leaves its instance profiles first (always: IAM refuses
  // DeleteRole while it is in one); with forceDetachPolicies its managed policies are detached and
  // its inline policies deleted, otherwise IAM's DeleteConflict reaches the user.
  Status remove(backend::Backend& be, const Props& out) const override {
    const std::string name = get(out, "name", get(out, "id"));
    auto profiles = instance_profile_names_of_role(be, name);
    if (missing(profiles)) return {};
    if (!profiles.ok()) return profiles.error();
    for (const auto& p : *profiles)
      if (auto s = ignore_missing(be.remove_role_from_instance_profile({p, name})); !s.ok()) return s;
    if (flag(out, "forceDetachPolicies")) {
      auto arns = attached_policy_arns_of_role(be, name);
      if (!arns.ok()) return ignore_missing(arns.error());
      for (const auto& a : *arns)
        if (auto s = ignore_missing(be.detach_role_policy({name, a})); !s.ok()) return s;
      auto inlines = inline_policy_names_of_role(be, name);
      if (!inlines.ok()) return ignore_missing(inlines.error());
      for (const auto& p : *inlines)
        if (auto s = ignore_missing(be.delete_role_policy({name, p})); !s.ok()) return s;
    }
    return ignore_missing(be.delete_role({name}));
  }

  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    auto role = be.get_role({id});
    if (missing(role)) return ReadResult{};
    if (!role.ok()) return role.error();
    ReadResult r;
    r.exists = true;
    r.inputs["name"] = role->role_name;
    r.inputs["path"] = role->path;
    r.inputs["assumeRolePolicy"] = role->assume_role_policy_document;
    r.inputs["maxSessionDuration"] = std::to_string(role->max_session_duration);
    if (role->description && !role->description->empty()) r.inputs["description"] = *role->description;
    if (role->permissions_boundary) r.inputs["permissionsBoundary"] = role->permissions_boundary->permissions_boundary_arn;
    if (!role->tags.empty()) r.inputs["tags"] = tags_text(role->tags);
    r.outputs = outputs(r.inputs, *role);
    return r;
  }

  std::vector<std::string_view> unread_inputs() const override { return {"namePrefix", "forceDetachPolicies"}; }
  Props input_defaults() const override {
    return {{"path", "/"}, {"maxSessionDuration", "3600"}, {"description", ""}, {"tags", "{}"},
            {"forceDetachPolicies", "false"}};
  }
  std::string canonical_input(std::string_view name, const std::string& text) const override {
    return tag_map_canonical(name, text);
  }

 private:
  static Props outputs(const Props& in, const backend::Role& role) {
    Props out = in;
    out["id"] = role.role_name;
    out["name"] = role.role_name;
    out["arn"] = role.arn;
    out["uniqueId"] = role.role_id;
    out["createDate"] = role.create_date;
    out["path"] = role.path;
    out["maxSessionDuration"] = std::to_string(role.max_session_duration);
    out["tagsAll"] = tags_text(role.tags);
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// aws:iam:Policy

class PolicyProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:Policy"; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string& physical_name) const override {
    backend::CreatePolicyRequest req;
    req.policy_name = create_name(in, physical_name);
    req.policy_document = get(in, "policy");
    req.path = get(in, "path", "/");
    if (auto d = get(in, "description"); !d.empty()) req.description = d;
    auto tags = parse_tags(get(in, "tags"));
    if (!tags.ok()) return tags.error();
    req.tags = *tags;
    auto pol = be.create_policy(req);
    if (!pol.ok()) return pol.error();
    return outputs(in, *pol);
  }

  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    const std::string arn = get(old, "arn", get(old, "id"));
    for (const auto& c : changed) {
      if (c == "policy") {
        if (auto s = new_default_version(be, arn, get(in, "policy")); !s.ok()) return s.error();
      } else if (c == "tags") {
        auto live = be.get_policy({arn});
        if (!live.ok()) return live.error();
        auto want = parse_tags(get(in, "tags"));
        if (!want.ok()) return want.error();
        auto s = reconcile_tags(
            live->tags, *want, [&](std::vector<std::string> keys) { return be.untag_policy({arn, std::move(keys)}); },
            [&](std::vector<backend::Tag> tags) { return be.tag_policy({arn, std::move(tags)}); });
        if (!s.ok()) return s.error();
      } else {
        return not_updatable(type(), c);
      }
    }
    auto pol = be.get_policy({arn});
    if (!pol.ok()) return pol.error();
    return outputs(in, *pol);
  }

  // terraform's resourcePolicyDelete: the non-default versions go first (IAM refuses DeletePolicy
  // while they exist); attachments are other resources' business, so DeleteConflict stays an error.
  Status remove(backend::Backend& be, const Props& out) const override {
    const std::string arn = get(out, "arn", get(out, "id"));
    auto versions = be.list_policy_versions({arn, "", std::nullopt});
    if (missing(versions)) return {};
    if (!versions.ok()) return versions.error();
    for (const auto& v : versions->versions)
      if (!v.is_default_version)
        if (auto s = ignore_missing(be.delete_policy_version({arn, v.version_id})); !s.ok()) return s;
    return ignore_missing(be.delete_policy({arn}));
  }

  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    auto pol = be.get_policy({id});
    if (missing(pol)) return ReadResult{};
    if (!pol.ok()) return pol.error();
    auto version = be.get_policy_version({id, pol->default_version_id});
    if (missing(version)) return ReadResult{};
    if (!version.ok()) return version.error();
    ReadResult r;
    r.exists = true;
    r.inputs["name"] = pol->policy_name;
    r.inputs["path"] = pol->path;
    r.inputs["policy"] = version->document.value_or("");
    if (pol->description && !pol->description->empty()) r.inputs["description"] = *pol->description;
    if (!pol->tags.empty()) r.inputs["tags"] = tags_text(pol->tags);
    r.outputs = outputs(r.inputs, *pol);
    return r;
  }

  std::vector<std::string_view> unread_inputs() const override { return {"namePrefix"}; }
  Props input_defaults() const override { return {{"path", "/"}, {"description", ""}, {"tags", "{}"}}; }
  std::string canonical_input(std::string_view name, const std::string& text) const override {
    return tag_map_canonical(name, text);
  }

 private:
  // terraform's policyPruneVersions then CreatePolicyVersion(SetAsDefault): IAM keeps at most five
  // versions, so at five the oldest non-default one (by CreateDate, then version number) goes.
  static Status new_default_version(backend::Backend& be, const std::string& arn, const std::string& document) {
    auto versions = be.list_policy_versions({arn, "", std::nullopt});
    if (!versions.ok()) return versions.error();
    if (versions->versions.size() >= 5) {
      const backend::PolicyVersion* oldest = nullptr;
      auto number = [](const std::string& v) {  // "v12" -> 12
        long long n = 0;
        if (v.size() > 1) std::from_chars(v.data() + 1, v.data() + v.size(), n);
        return n;
      };
      for (const auto& v : versions->versions) {
        if (v.is_default_version) continue;
        if (!oldest || v.create_date < oldest->create_date ||
            (v.create_date == oldest->create_date && number(v.version_id) < number(oldest->version_id)))
          oldest = &v;
      }
      if (oldest)
        if (auto s = be.delete_policy_version({arn, oldest->version_id}); !s.ok()) return s;
    }
    auto v = be.create_policy_version({arn, document, true});
    if (!v.ok()) return v.error();
    return {};
  }

  static Props outputs(const Props& in, const backend::ManagedPolicy& pol) {
    Props out = in;
    out["id"] = pol.arn;
    out["arn"] = pol.arn;
    out["name"] = pol.policy_name;
    out["path"] = pol.path;
    out["policyId"] = pol.policy_id;
    out["attachmentCount"] = std::to_string(pol.attachment_count);
    out["tagsAll"] = tags_text(pol.tags);
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// aws:iam:Group

class GroupProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:Group"; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string& physical_name) const override {
    auto g = be.create_group({create_name(in, physical_name), get(in, "path", "/")});
    if (!g.ok()) return g.error();
    return outputs(in, *g);
  }

  // terraform's resourceGroupUpdate: name and path change together through UpdateGroup. Without a
  // `name` input (auto-named) the current name stays.
  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    std::string name = get(old, "name", get(old, "id"));
    backend::UpdateGroupRequest req;
    req.group_name = name;
    for (const auto& c : changed) {
      if (c == "name") {
        if (auto n = get(in, "name"); !n.empty() && n != name) req.new_group_name = n;
      } else if (c == "path") {
        req.new_path = get(in, "path", "/");
      } else {
        return not_updatable(type(), c);
      }
    }
    if (req.new_group_name || req.new_path) {
      if (auto s = be.update_group(req); !s.ok()) return s.error();
      if (req.new_group_name) name = *req.new_group_name;
    }
    auto g = be.get_group({.group_name = name, .max_items = 1});
    if (!g.ok()) return g.error();
    return outputs(in, g->group);
  }

  // terraform's resourceGroupDelete deletes only the group: members and policies are other
  // resources (GroupMembership, attachments), removed before it in reverse dependency order.
  Status remove(backend::Backend& be, const Props& out) const override {
    return ignore_missing(be.delete_group({get(out, "name", get(out, "id"))}));
  }

  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    auto g = be.get_group({.group_name = id, .max_items = 1});
    if (missing(g)) return ReadResult{};
    if (!g.ok()) return g.error();
    ReadResult r;
    r.exists = true;
    r.inputs["name"] = g->group.group_name;
    r.inputs["path"] = g->group.path;
    r.outputs = outputs(r.inputs, g->group);
    return r;
  }

  Props input_defaults() const override { return {{"path", "/"}}; }

 private:
  static Props outputs(const Props& in, const backend::Group& g) {
    Props out = in;
    out["id"] = g.group_name;
    out["name"] = g.group_name;
    out["arn"] = g.arn;
    out["uniqueId"] = g.group_id;
    out["path"] = g.path;
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// aws:iam:User

class UserProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:User"; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string& physical_name) const override {
    backend::CreateUserRequest req;
    req.user_name = create_name(in, physical_name);
    req.path = get(in, "path", "/");
    req.permissions_boundary = get(in, "permissionsBoundary");
    auto tags = parse_tags(get(in, "tags"));
    if (!tags.ok()) return tags.error();
    req.tags = *tags;
    auto u = be.create_user(req);
    if (!u.ok()) return u.error();
    return outputs(in, *u);
  }

  // terraform's resourceUserUpdate: name and path through UpdateUser, the boundary through
  // Put/DeleteUserPermissionsBoundary, tags through Tag/UntagUser.
  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    std::string name = get(old, "name", get(old, "id"));
    backend::UpdateUserRequest rename;
    rename.user_name = name;
    for (const auto& c : changed) {
      if (c == "name") {
        if (auto n = get(in, "name"); !n.empty() && n != name) rename.new_user_name = n;
      } else if (c == "path") {
        rename.new_path = get(in, "path", "/");
      } else if (c != "permissionsBoundary" && c != "tags" && c != "forceDestroy") {
        return not_updatable(type(), c);
      }
    }
    if (rename.new_user_name || rename.new_path) {
      if (auto s = be.update_user(rename); !s.ok()) return s.error();
      if (rename.new_user_name) name = *rename.new_user_name;
    }
    for (const auto& c : changed) {
      Status s;
      if (c == "permissionsBoundary") {
        const std::string boundary = get(in, "permissionsBoundary");
        s = boundary.empty() ? be.delete_user_permissions_boundary({name})
                             : be.put_user_permissions_boundary({name, boundary});
      } else if (c == "tags") {
        auto live = be.get_user({name});
        if (!live.ok()) return live.error();
        auto want = parse_tags(get(in, "tags"));
        if (!want.ok()) return want.error();
        s = reconcile_tags(
            live->tags, *want, [&](std::vector<std::string> keys) { return be.untag_user({name, std::move(keys)}); },
            [&](std::vector<backend::Tag> tags) { return be.tag_user({name, std::move(tags)}); });
      }
      if (!s.ok()) return s.error();
    }
    auto u = be.get_user({name});
    if (!u.ok()) return u.error();
    return outputs(in, *u);
  }

  // terraform's resourceUserDelete: the user always leaves its groups first (IAM refuses DeleteUser
  // while it is in one); only with forceDestroy are its credentials deleted (access keys here: the
  // local IAM has no login profiles, SSH keys, MFA devices, signing certificates or service
  // credentials yet). Attached and inline policies are other resources, removed before it.
  Status remove(backend::Backend& be, const Props& out) const override {
    const std::string name = get(out, "name", get(out, "id"));
    auto groups = group_names_of_user(be, name);
    if (missing(groups)) return {};
    if (!groups.ok()) return groups.error();
    for (const auto& g : *groups)
      if (auto s = ignore_missing(be.remove_user_from_group({g, name})); !s.ok()) return s;
    if (flag(out, "forceDestroy")) {
      std::string marker;
      for (;;) {
        auto keys = be.list_access_keys({.user_name = name, .marker = marker});
        if (!keys.ok()) return ignore_missing(keys.error());
        for (const auto& k : keys->access_key_metadata)
          if (auto s = ignore_missing(be.delete_access_key({name, k.access_key_id})); !s.ok()) return s;
        if (!keys->is_truncated || keys->marker.empty()) break;
        marker = keys->marker;
      }
    }
    return ignore_missing(be.delete_user({name}));
  }

  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    auto u = be.get_user({id});
    if (missing(u)) return ReadResult{};
    if (!u.ok()) return u.error();
    ReadResult r;
    r.exists = true;
    r.inputs["name"] = u->user_name;
    r.inputs["path"] = u->path;
    if (u->permissions_boundary) r.inputs["permissionsBoundary"] = u->permissions_boundary->permissions_boundary_arn;
    if (!u->tags.empty()) r.inputs["tags"] = tags_text(u->tags);
    r.outputs = outputs(r.inputs, *u);
    return r;
  }

  std::vector<std::string_view> unread_inputs() const override { return {"forceDestroy"}; }
  Props input_defaults() const override { return {{"path", "/"}, {"tags", "{}"}, {"forceDestroy", "false"}}; }
  std::string canonical_input(std::string_view name, const std::string& text) const override {
    return tag_map_canonical(name, text);
  }

 private:
  static Props outputs(const Props& in, const backend::User& u) {
    Props out = in;
    out["id"] = u.user_name;
    out["name"] = u.user_name;
    out["arn"] = u.arn;
    out["uniqueId"] = u.user_id;
    out["path"] = u.path;
    out["tagsAll"] = tags_text(u.tags);
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// aws:iam:InstanceProfile

class InstanceProfileProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:InstanceProfile"; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string& physical_name) const override {
    backend::CreateInstanceProfileRequest req;
    req.instance_profile_name = create_name(in, physical_name);
    req.path = get(in, "path", "/");
    auto tags = parse_tags(get(in, "tags"));
    if (!tags.ok()) return tags.error();
    req.tags = *tags;
    auto ip = be.create_instance_profile(req);
    if (!ip.ok()) return ip.error();
    if (auto role = get(in, "role"); !role.empty()) {
      if (auto s = be.add_role_to_instance_profile({req.instance_profile_name, role}); !s.ok()) {
        // Nothing is recorded for a failed create: take the half-made profile back.
        (void)be.delete_instance_profile({req.instance_profile_name});
        return s.error();
      }
      auto again = be.get_instance_profile({req.instance_profile_name});
      if (!again.ok()) return again.error();
      return outputs(in, *again);
    }
    return outputs(in, *ip);
  }

  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    const std::string name = get(old, "name", get(old, "id"));
    for (const auto& c : changed) {
      auto live = be.get_instance_profile({name});
      if (!live.ok()) return live.error();
      Status s;
      if (c == "role") {
        // The profile holds one role: the live one leaves (whoever put it there), the new one joins.
        const std::string want = get(in, "role");
        bool present = false;
        for (const auto& r : live->roles) {
          if (r.role_name == want) {
            present = true;
            continue;
          }
          if (s = ignore_missing(be.remove_role_from_instance_profile({name, r.role_name})); !s.ok()) return s.error();
        }
        if (!want.empty() && !present) s = be.add_role_to_instance_profile({name, want});
      } else if (c == "tags") {
        auto want = parse_tags(get(in, "tags"));
        if (!want.ok()) return want.error();
        s = reconcile_tags(
            live->tags, *want,
            [&](std::vector<std::string> keys) { return be.untag_instance_profile({name, std::move(keys)}); },
            [&](std::vector<backend::Tag> tags) { return be.tag_instance_profile({name, std::move(tags)}); });
      } else {
        return not_updatable(type(), c);
      }
      if (!s.ok()) return s.error();
    }
    auto ip = be.get_instance_profile({name});
    if (!ip.ok()) return ip.error();
    return outputs(in, *ip);
  }

  // terraform's resourceInstanceProfileDelete removes the role first (IAM refuses to delete a
  // profile holding one); every live role goes, so a role added by hand cannot block the delete.
  Status remove(backend::Backend& be, const Props& out) const override {
    const std::string name = get(out, "name", get(out, "id"));
    auto ip = be.get_instance_profile({name});
    if (missing(ip)) return {};
    if (!ip.ok()) return ip.error();
    for (const auto& r : ip->roles)
      if (auto s = ignore_missing(be.remove_role_from_instance_profile({name, r.role_name})); !s.ok()) return s;
    return ignore_missing(be.delete_instance_profile({name}));
  }

  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    auto ip = be.get_instance_profile({id});
    if (missing(ip)) return ReadResult{};
    if (!ip.ok()) return ip.error();
    ReadResult r;
    r.exists = true;
    r.inputs["name"] = ip->instance_profile_name;
    r.inputs["path"] = ip->path;
    if (!ip->roles.empty()) r.inputs["role"] = ip->roles.front().role_name;
    if (!ip->tags.empty()) r.inputs["tags"] = tags_text(ip->tags);
    r.outputs = outputs(r.inputs, *ip);
    return r;
  }

  std::vector<std::string_view> unread_inputs() const override { return {"namePrefix"}; }
  Props input_defaults() const override { return {{"path", "/"}, {"role", ""}, {"tags", "{}"}}; }
  std::string canonical_input(std::string_view name, const std::string& text) const override {
    return tag_map_canonical(name, text);
  }

 private:
  static Props outputs(const Props& in, const backend::InstanceProfile& ip) {
    Props out = in;
    out["id"] = ip.instance_profile_name;
    out["name"] = ip.instance_profile_name;
    out["arn"] = ip.arn;
    out["uniqueId"] = ip.instance_profile_id;
    out["createDate"] = ip.create_date;
    out["path"] = ip.path;
    put(out, "role", ip.roles.empty() ? "" : ip.roles.front().role_name);
    out["tagsAll"] = tags_text(ip.tags);
    return out;
  }
};

}  // namespace

const Provider& role_provider() {
  static const RoleProvider p;
  return p;
}
const Provider& policy_provider() {
  static const PolicyProvider p;
  return p;
}
const Provider& group_provider() {
  static const GroupProvider p;
  return p;
}
const Provider& user_provider() {
  static const UserProvider p;
  return p;
}
const Provider& instance_profile_provider() {
  static const InstanceProfileProvider p;
  return p;
}

}  // namespace iamforge::engine::detail
