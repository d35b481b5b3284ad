// Providers per resource type: see include/iamforge/engine/provider.hpp.
#include <memory>
#include <vector>

#include "iamforge/engine/provider.hpp"

namespace iamforge::engine {
namespace {

using backend::ApiError;
using backend::ErrorCode;
using backend::Result;
using backend::Status;

std::string get(const Props& p, std::string_view name, const std::string& fallback = "") {
  auto it = p.find(name);
  return it == p.end() || it->second.empty() ? fallback : it->second;
}

Props echo(const Props& inputs) { return inputs; }

ApiError not_yet(std::string_view what) {
  return ApiError(ErrorCode::ServiceFailure, std::string(what) + " is not implemented yet");
}

Status ignore_missing(Status s) {
  if (!s.ok() && s.error().code == ErrorCode::NoSuchEntity) return {};
  return s;
}

class RoleProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:Role"; }
  Result<Props> create(backend::Backend& be, const Props& in, const std::string& name) const override {
    backend::CreateRoleRequest req;
    req.role_name = name;
    req.assume_role_policy_document = get(in, "assumeRolePolicy");
    req.path = get(in, "path", "/");
    if (auto d = get(in, "description"); !d.empty()) req.description = d;
    if (auto m = get(in, "maxSessionDuration"); !m.empty()) req.max_session_duration = std::stoi(m);
    req.permissions_boundary = get(in, "permissionsBoundary");
    auto role = be.create_role(req);
    if (!role.ok()) return role.error();
    Props out = echo(in);
    out["id"] = role->role_name;
    out["name"] = role->role_name;
    out["arn"] = role->arn;
    out["uniqueId"] = role->role_id;
    out["createDate"] = role->create_date;
    out["path"] = role->path;
    return out;
  }
  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    Props out = old;
    const std::string name = get(old, "name");
    for (const auto& c : changed) {
      if (c == "assumeRolePolicy") {
        if (auto s = be.update_assume_role_policy({name, get(in, "assumeRolePolicy")}); !s.ok()) return s.error();
      } else if (c == "description" || c == "maxSessionDuration") {
        backend::UpdateRoleRequest req;
        req.role_name = name;
        if (c == "description") req.description = get(in, "description");
        else req.max_session_duration = std::stoi(get(in, "maxSessionDuration", "3600"));
        if (auto s = be.update_role(req); !s.ok()) return s.error();
      } else {
        return not_yet("updating " + c + " of aws:iam:Role");
      }
      if (auto it = in.find(c); it != in.end()) out[c] = it->second;
      else out.erase(c);
    }
    return out;
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    return ignore_missing(be.delete_role({get(out, "name")}));
  }
  Result<ReadResult> read(backend::Backend&, const std::string&) const override { return not_yet("reading roles"); }
};

class PolicyProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:Policy"; }
  Result<Props> create(backend::Backend& be, const Props& in, const std::string& name) const override {
    backend::CreatePolicyRequest req;
    req.policy_name = name;
    req.policy_document = get(in, "policy");
    req.path = get(in, "path", "/");
    if (auto d = get(in, "description"); !d.empty()) req.description = d;
    auto pol = be.create_policy(req);
    if (!pol.ok()) return pol.error();
    Props out = echo(in);
    out["id"] = pol->arn;
    out["name"] = pol->policy_name;
    out["arn"] = pol->arn;
    out["policyId"] = pol->policy_id;
    out["path"] = pol->path;
    return out;
  }
  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    Props out = old;
    const std::string arn = get(old, "arn");
    for (const auto& c : changed) {
      if (c != "policy") return not_yet("updating " + c + " of aws:iam:Policy");
      auto versions = be.list_policy_versions({arn, "", std::nullopt});
      if (!versions.ok()) return versions.error();
      if (versions->versions.size() >= 5) {
        // The oldest non-default version (the list is newest first).
        for (auto it = versions->versions.rbegin(); it != versions->versions.rend(); ++it)
          if (!it->is_default_version) {
            if (auto s = be.delete_policy_version({arn, it->version_id}); !s.ok()) return s.error();
            break;
          }
      }
      auto v = be.create_policy_version({arn, get(in, "policy"), true});
      if (!v.ok()) return v.error();
      out["policy"] = get(in, "policy");
    }
    return out;
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    const std::string arn = get(out, "arn");
    auto versions = be.list_policy_versions({arn, "", std::nullopt});
    if (versions.ok())
      for (const auto& v : versions->versions)
        if (!v.is_default_version)
          if (auto s = ignore_missing(be.delete_policy_version({arn, v.version_id})); !s.ok()) return s;
    return ignore_missing(be.delete_policy({arn}));
  }
  Result<ReadResult> read(backend::Backend&, const std::string&) const override { return not_yet("reading policies"); }
};

class GroupProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:Group"; }
  Result<Props> create(backend::Backend& be, const Props& in, const std::string& name) const override {
    backend::CreateGroupRequest req;
    req.group_name = name;
    req.path = get(in, "path", "/");
    auto g = be.create_group(req);
    if (!g.ok()) return g.error();
    Props out = echo(in);
    out["id"] = g->group_name;
    out["name"] = g->group_name;
    out["arn"] = g->arn;
    out["uniqueId"] = g->group_id;
    out["path"] = g->path;
    return out;
  }
  Result<Props> update(backend::Backend&, const Props&, const Props&,
                       const std::vector<std::string>& changed) const override {
    return not_yet("updating " + (changed.empty() ? std::string("?") : changed.front()) + " of aws:iam:Group");
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    return ignore_missing(be.delete_group({get(out, "name")}));
  }
  Result<ReadResult> read(backend::Backend&, const std::string&) const override { return not_yet("reading groups"); }
};

class RoleAttachmentProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:RolePolicyAttachment"; }
  Result<Props> create(backend::Backend& be, const Props& in, const std::string&) const override {
    if (auto s = be.attach_role_policy({get(in, "role"), get(in, "policyArn")}); !s.ok()) return s.error();
    Props out = echo(in);
    out["id"] = get(in, "role") + "/" + get(in, "policyArn");
    return out;
  }
  Result<Props> update(backend::Backend&, const Props&, const Props&, const std::vector<std::string>&) const override {
    return not_yet("updating aws:iam:RolePolicyAttachment");
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    return ignore_missing(be.detach_role_policy({get(out, "role"), get(out, "policyArn")}));
  }
  Result<ReadResult> read(backend::Backend&, const std::string&) const override { return not_yet("reading attachments"); }
};

class GroupAttachmentProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:GroupPolicyAttachment"; }
  Result<Props> create(backend::Backend& be, const Props& in, const std::string&) const override {
    if (auto s = be.attach_group_policy({get(in, "group"), get(in, "policyArn")}); !s.ok()) return s.error();
    Props out = echo(in);
    out["id"] = get(in, "group") + "/" + get(in, "policyArn");
    return out;
  }
  Result<Props> update(backend::Backend&, const Props&, const Props&, const std::vector<std::string>&) const override {
    return not_yet("updating aws:iam:GroupPolicyAttachment");
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    return ignore_missing(be.detach_group_policy({get(out, "group"), get(out, "policyArn")}));
  }
  Result<ReadResult> read(backend::Backend&, const std::string&) const override { return not_yet("reading attachments"); }
};

}  // namespace

const Provider* find_provider(std::string_view type) {
  static const RoleProvider role;
  static const PolicyProvider policy;
  static const GroupProvider group;
  static const RoleAttachmentProvider role_attachment;
  static const GroupAttachmentProvider group_attachment;
  static const Provider* const all[] = {&role, &policy, &group, &role_attachment, &group_attachment};
  for (const auto* p : all)
    if (p->type() == type) return p;
  return nullptr;
}

}  // namespace iamforge::engine
