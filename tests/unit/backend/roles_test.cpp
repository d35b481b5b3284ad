// Roles: create/get/update/delete/list, boundaries, tags, and every error AWS gives for them.
#include <gtest/gtest.h>

#include "backend_test_util.hpp"
#include "iamforge/policy/validator.hpp"

using namespace iamforge;
using namespace iamforge::backend;
using test::fails_with;
using test::kSagemakerTrust;
using test::policy_arn;
using test::succeeded;

namespace {
class Roles : public test::LocalBackendTest {};

// The policy engine's first error for `doc`, which MalformedPolicyDocument must carry.
std::string first_error(const std::string& doc, policy::PolicyType type) {
  for (const auto& d : policy::check(doc, type))
    if (d.severity == base::Severity::Error) return d.message;
  return "";
}
}  // namespace

TEST_F(Roles, CreateReturnsAwsShape) {
  std::string trust = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", "
                      "\"Principal\": {\"Service\": \"sagemaker.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]\n}";
  auto r = iam().create_role({.role_name = "mlTeamRole-1a2b3c4",
                              .assume_role_policy_document = trust,
                              .description = "ML team",
                              .tags = {{"team", "ml"}, {"env", "dev"}}});
  ASSERT_TRUE(succeeded(r));
  EXPECT_EQ(r->role_name, "mlTeamRole-1a2b3c4");
  EXPECT_EQ(r->path, "/");
  EXPECT_EQ(r->arn, "arn:aws:iam::123456789012:role/mlTeamRole-1a2b3c4");
  EXPECT_TRUE(test::is_unique_id(r->role_id, "AROA")) << r->role_id;
  EXPECT_EQ(r->create_date, "2024-05-08T23:34:01Z");
  EXPECT_EQ(r->assume_role_policy_document, trust);  // stored as given, whitespace and all
  EXPECT_EQ(r->description, "ML team");
  EXPECT_EQ(r->max_session_duration, 3600);
  EXPECT_FALSE(r->permissions_boundary.has_value());
  EXPECT_EQ(r->tags, (std::vector<Tag>{{"team", "ml"}, {"env", "dev"}}));

  auto got = iam().get_role({"mlTeamRole-1a2b3c4"});
  ASSERT_TRUE(succeeded(got));
  EXPECT_EQ(got->role_id, r->role_id);
  EXPECT_EQ(got->arn, r->arn);
  EXPECT_EQ(got->tags, r->tags);
  EXPECT_EQ(got->assume_role_policy_document, trust);
}

TEST_F(Roles, ArnIncludesThePath) {
  auto r = iam().create_role({.role_name = "S3Access", .assume_role_policy_document = kSagemakerTrust, .path = "/app/"});
  ASSERT_TRUE(succeeded(r));
  EXPECT_EQ(r->arn, "arn:aws:iam::123456789012:role/app/S3Access");
  EXPECT_EQ(r->path, "/app/");
}

TEST_F(Roles, AccountAndPartitionAreConfigurable) {
  test::TempDir dir;
  LocalOptions o = test::test_options();
  o.account_id = "210987654321";
  o.partition = "aws-cn";
  auto opened = LocalBackend::open((dir.path() / "cn.db").string(), o);
  ASSERT_TRUE(succeeded(opened));
  auto& cn = *opened.value();
  auto r = cn.create_role({.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .path = "/a/b/"});
  ASSERT_TRUE(succeeded(r));
  EXPECT_EQ(r->arn, "arn:aws-cn:iam::210987654321:role/a/b/r");
  auto p = cn.create_policy({.policy_name = "p", .policy_document = test::allow("s3:GetObject", "*")});
  ASSERT_TRUE(succeeded(p));
  EXPECT_EQ(p->arn, "arn:aws-cn:iam::210987654321:policy/p");
}

TEST_F(Roles, UniqueIdsDiffer) {
  auto a = role("a");
  auto b = role("b");
  EXPECT_NE(a.role_id, b.role_id);
}

