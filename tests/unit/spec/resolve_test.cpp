// The resolved graph during apply: outputs substituted as they become known, documents validated
// when known, topological order, and a generated 10,000-resource stack.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "spec_test_util.hpp"

using namespace iamforge;
using namespace iamforge::spec;
using spec::test::Loaded;
using spec::test::slurp;
using spec::test::source_path;
using spec::test::stack;

namespace {

Value outputs(std::vector<std::pair<std::string, std::string>> kv) {
  std::vector<Entry> e;
  for (auto& [k, v] : kv) e.push_back({k, {}, Value::of_string(v)});
  return Value::of_map(std::move(e));
}

std::vector<std::string> names(const Graph& g, const std::vector<std::uint32_t>& idx) {
  std::vector<std::string> r;
  for (auto i : idx) r.push_back(g.resources[i].name);
  return r;
}

constexpr const char* kTrust =
    R"('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')";

}  // namespace

TEST(Resolve, KnownOutputsReplaceUnknowns) {
  Loaded l("examples/seed/stack.yaml", slurp(source_path("examples/seed/stack.yaml")));
  ASSERT_TRUE(l.result.ok()) << l.all_errors();
  Graph g = l.result.graph;
  KnownOutputs known;
  known["mlTeamRole"] = outputs({{"name", "mlTeamRole-4f2a9c1"}, {"arn", "arn:aws:iam::123456789012:role/mlTeamRole-4f2a9c1"}});
  known["mlPolicy"] = outputs({{"arn", "arn:aws:iam::123456789012:policy/mlPolicy-77d0e2b"}});
  ResolveResult r = resolve(g, known);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.warnings.empty());  // the policy's findings were reported at load, not again
  const Resource& attach = *g.find("rolePolicyAttachment");
  EXPECT_TRUE(attach.is_known());
  EXPECT_EQ(attach.find_input("role")->value.string, "mlTeamRole-4f2a9c1");
  EXPECT_EQ(attach.find_input("policyArn")->value.string, "arn:aws:iam::123456789012:policy/mlPolicy-77d0e2b");
  EXPECT_EQ(l.at(attach.find_input("role")->value.span), "36:13");  // still the reference's span
  const Resource& group_attach = *g.find("groupRoleAttachment");
  EXPECT_FALSE(group_attach.is_known());
  EXPECT_TRUE(group_attach.find_input("policyArn")->value.is_known());
  EXPECT_EQ(g.outputs[0].value.string, "arn:aws:iam::123456789012:role/mlTeamRole-4f2a9c1");
  EXPECT_EQ(g.outputs[1].value.string, "arn:aws:iam::123456789012:policy/mlPolicy-77d0e2b");
}

