// Providers of what links IAM entities: managed policy attachments, inline policies and group
// memberships. Behaviour follows terraform-provider-aws (internal/service/iam/
// {role,group,user}_policy_attachment.go, {role,group,user}_policy.go, group_membership.go,
// user_group_membership.go): see include/iamforge/engine/provider.hpp for ids and read().
#include <algorithm>
#include <functional>

#include "provider_util.hpp"

namespace iamforge::engine::detail {
namespace {

using backend::Result;
using backend::Status;

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// ---------------------------------------------------------------------------------------------
// aws:iam:{Role,Group,User}PolicyAttachment: id `principal/policyArn` (principal names hold no '/').

// The IAM calls of one kind of principal.
struct AttachmentCalls {
  std::string_view type;
  std::string_view principal;  // the input naming the role, group or user
  std::function<Status(backend::Backend&, const std::string&, const std::string&)> attach;
  std::function<Status(backend::Backend&, const std::string&, const std::string&)> detach;
  std::function<Result<std::vector<std::string>>(backend::Backend&, const std::string&)> attached;
};

class AttachmentProvider final : public Provider {
 public:
  explicit AttachmentProvider(AttachmentCalls calls) : c_(std::move(calls)) {}
  std::string_view type() const override { return c_.type; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string&) const override {
    const std::string who = get(in, c_.principal), arn = get(in, "policyArn");
    if (auto s = c_.attach(be, who, arn); !s.ok()) return s.error();
    return outputs(in, who, arn);
  }
  // Both inputs force a replacement: there is nothing to change in place.
  Result<Props> update(backend::Backend&, const Props&, const Props&,
                       const std::vector<std::string>& changed) const override {
    return not_updatable(type(), changed.empty() ? std::string_view("?") : std::string_view(changed.front()));
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    return ignore_missing(c_.detach(be, get(out, c_.principal), get(out, "policyArn")));
  }
  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    const auto slash = id.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == id.size())
      return bad_id(type(), id, std::string(c_.principal) + "/policyArn");
    const std::string who = id.substr(0, slash), arn = id.substr(slash + 1);
    auto arns = c_.attached(be, who);
    if (missing(arns)) return ReadResult{};
    if (!arns.ok()) return arns.error();
    if (!contains(*arns, arn)) return ReadResult{};
    ReadResult r;
    r.exists = true;
    r.inputs[std::string(c_.principal)] = who;
    r.inputs["policyArn"] = arn;
    r.outputs = outputs(r.inputs, who, arn);
    return r;
  }

 private:
  static Props outputs(const Props& in, const std::string& who, const std::string& arn) {
    Props out = in;
    out["id"] = who + "/" + arn;
    return out;
  }
  AttachmentCalls c_;
};

// ---------------------------------------------------------------------------------------------
// aws:iam:{Role,Group,User}Policy (inline): id `principal:policyName`.

struct InlineCalls {
  std::string_view type;
  std::string_view principal;
  std::function<Status(backend::Backend&, const std::string&, const std::string&, const std::string&)> put;
  std::function<Result<std::string>(backend::Backend&, const std::string&, const std::string&)> get;
  std::function<Status(backend::Backend&, const std::string&, const std::string&)> remove;
};

class InlinePolicyProvider final : public Provider {
 public:
  explicit InlinePolicyProvider(InlineCalls calls) : c_(std::move(calls)) {}
  std::string_view type() const override { return c_.type; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string& physical_name) const override {
    const std::string who = get(in, c_.principal);
    const std::string name = physical_name.empty() ? get(in, "name") : physical_name;
    if (auto s = c_.put(be, who, name, get(in, "policy")); !s.ok()) return s.error();
    return outputs(in, who, name);
  }
  // Only `policy` changes in place: Put*Policy replaces the document under the same name.
  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    const std::string who = get(old, c_.principal), name = get(old, "name");
    for (const auto& c : changed)
      if (c != "policy") return not_updatable(type(), c);
    if (auto s = c_.put(be, who, name, get(in, "policy")); !s.ok()) return s.error();
    return outputs(in, who, name);
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    return ignore_missing(c_.remove(be, get(out, c_.principal), get(out, "name")));
  }
  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    const auto colon = id.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == id.size())
      return bad_id(type(), id, std::string(c_.principal) + ":policyName");
    const std::string who = id.substr(0, colon), name = id.substr(colon + 1);
    auto doc = c_.get(be, who, name);
    if (missing(doc)) return ReadResult{};
    if (!doc.ok()) return doc.error();
    ReadResult r;
    r.exists = true;
    r.inputs[std::string(c_.principal)] = who;
    r.inputs["name"] = name;
    r.inputs["policy"] = *doc;
    r.outputs = outputs(r.inputs, who, name);
    return r;
  }
  std::vector<std::string_view> unread_inputs() const override { return {"namePrefix"}; }

 private:
  static Props outputs(const Props& in, const std::string& who, const std::string& name) {
    Props out = in;
    out["id"] = who + ":" + name;
    out["name"] = name;
    return out;
  }
  InlineCalls c_;
};

