// Stack files end to end: the founding example, the schema table, resource options, config.
#include <gtest/gtest.h>

#include <set>

#include "spec_test_util.hpp"

using namespace iamforge;
using namespace iamforge::spec;
using spec::test::canonical;
using spec::test::data_path;
using spec::test::Loaded;
using spec::test::slurp;
using spec::test::source_path;
using spec::test::stack;

namespace {
constexpr const char* kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
constexpr const char* kTrustYaml = R"(
      assumeRolePolicy:
        fn::toJSON:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: { Service: ec2.amazonaws.com }
              Action: sts:AssumeRole
)";

std::vector<std::string> names(const Graph& g, const std::vector<std::uint32_t>& idx) {
  std::vector<std::string> r;
  for (auto i : idx) r.push_back(g.resources[i].name);
  return r;
}
}  // namespace

// ---- the founding example ---------------------------------------------------------------------------

class FoundingExample : public ::testing::Test {
 protected:
  Loaded l{"examples/seed/stack.yaml", slurp(source_path("examples/seed/stack.yaml"))};
};

TEST_F(FoundingExample, LoadsWithoutErrors) {
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  const Graph& g = l.graph();
  EXPECT_EQ(g.project, "ml-iam");
  EXPECT_EQ(g.description, "Managed IAM policies for a machine learning team");
  EXPECT_EQ(g.stack, "dev");
  ASSERT_EQ(g.resources.size(), 5u);
  ASSERT_EQ(g.outputs.size(), 2u);
  std::vector<std::pair<std::string, std::string_view>> want = {
      {"mlTeamRole", "aws:iam:Role"},
      {"mlPolicy", "aws:iam:Policy"},
      {"rolePolicyAttachment", "aws:iam:RolePolicyAttachment"},
      {"mlTeamGroup", "aws:iam:Group"},
      {"groupRoleAttachment", "aws:iam:GroupPolicyAttachment"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(g.resources[i].name, want[i].first);
    EXPECT_EQ(g.resources[i].type->token, want[i].second);
  }
  EXPECT_EQ(g.outputs[0].name, "ml_team_role_arn");
  EXPECT_EQ(g.outputs[1].name, "ml_policy_arn");
}

TEST_F(FoundingExample, PolicyDocumentIsTheExpectedOne) {
  const Value& policy = l.input("mlPolicy", "policy");
  ASSERT_TRUE(policy.is_string());
  const char* expected = R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],
       "Resource": ["arn:aws:s3:::ml-datasets-*/*"]},
      {"Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:TerminateInstances"], "Resource": ["*"]}
    ]})";
  EXPECT_EQ(canonical(policy.string), canonical(expected));
  // The same document the policy engine's own founding test reads.
  EXPECT_EQ(canonical(policy.string), canonical(slurp(source_path("examples/seed/ml-policy.json"))));
  // As pulumi-aws writes it: a set of actions in reverse order, a single resource as a string.
  EXPECT_NE(policy.string.find("\"Action\": [\n        \"s3:PutObject\",\n        \"s3:ListBucket\",\n"
                               "        \"s3:GetObject\"\n      ],\n      \"Resource\": \"arn:aws:s3:::ml-datasets-*/*\""),
            std::string::npos)
      << policy.string;
  EXPECT_EQ(l.at(policy.span), "6:5");  // the fn::invoke node produced it
}

TEST_F(FoundingExample, TrustPolicyComesFromToJson) {
  const Value& trust = l.input("mlTeamRole", "assumeRolePolicy");
  ASSERT_TRUE(trust.is_string());
  EXPECT_EQ(trust.string,
            R"({"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"}}],"Version":"2012-10-17"})");
  EXPECT_EQ(canonical(trust.string, policy::PolicyType::Trust), canonical(kTrust, policy::PolicyType::Trust));
  EXPECT_EQ(l.at(trust.span), "22:9");
}

TEST_F(FoundingExample, ListBucketMismatchIsAWarningAtTheInvoke) {
  const base::Diagnostic* mismatch = nullptr;
  int write_on_all = 0;
  for (const auto& d : l.result.warnings) {
    if (d.code == "policy.resource-mismatch") mismatch = &d;
    if (d.code == "policy.write-on-all-resources") ++write_on_all;
    EXPECT_EQ(l.at(d.span), "6:5") << d.code;
  }
  ASSERT_NE(mismatch, nullptr);
  EXPECT_EQ(mismatch->severity, base::Severity::Warning);
  EXPECT_NE(mismatch->message.find("`mlPolicy.policy`"), std::string::npos) << mismatch->message;
  EXPECT_NE(mismatch->message.find("s3:ListBucket"), std::string::npos);
  EXPECT_EQ(write_on_all, 2);
  EXPECT_EQ(l.result.warnings.size(), 3u);
}

