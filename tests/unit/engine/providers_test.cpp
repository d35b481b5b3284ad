// The per-type providers against a real embedded IAM: each test states the AWS / terraform-
// provider-aws rule it checks, then drives create / update / remove / read as the engine does.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "backend_test_util.hpp"
#include "iamforge/engine/provider.hpp"
#include "iamforge/spec/value.hpp"

using namespace iamforge;
using namespace iamforge::backend;
using engine::Props;
using engine::ReadResult;
using test::allow;
using test::fails_with;
using test::policy_arn;
using test::succeeded;

namespace {

const std::string kTrust = test::kSagemakerTrust;
const std::string kEc2Trust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

class Providers : public test::LocalBackendTest {
 protected:
  static const engine::Provider& provider(std::string_view type) {
    const auto* p = engine::find_provider(type);
    if (!p) throw std::runtime_error("no provider for " + std::string(type));
    return *p;
  }
  // create / update / read that fail the test on an error.
  Props create(std::string_view type, const Props& in, const std::string& name = "") {
    auto r = provider(type).create(iam(), in, name);
    EXPECT_TRUE(succeeded(r));
    return r.ok() ? r.value() : Props{};
  }
  Props update(std::string_view type, const Props& in, const Props& old, const std::vector<std::string>& changed) {
    auto r = provider(type).update(iam(), in, old, changed);
    EXPECT_TRUE(succeeded(r));
    return r.ok() ? r.value() : Props{};
  }
  ReadResult read(std::string_view type, const std::string& id) {
    auto r = provider(type).read(iam(), id);
    EXPECT_TRUE(succeeded(r));
    return r.ok() ? r.value() : ReadResult{};
  }
  std::vector<std::string> members(const std::string& group) {
    std::vector<std::string> out;
    auto g = iam().get_group({.group_name = group});
    EXPECT_TRUE(succeeded(g));
    if (g.ok())
      for (const auto& u : g->users) out.push_back(u.user_name);
    return out;
  }
  std::vector<std::string> groups_of(const std::string& user) {
    std::vector<std::string> out;
    auto g = iam().list_groups_for_user({.user_name = user});
    EXPECT_TRUE(succeeded(g));
    if (g.ok())
      for (const auto& x : g->groups) out.push_back(x.group_name);
    return out;
  }
  std::vector<std::string> version_ids(const std::string& arn) {
    std::vector<std::string> out;
    auto v = iam().list_policy_versions({arn, "", std::nullopt});
    EXPECT_TRUE(succeeded(v));
    if (v.ok())
      for (const auto& x : v->versions) out.push_back(x.version_id + (x.is_default_version ? "*" : ""));
    std::sort(out.begin(), out.end());
    return out;
  }
};

// The text the engine's raw_text gives for a stack's StringMap (spec::to_json).
std::string map_text(std::vector<std::pair<std::string, std::string>> kv) {
  std::vector<spec::Entry> entries;
  for (auto& [k, v] : kv) entries.push_back({k, {}, spec::Value::of_string(v)});
  return spec::to_json(spec::Value::of_map(std::move(entries)));
}
std::string list_text(std::vector<std::string> items) {
  std::vector<spec::Value> values;
  for (auto& s : items) values.push_back(spec::Value::of_string(s));
  return spec::to_json(spec::Value::of_list(std::move(values)));
}

}  // namespace