// ---------------------------------------------------------------------------------------------
// aws:iam:GroupMembership: exclusive. create and update make the group's members exactly `users`
// (a user added by hand is removed); remove takes out only `users` (terraform's
// resourceGroupMembershipDelete). id: the group's name (see provider.hpp).

class GroupMembershipProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:GroupMembership"; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string& physical_name) const override {
    const std::string group = get(in, "group");
    if (auto s = make_exact(be, group, get(in, "users")); !s.ok()) return s.error();
    Props out = outputs(in, group);
    out["name"] = physical_name.empty() ? get(in, "name", group) : physical_name;
    return out;
  }
  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    for (const auto& c : changed)
      if (c != "users") return not_updatable(type(), c);
    const std::string group = get(old, "group");
    if (auto s = make_exact(be, group, get(in, "users")); !s.ok()) return s.error();
    Props out = outputs(in, group);
    out["name"] = get(old, "name", group);
    return out;
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    const std::string group = get(out, "group", get(out, "id"));
    auto users = parse_list(get(out, "users"));
    if (!users.ok()) return users.error();
    for (const auto& u : *users)
      if (auto s = ignore_missing(be.remove_user_from_group({group, u})); !s.ok()) return s;
    return {};
  }
  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    auto members = group_member_names(be, id);
    if (missing(members)) return ReadResult{};
    if (!members.ok()) return members.error();
    ReadResult r;
    r.exists = true;
    r.inputs["group"] = id;
    r.inputs["users"] = list_text(as_set(*members));
    r.outputs = outputs(r.inputs, id);
    return r;
  }
  std::vector<std::string_view> unread_inputs() const override { return {"name"}; }
  std::string canonical_input(std::string_view name, const std::string& text) const override {
    if (name != "users") return text;
    auto items = parse_list(text);
    return items.ok() ? list_text(as_set(*items)) : text;
  }

 private:
  static Status make_exact(backend::Backend& be, const std::string& group, const std::string& users_text) {
    auto want = parse_list(users_text);
    if (!want.ok()) return want.error();
    auto live = group_member_names(be, group);
    if (!live.ok()) return live.error();
    for (const auto& u : *live)
      if (!contains(*want, u))
        if (auto s = ignore_missing(be.remove_user_from_group({group, u})); !s.ok()) return s;
    for (const auto& u : *want)
      if (!contains(*live, u))
        if (auto s = be.add_user_to_group({group, u}); !s.ok()) return s;
    return {};
  }
  static Props outputs(const Props& in, const std::string& group) {
    Props out = in;
    out["id"] = group;
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// aws:iam:UserGroupMembership: not exclusive; manages only the user's membership in `groups`.
// id `user/group1/group2` (pulumi-aws's import format), rewritten when `groups` changes so read()
// always knows which groups are this resource's.

class UserGroupMembershipProvider final : public Provider {
 public:
  std::string_view type() const override { return "aws:iam:UserGroupMembership"; }

  Result<Props> create(backend::Backend& be, const Props& in, const std::string&) const override {
    const std::string user = get(in, "user");
    auto groups = parse_list(get(in, "groups"));
    if (!groups.ok()) return groups.error();
    for (const auto& g : *groups)
      if (auto s = be.add_user_to_group({g, user}); !s.ok()) return s.error();
    return outputs(in, user, *groups);
  }
  // terraform's resourceUserGroupMembershipUpdate: leave the groups dropped from the list, join
  // the ones added; other memberships of the user are left alone.
  Result<Props> update(backend::Backend& be, const Props& in, const Props& old,
                       const std::vector<std::string>& changed) const override {
    for (const auto& c : changed)
      if (c != "groups") return not_updatable(type(), c);
    const std::string user = get(old, "user");
    auto before = parse_list(get(old, "groups"));
    if (!before.ok()) return before.error();
    auto after = parse_list(get(in, "groups"));
    if (!after.ok()) return after.error();
    for (const auto& g : *before)
      if (!contains(*after, g))
        if (auto s = ignore_missing(be.remove_user_from_group({g, user})); !s.ok()) return s.error();
    for (const auto& g : *after)
      if (!contains(*before, g))
        if (auto s = be.add_user_to_group({g, user}); !s.ok()) return s.error();
    return outputs(in, user, *after);
  }
  Status remove(backend::Backend& be, const Props& out) const override {
    const std::string user = get(out, "user");
    auto groups = parse_list(get(out, "groups"));
    if (!groups.ok()) return groups.error();
    for (const auto& g : *groups)
      if (auto s = ignore_missing(be.remove_user_from_group({g, user})); !s.ok()) return s;
    return {};
  }
  // terraform's read keeps the listed groups the user is still in; none left means gone.
  Result<ReadResult> read(backend::Backend& be, const std::string& id) const override {
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      auto slash = id.find('/', start);
      parts.push_back(id.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    if (parts.size() < 2 || std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
      return bad_id(type(), id, "user/group1/group2/...");
    const std::string user = parts.front();
    const std::vector<std::string> listed(parts.begin() + 1, parts.end());
    auto live = group_names_of_user(be, user);
    if (missing(live)) return ReadResult{};
    if (!live.ok()) return live.error();
    std::vector<std::string> kept;
    for (const auto& g : listed)
      if (contains(*live, g)) kept.push_back(g);
    if (kept.empty()) return ReadResult{};
    ReadResult r;
    r.exists = true;
    r.inputs["user"] = user;
    r.inputs["groups"] = list_text(as_set(kept));
    r.outputs = outputs(r.inputs, user, kept);
    return r;
  }
  std::string canonical_input(std::string_view name, const std::string& text) const override {
    if (name != "groups") return text;
    auto items = parse_list(text);
    return items.ok() ? list_text(as_set(*items)) : text;
  }

 private:
  static Props outputs(const Props& in, const std::string& user, const std::vector<std::string>& groups) {
    Props out = in;
    std::string id = user;
    for (const auto& g : groups) id += "/" + g;
    out["id"] = id;
    return out;
  }
};

}  // namespace

const Provider& role_policy_attachment_provider() {
  static const AttachmentProvider p({"aws:iam:RolePolicyAttachment", "role",
                                     [](backend::Backend& be, const std::string& w, const std::string& a) {
                                       return be.attach_role_policy({w, a});
                                     },
                                     [](backend::Backend& be, const std::string& w, const std::string& a) {
                                       return be.detach_role_policy({w, a});
                                     },
                                     attached_policy_arns_of_role});
  return p;
}
const Provider& group_policy_attachment_provider() {
  static const AttachmentProvider p({"aws:iam:GroupPolicyAttachment", "group",
                                     [](backend::Backend& be, const std::string& w, const std::string& a) {
                                       return be.attach_group_policy({w, a});
                                     },
                                     [](backend::Backend& be, const std::string& w, const std::string& a) {
                                       return be.detach_group_policy({w, a});
                                     },
                                     attached_policy_arns_of_group});
  return p;
}
const Provider& user_policy_attachment_provider() {
  static const AttachmentProvider p({"aws:iam:UserPolicyAttachment", "user",
                                     [](backend::Backend& be, const std::string& w, const std::string& a) {
                                       return be.attach_user_policy({w, a});
                                     },
                                     [](backend::Backend& be, const std::string& w, const std::string& a) {
                                       return be.detach_user_policy({w, a});
                                     },
                                     attached_policy_arns_of_user});
  return p;
}

const Provider& role_policy_provider() {
  static const InlinePolicyProvider p(
      {"aws:iam:RolePolicy", "role",
       [](backend::Backend& be, const std::string& w, const std::string& n, const std::string& d) {
         return be.put_role_policy({w, n, d});
       },
       [](backend::Backend& be, const std::string& w, const std::string& n) -> Result<std::string> {
         auto r = be.get_role_policy({w, n});
         if (!r.ok()) return r.error();
         return r->policy_document;
       },
       [](backend::Backend& be, const std::string& w, const std::string& n) { return be.delete_role_policy({w, n}); }});
  return p;
}
const Provider& group_policy_provider() {
  static const InlinePolicyProvider p(
      {"aws:iam:GroupPolicy", "group",
       [](backend::Backend& be, const std::string& w, const std::string& n, const std::string& d) {
         return be.put_group_policy({w, n, d});
       },
       [](backend::Backend& be, const std::string& w, const std::string& n) -> Result<std::string> {
         auto r = be.get_group_policy({w, n});
         if (!r.ok()) return r.error();
         return r->policy_document;
       },
       [](backend::Backend& be, const std::string& w, const std::string& n) { return be.delete_group_policy({w, n}); }});
  return p;
}
const Provider& user_policy_provider() {
  static const InlinePolicyProvider p(
      {"aws:iam:UserPolicy", "user",
       [](backend::Backend& be, const std::string& w, const std::string& n, const std::string& d) {
         return be.put_user_policy({w, n, d});
       },
       [](backend::Backend& be, const std::string& w, const std::string& n) -> Result<std::string> {
         auto r = be.get_user_policy({w, n});
         if (!r.ok()) return r.error();
         return r->policy_document;
       },
       [](backend::Backend& be, const std::string& w, const std::string& n) { return be.delete_user_policy({w, n}); }});
  return p;
}

const Provider& group_membership_provider() {
  static const GroupMembershipProvider p;
  return p;
}
const Provider& user_group_membership_provider() {
  static const UserGroupMembershipProvider p;
  return p;
}

}  // namespace iamforge::engine::detail