TEST_F(Roles, NamesAreUniqueIgnoringCaseAndLookupsIgnoreCase) {
  role("MlRole");
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "MlRole", .assume_role_policy_document = kSagemakerTrust}),
                         ErrorCode::EntityAlreadyExists, "Role with name MlRole already exists."));
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "mlrole", .assume_role_policy_document = kSagemakerTrust}),
                         ErrorCode::EntityAlreadyExists, "Role with name mlrole already exists."));
  auto got = iam().get_role({"MLROLE"});
  ASSERT_TRUE(succeeded(got));
  EXPECT_EQ(got->role_name, "MlRole");  // case preserved
}

TEST_F(Roles, MissingRoleIsNoSuchEntity) {
  EXPECT_TRUE(fails_with(iam().get_role({"ghost"}), ErrorCode::NoSuchEntity, "The role with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().delete_role({"ghost"}), ErrorCode::NoSuchEntity, "The role with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().update_role({.role_name = "ghost", .description = "x"}), ErrorCode::NoSuchEntity,
                         "The role with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().update_assume_role_policy({"ghost", kSagemakerTrust}), ErrorCode::NoSuchEntity,
                         "The role with name ghost cannot be found."));
  EXPECT_TRUE(fails_with(iam().tag_role({"ghost", {{"k", "v"}}}), ErrorCode::NoSuchEntity,
                         "The role with name ghost cannot be found."));
}

TEST_F(Roles, NameRulesAreValidationErrors) {
  auto bad = [&](const std::string& name) {
    return iam().create_role({.role_name = name, .assume_role_policy_document = kSagemakerTrust});
  };
  EXPECT_TRUE(fails_with(bad("ml team"), ErrorCode::ValidationError,
                         "1 validation error detected: Value 'ml team' at 'roleName' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern: [\\w+=,.@-]+"));
  EXPECT_TRUE(fails_with(bad(std::string(65, 'a')), ErrorCode::ValidationError,
                         "1 validation error detected: Value '" + std::string(65, 'a') +
                             "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"));
  EXPECT_TRUE(fails_with(bad(""), ErrorCode::ValidationError,
                         "1 validation error detected: Value '' at 'roleName' failed to satisfy constraint: "
                         "Member must have length greater than or equal to 1"));
  EXPECT_TRUE(succeeded(bad(std::string(64, 'a'))));
  EXPECT_TRUE(succeeded(bad("a+=,.@-_9")));
}

TEST_F(Roles, PathAndOtherConstraintsAreValidationErrors) {
  EXPECT_TRUE(fails_with(
      iam().create_role({.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .path = "app/"}),
      ErrorCode::ValidationError,
      "1 validation error detected: Value 'app/' at 'path' failed to satisfy constraint: Member must satisfy "
      "regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"));
  EXPECT_TRUE(fails_with(
      iam().create_role({.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .path = "//"}),
      ErrorCode::ValidationError));
  EXPECT_TRUE(fails_with(
      iam().create_role({.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .max_session_duration = 100}),
      ErrorCode::ValidationError,
      "1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must "
      "have value greater than or equal to 3600"));
  // Every violation is reported at once.
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "bad name",
                                            .assume_role_policy_document = kSagemakerTrust,
                                            .max_session_duration = 50000}),
                         ErrorCode::ValidationError,
                         "2 validation errors detected: Value 'bad name' at 'roleName' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern: [\\w+=,.@-]+; Value '50000' at "
                         "'maxSessionDuration' failed to satisfy constraint: Member must have value less than or "
                         "equal to 43200"));
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "r", .assume_role_policy_document = kSagemakerTrust,
                                            .description = std::string(1001, 'd')}),
                         ErrorCode::ValidationError));
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "r", .assume_role_policy_document = ""}),
                         ErrorCode::ValidationError,
                         "1 validation error detected: Value '' at 'assumeRolePolicyDocument' failed to satisfy "
                         "constraint: Member must have length greater than or equal to 1"));
  auto ok = iam().create_role(
      {.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .path = "/a/b/", .max_session_duration = 43200});
  ASSERT_TRUE(succeeded(ok));
  EXPECT_EQ(ok->max_session_duration, 43200);
}