// Every type of resource_types.def has a provider answering to its token.
TEST_F(Providers, EveryResourceTypeHasAProvider) {
  std::vector<std::string_view> tokens;
#define IAMFORGE_RESOURCE_TYPE(kind, token, autoname) tokens.push_back(token);
#include "iamforge/spec/resource_types.def"
  EXPECT_EQ(tokens.size(), 13u);
  for (auto t : tokens) {
    const auto* p = engine::find_provider(t);
    ASSERT_NE(p, nullptr) << t;
    EXPECT_EQ(p->type(), t);
  }
  EXPECT_EQ(engine::find_provider("aws:iam:AccessKey"), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Role

// pulumi-aws Role: every argument reaches CreateRole; outputs id (= name), arn, uniqueId,
// createDate, tagsAll, and every input echoed.
TEST_F(Providers, RoleCreateHonoursEveryInput) {
  auto boundary = policy("boundary");
  const std::string tags = map_text({{"team", "ml"}, {"env", "dev"}});
  auto out = create("aws:iam:Role",
                    {{"assumeRolePolicy", kTrust},
                     {"path", "/svc/"},
                     {"description", "ML team"},
                     {"maxSessionDuration", "7200"},
                     {"permissionsBoundary", boundary.arn},
                     {"tags", tags},
                     {"forceDetachPolicies", "false"}},
                    "mlTeamRole-abc1234");
  EXPECT_EQ(out["id"], "mlTeamRole-abc1234");
  EXPECT_EQ(out["name"], "mlTeamRole-abc1234");
  EXPECT_EQ(out["arn"], "arn:aws:iam::123456789012:role/svc/mlTeamRole-abc1234");
  EXPECT_TRUE(test::is_unique_id(out["uniqueId"], "AROA"));
  EXPECT_EQ(out["createDate"], "2024-05-08T23:34:01Z");
  EXPECT_EQ(out["tagsAll"], R"({"env":"dev","team":"ml"})");
  EXPECT_EQ(out["description"], "ML team");
  EXPECT_EQ(out["forceDetachPolicies"], "false");
  auto role = iam().get_role({"mlTeamRole-abc1234"});
  ASSERT_TRUE(succeeded(role));
  EXPECT_EQ(role->path, "/svc/");
  EXPECT_EQ(role->description, "ML team");
  EXPECT_EQ(role->max_session_duration, 7200);
  ASSERT_TRUE(role->permissions_boundary.has_value());
  EXPECT_EQ(role->permissions_boundary->permissions_boundary_arn, boundary.arn);
  EXPECT_EQ(role->tags, (std::vector<Tag>{{"env", "dev"}, {"team", "ml"}}));
}

// A name given as the `name` input is used when the engine passes none.
TEST_F(Providers, RoleCreateUsesTheNameInput) {
  auto out = create("aws:iam:Role", {{"name", "given"}, {"assumeRolePolicy", kTrust}});
  EXPECT_EQ(out["id"], "given");
  EXPECT_EQ(out["path"], "/");
  EXPECT_EQ(out["maxSessionDuration"], "3600");
  EXPECT_EQ(out["tagsAll"], "{}");
}

// read(): the live role in the stack's names and text forms; IAM-only-defaults reported, absent
// optionals absent, inputs IAM does not hold never reported.
TEST_F(Providers, RoleReadReportsInputsAsTheStackWritesThem) {
  auto boundary = policy("boundary");
  create("aws:iam:Role",
         {{"assumeRolePolicy", kTrust},
          {"description", "d"},
          {"maxSessionDuration", "7200"},
          {"permissionsBoundary", boundary.arn},
          {"tags", map_text({{"b", "2"}, {"a", "1"}})},
          {"forceDetachPolicies", "true"}},
         "r1");
  auto r = read("aws:iam:Role", "r1");
  ASSERT_TRUE(r.exists);
  EXPECT_EQ(r.inputs, (Props{{"name", "r1"},
                             {"path", "/"},
                             {"assumeRolePolicy", kTrust},
                             {"description", "d"},
                             {"maxSessionDuration", "7200"},
                             {"permissionsBoundary", boundary.arn},
                             {"tags", R"({"a":"1","b":"2"})"}}));
  EXPECT_EQ(r.outputs["id"], "r1");
  EXPECT_EQ(r.outputs["arn"], "arn:aws:iam::123456789012:role/r1");
  const auto& p = provider("aws:iam:Role");
  auto unread = p.unread_inputs();
  EXPECT_NE(std::find(unread.begin(), unread.end(), "forceDetachPolicies"), unread.end());
  EXPECT_EQ(p.input_defaults().at("maxSessionDuration"), "3600");

  // A role with no description, boundary or tags reports none of them.
  create("aws:iam:Role", {{"assumeRolePolicy", kTrust}}, "bare");
  EXPECT_EQ(read("aws:iam:Role", "bare").inputs,
            (Props{{"name", "bare"}, {"path", "/"}, {"assumeRolePolicy", kTrust}, {"maxSessionDuration", "3600"}}));
}

// Drift: changes made by hand show in read().
TEST_F(Providers, RoleReadShowsOutOfBandChanges) {
  create("aws:iam:Role", {{"assumeRolePolicy", kTrust}}, "r1");
  ASSERT_TRUE(succeeded(iam().update_assume_role_policy({"r1", kEc2Trust})));
  ASSERT_TRUE(succeeded(iam().tag_role({"r1", {{"owner", "bob"}}})));
  ASSERT_TRUE(succeeded(iam().update_role({.role_name = "r1", .max_session_duration = 43200})));
  auto r = read("aws:iam:Role", "r1");
  EXPECT_EQ(r.inputs["assumeRolePolicy"], kEc2Trust);
  EXPECT_EQ(r.inputs["tags"], R"({"owner":"bob"})");
  EXPECT_EQ(r.inputs["maxSessionDuration"], "43200");
}

// Every Update-on-change input changes in place (same unique id): UpdateAssumeRolePolicy,
// UpdateRole (description, maxSessionDuration), Put/DeleteRolePermissionsBoundary, Tag/UntagRole.
TEST_F(Providers, RoleUpdatesInPlace) {
  auto boundary = policy("boundary");
  Props in{{"assumeRolePolicy", kTrust},
           {"description", "old"},
           {"permissionsBoundary", boundary.arn},
           {"tags", map_text({{"keep", "1"}, {"change", "a"}, {"drop", "x"}})}};
  auto out = create("aws:iam:Role", in, "r1");
  Props next{{"assumeRolePolicy", kEc2Trust},
             {"description", "new"},
             {"maxSessionDuration", "10800"},
             {"tags", map_text({{"keep", "1"}, {"change", "b"}, {"add", "y"}})},
             {"forceDetachPolicies", "true"}};
  auto after = update("aws:iam:Role", next, out,
                      {"assumeRolePolicy", "description", "maxSessionDuration", "permissionsBoundary", "tags",
                       "forceDetachPolicies"});
  EXPECT_EQ(after["uniqueId"], out["uniqueId"]);
  EXPECT_EQ(after["id"], "r1");
  EXPECT_EQ(after["forceDetachPolicies"], "true");
  EXPECT_EQ(after["tagsAll"], R"({"add":"y","change":"b","keep":"1"})");
  EXPECT_EQ(after.count("permissionsBoundary"), 0u);
  auto role = iam().get_role({"r1"});
  ASSERT_TRUE(succeeded(role));
  EXPECT_EQ(role->assume_role_policy_document, kEc2Trust);
  EXPECT_EQ(role->description, "new");
  EXPECT_EQ(role->max_session_duration, 10800);
  EXPECT_FALSE(role->permissions_boundary.has_value());
  auto r = read("aws:iam:Role", "r1");
  EXPECT_EQ(r.inputs["tags"], R"({"add":"y","change":"b","keep":"1"})");

  // Removing description, maxSessionDuration and tags from the stack clears them; adding a boundary puts it.
  auto last = update("aws:iam:Role", {{"assumeRolePolicy", kEc2Trust}, {"permissionsBoundary", boundary.arn}}, after,
                     {"description", "maxSessionDuration", "tags", "permissionsBoundary"});
  role = iam().get_role({"r1"});
  EXPECT_FALSE(role->description.has_value());
  EXPECT_EQ(role->max_session_duration, 3600);
  EXPECT_TRUE(role->tags.empty());
  ASSERT_TRUE(role->permissions_boundary.has_value());
  EXPECT_EQ(last["tagsAll"], "{}");
  // Name and path force replacement: update refuses them.
  EXPECT_FALSE(provider("aws:iam:Role").update(iam(), next, last, {"path"}).ok());
}

// remove: a role already gone is success; read of it is exists=false.
TEST_F(Providers, RoleDeletedOutOfBandIsGone) {
  auto out = create("aws:iam:Role", {{"assumeRolePolicy", kTrust}}, "r1");
  ASSERT_TRUE(succeeded(iam().delete_role({"r1"})));
  EXPECT_FALSE(read("aws:iam:Role", "r1").exists);
  EXPECT_TRUE(succeeded(provider("aws:iam:Role").remove(iam(), out)));
}

// terraform's deleteRole: the role always leaves its instance profiles (no DeleteConflict); the
// profile itself stays.
TEST_F(Providers, RoleRemoveTakesItOutOfInstanceProfiles) {
  auto out = create("aws:iam:Role", {{"assumeRolePolicy", kTrust}}, "r1");
  ASSERT_TRUE(succeeded(iam().create_instance_profile({.instance_profile_name = "web"})));
  ASSERT_TRUE(succeeded(iam().add_role_to_instance_profile({"web", "r1"})));
  ASSERT_TRUE(succeeded(provider("aws:iam:Role").remove(iam(), out)));
  EXPECT_TRUE(fails_with(iam().get_role({"r1"}), ErrorCode::NoSuchEntity));
  auto ip = iam().get_instance_profile({"web"});
  ASSERT_TRUE(succeeded(ip));
  EXPECT_TRUE(ip->roles.empty());
}

// forceDetachPolicies: without it IAM's DeleteConflict stands; with it managed policies are
// detached and inline policies deleted first.
TEST_F(Providers, RoleForceDetachPolicies) {
  auto p = policy("p1");
  auto out = create("aws:iam:Role", {{"assumeRolePolicy", kTrust}}, "r1");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r1", p.arn})));
  ASSERT_TRUE(succeeded(iam().put_role_policy({"r1", "inline1", allow()})));
  EXPECT_TRUE(fails_with(provider("aws:iam:Role").remove(iam(), out), ErrorCode::DeleteConflict));
  out["forceDetachPolicies"] = "true";
  ASSERT_TRUE(succeeded(provider("aws:iam:Role").remove(iam(), out)));
  EXPECT_FALSE(read("aws:iam:Role", "r1").exists);
  EXPECT_EQ(iam().get_policy({p.arn})->attachment_count, 0);
}

// ---------------------------------------------------------------------------------------------
// Policy

// pulumi-aws Policy: id is the ARN; outputs arn, policyId, attachmentCount, tagsAll.
TEST_F(Providers, PolicyCreateAndRead) {
  auto out = create("aws:iam:Policy",
                    {{"policy", test::kMlPolicy},
                     {"path", "/ml/"},
                     {"description", "Policy for Machine Learning Team"},
                     {"tags", map_text({{"team", "ml"}})}},
                    "mlPolicy-8a7b6c5");
  const std::string arn = "arn:aws:iam::123456789012:policy/ml/mlPolicy-8a7b6c5";
  EXPECT_EQ(out["id"], arn);
  EXPECT_EQ(out["arn"], arn);
  EXPECT_EQ(out["name"], "mlPolicy-8a7b6c5");
  EXPECT_TRUE(test::is_unique_id(out["policyId"], "ANPA"));
  EXPECT_EQ(out["attachmentCount"], "0");
  EXPECT_EQ(out["tagsAll"], R"({"team":"ml"})");
  auto r = read("aws:iam:Policy", arn);
  ASSERT_TRUE(r.exists);
  EXPECT_EQ(r.inputs, (Props{{"name", "mlPolicy-8a7b6c5"},
                             {"path", "/ml/"},
                             {"description", "Policy for Machine Learning Team"},
                             {"policy", test::kMlPolicy},
                             {"tags", R"({"team":"ml"})"}}));
  // Drift: a new default version made by hand, and an attachment.
  ASSERT_TRUE(succeeded(iam().create_policy_version({arn, allow("s3:*"), true})));
  role("r1");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r1", arn})));
  r = read("aws:iam:Policy", arn);
  EXPECT_EQ(r.inputs["policy"], allow("s3:*"));
  EXPECT_EQ(r.outputs["attachmentCount"], "1");
  EXPECT_FALSE(read("aws:iam:Policy", policy_arn("nope")).exists);
}

// terraform's policyPruneVersions: a document change makes a new default version; when five exist
// the oldest non-default one is deleted first (never the default, even when it is the oldest).
TEST_F(Providers, PolicyUpdateRotatesVersionsAtFive) {
  // Document number i allows reading bucket i.
  auto doc = [](int i) { return allow("s3:GetObject", "arn:aws:s3:::bucket-" + std::to_string(i) + "/*"); };
  auto out = create("aws:iam:Policy", {{"policy", doc(1)}}, "p1");
  const std::string arn = out["arn"];
  for (int i = 2; i <= 5; ++i) out = update("aws:iam:Policy", {{"policy", doc(i)}}, out, {"policy"});
  EXPECT_EQ(version_ids(arn), (std::vector<std::string>{"v1", "v2", "v3", "v4", "v5*"}));
  out = update("aws:iam:Policy", {{"policy", doc(6)}}, out, {"policy"});
  EXPECT_EQ(version_ids(arn), (std::vector<std::string>{"v2", "v3", "v4", "v5", "v6*"}));
  EXPECT_EQ(read("aws:iam:Policy", arn).inputs["policy"], doc(6));
  // The default moved back to the oldest by hand: the oldest non-default (v3) goes instead.
  ASSERT_TRUE(succeeded(iam().set_default_policy_version({arn, "v2"})));
  out = update("aws:iam:Policy", {{"policy", doc(7)}}, out, {"policy"});
  EXPECT_EQ(version_ids(arn), (std::vector<std::string>{"v2", "v4", "v5", "v6", "v7*"}));
}

// Tags change in place (Tag/UntagPolicy); description forces replacement (update refuses it).
TEST_F(Providers, PolicyUpdatesTags) {
  auto out = create("aws:iam:Policy", {{"policy", allow()}, {"tags", map_text({{"a", "1"}, {"b", "2"}})}}, "p1");
  out = update("aws:iam:Policy", {{"policy", allow()}, {"tags", map_text({{"b", "3"}})}}, out, {"tags"});
  EXPECT_EQ(out["tagsAll"], R"({"b":"3"})");
  EXPECT_EQ(iam().get_policy({out["arn"]})->tags, (std::vector<Tag>{{"b", "3"}}));
  EXPECT_FALSE(provider("aws:iam:Policy").update(iam(), {{"policy", allow()}, {"description", "x"}}, out, {"description"}).ok());
}

// remove deletes the non-default versions first; a policy already gone is success.
TEST_F(Providers, PolicyRemoveDeletesVersionsFirst) {
  auto out = create("aws:iam:Policy", {{"policy", allow()}}, "p1");
  out = update("aws:iam:Policy", {{"policy", allow("s3:PutObject")}}, out, {"policy"});
  ASSERT_TRUE(succeeded(provider("aws:iam:Policy").remove(iam(), out)));
  EXPECT_FALSE(read("aws:iam:Policy", out["id"]).exists);
  EXPECT_TRUE(succeeded(provider("aws:iam:Policy").remove(iam(), out)));
}

// ---------------------------------------------------------------------------------------------
// Group and User

// Group name and path change in place through UpdateGroup (terraform's resourceGroupUpdate); the
// id follows the new name; the unique id and members stay.
TEST_F(Providers, GroupCreateRenameMoveRead) {
  auto out = create("aws:iam:Group", {{"path", "/eng/"}}, "devs-1234567");
  EXPECT_EQ(out["id"], "devs-1234567");
  EXPECT_EQ(out["arn"], "arn:aws:iam::123456789012:group/eng/devs-1234567");
  EXPECT_TRUE(test::is_unique_id(out["uniqueId"], "AGPA"));
  user("alice");
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"devs-1234567", "alice"})));
  auto after = update("aws:iam:Group", {{"name", "engineers"}, {"path", "/org/"}}, out, {"name", "path"});
  EXPECT_EQ(after["id"], "engineers");
  EXPECT_EQ(after["arn"], "arn:aws:iam::123456789012:group/org/engineers");
  EXPECT_EQ(after["uniqueId"], out["uniqueId"]);
  EXPECT_EQ(members("engineers"), (std::vector<std::string>{"alice"}));
  EXPECT_FALSE(read("aws:iam:Group", "devs-1234567").exists);
  auto r = read("aws:iam:Group", "engineers");
  EXPECT_EQ(r.inputs, (Props{{"name", "engineers"}, {"path", "/org/"}}));
  ASSERT_TRUE(succeeded(iam().remove_user_from_group({"engineers", "alice"})));
  ASSERT_TRUE(succeeded(provider("aws:iam:Group").remove(iam(), after)));
  EXPECT_FALSE(read("aws:iam:Group", "engineers").exists);
  EXPECT_TRUE(succeeded(provider("aws:iam:Group").remove(iam(), after)));
}