TEST_F(FoundingExample, ReferencesAreUnknownUntilApplyAndMakeEdges) {
  const Graph& g = l.graph();
  const Value& role = l.input("rolePolicyAttachment", "role");
  ASSERT_TRUE(role.is_unknown());
  EXPECT_EQ(role.unknowns, (std::vector<OutputRef>{{"mlTeamRole", "name"}}));
  EXPECT_EQ(l.at(role.span), "36:13");
  EXPECT_TRUE(l.input("groupRoleAttachment", "policyArn").is_unknown());
  EXPECT_EQ(names(g, l.resource("rolePolicyAttachment").dependencies), (std::vector<std::string>{"mlTeamRole", "mlPolicy"}));
  EXPECT_EQ(names(g, l.resource("groupRoleAttachment").dependencies), (std::vector<std::string>{"mlPolicy", "mlTeamGroup"}));
  EXPECT_TRUE(l.resource("mlPolicy").dependencies.empty());  // through a variable that needs no resource
  EXPECT_EQ(names(g, g.order), (std::vector<std::string>{"mlTeamRole", "mlPolicy", "rolePolicyAttachment", "mlTeamGroup",
                                                          "groupRoleAttachment"}));
  EXPECT_EQ(g.outputs[0].value.unknowns, (std::vector<OutputRef>{{"mlTeamRole", "arn"}}));
  EXPECT_EQ(g.outputs[1].value.unknowns, (std::vector<OutputRef>{{"mlPolicy", "arn"}}));
}

TEST_F(FoundingExample, AutoNamingAppliesWhereNoNameIsGiven) {
  EXPECT_TRUE(l.resource("mlTeamRole").is_autonamed());
  EXPECT_TRUE(l.resource("mlTeamGroup").is_autonamed());
  EXPECT_FALSE(l.resource("rolePolicyAttachment").is_autonamed());  // attachments have no name
  EXPECT_TRUE(l.resource("mlTeamGroup").inputs.empty());
}

// ---- the schema table -------------------------------------------------------------------------------

TEST(Schema, EveryTypeOfTheIssueIsThere) {
  std::vector<std::string_view> want = {
      "aws:iam:Role", "aws:iam:Policy", "aws:iam:RolePolicyAttachment", "aws:iam:GroupPolicyAttachment",
      "aws:iam:UserPolicyAttachment", "aws:iam:RolePolicy", "aws:iam:GroupPolicy", "aws:iam:UserPolicy",
      "aws:iam:Group", "aws:iam:User", "aws:iam:GroupMembership", "aws:iam:UserGroupMembership",
      "aws:iam:InstanceProfile"};
  ASSERT_EQ(resource_types().size(), want.size());
  for (auto t : want) {
    const ResourceType* rt = find_resource_type(t);
    ASSERT_NE(rt, nullptr) << t;
    EXPECT_EQ(&resource_type(rt->kind), rt);
    EXPECT_TRUE(rt->has_output("id"));
    std::set<std::string_view> seen;
    for (const auto& p : rt->inputs) EXPECT_TRUE(seen.insert(p.name).second) << t << "." << p.name;
    for (const auto& o : rt->computed) EXPECT_TRUE(seen.insert(o.name).second) << t << "." << o.name;
  }
  EXPECT_EQ(find_resource_type("aws:iam:role"), nullptr);  // tokens are case-sensitive
}

