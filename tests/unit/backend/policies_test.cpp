// Managed policies: create/get/delete/list, versions and their rotation, tags, and AWS's errors.
#include <gtest/gtest.h>

#include "backend_test_util.hpp"
#include "iamforge/policy/validator.hpp"

using namespace iamforge;
using namespace iamforge::backend;
using test::allow;
using test::fails_with;
using test::policy_arn;
using test::succeeded;

namespace {
class Policies : public test::LocalBackendTest {};

std::vector<std::string> version_ids(const ListPolicyVersionsResponse& r) {
  std::vector<std::string> ids;
  for (const auto& v : r.versions) ids.push_back(v.version_id + (v.is_default_version ? "*" : ""));
  return ids;
}
}  // namespace

TEST_F(Policies, CreateReturnsAwsShape) {
  auto p = iam().create_policy({.policy_name = "mlPolicy-9f8e7d6",
                                .policy_document = test::kMlPolicy,
                                .path = "/ml/",
                                .description = "Policy for Machine Learning Team",
                                .tags = {{"Team", "ml"}}});
  ASSERT_TRUE(succeeded(p));
  EXPECT_EQ(p->policy_name, "mlPolicy-9f8e7d6");
  EXPECT_EQ(p->arn, "arn:aws:iam::123456789012:policy/ml/mlPolicy-9f8e7d6");
  EXPECT_TRUE(test::is_unique_id(p->policy_id, "ANPA")) << p->policy_id;
  EXPECT_EQ(p->path, "/ml/");
  EXPECT_EQ(p->default_version_id, "v1");
  EXPECT_EQ(p->attachment_count, 0);
  EXPECT_EQ(p->permissions_boundary_usage_count, 0);
  EXPECT_TRUE(p->is_attachable);
  EXPECT_EQ(p->description, "Policy for Machine Learning Team");
  EXPECT_EQ(p->create_date, "2024-05-08T23:34:01Z");
  EXPECT_EQ(p->update_date, p->create_date);
  EXPECT_EQ(p->tags, (std::vector<Tag>{{"Team", "ml"}}));

  auto got = iam().get_policy({p->arn});
  ASSERT_TRUE(succeeded(got));
  EXPECT_EQ(got->policy_id, p->policy_id);
  EXPECT_EQ(got->description, p->description);
  auto v1 = iam().get_policy_version({p->arn, "v1"});
  ASSERT_TRUE(succeeded(v1));
  EXPECT_EQ(v1->document, test::kMlPolicy);  // stored as given
  EXPECT_TRUE(v1->is_default_version);
}

TEST_F(Policies, NamesAreUniqueInTheAccountIgnoringCaseAndPath) {
  policy("Shared");
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "Shared", .policy_document = allow()}),
                         ErrorCode::EntityAlreadyExists,
                         "A policy called Shared already exists. Duplicate names are not allowed."));
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "shared", .policy_document = allow(), .path = "/other/"}),
                         ErrorCode::EntityAlreadyExists,
                         "A policy called shared already exists. Duplicate names are not allowed."));
}

TEST_F(Policies, DocumentIsValidatedAsAnIdentityPolicy) {
  std::string with_principal =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]})";
  std::string expected;
  for (const auto& d : policy::check(with_principal, policy::PolicyType::Identity))
    if (d.severity == base::Severity::Error && expected.empty()) expected = d.message;
  ASSERT_FALSE(expected.empty());
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "p", .policy_document = with_principal}),
                         ErrorCode::MalformedPolicyDocument, expected));
  std::string bad_effect = R"({"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}]})";
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "p", .policy_document = bad_effect}),
                         ErrorCode::MalformedPolicyDocument));
  EXPECT_TRUE(fails_with(iam().get_policy({policy_arn("p")}), ErrorCode::NoSuchEntity));
  policy("p");
  EXPECT_TRUE(fails_with(iam().create_policy_version({.policy_arn = policy_arn("p"), .policy_document = bad_effect}),
                         ErrorCode::MalformedPolicyDocument));
}

TEST_F(Policies, DocumentSizeIsAQuota) {
  std::string head = R"({"Version":"2012-10-17","Statement":[{"Sid":")";
  std::string tail = R"(","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
  std::string at_limit = head + std::string(6144 - head.size() - tail.size(), 'S') + tail;
  std::string over = head + std::string(6145 - head.size() - tail.size(), 'S') + tail;
  EXPECT_TRUE(succeeded(iam().create_policy({.policy_name = "big", .policy_document = at_limit})));
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "bigger", .policy_document = over}),
                         ErrorCode::LimitExceeded, "Cannot exceed quota for PolicySize: 6144"));
  EXPECT_TRUE(fails_with(iam().create_policy_version({.policy_arn = policy_arn("big"), .policy_document = over}),
                         ErrorCode::LimitExceeded, "Cannot exceed quota for PolicySize: 6144"));
}