// User: CreateUser with path, boundary and tags; in place: name and path (UpdateUser), boundary,
// tags; read reports them; forceDestroy is not IAM's.
TEST_F(Providers, UserCreateUpdateRead) {
  auto boundary = policy("boundary");
  auto out = create("aws:iam:User",
                    {{"path", "/people/"}, {"permissionsBoundary", boundary.arn}, {"tags", map_text({{"dept", "ml"}})}},
                    "alice-1234567");
  EXPECT_EQ(out["id"], "alice-1234567");
  EXPECT_EQ(out["arn"], "arn:aws:iam::123456789012:user/people/alice-1234567");
  EXPECT_TRUE(test::is_unique_id(out["uniqueId"], "AIDA"));
  EXPECT_EQ(out["tagsAll"], R"({"dept":"ml"})");
  auto r = read("aws:iam:User", "alice-1234567");
  EXPECT_EQ(r.inputs, (Props{{"name", "alice-1234567"},
                             {"path", "/people/"},
                             {"permissionsBoundary", boundary.arn},
                             {"tags", R"({"dept":"ml"})"}}));
  auto after = update("aws:iam:User", {{"name", "alice"}, {"path", "/staff/"}, {"tags", map_text({{"dept", "ops"}})}},
                      out, {"name", "path", "permissionsBoundary", "tags"});
  EXPECT_EQ(after["id"], "alice");
  EXPECT_EQ(after["uniqueId"], out["uniqueId"]);
  r = read("aws:iam:User", "alice");
  EXPECT_EQ(r.inputs, (Props{{"name", "alice"}, {"path", "/staff/"}, {"tags", R"({"dept":"ops"})"}}));
  EXPECT_FALSE(read("aws:iam:User", "alice-1234567").exists);
  // Drift: a boundary put by hand.
  ASSERT_TRUE(succeeded(iam().put_user_permissions_boundary({"alice", boundary.arn})));
  EXPECT_EQ(read("aws:iam:User", "alice").inputs["permissionsBoundary"], boundary.arn);
}

