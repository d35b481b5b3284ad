// AwsBackend against moto's IAM (moto_server on a free loopback port, started by the fixture).
// Skips loudly when moto_server is not on PATH. Where moto deviates from AWS, the test says so
// in a comment marked "moto:" and accepts moto's behaviour only there.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "moto_fixture.hpp"

using namespace iamforge::aws;
using namespace iamforge::backend;
using namespace iamforge::aws::motofixture;
using namespace std::chrono_literals;

namespace {

const std::string kAccount = "123456789012";  // moto's default account
const std::string kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
const std::string kTrust2 =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":"sts:AssumeRole"}]})";
const std::string kS3Read =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::my-bucket","arn:aws:s3:::my-bucket/*"]}]})";
// A document with characters the URL-encoding round trip must preserve ('+', '%', '/', spaces, UTF-8).
const std::string kTricky =
    R"({"Version":"2012-10-17","Statement":[{"Sid":"Plus","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a+b c%20d/ü*"}]})";

MotoServer* g_moto = nullptr;

class Moto : public ::testing::Test {
 protected:
  void SetUp() override {
    IAMFORGE_REQUIRE_MOTO(g_moto);
    be = g_moto->open();
    ASSERT_TRUE(be);
  }
  std::string policy_arn(const std::string& name, const std::string& path = "/") {
    return "arn:aws:iam::" + kAccount + ":policy" + path + name;
  }
  std::unique_ptr<AwsBackend> be;
};

template <class T>
void expect_error(const Result<T>& r, ErrorCode code, const char* what) {
  ASSERT_FALSE(r.ok()) << what << " unexpectedly succeeded";
  EXPECT_EQ(r.error().code, code) << what << ": " << to_string(r.error());
}

TEST_F(Moto, RoleLifecycle) {
  CreateRoleRequest req;
  req.role_name = "role-lifecycle";
  req.assume_role_policy_document = kTrust;
  req.path = "/team-a/";
  req.description = "first";
  req.max_session_duration = 7200;
  req.tags = {{"env", "dev"}, {"owner", "a b+c"}};
  auto created = be->create_role(req);
  ASSERT_TRUE(created) << to_string(created.error());
  EXPECT_EQ(created->role_name, "role-lifecycle");
  EXPECT_EQ(created->path, "/team-a/");
  EXPECT_EQ(created->arn, "arn:aws:iam::" + kAccount + ":role/team-a/role-lifecycle");
  EXPECT_EQ(created->role_id.substr(0, 4), "AROA");
  EXPECT_EQ(created->assume_role_policy_document, kTrust);  // URL-decoded
  EXPECT_EQ(created->max_session_duration, 7200);
  EXPECT_EQ(created->create_date.size(), 20u) << created->create_date;  // normalized to ...Z
  EXPECT_EQ(created->create_date.back(), 'Z');

  expect_error(be->create_role(req), ErrorCode::EntityAlreadyExists, "second CreateRole");

  auto got = be->get_role({"role-lifecycle"});
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(got->role_id, created->role_id);
  EXPECT_EQ(got->description, "first");
  EXPECT_EQ(got->tags, (std::vector<Tag>{{"env", "dev"}, {"owner", "a b+c"}}));

  ASSERT_TRUE(be->update_role({"role-lifecycle", std::string("second"), 3600}).ok());
  auto desc = be->update_role_description({"role-lifecycle", "third"});
  ASSERT_TRUE(desc) << to_string(desc.error());
  EXPECT_EQ(desc->description, "third");
  ASSERT_TRUE(be->update_assume_role_policy({"role-lifecycle", kTrust2}).ok());
  got = be->get_role({"role-lifecycle"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->assume_role_policy_document, kTrust2);
  EXPECT_EQ(got->max_session_duration, 3600);
  EXPECT_EQ(got->description, "third");

  ASSERT_TRUE(be->tag_role({"role-lifecycle", {{"env", "prod"}, {"extra", "1"}}}).ok());
  ASSERT_TRUE(be->untag_role({"role-lifecycle", {"owner", "not-there"}}).ok());
  got = be->get_role({"role-lifecycle"});
  ASSERT_TRUE(got);
  auto tags = got->tags;
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<Tag>{{"env", "prod"}, {"extra", "1"}}));

  // Permissions boundary.
  auto boundary = be->create_policy({"role-boundary", kS3Read});
  ASSERT_TRUE(boundary) << to_string(boundary.error());
  ASSERT_TRUE(be->put_role_permissions_boundary({"role-lifecycle", boundary->arn}).ok());
  auto pb = be->get_role_permissions_boundary("role-lifecycle");
  ASSERT_TRUE(pb);
  ASSERT_TRUE(pb->has_value());
  EXPECT_EQ((*pb)->permissions_boundary_arn, boundary->arn);
  ASSERT_TRUE(be->delete_role_permissions_boundary({"role-lifecycle"}).ok());
  pb = be->get_role_permissions_boundary("role-lifecycle");
  ASSERT_TRUE(pb);
  EXPECT_FALSE(pb->has_value());

  auto listed = be->list_roles({"/team-a/", "", std::nullopt});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->roles.size(), 1u);
  EXPECT_EQ(listed->roles[0].role_name, "role-lifecycle");
  EXPECT_EQ(listed->roles[0].assume_role_policy_document, kTrust2);

  ASSERT_TRUE(be->delete_role({"role-lifecycle"}).ok());
  expect_error(be->get_role({"role-lifecycle"}), ErrorCode::NoSuchEntity, "GetRole after delete");
  expect_error(be->delete_role({"role-lifecycle"}), ErrorCode::NoSuchEntity, "DeleteRole twice");
  ASSERT_TRUE(be->delete_policy({boundary->arn}).ok());
}

TEST_F(Moto, ManagedPolicyAndVersions) {
  CreatePolicyRequest req;
  req.policy_name = "versions";
  req.policy_document = kS3Read;
  req.path = "/pv/";
  req.description = "versioned";
  req.tags = {{"k", "v"}};
  auto p = be->create_policy(req);
  ASSERT_TRUE(p) << to_string(p.error());
  EXPECT_EQ(p->arn, policy_arn("versions", "/pv/"));
  EXPECT_EQ(p->default_version_id, "v1");
  EXPECT_FALSE(p->policy_id.empty());  // moto: random ids without AWS's ANPA prefix
  expect_error(be->create_policy(req), ErrorCode::EntityAlreadyExists, "second CreatePolicy");

  auto got = be->get_policy({p->arn});
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(got->description, "versioned");
  EXPECT_TRUE(got->is_attachable);

  auto v2 = be->create_policy_version({p->arn, kTricky, true});
  ASSERT_TRUE(v2) << to_string(v2.error());
  EXPECT_EQ(v2->version_id, "v2");
  EXPECT_TRUE(v2->is_default_version);
  auto v3 = be->create_policy_version({p->arn, kS3Read, false});
  ASSERT_TRUE(v3);
  EXPECT_FALSE(v3->is_default_version);

  auto doc = be->get_policy_version({p->arn, "v2"});
  ASSERT_TRUE(doc) << to_string(doc.error());
  ASSERT_TRUE(doc->document);
  // moto: GetPolicyVersion returns the Document without URL-encoding it (AWS encodes it); the
  // client recognizes a raw document and keeps it as is, so '+', '%20', ' ' and UTF-8 survive.
  EXPECT_EQ(*doc->document, kTricky);

  auto versions = be->list_policy_versions({p->arn, "", std::nullopt});
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->versions.size(), 3u);
  int defaults = 0;
  for (const auto& v : versions->versions) defaults += v.is_default_version ? 1 : 0;
  EXPECT_EQ(defaults, 1);

  ASSERT_TRUE(be->set_default_policy_version({p->arn, "v3"}).ok());
  got = be->get_policy({p->arn});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->default_version_id, "v3");
  expect_error(be->delete_policy_version({p->arn, "v3"}), ErrorCode::DeleteConflict, "deleting the default version");
  ASSERT_TRUE(be->delete_policy_version({p->arn, "v2"}).ok());
  expect_error(be->get_policy_version({p->arn, "v2"}), ErrorCode::NoSuchEntity, "GetPolicyVersion of a deleted version");

  ASSERT_TRUE(be->tag_policy({p->arn, {{"k2", "v2"}}}).ok());
  ASSERT_TRUE(be->untag_policy({p->arn, {"k"}}).ok());
  got = be->get_policy({p->arn});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tags, (std::vector<Tag>{{"k2", "v2"}}));

  auto local = be->list_policies({PolicyScopeType::Local, false, "/pv/", std::nullopt, "", std::nullopt});
  ASSERT_TRUE(local) << to_string(local.error());
  ASSERT_EQ(local->policies.size(), 1u);
  EXPECT_EQ(local->policies[0].arn, p->arn);

  // AWS refuses DeletePolicy while non-default versions remain (DeleteConflict); delete them first.
  ASSERT_TRUE(be->delete_policy_version({p->arn, "v1"}).ok());
  ASSERT_TRUE(be->delete_policy({p->arn}).ok());
  expect_error(be->get_policy({p->arn}), ErrorCode::NoSuchEntity, "GetPolicy after delete");
}

TEST_F(Moto, UsersGroupsMembershipsAndAccessKeys) {
  auto u = be->create_user({"alice", "/people/", "", {{"team", "a"}}});
  ASSERT_TRUE(u) << to_string(u.error());
  EXPECT_EQ(u->arn, "arn:aws:iam::" + kAccount + ":user/people/alice");
  EXPECT_FALSE(u->user_id.empty());  // moto: random lower-case ids, not AWS's AIDA prefix
  expect_error(be->create_user({"alice"}), ErrorCode::EntityAlreadyExists, "second CreateUser");
  auto g = be->create_group({"devs", "/people/"});
  ASSERT_TRUE(g) << to_string(g.error());
  EXPECT_FALSE(g->group_id.empty());  // moto: no AGPA prefix
  ASSERT_TRUE(be->create_user({"bob"}).ok());

  ASSERT_TRUE(be->add_user_to_group({"devs", "alice"}).ok());
  ASSERT_TRUE(be->add_user_to_group({"devs", "bob"}).ok());
  expect_error(be->add_user_to_group({"devs", "nobody"}), ErrorCode::NoSuchEntity, "adding a missing user");
  auto members = be->get_group({"devs", "", std::nullopt});
  ASSERT_TRUE(members) << to_string(members.error());
  EXPECT_EQ(members->group.group_name, "devs");
  ASSERT_EQ(members->users.size(), 2u);
  auto groups = be->list_groups_for_user({"alice", "", std::nullopt});
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->groups.size(), 1u);
  EXPECT_EQ(groups->groups[0].group_name, "devs");

  auto got = be->get_user({"alice"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tags, (std::vector<Tag>{{"team", "a"}}));
  ASSERT_TRUE(be->tag_user({"alice", {{"x", "y"}}}).ok());
  ASSERT_TRUE(be->untag_user({"alice", {"team"}}).ok());
  got = be->get_user({"alice"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tags, (std::vector<Tag>{{"x", "y"}}));

  // Access keys: the secret comes back once, on creation.
  auto key = be->create_access_key({"alice"});
  ASSERT_TRUE(key) << to_string(key.error());
  EXPECT_EQ(key->user_name, "alice");
  EXPECT_EQ(key->status, "Active");
  EXPECT_FALSE(key->secret_access_key.empty());
  ASSERT_TRUE(be->update_access_key({"alice", key->access_key_id, "Inactive"}).ok());
  auto keys = be->list_access_keys({"alice", "", std::nullopt});
  ASSERT_TRUE(keys) << to_string(keys.error());
  ASSERT_EQ(keys->access_key_metadata.size(), 1u);
  EXPECT_EQ(keys->access_key_metadata[0].access_key_id, key->access_key_id);
  EXPECT_EQ(keys->access_key_metadata[0].status, "Inactive");
  ASSERT_TRUE(be->delete_access_key({"alice", key->access_key_id}).ok());

  // Renames.
  ASSERT_TRUE(be->update_user({"bob", std::string("/renamed/"), std::string("robert")}).ok());
  auto robert = be->get_user({"robert"});
  ASSERT_TRUE(robert) << to_string(robert.error());
  EXPECT_EQ(robert->path, "/renamed/");
  expect_error(be->get_user({"bob"}), ErrorCode::NoSuchEntity, "GetUser of the old name");
  ASSERT_TRUE(be->update_group({"devs", std::nullopt, std::string("developers")}).ok());
  members = be->get_group({"developers", "", std::nullopt});
  ASSERT_TRUE(members) << to_string(members.error());
  EXPECT_EQ(members->users.size(), 2u);

  // moto: DeleteGroup with members succeeds (AWS answers DeleteConflict), so members leave first.
  ASSERT_TRUE(be->remove_user_from_group({"developers", "alice"}).ok());
  ASSERT_TRUE(be->remove_user_from_group({"developers", "robert"}).ok());
  groups = be->list_groups_for_user({"alice", "", std::nullopt});
  ASSERT_TRUE(groups);
  EXPECT_TRUE(groups->groups.empty());
  ASSERT_TRUE(be->delete_group({"developers"}).ok());
  ASSERT_TRUE(be->delete_user({"alice"}).ok());
  ASSERT_TRUE(be->delete_user({"robert"}).ok());
  expect_error(be->get_group({"developers", "", std::nullopt}), ErrorCode::NoSuchEntity, "GetGroup after delete");
}

TEST_F(Moto, AttachmentsAndDeleteConflicts) {
  auto p = be->create_policy({"attach-me", kS3Read});
  ASSERT_TRUE(p) << to_string(p.error());
  ASSERT_TRUE(be->create_role({"attach-role", kTrust}).ok());
  ASSERT_TRUE(be->create_user({"attach-user"}).ok());
  ASSERT_TRUE(be->create_group({"attach-group"}).ok());

  ASSERT_TRUE(be->attach_role_policy({"attach-role", p->arn}).ok());
  ASSERT_TRUE(be->attach_user_policy({"attach-user", p->arn}).ok());
  ASSERT_TRUE(be->attach_group_policy({"attach-group", p->arn}).ok());
  auto count = be->get_policy({p->arn});
  ASSERT_TRUE(count);
  EXPECT_EQ(count->attachment_count, 3);

  auto ar = be->list_attached_role_policies({"attach-role", "/", "", std::nullopt});
  ASSERT_TRUE(ar) << to_string(ar.error());
  EXPECT_EQ(ar->attached_policies, (std::vector<AttachedPolicy>{{"attach-me", p->arn}}));
  auto au = be->list_attached_user_policies({"attach-user", "/", "", std::nullopt});
  ASSERT_TRUE(au);
  EXPECT_EQ(au->attached_policies.size(), 1u);
  auto ag = be->list_attached_group_policies({"attach-group", "/", "", std::nullopt});
  ASSERT_TRUE(ag);
  EXPECT_EQ(ag->attached_policies.size(), 1u);

  // Deleting an entity with attachments is a DeleteConflict.
  expect_error(be->delete_role({"attach-role"}), ErrorCode::DeleteConflict, "DeleteRole with an attached policy");
  expect_error(be->delete_user({"attach-user"}), ErrorCode::DeleteConflict, "DeleteUser with an attached policy");
  // moto: DeletePolicy of an attached policy succeeds (AWS answers DeleteConflict); not exercised.

  expect_error(be->attach_role_policy({"attach-role", policy_arn("no-such-policy")}), ErrorCode::NoSuchEntity,
               "attaching a missing policy");
  expect_error(be->attach_role_policy({"no-such-role", p->arn}), ErrorCode::NoSuchEntity, "attaching to a missing role");

  ASSERT_TRUE(be->detach_role_policy({"attach-role", p->arn}).ok());
  ASSERT_TRUE(be->detach_user_policy({"attach-user", p->arn}).ok());
  ASSERT_TRUE(be->detach_group_policy({"attach-group", p->arn}).ok());
  expect_error(be->detach_role_policy({"attach-role", p->arn}), ErrorCode::NoSuchEntity, "detaching twice");
  ar = be->list_attached_role_policies({"attach-role", "/", "", std::nullopt});
  ASSERT_TRUE(ar);
  EXPECT_TRUE(ar->attached_policies.empty());

  ASSERT_TRUE(be->delete_role({"attach-role"}).ok());
  ASSERT_TRUE(be->delete_user({"attach-user"}).ok());
  ASSERT_TRUE(be->delete_group({"attach-group"}).ok());
  ASSERT_TRUE(be->delete_policy({p->arn}).ok());
}

TEST_F(Moto, InlinePolicies) {
  ASSERT_TRUE(be->create_role({"inline-role", kTrust}).ok());
  ASSERT_TRUE(be->create_user({"inline-user"}).ok());
  ASSERT_TRUE(be->create_group({"inline-group"}).ok());

  ASSERT_TRUE(be->put_role_policy({"inline-role", "p1", kTricky}).ok());
  ASSERT_TRUE(be->put_role_policy({"inline-role", "p2", kS3Read}).ok());
  ASSERT_TRUE(be->put_user_policy({"inline-user", "u1", kS3Read}).ok());
  ASSERT_TRUE(be->put_group_policy({"inline-group", "g1", kTricky}).ok());

  auto rp = be->get_role_policy({"inline-role", "p1"});
  ASSERT_TRUE(rp) << to_string(rp.error());
  EXPECT_EQ(rp->role_name, "inline-role");
  EXPECT_EQ(rp->policy_name, "p1");
  EXPECT_EQ(rp->policy_document, kTricky);
  auto up = be->get_user_policy({"inline-user", "u1"});
  ASSERT_TRUE(up);
  EXPECT_EQ(up->user_name, "inline-user");
  EXPECT_EQ(up->policy_document, kS3Read);
  auto gp = be->get_group_policy({"inline-group", "g1"});
  ASSERT_TRUE(gp);
  EXPECT_EQ(gp->group_name, "inline-group");
  EXPECT_EQ(gp->policy_document, kTricky);

  auto names = be->list_role_policies({"inline-role", "", std::nullopt});
  ASSERT_TRUE(names);
  EXPECT_EQ(names->policy_names, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(be->list_user_policies({"inline-user", "", std::nullopt})->policy_names, (std::vector<std::string>{"u1"}));
  EXPECT_EQ(be->list_group_policies({"inline-group", "", std::nullopt})->policy_names, (std::vector<std::string>{"g1"}));

  // Replace, then delete.
  ASSERT_TRUE(be->put_role_policy({"inline-role", "p1", kS3Read}).ok());
  EXPECT_EQ(be->get_role_policy({"inline-role", "p1"})->policy_document, kS3Read);
  expect_error(be->get_role_policy({"inline-role", "nope"}), ErrorCode::NoSuchEntity, "GetRolePolicy of a missing policy");
  expect_error(be->delete_role({"inline-role"}), ErrorCode::DeleteConflict, "DeleteRole with inline policies");
  ASSERT_TRUE(be->delete_role_policy({"inline-role", "p1"}).ok());
  ASSERT_TRUE(be->delete_role_policy({"inline-role", "p2"}).ok());
  ASSERT_TRUE(be->delete_user_policy({"inline-user", "u1"}).ok());
  ASSERT_TRUE(be->delete_group_policy({"inline-group", "g1"}).ok());
  expect_error(be->delete_user_policy({"inline-user", "u1"}), ErrorCode::NoSuchEntity, "DeleteUserPolicy twice");
  EXPECT_TRUE(be->list_role_policies({"inline-role", "", std::nullopt})->policy_names.empty());
  ASSERT_TRUE(be->delete_role({"inline-role"}).ok());
  ASSERT_TRUE(be->delete_user({"inline-user"}).ok());
  ASSERT_TRUE(be->delete_group({"inline-group"}).ok());
}

TEST_F(Moto, InstanceProfiles) {
  ASSERT_TRUE(be->create_role({"ip-role", kTrust}).ok());
  auto ip = be->create_instance_profile({"ip", "/ip/", {{"a", "1"}}});
  ASSERT_TRUE(ip) << to_string(ip.error());
  EXPECT_EQ(ip->arn, "arn:aws:iam::" + kAccount + ":instance-profile/ip/ip");
  EXPECT_FALSE(ip->instance_profile_id.empty());  // moto: no AIPA prefix
  EXPECT_TRUE(ip->roles.empty());
  expect_error(be->create_instance_profile({"ip"}), ErrorCode::EntityAlreadyExists, "second CreateInstanceProfile");

  ASSERT_TRUE(be->add_role_to_instance_profile({"ip", "ip-role"}).ok());
  auto got = be->get_instance_profile({"ip"});
  ASSERT_TRUE(got) << to_string(got.error());
  ASSERT_EQ(got->roles.size(), 1u);
  EXPECT_EQ(got->roles[0].role_name, "ip-role");
  EXPECT_EQ(got->roles[0].assume_role_policy_document, kTrust);
  auto for_role = be->list_instance_profiles_for_role({"ip-role", "", std::nullopt});
  ASSERT_TRUE(for_role);
  ASSERT_EQ(for_role->instance_profiles.size(), 1u);
  EXPECT_EQ(for_role->instance_profiles[0].instance_profile_name, "ip");

  ASSERT_TRUE(be->tag_instance_profile({"ip", {{"b", "2"}}}).ok());
  ASSERT_TRUE(be->untag_instance_profile({"ip", {"a"}}).ok());
  got = be->get_instance_profile({"ip"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tags, (std::vector<Tag>{{"b", "2"}}));

  expect_error(be->delete_role({"ip-role"}), ErrorCode::DeleteConflict, "DeleteRole in an instance profile");
  ASSERT_TRUE(be->remove_role_from_instance_profile({"ip", "ip-role"}).ok());
  ASSERT_TRUE(be->delete_instance_profile({"ip"}).ok());
  expect_error(be->get_instance_profile({"ip"}), ErrorCode::NoSuchEntity, "GetInstanceProfile after delete");
  ASSERT_TRUE(be->delete_role({"ip-role"}).ok());
}

TEST_F(Moto, PaginationWithMaxItems) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(be->create_role({"page-" + std::to_string(i), kTrust, "/page/"}).ok());
  std::vector<std::string> seen;
  std::string marker;
  int pages = 0;
  do {
    auto page = be->list_roles({"/page/", marker, 3});
    ASSERT_TRUE(page) << to_string(page.error());
    EXPECT_LE(page->roles.size(), 3u);
    for (const auto& r : page->roles) seen.push_back(r.role_name);
    marker = page->is_truncated ? page->marker : "";
    if (page->is_truncated) {
      EXPECT_FALSE(page->marker.empty());
    }
    ASSERT_LT(++pages, 10);
  } while (!marker.empty());
  EXPECT_EQ(pages, 3);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());

  // No marker, no MaxItems: the complete list (the client follows the markers).
  auto before = be->stats().requests;
  auto all = be->list_roles({"/page/", "", std::nullopt});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->roles.size(), 7u);
  EXPECT_FALSE(all->is_truncated);
  EXPECT_EQ(be->stats().requests - before, 1u);  // moto's default page (100) holds them all
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(be->delete_role({"page-" + std::to_string(i)}).ok());
}

TEST_F(Moto, ErrorsCarryAwsCodesAndMessages) {
  auto r = be->get_role({"definitely-missing"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::NoSuchEntity);
  EXPECT_EQ(r.error().http_status, 404);
  // moto: "Role definitely-missing not found" (AWS: "The role with name definitely-missing cannot be found.").
  EXPECT_NE(r.error().message.find("definitely-missing"), std::string::npos) << r.error().message;
  expect_error(be->get_policy({policy_arn("missing")}), ErrorCode::NoSuchEntity, "GetPolicy of a missing policy");
  expect_error(be->get_user({"missing-user"}), ErrorCode::NoSuchEntity, "GetUser of a missing user");
  expect_error(be->delete_instance_profile({"missing-ip"}), ErrorCode::NoSuchEntity, "DeleteInstanceProfile of a missing one");
  // moto: CreateRole accepts any trust policy text, even "{not json" (AWS: MalformedPolicyDocument);
  // managed and inline policies are checked.
  expect_error(be->create_policy({"bad-doc", "{not json"}), ErrorCode::MalformedPolicyDocument, "CreatePolicy with a bad document");
  ASSERT_TRUE(be->create_role({"err-role", kTrust}).ok());
  auto bad = be->put_role_policy({"err-role", "p", "{not json"});
  expect_error(bad, ErrorCode::MalformedPolicyDocument, "PutRolePolicy with a bad document");
  if (!bad.ok()) {
    EXPECT_FALSE(bad.error().message.empty());  // moto: "Syntax errors in policy." (AWS's text for it)
  }
  ASSERT_TRUE(be->delete_role({"err-role"}).ok());
}

TEST_F(Moto, UnreachableEndpointFailsFastWithoutHanging) {
  ClientOptions o;
  o.endpoint_url = "http://127.0.0.1:" + std::to_string(free_port());
  o.credentials = Credentials{"AKIA", "secret", ""};
  o.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  o.connect_timeout = 500ms;
  o.request_timeout = 2s;
  o.retry.max_attempts = 3;
  o.retry.base_delay = 10ms;
  auto b = open_aws_backend(o);
  ASSERT_TRUE(b);
  auto start = std::chrono::steady_clock::now();
  auto r = (*b)->list_roles({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ServiceFailure);
  EXPECT_EQ((*b)->stats().requests, 3u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

// A figure, not a timed assertion: signed GetRole calls per second against moto over keep-alive.
TEST_F(Moto, SignedRequestsPerSecond) {
  ASSERT_TRUE(be->create_role({"bench-role", kTrust}).ok());
  constexpr int kCalls = 200;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(be->get_role({"bench-role"}).ok());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ figure ] " << kCalls << " signed GetRole calls against " << g_moto->endpoint() << " in " << secs << " s = "
            << static_cast<int>(kCalls / secs) << " requests/s (one connection)\n";
  ASSERT_TRUE(be->delete_role({"bench-role"}).ok());
}

// Where moto 5.2.1 answers differently from AWS: observed and printed (not asserted, so a moto
// upgrade that fixes one does not fail the build); the client must cope with each either way.
TEST_F(Moto, ReportsMotoDeviationsFromAws) {
  auto note = [](bool deviates, const std::string& what) {
    if (deviates) std::cout << "[ deviation from AWS ] " << what << "\n";
  };
  // Signatures are not verified.
  ClientOptions wrong;
  wrong.credentials = Credentials{"AKIANOTAKEY", "not-the-secret", ""};
  auto stranger = g_moto->open(wrong);
  ASSERT_TRUE(stranger);
  note(stranger->list_roles({"/", "", 1}).ok(), "requests signed with any key and secret are accepted (AWS: InvalidClientTokenId / SignatureDoesNotMatch)");
  // Trust policies are not validated.
  auto bad_trust = be->create_role({"dev-bad-trust", "{not json"});
  note(bad_trust.ok(), "CreateRole accepts a trust policy that is not JSON (AWS: MalformedPolicyDocument)");
  if (bad_trust.ok()) {
    ASSERT_TRUE(be->delete_role({"dev-bad-trust"}).ok());
  }
  // ListGroups ignores PathPrefix.
  ASSERT_TRUE(be->create_group({"dev-g1", "/dev-a/"}).ok());
  ASSERT_TRUE(be->create_group({"dev-g2", "/dev-b/"}).ok());
  auto groups = be->list_groups({"/dev-a/", "", std::nullopt});
  ASSERT_TRUE(groups);
  note(groups->groups.size() != 1, "ListGroups ignores PathPrefix (returned " + std::to_string(groups->groups.size()) + " groups)");
  // DeleteGroup with members, DeletePolicy with attachments succeed.
  ASSERT_TRUE(be->create_user({"dev-u"}).ok());
  ASSERT_TRUE(be->add_user_to_group({"dev-g1", "dev-u"}).ok());
  auto del_group = be->delete_group({"dev-g1"});
  note(del_group.ok(), "DeleteGroup of a group with members succeeds (AWS: DeleteConflict)");
  if (!del_group.ok()) {
    ASSERT_TRUE(be->remove_user_from_group({"dev-g1", "dev-u"}).ok());
    ASSERT_TRUE(be->delete_group({"dev-g1"}).ok());
  }
  auto pol = be->create_policy({"dev-p", kS3Read});
  ASSERT_TRUE(pol);
  ASSERT_TRUE(be->create_user({"dev-attached"}).ok());
  ASSERT_TRUE(be->attach_user_policy({"dev-attached", pol->arn}).ok());
  auto del_policy = be->delete_policy({pol->arn});
  note(del_policy.ok(), "DeletePolicy of an attached policy succeeds (AWS: DeleteConflict)");
  if (!del_policy.ok()) {
    ASSERT_TRUE(be->detach_user_policy({"dev-attached", pol->arn}).ok());
    ASSERT_TRUE(be->delete_policy({pol->arn}).ok());
    ASSERT_TRUE(be->delete_user({"dev-attached"}).ok());
  } else {
    // ... and the user keeps a dangling attachment it can neither detach nor be deleted with.
    auto detach = be->detach_user_policy({"dev-attached", pol->arn});
    auto del_user = be->delete_user({"dev-attached"});
    note(!detach.ok() && !del_user.ok(), "after that DeletePolicy, the user's attachment dangles: DetachUserPolicy fails (" +
                                             (detach.ok() ? std::string("ok") : to_string(detach.error())) +
                                             ") and DeleteUser fails (" +
                                             (del_user.ok() ? std::string("ok") : to_string(del_user.error())) + ")");
  }
  // Unique ids and messages.
  auto user = be->get_user({"dev-u"});
  ASSERT_TRUE(user);
  note(user->user_id.rfind("AIDA", 0) != 0, "user ids lack AWS's AIDA prefix (e.g. " + user->user_id + "); also groups (AGPA), policies (ANPA), instance profiles (AIPA)");
  auto missing = be->get_role({"dev-missing"});
  ASSERT_FALSE(missing);
  note(missing.error().message != "The role with name dev-missing cannot be found.",
       "NoSuchEntity messages differ: \"" + missing.error().message + "\" (AWS: \"The role with name dev-missing cannot be found.\")");
  // GetPolicyVersion's Document, as sent (AWS URL-encodes it).
  auto versioned = be->create_policy({"dev-versioned", kS3Read});
  ASSERT_TRUE(versioned);
  auto raw = be->call("GetPolicyVersion", {{"PolicyArn", versioned->arn}, {"VersionId", "v1"}});
  ASSERT_TRUE(raw);
  note(raw->find("<Document>{") != std::string::npos,
       "GetPolicyVersion returns Document without URL-encoding it (AWS encodes it; the client copes)");
  ASSERT_TRUE(be->delete_policy({versioned->arn}).ok());
  // DeletePolicy with non-default versions left.
  auto multi = be->create_policy({"dev-multi", kS3Read});
  ASSERT_TRUE(multi);
  ASSERT_TRUE(be->create_policy_version({multi->arn, kTricky, true}).ok());
  auto del_multi = be->delete_policy({multi->arn});
  note(del_multi.ok(), "DeletePolicy succeeds while non-default versions remain (AWS: DeleteConflict)");
  if (!del_multi.ok()) {
    ASSERT_TRUE(be->delete_policy_version({multi->arn, "v1"}).ok());
    ASSERT_TRUE(be->delete_policy({multi->arn}).ok());
  }
  ASSERT_TRUE(be->delete_user({"dev-u"}).ok());
  ASSERT_TRUE(be->delete_group({"dev-g2"}).ok());
}

// One AwsBackend shared by several threads (the Backend contract): pooled curl handles, no races.
TEST_F(Moto, ConcurrentCallsFromSeveralThreads) {
  constexpr int kThreads = 4, kEach = 40;
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string name = "concurrent-" + std::to_string(t);
      if (!be->create_role({name, kTrust}).ok()) ++failures;
      for (int i = 0; i < kEach; ++i) {
        auto r = be->get_role({name});
        if (!r.ok() || r->role_name != name) ++failures;
      }
      if (!be->delete_role({name}).ok()) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failures.load(), 0);
  std::cout << "[ figure ] " << kThreads * (kEach + 2) << " signed calls from " << kThreads << " threads in " << secs
            << " s = " << static_cast<int>(kThreads * (kEach + 2) / secs) << " requests/s against " << g_moto->endpoint() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  g_moto = new MotoServer;
  ::testing::AddGlobalTestEnvironment(g_moto);  // gtest owns and deletes it
  return RUN_ALL_TESTS();
}
