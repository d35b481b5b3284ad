// Attachments, inline policies, users, groups and membership, instance profiles, and the
// founding example's sequence of calls.
#include <gtest/gtest.h>

#include "backend_test_util.hpp"

using namespace iamforge;
using namespace iamforge::backend;
using test::allow;
using test::fails_with;
using test::policy_arn;
using test::succeeded;

namespace {
class Principals : public test::LocalBackendTest {};

std::vector<std::string> arns(const Result<ListAttachedPoliciesResponse>& r) {
  std::vector<std::string> out;
  for (const auto& a : r->attached_policies) out.push_back(a.policy_arn);
  return out;
}
}  // namespace

// examples/seed/stack.yaml as backend calls: the role with the SageMaker trust policy, the ML
// policy, its attachment to the role, the group and its attachment; then the outputs' ARNs.
TEST_F(Principals, FoundingExample) {
  auto role = iam().create_role({.role_name = "mlTeamRole-4f1c2d9", .assume_role_policy_document = test::kSagemakerTrust});
  ASSERT_TRUE(succeeded(role));
  auto ml = iam().create_policy({.policy_name = "mlPolicy-8a7b6c5",
                                 .policy_document = test::kMlPolicy,
                                 .description = "Policy for Machine Learning Team"});
  ASSERT_TRUE(succeeded(ml));
  ASSERT_TRUE(succeeded(iam().attach_role_policy({role->role_name, ml->arn})));
  auto group = iam().create_group({.group_name = "mlTeamGroup-3e2d1c0"});
  ASSERT_TRUE(succeeded(group));
  ASSERT_TRUE(succeeded(iam().attach_group_policy({group->group_name, ml->arn})));

  // The stack's outputs.
  EXPECT_EQ(iam().get_role({"mlTeamRole-4f1c2d9"})->arn, "arn:aws:iam::123456789012:role/mlTeamRole-4f1c2d9");
  EXPECT_EQ(iam().get_policy({ml->arn})->arn, "arn:aws:iam::123456789012:policy/mlPolicy-8a7b6c5");
  EXPECT_EQ(iam().get_group({.group_name = "mlTeamGroup-3e2d1c0"})->group.arn,
            "arn:aws:iam::123456789012:group/mlTeamGroup-3e2d1c0");
  EXPECT_TRUE(test::is_unique_id(group->group_id, "AGPA"));

  // What refresh reads back.
  auto attached_to_role = iam().list_attached_role_policies({.role_name = "mlTeamRole-4f1c2d9"});
  ASSERT_TRUE(succeeded(attached_to_role));
  ASSERT_EQ(attached_to_role->attached_policies.size(), 1u);
  EXPECT_EQ(attached_to_role->attached_policies[0].policy_name, "mlPolicy-8a7b6c5");
  EXPECT_EQ(arns(attached_to_role), (std::vector<std::string>{ml->arn}));
  EXPECT_EQ(arns(iam().list_attached_group_policies({.group_name = "mlTeamGroup-3e2d1c0"})),
            (std::vector<std::string>{ml->arn}));
  EXPECT_EQ(iam().get_policy({ml->arn})->attachment_count, 2);
  EXPECT_EQ(iam().get_policy_version({ml->arn, "v1"})->document, test::kMlPolicy);

  // destroy in reverse order.
  EXPECT_TRUE(fails_with(iam().delete_policy({ml->arn}), ErrorCode::DeleteConflict));
  ASSERT_TRUE(succeeded(iam().detach_group_policy({group->group_name, ml->arn})));
  ASSERT_TRUE(succeeded(iam().delete_group({group->group_name})));
  ASSERT_TRUE(succeeded(iam().detach_role_policy({role->role_name, ml->arn})));
  ASSERT_TRUE(succeeded(iam().delete_policy({ml->arn})));
  ASSERT_TRUE(succeeded(iam().delete_role({role->role_name})));
  EXPECT_TRUE(iam().list_roles({})->roles.empty());
  EXPECT_TRUE(iam().list_policies({.scope = PolicyScopeType::Local})->policies.empty());
  EXPECT_TRUE(iam().list_groups({})->groups.empty());
}