// terraform's resourceUserDelete: group memberships always go first; credentials (access keys)
// only with forceDestroy, otherwise IAM's DeleteConflict stands.
TEST_F(Providers, UserRemoveLeavesGroupsAndNeedsForceDestroyForKeys) {
  auto out = create("aws:iam:User", {}, "bob");
  group("g1");
  group("g2");
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"g1", "bob"})));
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"g2", "bob"})));
  ASSERT_TRUE(succeeded(iam().create_access_key({"bob"})));
  EXPECT_TRUE(fails_with(provider("aws:iam:User").remove(iam(), out), ErrorCode::DeleteConflict));
  EXPECT_TRUE(members("g1").empty());
  out["forceDestroy"] = "true";
  ASSERT_TRUE(succeeded(provider("aws:iam:User").remove(iam(), out)));
  EXPECT_FALSE(read("aws:iam:User", "bob").exists);
  EXPECT_TRUE(succeeded(provider("aws:iam:User").remove(iam(), out)));
}

// ---------------------------------------------------------------------------------------------
// Attachments: id `principal/policyArn`

TEST_F(Providers, PolicyAttachmentsOfRoleGroupAndUser) {
  auto p = policy("p1", allow(), "/team/");
  role("r1");
  group("g1");
  user("u1");
  struct Case {
    std::string type, principal, name;
  };
  for (const Case& c : {Case{"aws:iam:RolePolicyAttachment", "role", "r1"},
                        Case{"aws:iam:GroupPolicyAttachment", "group", "g1"},
                        Case{"aws:iam:UserPolicyAttachment", "user", "u1"}}) {
    SCOPED_TRACE(c.type);
    auto out = create(c.type, {{c.principal, c.name}, {"policyArn", p.arn}});
    const std::string id = c.name + "/" + p.arn;
    EXPECT_EQ(out["id"], id);
    auto r = read(c.type, id);
    ASSERT_TRUE(r.exists);
    EXPECT_EQ(r.inputs, (Props{{c.principal, c.name}, {"policyArn", p.arn}}));
    EXPECT_EQ(r.outputs["id"], id);
    // Detached by hand: gone; removing it again is success.
    ASSERT_TRUE(succeeded(provider(c.type).remove(iam(), out)));
    EXPECT_FALSE(read(c.type, id).exists);
    EXPECT_TRUE(succeeded(provider(c.type).remove(iam(), out)));
    EXPECT_FALSE(read(c.type, "ghost/" + p.arn).exists);
    EXPECT_TRUE(fails_with(provider(c.type).read(iam(), "no-slash"), ErrorCode::InvalidInput));
  }
  EXPECT_EQ(iam().get_policy({p.arn})->attachment_count, 0);
}