TEST_F(Policies, PolicyArnErrors) {
  EXPECT_TRUE(fails_with(iam().get_policy({policy_arn("ghost")}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/ghost was not found."));
  EXPECT_TRUE(fails_with(iam().get_policy({"arn:aws:iam::123456789012:role/r"}), ErrorCode::InvalidInput,
                         "ARN arn:aws:iam::123456789012:role/r is not valid."));
  EXPECT_TRUE(fails_with(iam().get_policy({"not-an-arn-at-all-really"}), ErrorCode::InvalidInput,
                         "ARN not-an-arn-at-all-really is not valid."));
  EXPECT_TRUE(fails_with(iam().get_policy({"arn:aws:iam::1:p"}), ErrorCode::ValidationError,
                         "1 validation error detected: Value 'arn:aws:iam::1:p' at 'policyArn' failed to satisfy "
                         "constraint: Member must have length greater than or equal to 20"));
  // Another account's policy does not exist here (AWS managed policies: aws_managed_test.cpp).
  EXPECT_TRUE(fails_with(iam().get_policy({"arn:aws:iam::999999999999:policy/p"}), ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().get_policy({"arn:aws:iam::aws:policy/NoSuchAwsPolicy"}), ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().delete_policy({policy_arn("ghost")}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/ghost was not found."));
}

TEST_F(Policies, CreatePolicyVersionAndReadItBack) {
  policy("p");
  std::string doc2 = allow("s3:PutObject");
  auto v2 = iam().create_policy_version({.policy_arn = policy_arn("p"), .policy_document = doc2});
  ASSERT_TRUE(succeeded(v2));
  EXPECT_EQ(v2->version_id, "v2");
  EXPECT_FALSE(v2->is_default_version);
  EXPECT_FALSE(v2->document.has_value());  // AWS does not return it here
  EXPECT_EQ(iam().get_policy({policy_arn("p")})->default_version_id, "v1");

  auto v3 = iam().create_policy_version({.policy_arn = policy_arn("p"), .policy_document = allow("s3:ListBucket",
                                         "arn:aws:s3:::b"), .set_as_default = true});
  ASSERT_TRUE(succeeded(v3));
  EXPECT_TRUE(v3->is_default_version);
  EXPECT_EQ(iam().get_policy({policy_arn("p")})->default_version_id, "v3");

  auto got = iam().get_policy_version({policy_arn("p"), "v2"});
  ASSERT_TRUE(succeeded(got));
  EXPECT_EQ(got->document, doc2);
  EXPECT_FALSE(got->is_default_version);

  auto list = iam().list_policy_versions({.policy_arn = policy_arn("p")});
  ASSERT_TRUE(succeeded(list));
  EXPECT_EQ(version_ids(*list), (std::vector<std::string>{"v3*", "v2", "v1"}));  // newest first
  for (const auto& v : list->versions) EXPECT_FALSE(v.document.has_value());

  auto page1 = iam().list_policy_versions({.policy_arn = policy_arn("p"), .max_items = 2});
  EXPECT_EQ(version_ids(*page1), (std::vector<std::string>{"v3*", "v2"}));
  EXPECT_TRUE(page1->is_truncated);
  auto page2 = iam().list_policy_versions({.policy_arn = policy_arn("p"), .marker = page1->marker, .max_items = 2});
  EXPECT_EQ(version_ids(*page2), (std::vector<std::string>{"v1"}));
  EXPECT_FALSE(page2->is_truncated);

  ASSERT_TRUE(succeeded(iam().set_default_policy_version({policy_arn("p"), "v1"})));
  EXPECT_EQ(iam().get_policy({policy_arn("p")})->default_version_id, "v1");
  EXPECT_TRUE(iam().get_policy_version({policy_arn("p"), "v1"})->is_default_version);
}

TEST_F(Policies, UpdateDateFollowsTheNewestVersion) {
  auto t = test::pinned_time();
  LocalOptions o;
  o.clock = [&t] { return t; };
  reopen(o);
  policy("p");
  t += std::chrono::hours(24);
  ASSERT_TRUE(succeeded(iam().create_policy_version({.policy_arn = policy_arn("p"), .policy_document = allow()})));
  auto p = iam().get_policy({policy_arn("p")});
  EXPECT_EQ(p->create_date, "2024-05-08T23:34:01Z");
  EXPECT_EQ(p->update_date, "2024-05-09T23:34:01Z");
}

// The rotation apply does for a managed policy update: five versions, the sixth refused, delete
// the oldest non-default version, then the new version fits.
TEST_F(Policies, VersionRotation) {
  policy("p");
  for (int i = 2; i <= 5; ++i) {
    auto v = iam().create_policy_version(
        {.policy_arn = policy_arn("p"), .policy_document = allow("s3:GetObject", "arn:aws:s3:::b" + std::to_string(i) + "/*"),
         .set_as_default = true});
    ASSERT_TRUE(succeeded(v));
    EXPECT_EQ(v->version_id, "v" + std::to_string(i));
  }
  auto sixth = iam().create_policy_version({.policy_arn = policy_arn("p"), .policy_document = allow(), .set_as_default = true});
  EXPECT_TRUE(fails_with(sixth, ErrorCode::LimitExceeded,
                         "A managed policy can have up to 5 versions. Before you create a new version, you must "
                         "delete an existing version."));

  auto versions = iam().list_policy_versions({.policy_arn = policy_arn("p")});
  EXPECT_EQ(version_ids(*versions), (std::vector<std::string>{"v5*", "v4", "v3", "v2", "v1"}));
  // The oldest non-default version.
  std::string oldest;
  for (const auto& v : versions->versions)
    if (!v.is_default_version) oldest = v.version_id;
  ASSERT_EQ(oldest, "v1");
  ASSERT_TRUE(succeeded(iam().delete_policy_version({policy_arn("p"), oldest})));

  auto v6 = iam().create_policy_version({.policy_arn = policy_arn("p"), .policy_document = allow(), .set_as_default = true});
  ASSERT_TRUE(succeeded(v6));
  EXPECT_EQ(v6->version_id, "v6");  // ids are never reused
  EXPECT_EQ(version_ids(*iam().list_policy_versions({.policy_arn = policy_arn("p")})),
            (std::vector<std::string>{"v6*", "v5", "v4", "v3", "v2"}));
  EXPECT_TRUE(fails_with(iam().get_policy_version({policy_arn("p"), "v1"}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/p version v1 does not exist or is not attachable."));
}

TEST_F(Policies, VersionErrors) {
  policy("p");
  EXPECT_TRUE(fails_with(iam().delete_policy_version({policy_arn("p"), "v1"}), ErrorCode::DeleteConflict,
                         "Cannot delete the default version of a policy."));
  EXPECT_TRUE(fails_with(iam().delete_policy_version({policy_arn("p"), "v9"}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/p version v9 does not exist or is not attachable."));
  EXPECT_TRUE(fails_with(iam().set_default_policy_version({policy_arn("p"), "v2"}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/p version v2 does not exist or is not attachable."));
  EXPECT_TRUE(fails_with(iam().set_default_policy_version({policy_arn("p"), "2"}), ErrorCode::ValidationError,
                         "1 validation error detected: Value '2' at 'versionId' failed to satisfy constraint: Member "
                         "must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"));
  EXPECT_TRUE(fails_with(iam().get_policy_version({policy_arn("p"), "v1.beta"}), ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().get_policy_version({policy_arn("ghost"), "v1"}), ErrorCode::NoSuchEntity,
                         "Policy arn:aws:iam::123456789012:policy/ghost was not found."));
  EXPECT_TRUE(fails_with(iam().create_policy_version({.policy_arn = policy_arn("ghost"), .policy_document = allow()}),
                         ErrorCode::NoSuchEntity, "Policy arn:aws:iam::123456789012:policy/ghost was not found."));
  EXPECT_TRUE(fails_with(iam().list_policy_versions({.policy_arn = policy_arn("ghost")}), ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().list_policy_versions({.policy_arn = policy_arn("p"), .marker = "junk"}),
                         ErrorCode::InvalidInput));
}

TEST_F(Policies, DeletePolicy) {
  policy("p");
  ASSERT_TRUE(succeeded(iam().delete_policy({policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().get_policy({policy_arn("p")}), ErrorCode::NoSuchEntity));
  auto again = policy("p");
  EXPECT_EQ(again.default_version_id, "v1");
}

TEST_F(Policies, DeletePolicyNeedsNoAttachmentsAndNoOtherVersions) {
  policy("p");
  role("r");
  user("u");
  group("g");
  const std::string conflict = "Cannot delete a policy attached to entities.";
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().delete_policy({policy_arn("p")}), ErrorCode::DeleteConflict, conflict));
  ASSERT_TRUE(succeeded(iam().detach_role_policy({"r", policy_arn("p")})));
  ASSERT_TRUE(succeeded(iam().attach_user_policy({"u", policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().delete_policy({policy_arn("p")}), ErrorCode::DeleteConflict, conflict));
  ASSERT_TRUE(succeeded(iam().detach_user_policy({"u", policy_arn("p")})));
  ASSERT_TRUE(succeeded(iam().attach_group_policy({"g", policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().delete_policy({policy_arn("p")}), ErrorCode::DeleteConflict, conflict));
  ASSERT_TRUE(succeeded(iam().detach_group_policy({"g", policy_arn("p")})));
  ASSERT_TRUE(succeeded(iam().put_role_permissions_boundary({"r", policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().delete_policy({policy_arn("p")}), ErrorCode::DeleteConflict, conflict));
  ASSERT_TRUE(succeeded(iam().delete_role_permissions_boundary({"r"})));

  ASSERT_TRUE(succeeded(iam().create_policy_version({.policy_arn = policy_arn("p"), .policy_document = allow()})));
  EXPECT_TRUE(fails_with(iam().delete_policy({policy_arn("p")}), ErrorCode::DeleteConflict,
                         "This policy has more than one version. Before you delete a policy, you must delete the "
                         "policy's versions. The default version is deleted with the policy."));
  ASSERT_TRUE(succeeded(iam().delete_policy_version({policy_arn("p"), "v2"})));
  EXPECT_TRUE(succeeded(iam().delete_policy({policy_arn("p")})));
}

TEST_F(Policies, ListPolicies) {
  policy("a");
  policy("b", allow(), "/team/");
  policy("c");
  policy("bound");
  role("r");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("c")})));
  ASSERT_TRUE(succeeded(iam().put_role_permissions_boundary({"r", policy_arn("bound")})));

  auto names = [](const Result<ListPoliciesResponse>& r) {
    std::vector<std::string> n;
    for (const auto& p : r->policies) n.push_back(p.policy_name);
    return n;
  };
  auto all = iam().list_policies({.scope = PolicyScopeType::Local});  // Scope All adds AWS managed policies
  ASSERT_TRUE(succeeded(all));
  EXPECT_EQ(names(all), (std::vector<std::string>{"a", "b", "bound", "c"}));
  for (const auto& p : all->policies) EXPECT_FALSE(p.description.has_value());  // list form
  EXPECT_EQ(all->policies[3].attachment_count, 1);
  EXPECT_EQ(all->policies[2].permissions_boundary_usage_count, 1);

  EXPECT_EQ(names(iam().list_policies({.scope = PolicyScopeType::AWS, .path_prefix = "/team/"})),
            std::vector<std::string>{});
  EXPECT_EQ(names(iam().list_policies({.only_attached = true})), (std::vector<std::string>{"bound", "c"}));
  EXPECT_EQ(names(iam().list_policies({.only_attached = true, .policy_usage_filter = PolicyUsageType::PermissionsPolicy})),
            (std::vector<std::string>{"c"}));
  EXPECT_EQ(names(iam().list_policies({.only_attached = true, .policy_usage_filter = PolicyUsageType::PermissionsBoundary})),
            (std::vector<std::string>{"bound"}));
  EXPECT_EQ(names(iam().list_policies({.path_prefix = "/team/"})), (std::vector<std::string>{"b"}));

  auto page = iam().list_policies({.scope = PolicyScopeType::Local, .max_items = 3});
  EXPECT_EQ(names(page), (std::vector<std::string>{"a", "b", "bound"}));
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(names(iam().list_policies({.scope = PolicyScopeType::Local, .marker = page->marker, .max_items = 3})),
            (std::vector<std::string>{"c"}));
}

TEST_F(Policies, TagsAreCaseSensitiveForPolicies) {
  policy("p");
  ASSERT_TRUE(succeeded(iam().tag_policy({policy_arn("p"), {{"Env", "dev"}, {"env", "prod"}}})));
  EXPECT_EQ(iam().get_policy({policy_arn("p")})->tags, (std::vector<Tag>{{"Env", "dev"}, {"env", "prod"}}));
  ASSERT_TRUE(succeeded(iam().untag_policy({policy_arn("p"), {"env"}})));
  EXPECT_EQ(iam().get_policy({policy_arn("p")})->tags, (std::vector<Tag>{{"Env", "dev"}}));
  EXPECT_TRUE(fails_with(iam().tag_policy({policy_arn("ghost"), {{"k", "v"}}}), ErrorCode::NoSuchEntity));
}

TEST_F(Policies, PathRules) {
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "p", .policy_document = allow(), .path = "/a//b/"}),
                         ErrorCode::ValidationError,
                         "1 validation error detected: Value '/a//b/' at 'path' failed to satisfy constraint: Member "
                         "must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"));
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "p", .policy_document = allow(), .path = "/a b/"}),
                         ErrorCode::ValidationError));
  auto p = iam().create_policy({.policy_name = "p", .policy_document = allow(), .path = "/a/b.c/"});
  ASSERT_TRUE(succeeded(p));
  EXPECT_EQ(p->arn, "arn:aws:iam::123456789012:policy/a/b.c/p");
}

TEST_F(Policies, AccountPolicyQuota) {
  LocalOptions o = test::test_options();
  o.quotas.policies = 1;
  reopen(o);
  policy("a");
  EXPECT_TRUE(fails_with(iam().create_policy({.policy_name = "b", .policy_document = allow()}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for PoliciesPerAccount: 1"));
}