TEST_F(Roles, TrustPolicyIsValidatedByThePolicyEngine) {
  // A trust policy with a Resource and no Principal: the engine's first error is the message.
  std::string doc = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]})";
  std::string expected = first_error(doc, policy::PolicyType::Trust);
  ASSERT_FALSE(expected.empty());
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "r", .assume_role_policy_document = doc}),
                         ErrorCode::MalformedPolicyDocument, expected));
  std::string not_json = "{\"Version\": ";
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "r", .assume_role_policy_document = not_json}),
                         ErrorCode::MalformedPolicyDocument, first_error(not_json, policy::PolicyType::Trust)));
  // An identity policy is not a trust policy.
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "r", .assume_role_policy_document = test::allow()}),
                         ErrorCode::MalformedPolicyDocument));
  EXPECT_TRUE(fails_with(iam().get_role({"r"}), ErrorCode::NoSuchEntity));  // nothing half-created
}

TEST_F(Roles, TrustPolicySizeIsAQuota) {
  // 2,048 non-whitespace characters pass; one more fails.
  std::string head = R"({"Version":"2012-10-17","Statement":[{"Sid":")";
  std::string tail = R"(","Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  std::string at_limit = head + std::string(2048 - head.size() - tail.size(), 'S') + tail;
  ASSERT_EQ(at_limit.size(), 2048u);
  EXPECT_TRUE(succeeded(iam().create_role({.role_name = "big", .assume_role_policy_document = at_limit})));
  std::string over = head + std::string(2049 - head.size() - tail.size(), 'S') + tail;
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "bigger", .assume_role_policy_document = over}),
                         ErrorCode::LimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048"));
  EXPECT_TRUE(fails_with(iam().update_assume_role_policy({"big", over}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for ACLSizePerRole: 2048"));
  // Whitespace does not count.
  std::string spaced = at_limit;
  spaced.insert(1, 500, ' ');
  EXPECT_TRUE(succeeded(iam().update_assume_role_policy({"big", spaced})));
}

TEST_F(Roles, UpdateRoleChangesOnlyWhatIsGiven) {
  ASSERT_TRUE(succeeded(iam().create_role(
      {.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .description = "first"})));
  ASSERT_TRUE(succeeded(iam().update_role({.role_name = "r", .max_session_duration = 7200})));
  auto got = iam().get_role({"r"});
  EXPECT_EQ(got->description, "first");
  EXPECT_EQ(got->max_session_duration, 7200);
  ASSERT_TRUE(succeeded(iam().update_role({.role_name = "r", .description = "second"})));
  EXPECT_EQ(iam().get_role({"r"})->description, "second");
  ASSERT_TRUE(succeeded(iam().update_role({.role_name = "r", .description = ""})));
  EXPECT_FALSE(iam().get_role({"r"})->description.has_value());
  EXPECT_TRUE(fails_with(iam().update_role({.role_name = "r", .max_session_duration = 3599}), ErrorCode::ValidationError));

  auto described = iam().update_role_description({"r", "third"});
  ASSERT_TRUE(succeeded(described));
  EXPECT_EQ(described->description, "third");
  EXPECT_EQ(described->max_session_duration, 7200);
  EXPECT_TRUE(fails_with(iam().update_role_description({"ghost", "x"}), ErrorCode::NoSuchEntity,
                         "The role with name ghost cannot be found."));
}

TEST_F(Roles, UpdateAssumeRolePolicy) {
  role("r");
  std::string ec2 = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  ASSERT_TRUE(succeeded(iam().update_assume_role_policy({"r", ec2})));
  EXPECT_EQ(iam().get_role({"r"})->assume_role_policy_document, ec2);
  std::string bad = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]})";
  EXPECT_TRUE(fails_with(iam().update_assume_role_policy({"r", bad}), ErrorCode::MalformedPolicyDocument,
                         first_error(bad, policy::PolicyType::Trust)));
  EXPECT_EQ(iam().get_role({"r"})->assume_role_policy_document, ec2);
}

TEST_F(Roles, DeleteRole) {
  role("r");
  ASSERT_TRUE(succeeded(iam().delete_role({"r"})));
  EXPECT_TRUE(fails_with(iam().get_role({"r"}), ErrorCode::NoSuchEntity));
  role("r");  // the name is free again
}