// ---------------------------------------------------------------------------------------------
// Inline policies: id `principal:policyName`

TEST_F(Providers, InlinePoliciesOfRoleGroupAndUser) {
  role("r1");
  group("g1");
  user("u1");
  struct Case {
    std::string type, principal, name;
  };
  for (const Case& c : {Case{"aws:iam:RolePolicy", "role", "r1"}, Case{"aws:iam:GroupPolicy", "group", "g1"},
                        Case{"aws:iam:UserPolicy", "user", "u1"}}) {
    SCOPED_TRACE(c.type);
    auto out = create(c.type, {{c.principal, c.name}, {"policy", allow()}}, "inline-1234567");
    const std::string id = c.name + ":inline-1234567";
    EXPECT_EQ(out["id"], id);
    EXPECT_EQ(out["name"], "inline-1234567");
    auto r = read(c.type, id);
    ASSERT_TRUE(r.exists);
    EXPECT_EQ(r.inputs, (Props{{c.principal, c.name}, {"name", "inline-1234567"}, {"policy", allow()}}));
    out = update(c.type, {{c.principal, c.name}, {"policy", allow("s3:PutObject")}}, out, {"policy"});
    EXPECT_EQ(read(c.type, id).inputs["policy"], allow("s3:PutObject"));
    EXPECT_EQ(out["id"], id);
    ASSERT_TRUE(succeeded(provider(c.type).remove(iam(), out)));
    EXPECT_FALSE(read(c.type, id).exists);
    EXPECT_TRUE(succeeded(provider(c.type).remove(iam(), out)));
    EXPECT_FALSE(read(c.type, "ghost:inline-1234567").exists);
    EXPECT_TRUE(fails_with(provider(c.type).read(iam(), "no-colon"), ErrorCode::InvalidInput));
  }
  // Drift: the document changed by hand.
  create("aws:iam:RolePolicy", {{"role", "r1"}, {"name", "fixed"}, {"policy", allow()}});
  ASSERT_TRUE(succeeded(iam().put_role_policy({"r1", "fixed", allow("iam:*", "*")})));
  EXPECT_EQ(read("aws:iam:RolePolicy", "r1:fixed").inputs["policy"], allow("iam:*", "*"));
}