TEST_F(Principals, AttachDetachAndList) {
  role("r");
  user("u");
  group("g");
  policy("p1");
  policy("p2", allow(), "/team/");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p1")})));
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", "arn:aws:iam::123456789012:policy/team/p2"})));
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p1")})));  // again: no-op
  EXPECT_EQ(iam().get_policy({policy_arn("p1")})->attachment_count, 1);
  EXPECT_EQ(arns(iam().list_attached_role_policies({.role_name = "r"})),
            (std::vector<std::string>{policy_arn("p1"), "arn:aws:iam::123456789012:policy/team/p2"}));
  EXPECT_EQ(arns(iam().list_attached_role_policies({.role_name = "r", .path_prefix = "/team/"})),
            (std::vector<std::string>{"arn:aws:iam::123456789012:policy/team/p2"}));
  auto page = iam().list_attached_role_policies({.role_name = "r", .max_items = 1});
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(arns(iam().list_attached_role_policies({.role_name = "r", .marker = page->marker})),
            (std::vector<std::string>{"arn:aws:iam::123456789012:policy/team/p2"}));

  ASSERT_TRUE(succeeded(iam().attach_user_policy({"u", policy_arn("p1")})));
  ASSERT_TRUE(succeeded(iam().attach_group_policy({"g", policy_arn("p1")})));
  EXPECT_EQ(arns(iam().list_attached_user_policies({.user_name = "u"})), (std::vector<std::string>{policy_arn("p1")}));
  EXPECT_EQ(arns(iam().list_attached_group_policies({.group_name = "g"})), (std::vector<std::string>{policy_arn("p1")}));
  EXPECT_EQ(iam().get_policy({policy_arn("p1")})->attachment_count, 3);

  ASSERT_TRUE(succeeded(iam().detach_role_policy({"r", policy_arn("p1")})));
  ASSERT_TRUE(succeeded(iam().detach_user_policy({"u", policy_arn("p1")})));
  ASSERT_TRUE(succeeded(iam().detach_group_policy({"g", policy_arn("p1")})));
  EXPECT_EQ(iam().get_policy({policy_arn("p1")})->attachment_count, 0);
  EXPECT_TRUE(iam().list_attached_user_policies({.user_name = "u"})->attached_policies.empty());
}