TEST_F(Roles, DeleteRoleNeedsNoPoliciesAndNoInstanceProfiles) {
  role("r");
  policy("p");
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p")})));
  EXPECT_TRUE(fails_with(iam().delete_role({"r"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must detach all policies first."));
  ASSERT_TRUE(succeeded(iam().detach_role_policy({"r", policy_arn("p")})));

  ASSERT_TRUE(succeeded(iam().put_role_policy({"r", "inline", test::allow()})));
  EXPECT_TRUE(fails_with(iam().delete_role({"r"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must delete policies first."));
  ASSERT_TRUE(succeeded(iam().delete_role_policy({"r", "inline"})));

  ASSERT_TRUE(succeeded(iam().create_instance_profile({.instance_profile_name = "ip"})));
  ASSERT_TRUE(succeeded(iam().add_role_to_instance_profile({"ip", "r"})));
  EXPECT_TRUE(fails_with(iam().delete_role({"r"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must remove roles from instance profile first."));
  ASSERT_TRUE(succeeded(iam().remove_role_from_instance_profile({"ip", "r"})));

  EXPECT_TRUE(succeeded(iam().delete_role({"r"})));
}

TEST_F(Roles, ListRolesPagesAndFiltersByPath) {
  for (auto name : {"c", "a", "e", "b", "d"}) role(name, std::string(name) < "c" ? "/team/" : "/");
  auto all = iam().list_roles({});
  ASSERT_TRUE(succeeded(all));
  ASSERT_EQ(all->roles.size(), 5u);
  EXPECT_FALSE(all->is_truncated);
  EXPECT_EQ(all->roles[0].role_name, "a");
  EXPECT_EQ(all->roles[4].role_name, "e");

  std::vector<std::string> names;
  std::string marker;
  int pages = 0;
  do {
    auto page = iam().list_roles({.marker = marker, .max_items = 2});
    ASSERT_TRUE(succeeded(page));
    for (const auto& r : page->roles) names.push_back(r.role_name);
    EXPECT_EQ(page->is_truncated, !page->marker.empty());
    marker = page->marker;
    ++pages;
  } while (!marker.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));

  auto team = iam().list_roles({.path_prefix = "/team/"});
  ASSERT_EQ(team->roles.size(), 2u);
  EXPECT_EQ(team->roles[0].arn, "arn:aws:iam::123456789012:role/team/a");
  EXPECT_TRUE(fails_with(iam().list_roles({.max_items = 0}), ErrorCode::ValidationError,
                         "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member "
                         "must have value greater than or equal to 1"));
  EXPECT_TRUE(fails_with(iam().list_roles({.path_prefix = "team"}), ErrorCode::ValidationError));
}

TEST_F(Roles, ListFormLeavesOutBoundaryAndTags) {
  policy("boundary");
  ASSERT_TRUE(succeeded(iam().create_role({.role_name = "r",
                                           .assume_role_policy_document = kSagemakerTrust,
                                           .permissions_boundary = policy_arn("boundary"),
                                           .tags = {{"k", "v"}}})));
  auto list = iam().list_roles({});
  ASSERT_EQ(list->roles.size(), 1u);
  EXPECT_TRUE(list->roles[0].tags.empty());
  EXPECT_FALSE(list->roles[0].permissions_boundary.has_value());
  auto full = iam().get_role({"r"});
  ASSERT_TRUE(full->permissions_boundary.has_value());
  EXPECT_EQ(full->permissions_boundary->permissions_boundary_arn, policy_arn("boundary"));
  EXPECT_EQ(full->permissions_boundary->permissions_boundary_type, "PermissionsBoundaryPolicy");
}

TEST_F(Roles, PermissionsBoundary) {
  role("r");
  policy("boundary");
  auto none = iam().get_role_permissions_boundary("r");
  ASSERT_TRUE(succeeded(none));
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(succeeded(iam().put_role_permissions_boundary({"r", policy_arn("boundary")})));
  auto some = iam().get_role_permissions_boundary("r");
  ASSERT_TRUE(succeeded(some));
  ASSERT_TRUE(some->has_value());
  EXPECT_EQ((*some)->permissions_boundary_arn, policy_arn("boundary"));
  EXPECT_EQ(iam().get_policy({policy_arn("boundary")})->permissions_boundary_usage_count, 1);

  ASSERT_TRUE(succeeded(iam().delete_role_permissions_boundary({"r"})));
  EXPECT_FALSE(iam().get_role_permissions_boundary("r")->has_value());
  EXPECT_TRUE(succeeded(iam().delete_role_permissions_boundary({"r"})));  // none left: still fine

  EXPECT_TRUE(fails_with(iam().put_role_permissions_boundary({"r", policy_arn("missing")}), ErrorCode::NoSuchEntity,
                         "Scope ARN: arn:aws:iam::123456789012:policy/missing does not exist or is not attachable."));
  EXPECT_TRUE(fails_with(iam().put_role_permissions_boundary({"r", "arn:aws:s3:::some-bucket-name"}),
                         ErrorCode::InvalidInput, "ARN arn:aws:s3:::some-bucket-name is not valid."));
  EXPECT_TRUE(fails_with(iam().put_role_permissions_boundary({"r", "short"}), ErrorCode::ValidationError,
                         "1 validation error detected: Value 'short' at 'permissionsBoundary' failed to satisfy "
                         "constraint: Member must have length greater than or equal to 20"));
  EXPECT_TRUE(fails_with(iam().get_role_permissions_boundary("ghost"), ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "r2",
                                            .assume_role_policy_document = kSagemakerTrust,
                                            .permissions_boundary = policy_arn("missing")}),
                         ErrorCode::NoSuchEntity,
                         "Scope ARN: arn:aws:iam::123456789012:policy/missing does not exist or is not attachable."));
}

TEST_F(Roles, TagsAreCaseInsensitiveForRoles) {
  ASSERT_TRUE(succeeded(iam().create_role(
      {.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .tags = {{"Department", "eng"}, {"a", "1"}}})));
  ASSERT_TRUE(succeeded(iam().tag_role({"r", {{"department", "ml"}, {"b", "2"}}})));
  EXPECT_EQ(iam().get_role({"r"})->tags, (std::vector<Tag>{{"department", "ml"}, {"a", "1"}, {"b", "2"}}));
  ASSERT_TRUE(succeeded(iam().untag_role({"r", {"A", "missing"}})));
  EXPECT_EQ(iam().get_role({"r"})->tags, (std::vector<Tag>{{"department", "ml"}, {"b", "2"}}));

  EXPECT_TRUE(fails_with(iam().tag_role({"r", {{"x", "1"}, {"X", "2"}}}), ErrorCode::InvalidInput,
                         "Duplicate tag keys found. Please note that Tag keys are case insensitive."));
  EXPECT_TRUE(fails_with(iam().tag_role({"r", {{"aws:reserved", "1"}}}), ErrorCode::InvalidInput));
  EXPECT_TRUE(fails_with(iam().tag_role({"r", {{"bad*key", "1"}}}), ErrorCode::ValidationError,
                         "1 validation error detected: Value 'bad*key' at 'tags.1.member.key' failed to satisfy "
                         "constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"));
  EXPECT_TRUE(fails_with(iam().tag_role({"r", {{"k", std::string(257, 'v')}}}), ErrorCode::ValidationError));
  EXPECT_TRUE(succeeded(iam().tag_role({"r", {{"unicode é", "ü ok"}}})));
}

TEST_F(Roles, FiftyTagsAtMost) {
  std::vector<Tag> fifty, fifty_one;
  for (int i = 0; i < 51; ++i) (i < 50 ? fifty : fifty_one).push_back({"k" + std::to_string(i), "v"});
  fifty_one.insert(fifty_one.begin(), fifty.begin(), fifty.end());
  EXPECT_TRUE(fails_with(
      iam().create_role({.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .tags = fifty_one}),
      ErrorCode::ValidationError));
  ASSERT_TRUE(succeeded(
      iam().create_role({.role_name = "r", .assume_role_policy_document = kSagemakerTrust, .tags = fifty})));
  EXPECT_TRUE(succeeded(iam().tag_role({"r", {{"k0", "overwritten"}}})));  // replacing keeps 50
  EXPECT_TRUE(fails_with(iam().tag_role({"r", {{"one-more", "v"}}}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for TagsPerRole: 50"));
  EXPECT_EQ(iam().get_role({"r"})->tags.size(), 50u);
}

TEST_F(Roles, AccountRoleQuota) {
  LocalOptions o = test::test_options();
  o.quotas.roles = 2;
  reopen(o);
  role("a");
  role("b");
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "c", .assume_role_policy_document = kSagemakerTrust}),
                         ErrorCode::LimitExceeded, "Cannot exceed quota for RolesPerAccount: 2"));
}