// ---------------------------------------------------------------------------------------------
// Memberships

// GroupMembership is exclusive: create and update make the members exactly `users` (a user added
// by hand goes); read reports every member (hand-added ones are drift); remove takes out only its
// users.
TEST_F(Providers, GroupMembershipIsExclusive) {
  group("devs");
  for (auto n : {"alice", "bob", "carol", "mallory", "eve", "zed"}) user(n);
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"devs", "mallory"})));
  auto out = create("aws:iam:GroupMembership", {{"group", "devs"}, {"users", list_text({"bob", "alice"})}},
                    "devTeam-1234567");
  EXPECT_EQ(out["id"], "devs");
  EXPECT_EQ(out["name"], "devTeam-1234567");
  EXPECT_EQ(members("devs"), (std::vector<std::string>{"alice", "bob"}));

  ASSERT_TRUE(succeeded(iam().add_user_to_group({"devs", "eve"})));
  auto r = read("aws:iam:GroupMembership", "devs");
  ASSERT_TRUE(r.exists);
  EXPECT_EQ(r.inputs, (Props{{"group", "devs"}, {"users", list_text({"alice", "bob", "eve"})}}));
  const auto& p = provider("aws:iam:GroupMembership");
  EXPECT_EQ(p.canonical_input("users", list_text({"bob", "alice", "bob"})), list_text({"alice", "bob"}));
  EXPECT_EQ(p.canonical_input("group", "devs"), "devs");

  out = update("aws:iam:GroupMembership", {{"group", "devs"}, {"users", list_text({"bob", "carol"})}}, out, {"users"});
  EXPECT_EQ(members("devs"), (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(out["id"], "devs");
  EXPECT_EQ(out["name"], "devTeam-1234567");

  ASSERT_TRUE(succeeded(iam().add_user_to_group({"devs", "zed"})));
  ASSERT_TRUE(succeeded(p.remove(iam(), out)));
  EXPECT_EQ(members("devs"), (std::vector<std::string>{"zed"}));
  EXPECT_TRUE(succeeded(p.remove(iam(), out)));
  ASSERT_TRUE(succeeded(iam().remove_user_from_group({"devs", "zed"})));
  ASSERT_TRUE(succeeded(iam().delete_group({"devs"})));
  EXPECT_FALSE(read("aws:iam:GroupMembership", "devs").exists);
  EXPECT_TRUE(succeeded(p.remove(iam(), out)));
}

// UserGroupMembership is not exclusive: only the listed groups are this resource's. id
// `user/group1/group2`; read keeps the listed groups the user is still in, and none means gone.
TEST_F(Providers, UserGroupMembershipIsNotExclusive) {
  user("u1");
  for (auto g : {"g0", "g1", "g2", "g3"}) group(g);
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"g0", "u1"})));
  auto out = create("aws:iam:UserGroupMembership", {{"user", "u1"}, {"groups", list_text({"g2", "g1"})}});
  EXPECT_EQ(out["id"], "u1/g2/g1");
  EXPECT_EQ(groups_of("u1"), (std::vector<std::string>{"g0", "g1", "g2"}));
  auto r = read("aws:iam:UserGroupMembership", "u1/g2/g1");
  ASSERT_TRUE(r.exists);
  EXPECT_EQ(r.inputs, (Props{{"user", "u1"}, {"groups", list_text({"g1", "g2"})}}));

  out = update("aws:iam:UserGroupMembership", {{"user", "u1"}, {"groups", list_text({"g2", "g3"})}}, out, {"groups"});
  EXPECT_EQ(out["id"], "u1/g2/g3");
  EXPECT_EQ(groups_of("u1"), (std::vector<std::string>{"g0", "g2", "g3"}));

  // Drift: left g3 by hand.
  ASSERT_TRUE(succeeded(iam().remove_user_from_group({"g3", "u1"})));
  EXPECT_EQ(read("aws:iam:UserGroupMembership", "u1/g2/g3").inputs["groups"], list_text({"g2"}));
  ASSERT_TRUE(succeeded(provider("aws:iam:UserGroupMembership").remove(iam(), out)));
  EXPECT_EQ(groups_of("u1"), (std::vector<std::string>{"g0"}));
  EXPECT_FALSE(read("aws:iam:UserGroupMembership", "u1/g2/g3").exists);
  EXPECT_FALSE(read("aws:iam:UserGroupMembership", "ghost/g0").exists);
  EXPECT_TRUE(fails_with(provider("aws:iam:UserGroupMembership").read(iam(), "u1"), ErrorCode::InvalidInput));
  EXPECT_EQ(provider("aws:iam:UserGroupMembership").canonical_input("groups", list_text({"b", "a"})),
            list_text({"a", "b"}));
}