TEST_F(Principals, AttachErrors) {
  role("r");
  policy("p");
  EXPECT_TRUE(fails_with(iam().attach_role_policy({"r", policy_arn("ghost")}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/ghost does not exist or is not attachable."));
  EXPECT_TRUE(fails_with(iam().attach_role_policy({"ghost", policy_arn("p")}), ErrorCode::NoSuchEntity,
                         "The role with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().attach_user_policy({"ghost", policy_arn("p")}), ErrorCode::NoSuchEntity,
                         "The user with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().attach_group_policy({"ghost", policy_arn("p")}), ErrorCode::NoSuchEntity,
                         "The group with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().attach_role_policy({"r", "arn:aws:iam::123456789012:user/u"}), ErrorCode::InvalidInput,
                         "ARN arn:aws:iam::123456789012:user/u is not valid."));
  EXPECT_TRUE(fails_with(iam().detach_role_policy({"r", policy_arn("p")}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/p was not found."));
  EXPECT_TRUE(fails_with(iam().detach_role_policy({"r", policy_arn("ghost")}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/ghost was not found."));
  EXPECT_TRUE(fails_with(iam().list_attached_role_policies({.role_name = "ghost"}), ErrorCode::NoSuchEntity));
}

TEST_F(Principals, AttachedPolicyQuotas) {
  role("r");
  user("u");
  group("g");
  for (int i = 0; i < 11; ++i) policy("p" + std::to_string(i));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p" + std::to_string(i))})));
    ASSERT_TRUE(succeeded(iam().attach_user_policy({"u", policy_arn("p" + std::to_string(i))})));
    ASSERT_TRUE(succeeded(iam().attach_group_policy({"g", policy_arn("p" + std::to_string(i))})));
  }
  EXPECT_TRUE(fails_with(iam().attach_role_policy({"r", policy_arn("p10")}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for PoliciesPerRole: 10"));
  EXPECT_TRUE(fails_with(iam().attach_user_policy({"u", policy_arn("p10")}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for PoliciesPerUser: 10"));
  EXPECT_TRUE(fails_with(iam().attach_group_policy({"g", policy_arn("p10")}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for PoliciesPerGroup: 10"));
  EXPECT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p3")})));  // re-attach is not a new one

  LocalOptions o = test::test_options();
  o.quotas.attached_policies_per_role = 20;  // AWS lets an account raise it
  reopen(o);
  EXPECT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p10")})));
}

TEST_F(Principals, InlinePoliciesOfEachKind) {
  role("r");
  user("u");
  group("g");
  std::string doc = allow("s3:GetObject");
  std::string doc2 = allow("s3:PutObject");
  ASSERT_TRUE(succeeded(iam().put_role_policy({"r", "b-inline", doc})));
  ASSERT_TRUE(succeeded(iam().put_role_policy({"r", "a-inline", doc})));
  ASSERT_TRUE(succeeded(iam().put_role_policy({"r", "b-inline", doc2})));  // replaces
  auto got = iam().get_role_policy({"r", "b-inline"});
  ASSERT_TRUE(succeeded(got));
  EXPECT_EQ(got->role_name, "r");
  EXPECT_EQ(got->policy_name, "b-inline");
  EXPECT_EQ(got->policy_document, doc2);
  EXPECT_EQ(iam().list_role_policies({.role_name = "r"})->policy_names, (std::vector<std::string>{"a-inline", "b-inline"}));
  auto page = iam().list_role_policies({.role_name = "r", .max_items = 1});
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->policy_names, (std::vector<std::string>{"a-inline"}));
  EXPECT_EQ(iam().list_role_policies({.role_name = "r", .marker = page->marker})->policy_names,
            (std::vector<std::string>{"b-inline"}));
  ASSERT_TRUE(succeeded(iam().delete_role_policy({"r", "a-inline"})));
  EXPECT_TRUE(fails_with(iam().get_role_policy({"r", "a-inline"}), ErrorCode::NoSuchEntity,
                         "The role policy with name a-inline cannot be found."));
  EXPECT_TRUE(fails_with(iam().delete_role_policy({"r", "a-inline"}), ErrorCode::NoSuchEntity,
                         "The role policy with name a-inline cannot be found."));

  ASSERT_TRUE(succeeded(iam().put_user_policy({"u", "up", doc})));
  EXPECT_EQ(iam().get_user_policy({"u", "up"})->policy_document, doc);
  EXPECT_EQ(iam().list_user_policies({.user_name = "u"})->policy_names, (std::vector<std::string>{"up"}));
  EXPECT_TRUE(fails_with(iam().get_user_policy({"u", "nope"}), ErrorCode::NoSuchEntity,
                         "The user policy with name nope cannot be found."));
  ASSERT_TRUE(succeeded(iam().delete_user_policy({"u", "up"})));
  EXPECT_TRUE(iam().list_user_policies({.user_name = "u"})->policy_names.empty());

  ASSERT_TRUE(succeeded(iam().put_group_policy({"g", "gp", doc})));
  EXPECT_EQ(iam().get_group_policy({"g", "gp"})->group_name, "g");
  EXPECT_EQ(iam().list_group_policies({.group_name = "g"})->policy_names, (std::vector<std::string>{"gp"}));
  EXPECT_TRUE(fails_with(iam().get_group_policy({"g", "nope"}), ErrorCode::NoSuchEntity,
                         "The group policy with name nope cannot be found."));
  ASSERT_TRUE(succeeded(iam().delete_group_policy({"g", "gp"})));

  EXPECT_TRUE(fails_with(iam().put_role_policy({"ghost", "p", doc}), ErrorCode::NoSuchEntity,
                         "The role with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().put_user_policy({"ghost", "p", doc}), ErrorCode::NoSuchEntity,
                         "The user with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().list_group_policies({.group_name = "ghost"}), ErrorCode::NoSuchEntity,
                         "The group with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().put_role_policy({"r", "bad name", doc}), ErrorCode::ValidationError,
                         "1 validation error detected: Value 'bad name' at 'policyName' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern: [\\w+=,.@-]+"));
  std::string with_principal =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]})";
  EXPECT_TRUE(fails_with(iam().put_role_policy({"r", "p", with_principal}), ErrorCode::MalformedPolicyDocument));
}

TEST_F(Principals, InlinePolicySizeIsAnAggregateQuota) {
  role("r");
  user("u");
  group("g");
  // A document of exactly n non-whitespace characters.
  auto doc_of = [](std::size_t n) {
    std::string head = R"({"Version":"2012-10-17","Statement":[{"Sid":")";
    std::string tail = R"(","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
    return head + std::string(n - head.size() - tail.size(), 'S') + tail;
  };
  ASSERT_TRUE(succeeded(iam().put_user_policy({"u", "one", doc_of(1000)})));
  ASSERT_TRUE(succeeded(iam().put_user_policy({"u", "two", doc_of(1048)})));  // 2,048 in all
  EXPECT_TRUE(fails_with(iam().put_user_policy({"u", "three", doc_of(150)}), ErrorCode::LimitExceeded,
                         "Maximum policy size of 2048 bytes exceeded for user u"));
  ASSERT_TRUE(succeeded(iam().put_user_policy({"u", "two", doc_of(1000)})));  // replacing counts once
  EXPECT_TRUE(fails_with(iam().put_group_policy({"g", "big", doc_of(5121)}), ErrorCode::LimitExceeded,
                         "Maximum policy size of 5120 bytes exceeded for group g"));
  ASSERT_TRUE(succeeded(iam().put_role_policy({"r", "one", doc_of(6000)})));
  EXPECT_TRUE(fails_with(iam().put_role_policy({"r", "two", doc_of(4241)}), ErrorCode::LimitExceeded,
                         "Maximum policy size of 10240 bytes exceeded for role r"));
  EXPECT_TRUE(succeeded(iam().put_role_policy({"r", "two", doc_of(4240)})));
}

TEST_F(Principals, Users) {
  auto u = iam().create_user({.user_name = "alice", .path = "/eng/", .tags = {{"Team", "ml"}}});
  ASSERT_TRUE(succeeded(u));
  EXPECT_EQ(u->arn, "arn:aws:iam::123456789012:user/eng/alice");
  EXPECT_TRUE(test::is_unique_id(u->user_id, "AIDA")) << u->user_id;
  EXPECT_EQ(u->create_date, "2024-05-08T23:34:01Z");
  auto got = iam().get_user({"ALICE"});
  ASSERT_TRUE(succeeded(got));
  EXPECT_EQ(got->user_id, u->user_id);
  EXPECT_EQ(got->tags, (std::vector<Tag>{{"Team", "ml"}}));
  EXPECT_TRUE(fails_with(iam().create_user({.user_name = "Alice"}), ErrorCode::EntityAlreadyExists,
                         "User with name Alice already exists."));
  EXPECT_TRUE(fails_with(iam().get_user({"bob"}), ErrorCode::NoSuchEntity, "The user with name bob cannot be found."));
  EXPECT_TRUE(fails_with(iam().get_user({""}), ErrorCode::ValidationError));
  EXPECT_TRUE(fails_with(iam().create_user({.user_name = std::string(65, 'u')}), ErrorCode::ValidationError));

  user("bob");
  auto list = iam().list_users({});
  ASSERT_EQ(list->users.size(), 2u);
  EXPECT_EQ(list->users[0].user_name, "alice");
  EXPECT_TRUE(list->users[0].tags.empty());
  EXPECT_EQ(iam().list_users({.path_prefix = "/eng/"})->users.size(), 1u);

  ASSERT_TRUE(succeeded(iam().tag_user({"alice", {{"team", "infra"}}})));
  EXPECT_EQ(iam().get_user({"alice"})->tags, (std::vector<Tag>{{"team", "infra"}}));
  ASSERT_TRUE(succeeded(iam().untag_user({"alice", {"TEAM"}})));
  EXPECT_TRUE(iam().get_user({"alice"})->tags.empty());

  policy("boundary");
  ASSERT_TRUE(succeeded(iam().put_user_permissions_boundary({"alice", policy_arn("boundary")})));
  EXPECT_EQ(iam().get_user({"alice"})->permissions_boundary->permissions_boundary_arn, policy_arn("boundary"));
  ASSERT_TRUE(succeeded(iam().delete_user_permissions_boundary({"alice"})));
  EXPECT_FALSE(iam().get_user({"alice"})->permissions_boundary.has_value());
  auto bounded = iam().create_user({.user_name = "carol", .permissions_boundary = policy_arn("boundary")});
  ASSERT_TRUE(succeeded(bounded));
  EXPECT_EQ(bounded->permissions_boundary->permissions_boundary_arn, policy_arn("boundary"));

  ASSERT_TRUE(succeeded(iam().delete_user({"bob"})));
  EXPECT_TRUE(fails_with(iam().delete_user({"bob"}), ErrorCode::NoSuchEntity, "The user with name bob cannot be found."));
}

TEST_F(Principals, DeleteUserNeedsNoPoliciesAndNoGroups) {
  user("u");
  group("g");
  policy("p");
  ASSERT_TRUE(succeeded(iam().attach_user_policy({"u", policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().delete_user({"u"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must detach all policies first."));
  ASSERT_TRUE(succeeded(iam().detach_user_policy({"u", policy_arn("p")})));
  ASSERT_TRUE(succeeded(iam().put_user_policy({"u", "inline", allow()})));
  EXPECT_TRUE(fails_with(iam().delete_user({"u"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must delete policies first."));
  ASSERT_TRUE(succeeded(iam().delete_user_policy({"u", "inline"})));
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"g", "u"})));
  EXPECT_TRUE(fails_with(iam().delete_user({"u"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must remove users from group first."));
  ASSERT_TRUE(succeeded(iam().remove_user_from_group({"g", "u"})));
  EXPECT_TRUE(succeeded(iam().delete_user({"u"})));
}

TEST_F(Principals, GroupsAndMembership) {
  auto g = iam().create_group({.group_name = "admins", .path = "/ops/"});
  ASSERT_TRUE(succeeded(g));
  EXPECT_EQ(g->arn, "arn:aws:iam::123456789012:group/ops/admins");
  EXPECT_TRUE(fails_with(iam().create_group({.group_name = "ADMINS"}), ErrorCode::EntityAlreadyExists,
                         "Group with name ADMINS already exists."));
  group("devs");
  user("bob");
  user("alice");
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"admins", "bob"})));
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"admins", "alice"})));
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"admins", "alice"})));  // again: no-op
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"devs", "alice"})));

  auto members = iam().get_group({.group_name = "admins"});
  ASSERT_TRUE(succeeded(members));
  EXPECT_EQ(members->group.group_id, g->group_id);
  ASSERT_EQ(members->users.size(), 2u);
  EXPECT_EQ(members->users[0].user_name, "alice");
  EXPECT_EQ(members->users[1].user_name, "bob");
  auto page = iam().get_group({.group_name = "admins", .max_items = 1});
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(iam().get_group({.group_name = "admins", .marker = page->marker})->users[0].user_name, "bob");

  auto groups = iam().list_groups_for_user({.user_name = "alice"});
  ASSERT_TRUE(succeeded(groups));
  ASSERT_EQ(groups->groups.size(), 2u);
  EXPECT_EQ(groups->groups[0].group_name, "admins");
  EXPECT_EQ(groups->groups[1].group_name, "devs");
  EXPECT_EQ(iam().list_groups({})->groups.size(), 2u);
  EXPECT_EQ(iam().list_groups({.path_prefix = "/ops/"})->groups.size(), 1u);

  EXPECT_TRUE(fails_with(iam().get_group({.group_name = "ghost"}), ErrorCode::NoSuchEntity,
                         "The group with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().add_user_to_group({"admins", "ghost"}), ErrorCode::NoSuchEntity,
                         "The user with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().list_groups_for_user({.user_name = "ghost"}), ErrorCode::NoSuchEntity));

  ASSERT_TRUE(succeeded(iam().remove_user_from_group({"admins", "bob"})));
  EXPECT_TRUE(fails_with(iam().remove_user_from_group({"admins", "bob"}), ErrorCode::NoSuchEntity));
  EXPECT_EQ(iam().get_group({.group_name = "admins"})->users.size(), 1u);
}

TEST_F(Principals, DeleteGroupNeedsNoMembersAndNoPolicies) {
  group("g");
  user("u");
  policy("p");
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"g", "u"})));
  EXPECT_TRUE(fails_with(iam().delete_group({"g"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must remove users from group first."));
  ASSERT_TRUE(succeeded(iam().remove_user_from_group({"g", "u"})));
  ASSERT_TRUE(succeeded(iam().attach_group_policy({"g", policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().delete_group({"g"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must detach all policies first."));
  ASSERT_TRUE(succeeded(iam().detach_group_policy({"g", policy_arn("p")})));
  ASSERT_TRUE(succeeded(iam().put_group_policy({"g", "inline", allow()})));
  EXPECT_TRUE(fails_with(iam().delete_group({"g"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must delete policies first."));
  ASSERT_TRUE(succeeded(iam().delete_group_policy({"g", "inline"})));
  ASSERT_TRUE(succeeded(iam().delete_group({"g"})));
  EXPECT_TRUE(fails_with(iam().delete_group({"g"}), ErrorCode::NoSuchEntity));
}

TEST_F(Principals, GroupsPerUserQuota) {
  user("u");
  for (int i = 0; i < 11; ++i) group("g" + std::to_string(i));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(succeeded(iam().add_user_to_group({"g" + std::to_string(i), "u"})));
  EXPECT_TRUE(fails_with(iam().add_user_to_group({"g10", "u"}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for GroupsPerUser: 10"));
}

TEST_F(Principals, InstanceProfiles) {
  auto ip = iam().create_instance_profile({.instance_profile_name = "web", .path = "/app/", .tags = {{"k", "v"}}});
  ASSERT_TRUE(succeeded(ip));
  EXPECT_EQ(ip->arn, "arn:aws:iam::123456789012:instance-profile/app/web");
  EXPECT_TRUE(test::is_unique_id(ip->instance_profile_id, "AIPA")) << ip->instance_profile_id;
  EXPECT_TRUE(ip->roles.empty());
  EXPECT_EQ(ip->tags, (std::vector<Tag>{{"k", "v"}}));
  EXPECT_TRUE(fails_with(iam().create_instance_profile({.instance_profile_name = "WEB"}), ErrorCode::EntityAlreadyExists,
                         "Instance Profile WEB already exists."));
  role("r1");
  role("r2");
  ASSERT_TRUE(succeeded(iam().add_role_to_instance_profile({"web", "r1"})));
  auto got = iam().get_instance_profile({"web"});
  ASSERT_TRUE(succeeded(got));
  ASSERT_EQ(got->roles.size(), 1u);
  EXPECT_EQ(got->roles[0].role_name, "r1");
  EXPECT_EQ(got->roles[0].arn, "arn:aws:iam::123456789012:role/r1");
  EXPECT_TRUE(fails_with(iam().add_role_to_instance_profile({"web", "r2"}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"));
  EXPECT_TRUE(fails_with(iam().add_role_to_instance_profile({"web", "r1"}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"));

  auto for_role = iam().list_instance_profiles_for_role({.role_name = "r1"});
  ASSERT_TRUE(succeeded(for_role));
  ASSERT_EQ(for_role->instance_profiles.size(), 1u);
  EXPECT_EQ(for_role->instance_profiles[0].instance_profile_name, "web");
  EXPECT_TRUE(iam().list_instance_profiles_for_role({.role_name = "r2"})->instance_profiles.empty());

  EXPECT_TRUE(fails_with(iam().delete_instance_profile({"web"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must remove roles from instance profile first."));
  EXPECT_TRUE(fails_with(iam().remove_role_from_instance_profile({"web", "r2"}), ErrorCode::NoSuchEntity));
  ASSERT_TRUE(succeeded(iam().remove_role_from_instance_profile({"web", "r1"})));
  ASSERT_TRUE(succeeded(iam().delete_instance_profile({"web"})));
  EXPECT_TRUE(fails_with(iam().get_instance_profile({"web"}), ErrorCode::NoSuchEntity,
                         "Instance Profile web cannot be found."));
  EXPECT_TRUE(fails_with(iam().add_role_to_instance_profile({"web", "r1"}), ErrorCode::NoSuchEntity,
                         "Instance Profile web cannot be found."));
  EXPECT_TRUE(fails_with(iam().list_instance_profiles_for_role({.role_name = "ghost"}), ErrorCode::NoSuchEntity,
                         "The role with name ghost cannot be found."));
}

// UpdateUser / UpdateGroup (the engine's in-place rename and move): the ARN follows the new name and
// path, the unique id and memberships stay; a name held by another entity is EntityAlreadyExists.
TEST_F(Principals, UpdateUserRenamesAndMovesKeepingIdAndGroups) {
  auto alice = user("alice");
  group("devs");
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"devs", "alice"})));
  user("bob");
  EXPECT_TRUE(fails_with(iam().update_user({.user_name = "alice", .new_user_name = "BOB"}), ErrorCode::EntityAlreadyExists,
                         "User with name BOB already exists."));
  EXPECT_TRUE(fails_with(iam().update_user({.user_name = "nobody", .new_path = "/x/"}), ErrorCode::NoSuchEntity));
  ASSERT_TRUE(succeeded(iam().update_user({.user_name = "alice", .new_path = "/team/", .new_user_name = "carol"})));
  EXPECT_TRUE(fails_with(iam().get_user({"alice"}), ErrorCode::NoSuchEntity));
  auto carol = iam().get_user({"carol"});
  ASSERT_TRUE(succeeded(carol));
  EXPECT_EQ(carol->user_id, alice.user_id);
  EXPECT_EQ(carol->arn, "arn:aws:iam::123456789012:user/team/carol");
  auto members = iam().get_group({.group_name = "devs"});
  ASSERT_TRUE(succeeded(members));
  ASSERT_EQ(members->users.size(), 1u);
  EXPECT_EQ(members->users[0].user_name, "carol");
  // Renaming to a case variant of its own name is not a conflict.
  EXPECT_TRUE(succeeded(iam().update_user({.user_name = "carol", .new_user_name = "Carol"})));
}

TEST_F(Principals, UpdateGroupRenamesAndMoves) {
  auto devs = group("devs");
  group("ops");
  user("alice");
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"devs", "alice"})));
  EXPECT_TRUE(fails_with(iam().update_group({.group_name = "devs", .new_group_name = "ops"}), ErrorCode::EntityAlreadyExists,
                         "Group with name ops already exists."));
  EXPECT_TRUE(fails_with(iam().update_group({.group_name = "nobody", .new_path = "/x/"}), ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().update_group({.group_name = "devs", .new_path = "no-slashes"}), ErrorCode::ValidationError));
  ASSERT_TRUE(succeeded(iam().update_group({.group_name = "devs", .new_path = "/eng/", .new_group_name = "engineers"})));
  auto g = iam().get_group({.group_name = "engineers"});
  ASSERT_TRUE(succeeded(g));
  EXPECT_EQ(g->group.group_id, devs.group_id);
  EXPECT_EQ(g->group.arn, "arn:aws:iam::123456789012:group/eng/engineers");
  ASSERT_EQ(g->users.size(), 1u);
  EXPECT_EQ(iam().list_groups_for_user({"alice"})->groups.at(0).group_name, "engineers");
}

// TagInstanceProfile / UntagInstanceProfile: keys are case-sensitive; untagging a missing key is a no-op.
TEST_F(Principals, InstanceProfileTags) {
  ASSERT_TRUE(succeeded(iam().create_instance_profile({.instance_profile_name = "web", .tags = {{"env", "dev"}}})));
  ASSERT_TRUE(succeeded(iam().tag_instance_profile({"web", {{"env", "prod"}, {"Env", "x"}}})));
  EXPECT_EQ(iam().get_instance_profile({"web"})->tags, (std::vector<Tag>{{"env", "prod"}, {"Env", "x"}}));
  ASSERT_TRUE(succeeded(iam().untag_instance_profile({"web", {"Env", "missing"}})));
  EXPECT_EQ(iam().get_instance_profile({"web"})->tags, (std::vector<Tag>{{"env", "prod"}}));
  EXPECT_TRUE(fails_with(iam().tag_instance_profile({"nope", {{"a", "b"}}}), ErrorCode::NoSuchEntity,
                         "Instance Profile nope cannot be found."));
}