TEST(Resolve, DocumentsAreValidatedWhenTheyBecomeKnown) {
  Loaded l("s.yaml", stack(std::string(R"(resources:
  role:
    type: aws:iam:Role
    properties:
      assumeRolePolicy: )") + kTrust + R"(
  pass:
    type: aws:iam:RolePolicy
    properties:
      role: ${role.name}
      policy:
        fn::toJSON:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: [iam:PassRole, "iam:PassRoel"]
              Resource: ${role.arn}
)"));
  ASSERT_TRUE(l.result.ok()) << l.all_errors();
  Graph g = l.result.graph;
  EXPECT_TRUE(g.find("pass")->find_input("policy")->value.is_unknown());
  KnownOutputs known;
  known["role"] = outputs({{"name", "r"}, {"arn", "arn:aws:iam::123456789012:role/r"}});
  ResolveResult r = resolve_resource(g, *g.index_of("pass"), known);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, "spec.policy-error");
  EXPECT_NE(r.errors[0].message.find("`pass.policy`: unknown action `iam:PassRoel`"), std::string::npos) << r.errors[0].message;
  EXPECT_NE(r.errors[0].help.find("iam:PassRole"), std::string::npos);
  EXPECT_EQ(l.at(r.errors[0].span), "13:9");  // the fn::toJSON node
  EXPECT_TRUE(g.find("pass")->is_known());
  // Once known, a value is not checked again.
  EXPECT_TRUE(resolve(g, known).errors.empty());
}

TEST(Resolve, VariablesThatDependOnResourcesAreReevaluated) {
  Loaded l("s.yaml", stack(std::string(R"(variables:
  arns: ["${role.arn}", "arn:aws:iam::123456789012:role/other"]
  joined: {fn::join: [" ", "${arns}"]}
resources:
  role:
    type: aws:iam:Role
    properties:
      assumeRolePolicy: )") + kTrust + R"(
  user:
    type: aws:iam:User
    properties:
      tags: {roles: "${joined}", first: {fn::select: [0, "${arns}"]}}
outputs:
  joined: ${joined}
)"));
  ASSERT_TRUE(l.result.ok()) << l.all_errors();
  Graph g = l.result.graph;
  EXPECT_EQ(names(g, g.find("user")->dependencies), std::vector<std::string>{"role"});  // through two variables
  KnownOutputs known;
  known["role"] = outputs({{"arn", "arn:aws:iam::123456789012:role/r"}});
  EXPECT_TRUE(resolve(g, known).ok());
  const Value& tags = g.find("user")->find_input("tags")->value;
  EXPECT_EQ(tags.find("roles")->string, "arn:aws:iam::123456789012:role/r arn:aws:iam::123456789012:role/other");
  EXPECT_EQ(tags.find("first")->string, "arn:aws:iam::123456789012:role/r");
  EXPECT_EQ(g.outputs[0].value.string, tags.find("roles")->string);
}

TEST(Resolve, NamesThatBecomeKnownAreChecked) {
  Loaded l("s.yaml", stack(R"(resources:
  a:
    type: aws:iam:User
  b:
    type: aws:iam:User
    properties:
      name: "copy-of-${a.name}"
)"));
  ASSERT_TRUE(l.result.ok()) << l.all_errors();
  Graph g = l.result.graph;
  KnownOutputs known;
  known["a"] = outputs({{"name", "has space"}});
  ResolveResult r = resolve(g, known);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, "spec.invalid-name");
}

TEST(Order, DependenciesFirstTiesInSourceOrder) {
  Loaded l("s.yaml", stack(R"(resources:
  c:
    type: aws:iam:Group
    properties: {path: "/${b.name}/"}
  x:
    type: aws:iam:Group
  b:
    type: aws:iam:Group
    properties: {path: "/${a.name}/"}
  a:
    type: aws:iam:Group
  y:
    type: aws:iam:Group
    options: {dependsOn: ["${c}"]}
)"));
  ASSERT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(names(l.graph(), l.graph().order), (std::vector<std::string>{"x", "a", "b", "c", "y"}));
}

TEST(Order, CyclicResourcesAreLeftOut) {
  Loaded l("s.yaml", stack(R"(resources:
  a:
    type: aws:iam:Group
    properties: {path: "/${c.name}/"}
  b:
    type: aws:iam:Group
    properties: {path: "/${a.name}/"}
  c:
    type: aws:iam:Group
    properties: {path: "/${b.name}/"}
  free:
    type: aws:iam:Group
)"));
  ASSERT_EQ(l.result.errors.size(), 1u);
  EXPECT_EQ(l.errors()[0],
            "error[spec.cycle] 6:26: dependency cycle: `a` -> `c` -> `b` -> `a` | help: a resource cannot depend on "
            "itself, directly or through others; remove one reference");
  EXPECT_EQ(names(l.graph(), l.graph().order), std::vector<std::string>{"free"});
}

// ---- scale ------------------------------------------------------------------------------------------

namespace {
// 2,000 each of roles, managed policies (each its own getPolicyDocument), attachments, groups, users.
std::string generate(int n) {
  std::string s = R"(name: generated
runtime: yaml
variables:
  trust:
    fn::toJSON:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: ec2.amazonaws.com}
          Action: sts:AssumeRole
resources:
)";
  for (int i = 0; i < n; ++i) {
    std::string k = std::to_string(i);
    s += "  role" + k + ":\n    type: aws:iam:Role\n    properties:\n      path: /generated/\n"
         "      assumeRolePolicy: ${trust}\n      tags: {index: \"" + k + "\"}\n";
    s += "  policy" + k + ":\n    type: aws:iam:Policy\n    properties:\n      policy:\n        fn::invoke:\n"
         "          function: aws:iam:getPolicyDocument\n          arguments:\n            statements:\n"
         "              - actions: [s3:GetObject, s3:PutObject]\n                resources: [\"arn:aws:s3:::bucket-" + k +
         "/*\"]\n          return: json\n";
    s += "  attach" + k + ":\n    type: aws:iam:RolePolicyAttachment\n    properties:\n      role: ${role" + k +
         ".name}\n      policyArn: ${policy" + k + ".arn}\n";
    s += "  group" + k + ":\n    type: aws:iam:Group\n    properties: {path: /generated/}\n";
    s += "  user" + k + ":\n    type: aws:iam:User\n    properties: {path: /generated/, tags: {team: \"t" + k + "\"}}\n";
  }
  return s;
}
}  // namespace

TEST(Scale, TenThousandResources) {
  const int n = 2000;
  std::string text = generate(n);
  auto t0 = std::chrono::steady_clock::now();
  Loaded l("generated.yaml", text);
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(l.result.ok()) << l.all_errors().substr(0, 2000);
  ASSERT_EQ(l.graph().resources.size(), 5u * n);
  ASSERT_EQ(l.graph().order.size(), 5u * n);
  KnownOutputs known;
  for (int i = 0; i < n; ++i) {
    std::string k = std::to_string(i);
    known["role" + k] = outputs({{"name", "role" + k + "-abcdefg"}});
    known["policy" + k] = outputs({{"arn", "arn:aws:iam::123456789012:policy/policy" + k + "-abcdefg"}});
  }
  Graph g = l.result.graph;
  auto t2 = std::chrono::steady_clock::now();
  ResolveResult r = resolve(g, known);
  auto t3 = std::chrono::steady_clock::now();
  EXPECT_TRUE(r.ok());
  for (const auto& res : g.resources) EXPECT_TRUE(res.is_known()) << res.name;
  double load_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  double resolve_ms = std::chrono::duration<double, std::milli>(t3 - t2).count();
  std::cout << "[ figures  ] " << text.size() / 1024 << " KiB, " << 5 * n << " resources: load (parse + check + resolve) "
            << load_ms << " ms, resolve with all outputs known " << resolve_ms << " ms\n";
  RecordProperty("load_ms", std::to_string(load_ms));
  RecordProperty("resolve_ms", std::to_string(resolve_ms));
  // Not a timing test: a bound far above the measured figure, to catch accidental quadratic behaviour.
  EXPECT_LT(load_ms, 20000);
}