// ---------------------------------------------------------------------------------------------
// InstanceProfile

TEST_F(Providers, InstanceProfileCreateUpdateReadRemove) {
  role("r1");
  role("r2");
  auto out = create("aws:iam:InstanceProfile", {{"path", "/web/"}, {"role", "r1"}, {"tags", map_text({{"a", "1"}})}},
                    "web-1234567");
  EXPECT_EQ(out["id"], "web-1234567");
  EXPECT_EQ(out["arn"], "arn:aws:iam::123456789012:instance-profile/web/web-1234567");
  EXPECT_TRUE(test::is_unique_id(out["uniqueId"], "AIPA"));
  EXPECT_EQ(out["createDate"], "2024-05-08T23:34:01Z");
  EXPECT_EQ(out["tagsAll"], R"({"a":"1"})");
  auto r = read("aws:iam:InstanceProfile", "web-1234567");
  EXPECT_EQ(r.inputs, (Props{{"name", "web-1234567"}, {"path", "/web/"}, {"role", "r1"}, {"tags", R"({"a":"1"})"}}));

  out = update("aws:iam:InstanceProfile", {{"role", "r2"}, {"tags", map_text({{"b", "2"}})}}, out, {"role", "tags"});
  r = read("aws:iam:InstanceProfile", "web-1234567");
  EXPECT_EQ(r.inputs["role"], "r2");
  EXPECT_EQ(r.inputs["tags"], R"({"b":"2"})");
  out = update("aws:iam:InstanceProfile", {}, out, {"role", "tags"});
  r = read("aws:iam:InstanceProfile", "web-1234567");
  EXPECT_EQ(r.inputs, (Props{{"name", "web-1234567"}, {"path", "/web/"}}));

  // A role put in by hand does not block the delete.
  ASSERT_TRUE(succeeded(iam().add_role_to_instance_profile({"web-1234567", "r1"})));
  ASSERT_TRUE(succeeded(provider("aws:iam:InstanceProfile").remove(iam(), out)));
  EXPECT_FALSE(read("aws:iam:InstanceProfile", "web-1234567").exists);
  EXPECT_TRUE(succeeded(provider("aws:iam:InstanceProfile").remove(iam(), out)));
  EXPECT_TRUE(succeeded(iam().get_role({"r1"})));
}