TEST(Schema, PropertiesAsPulumiAwsHasThem) {
  const ResourceType& role = *find_resource_type("aws:iam:Role");
  auto prop = [&](const ResourceType& t, std::string_view n) {
    const PropertySchema* p = t.find_input(n);
    EXPECT_NE(p, nullptr) << t.token << "." << n;
    return p ? *p : PropertySchema{};
  };
  // Replacement as the provider's ForceNew.
  EXPECT_TRUE(prop(role, "name").forces_replacement());
  EXPECT_TRUE(prop(role, "namePrefix").forces_replacement());
  EXPECT_TRUE(prop(role, "path").forces_replacement());
  EXPECT_FALSE(prop(role, "description").forces_replacement());
  EXPECT_FALSE(prop(role, "assumeRolePolicy").forces_replacement());
  EXPECT_FALSE(prop(role, "maxSessionDuration").forces_replacement());
  EXPECT_EQ(prop(role, "assumeRolePolicy").presence, Presence::Required);
  EXPECT_EQ(prop(role, "assumeRolePolicy").document, Document::Trust);
  EXPECT_EQ(prop(role, "maxSessionDuration").type, ValueType::Integer);
  EXPECT_EQ(prop(role, "tags").type, ValueType::StringMap);
  EXPECT_EQ(prop(role, "forceDetachPolicies").type, ValueType::Boolean);
  for (auto o : {"arn", "uniqueId", "createDate", "name", "id"}) EXPECT_TRUE(role.has_output(o)) << o;
  EXPECT_FALSE(role.has_output("arnn"));

  const ResourceType& policy = *find_resource_type("aws:iam:Policy");
  EXPECT_TRUE(prop(policy, "description").forces_replacement());  // managed policy descriptions cannot be updated
  EXPECT_FALSE(prop(policy, "policy").forces_replacement());      // a new default version instead
  EXPECT_EQ(prop(policy, "policy").document, Document::Identity);
  for (auto o : {"arn", "policyId", "attachmentCount"}) EXPECT_TRUE(policy.has_output(o)) << o;

  for (auto t : {"aws:iam:RolePolicyAttachment", "aws:iam:GroupPolicyAttachment", "aws:iam:UserPolicyAttachment"}) {
    const ResourceType& a = *find_resource_type(t);
    ASSERT_EQ(a.inputs.size(), 2u);
    for (const auto& p : a.inputs) {
      EXPECT_TRUE(p.forces_replacement()) << t << "." << p.name;
      EXPECT_EQ(p.presence, Presence::Required);
    }
    EXPECT_EQ(a.autoname, Autoname::No);
  }
  for (auto t : {"aws:iam:RolePolicy", "aws:iam:GroupPolicy", "aws:iam:UserPolicy"})
    EXPECT_EQ(prop(*find_resource_type(t), "policy").document, Document::Inline);
  EXPECT_FALSE(prop(*find_resource_type("aws:iam:Group"), "name").forces_replacement());  // UpdateGroup renames
  EXPECT_FALSE(prop(*find_resource_type("aws:iam:User"), "name").forces_replacement());   // UpdateUser renames
  EXPECT_EQ(prop(*find_resource_type("aws:iam:GroupMembership"), "users").type, ValueType::StringList);
  EXPECT_EQ(prop(*find_resource_type("aws:iam:UserGroupMembership"), "groups").type, ValueType::StringList);
  EXPECT_TRUE(find_resource_type("aws:iam:InstanceProfile")->has_output("arn"));
  EXPECT_EQ(policy_type(Document::Trust), policy::PolicyType::Trust);
  EXPECT_EQ(policy_type(Document::None), std::nullopt);
}

// Every type in one stack, every property set: no errors, every value where it was written.
TEST(Stack, EveryTypeLoads) {
  Loaded l("all-types.yaml", slurp(data_path("data/stacks/ok/all-types.yaml")));
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  std::set<std::string_view> types;
  for (const auto& r : l.graph().resources) types.insert(r.type->token);
  EXPECT_EQ(types.size(), resource_types().size());
  EXPECT_EQ(l.input("role", "maxSessionDuration").number, 7200);
  EXPECT_TRUE(l.input("role", "forceDetachPolicies").boolean);
  EXPECT_EQ(l.input("role", "tags").find("team")->string, "ml");
  EXPECT_EQ(l.input("members", "users").list.size(), 2u);
  EXPECT_EQ(l.input("profile", "role").unknowns, (std::vector<OutputRef>{{"role", "name"}}));
}

TEST(Stack, FullTypeTokensAreAccepted) {
  Loaded l("s.yaml", stack("resources:\n  g:\n    type: aws:iam/group:Group\n"));
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.resource("g").type->token, "aws:iam:Group");
}