// A failed create leaves nothing behind (nothing is recorded for it).
TEST_F(Providers, InstanceProfileCreateWithMissingRoleLeavesNothing) {
  auto r = provider("aws:iam:InstanceProfile").create(iam(), {{"role", "ghost"}}, "web");
  EXPECT_TRUE(fails_with(r, ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().get_instance_profile({"web"}), ErrorCode::NoSuchEntity));
}

// Import: read() takes pulumi-aws's import ids and returns what state needs (outputs with `id`).
TEST_F(Providers, ImportIdFormats) {
  auto p = policy("p1");
  role("r1");
  group("g1");
  user("u1");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r1", p.arn})));
  ASSERT_TRUE(succeeded(iam().put_group_policy({"g1", "gp", allow()})));
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"g1", "u1"})));
  ASSERT_TRUE(succeeded(iam().create_instance_profile({.instance_profile_name = "ip"})));
  struct Case {
    std::string type, id;
  };
  for (const Case& c : {Case{"aws:iam:Role", "r1"}, Case{"aws:iam:Policy", p.arn}, Case{"aws:iam:Group", "g1"},
                        Case{"aws:iam:User", "u1"}, Case{"aws:iam:InstanceProfile", "ip"},
                        Case{"aws:iam:RolePolicyAttachment", "r1/" + p.arn}, Case{"aws:iam:GroupPolicy", "g1:gp"},
                        Case{"aws:iam:GroupMembership", "g1"}, Case{"aws:iam:UserGroupMembership", "u1/g1"}}) {
    SCOPED_TRACE(c.type);
    auto r = read(c.type, c.id);
    EXPECT_TRUE(r.exists);
    EXPECT_EQ(r.outputs["id"], c.id);
  }
}