TEST(Stack, PolicyWrittenAsYamlIsSentAsJson) {
  Loaded l("s.yaml", stack(R"(resources:
  p:
    type: aws:iam:Policy
    properties:
      policy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [iam:GetRole]
            Resource: "arn:aws:iam::*:role/a&b<c>"
)"));
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.input("p", "policy").string,
            R"({"Statement":[{"Action":["iam:GetRole"],"Effect":"Allow","Resource":"arn:aws:iam::*:role/a\u0026b\u003cc\u003e"}],"Version":"2012-10-17"})");
}

// A document shared by two policies is validated once; its findings name both properties.
TEST(Stack, SharedDocumentFindingsAreReportedOnce) {
  Loaded l("s.yaml", stack(R"(variables:
  doc:
    fn::toJSON:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: "ec2:TerminateInstances", Resource: "*"}]
resources:
  a:
    type: aws:iam:Policy
    properties: {policy: "${doc}"}
  b:
    type: aws:iam:Policy
    properties: {policy: "${doc}"}
)"));
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  ASSERT_EQ(l.result.warnings.size(), 1u);
  EXPECT_EQ(l.result.warnings[0].code, "policy.write-on-all-resources");
  EXPECT_EQ(l.result.warnings[0].message.substr(0, 24), "`a.policy`, `b.policy`: ");
  EXPECT_EQ(l.at(l.result.warnings[0].span), "5:5");
}

TEST(Stack, ResourceOptions) {
  Loaded l("s.yaml", stack(std::string(R"(resources:
  base:
    type: aws:iam:Group
  role:
    type: aws:iam:Role
    properties:)") + kTrustYaml + R"(      description: keep me
    options:
      dependsOn: ["${base}"]
      protect: true
      ignoreChanges: [description, tags.team]
      import: legacy-role
      deleteBeforeReplace: true
      retainOnDelete: true
)"));
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  const Resource& r = l.resource("role");
  EXPECT_TRUE(r.options.protect);
  EXPECT_TRUE(r.options.delete_before_replace);
  EXPECT_TRUE(r.options.retain_on_delete);
  EXPECT_EQ(r.options.import_id, "legacy-role");
  EXPECT_EQ(r.options.ignore_changes, (std::vector<std::string>{"description", "tags.team"}));
  EXPECT_EQ(r.options.depends_on, std::vector<std::string>{"base"});
  EXPECT_EQ(names(l.graph(), r.dependencies), std::vector<std::string>{"base"});
  EXPECT_FALSE(l.resource("base").options.protect);
}

TEST(Stack, NamesAreCheckedOnlyWhenKnownAndAutonamesFit) {
  Loaded l("s.yaml", stack(R"(resources:
  aVeryLongLogicalNameForARoleThatWillNotFitTheSixtyFourLimitAfterSuffix:
    type: aws:iam:User
  fine:
    type: aws:iam:User
    properties:
      name: ${other.name}
  other:
    type: aws:iam:User
    properties:
      name: alice@example.com
      path: /engineering/ml/
)"));
  ASSERT_EQ(l.result.errors.size(), 1u) << l.all_errors();
  EXPECT_EQ(l.result.errors[0].code, "spec.invalid-name");
  EXPECT_EQ(l.at(l.result.errors[0].span), "4:3");
  EXPECT_NE(l.result.errors[0].message.find("too long to auto-name aws:iam:User"), std::string::npos);
}

TEST(Stack, AnArnWhereANameBelongsGetsAHint) {
  Loaded l("s.yaml", stack(R"(resources:
  attach:
    type: aws:iam:RolePolicyAttachment
    properties:
      role: arn:aws:iam::123456789012:role/ml
      policyArn: arn:aws:iam::aws:policy/service-role/AmazonSageMakerFullAccess
)"));
  ASSERT_EQ(l.errors().size(), 1u) << l.all_errors();
  EXPECT_EQ(l.errors()[0],
            "error[spec.invalid-name] 7:13: `attach.role`: role name `arn:aws:iam::123456789012:role/ml` contains `:` | "
            "help: this property takes a name, not an ARN: e.g. `${myRole.name}`");
}

// ---- config -----------------------------------------------------------------------------------------

namespace {
const char* kConfigStack = R"(name: ml-iam
runtime: yaml
config:
  teamName:
    type: string
    default: ml
  maxSession:
    type: integer
    default: 3600
  admins:
    type: List<String>
    default: [nobody]
  prod:
    type: boolean
    default: false
  token:
    type: string
    secret: true
    default: abc
resources:
  team:
    type: aws:iam:Group
    properties:
      name: ${teamName}-${pulumi.stack}
  role:
    type: aws:iam:Role
    properties:
      maxSessionDuration: ${maxSession}
      description: "prod=${prod} admins=${admins[0]}"
      tags:
        region: ${aws:region}
        token: ${token}
      assumeRolePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)";
}  // namespace

TEST(Config, DefaultsApply) {
  Loaded l("s.yaml", kConfigStack, LoadOptions{.stack = "prod", .config = {{"aws:region", Value::of_string("eu-west-1")}}});
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.input("team", "name").string, "ml-prod");
  EXPECT_EQ(l.input("role", "maxSessionDuration").number, 3600);
  EXPECT_EQ(l.input("role", "description").string, "prod=false admins=nobody");
  EXPECT_EQ(l.input("role", "tags").find("region")->string, "eu-west-1");  // supplied, undeclared, namespaced
  EXPECT_TRUE(l.input("role", "tags").find("token")->secret);
}

TEST(Config, SuppliedValuesOverrideDefaultsAndAreConverted) {
  ConfigValues cfg;
  std::string err;
  ASSERT_TRUE(apply_config_assignment("ml-iam:teamName=data", cfg, err));  // project-namespaced key
  ASSERT_TRUE(apply_config_assignment("maxSession=7200", cfg, err));       // string -> integer
  ASSERT_TRUE(apply_config_assignment("prod=true", cfg, err));             // string -> boolean
  ASSERT_TRUE(apply_config_assignment("admins=[\"alice\",\"bob\"]", cfg, err));  // JSON -> list
  ASSERT_TRUE(apply_config_assignment("aws:region=us-east-1", cfg, err));
  EXPECT_FALSE(apply_config_assignment("novalue", cfg, err));
  EXPECT_NE(err.find("key=value"), std::string::npos);
  EXPECT_FALSE(apply_config_assignment("=x", cfg, err));
  Loaded l("s.yaml", kConfigStack, LoadOptions{.config = cfg});
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.input("team", "name").string, "data-dev");
  EXPECT_EQ(l.input("role", "maxSessionDuration").number, 7200);
  EXPECT_EQ(l.input("role", "description").string, "prod=true admins=alice");
  EXPECT_EQ(l.input("role", "tags").find("region")->string, "us-east-1");
  // A value read from config carries the span of the reference that used it.
  EXPECT_EQ(l.at(l.input("role", "maxSessionDuration").span), "28:27");
}

TEST(Config, WrongTypesAreReportedAtTheDeclaration) {
  ConfigValues cfg;
  std::string err;
  apply_config_assignment("maxSession=long", cfg, err);
  Loaded l("s.yaml", kConfigStack, LoadOptions{.config = cfg});
  ASSERT_FALSE(l.result.ok());
  EXPECT_EQ(l.errors()[0],
            "error[spec.type-mismatch] 7:3: the value given for config `maxSession` is a string `long`, not an integer | "
            "help: declared `type: integer`");
}

TEST(Config, StackConfigFile) {
  std::string path = data_path("data/stacks/ok/Pulumi.dev.yaml");
  EXPECT_EQ(stack_config_path(data_path("data/stacks/ok/Pulumi.yaml"), "dev"), path);
  base::SourceFile f(path, slurp(path));
  ConfigReadResult r = read_stack_config(f);
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.values.size(), 4u);
  EXPECT_EQ(r.values["ml-iam:teamName"].string, "research");
  EXPECT_EQ(r.values["maxSession"].number, 7200);
  EXPECT_EQ(r.values["aws:region"].string, "eu-central-1");
  EXPECT_EQ(r.values["ml-iam:admins"].list.size(), 2u);
  // --config on top of the file.
  std::string err;
  apply_config_assignment("teamName=ops", r.values, err);
  Loaded l("s.yaml", kConfigStack, LoadOptions{.config = r.values});
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.input("team", "name").string, "ops-dev");
  EXPECT_EQ(l.input("role", "description").string, "prod=false admins=ann");
}

TEST(Config, EncryptedValuesAreRefused) {
  base::SourceFile f("Pulumi.dev.yaml", "config:\n  ml-iam:token:\n    secure: AAABAK...\n  plain: x\n  plain: y\n");
  ConfigReadResult r = read_stack_config(f);
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].code, "spec.unsupported");
  EXPECT_EQ(r.diagnostics[1].code, "spec.duplicate-key");
  EXPECT_EQ(r.values.size(), 1u);
}
