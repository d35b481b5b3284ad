// Expressions: references, interpolation, built-in functions, unknown propagation, spans.
#include <gtest/gtest.h>

#include "spec_test_util.hpp"

using namespace iamforge;
using namespace iamforge::spec;
using spec::test::data_path;
using spec::test::Loaded;
using spec::test::stack;

namespace {
// Evaluates `expr` (YAML, indented for a variable) through an output, in a stack with a few variables.
Loaded eval(const std::string& expr, const LoadOptions& options = {}, const std::string& path = "s.yaml") {
  return Loaded(path, stack(R"(variables:
  bucket: ml-datasets
  count: 3
  ratio: 0.5
  on: true
  list: [a, b, c]
  object: {team: ml, "dotted.key": yes, nested: {deep: [1, 2]}}
  csv: a,b,,c
resources:
  role:
    type: aws:iam:Role
    properties:
      assumeRolePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
outputs:
  out: )" + expr + "\n"),
                options);
}
}  // namespace

TEST(Interpolation, InsideStrings) {
  auto l = eval("\"arn:aws:s3:::${bucket}/*\"");
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.output("out").string, "arn:aws:s3:::ml-datasets/*");
  EXPECT_EQ(eval("\"${count} x ${ratio} = ${on}\"").output("out").string, "3 x 0.5 = true");
  EXPECT_EQ(eval("prefix-${bucket}").output("out").string, "prefix-ml-datasets");  // plain scalars interpolate too
}

TEST(Interpolation, WholeReferenceKeepsTheValue) {
  EXPECT_EQ(eval("${count}").output("out").kind, ValueKind::Number);
  EXPECT_EQ(eval("${list}").output("out").list.size(), 3u);
  EXPECT_EQ(eval("${list[1]}").output("out").string, "b");
  EXPECT_EQ(eval("${object.team}").output("out").string, "ml");
  EXPECT_EQ(eval("${object[\"dotted.key\"]}").output("out").string, "yes");
  EXPECT_EQ(eval("${object.nested.deep[1]}").output("out").number, 2);
}

TEST(Interpolation, DollarEscapes) {
  // `$$` is a literal `$`: how IAM policy variables are written in Pulumi YAML.
  auto l = eval("\"arn:aws:s3:::${bucket}/home/$${aws:username}/*\"");
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.output("out").string, "arn:aws:s3:::ml-datasets/home/${aws:username}/*");
  EXPECT_EQ(eval("\"cost: $$5 and $9\"").output("out").string, "cost: $5 and $9");
}

TEST(Interpolation, ResourceOutputsAreUnknown) {
  auto l = eval("\"role ${role.arn} in ${bucket} as ${role.name}\"");
  const Value& v = l.output("out");
  ASSERT_TRUE(v.is_unknown());
  EXPECT_EQ(v.unknowns, (std::vector<OutputRef>{{"role", "arn"}, {"role", "name"}}));
  EXPECT_EQ(l.at(v.span), "17:8");
}

TEST(Interpolation, ReferenceSpansPointInsideTheString) {
  auto l = eval("\"arn:aws:s3:::${buckett}/*\"");
  ASSERT_EQ(l.errors().size(), 1u);
  EXPECT_EQ(l.errors()[0],
            "error[spec.bad-reference] 17:22: unknown reference `${buckett}`: no config key, variable or resource is "
            "named `buckett` | help: did you mean `bucket`?");
  // A policy variable written without `$$` is caught with a hint.
  auto p = eval("\"home/${aws:username}\"");
  ASSERT_EQ(p.result.errors.size(), 1u);
  EXPECT_NE(p.result.errors[0].help.find("$${aws:username}"), std::string::npos) << p.result.errors[0].help;
}

TEST(Interpolation, PulumiBuiltins) {
  LoadOptions o;
  o.stack = "prod";
  o.organization = "acme";
  EXPECT_EQ(eval("\"${pulumi.project}/${pulumi.stack}/${pulumi.organization}\"", o).output("out").string, "test/prod/acme");
  EXPECT_FALSE(eval("${pulumi.cwd}").output("out").string.empty());
}

TEST(Functions, Join) {
  EXPECT_EQ(eval("{fn::join: [\",\", \"${list}\"]}").output("out").string, "a,b,c");
  EXPECT_EQ(eval("{fn::join: [\"\", [x, \"${bucket}\"]]}").output("out").string, "xml-datasets");
  EXPECT_EQ(eval("{fn::join: [null, [x, y]]}").output("out").string, "xy");
  auto u = eval("{fn::join: [\"/\", [a, \"${role.name}\"]]}");
  EXPECT_EQ(u.output("out").unknowns, (std::vector<OutputRef>{{"role", "name"}}));
  auto bad = eval("{fn::join: [\",\", [a, 1]]}");
  ASSERT_EQ(bad.result.errors.size(), 1u);
  EXPECT_EQ(bad.result.errors[0].code, "spec.type-mismatch");
  EXPECT_EQ(bad.at(bad.result.errors[0].span), "17:29");
}

TEST(Functions, Split) {
  auto l = eval("{fn::split: [\",\", \"${csv}\"]}");
  const Value& v = l.output("out");
  ASSERT_EQ(v.kind, ValueKind::List);
  ASSERT_EQ(v.list.size(), 4u);
  EXPECT_EQ(v.list[2].string, "");
  EXPECT_EQ(v.list[3].string, "c");
  EXPECT_EQ(eval("{fn::split: [\"\", \"héé\"]}").output("out").list.size(), 3u);  // by UTF-8 character, as Go
  EXPECT_TRUE(eval("{fn::split: [\":\", \"${role.arn}\"]}").output("out").is_unknown());
}

TEST(Functions, Select) {
  EXPECT_EQ(eval("{fn::select: [1, \"${list}\"]}").output("out").string, "b");
  EXPECT_EQ(eval("{fn::select: [0, {fn::split: [\",\", \"${csv}\"]}]}").output("out").string, "a");
  auto neg = eval("{fn::select: [-1, [a]]}");
  ASSERT_EQ(neg.result.errors.size(), 1u);
  EXPECT_EQ(neg.result.errors[0].code, "spec.bad-argument");
  auto frac = eval("{fn::select: [0.5, [a]]}");
  ASSERT_EQ(frac.result.errors.size(), 1u);
  EXPECT_EQ(frac.result.errors[0].code, "spec.bad-argument");
  EXPECT_EQ(eval("{fn::select: [\"0\", [a]]}").result.errors[0].code, "spec.type-mismatch");
}

TEST(Functions, ToJson) {
  // Go's encoder: keys sorted, <>& escaped, integers without a fraction.
  auto l = eval(R"(
    fn::toJSON:
      b: [1, 2.5, true, null]
      a: "<x&y>"
      c: {z: "${count}", y: 1e21})");
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.output("out").string, R"({"a":"\u003cx\u0026y\u003e","b":[1,2.5,true,null],"c":{"y":1e+21,"z":3}})");
  EXPECT_TRUE(eval("{fn::toJSON: {arn: \"${role.arn}\"}}").output("out").is_unknown());
}

TEST(Functions, SecretAndBase64) {
  auto s = eval("{fn::secret: \"${bucket}\"}");
  EXPECT_TRUE(s.output("out").secret);
  EXPECT_TRUE(eval("\"x-${object.team}\"").output("out").secret == false);
  EXPECT_EQ(eval("{fn::toBase64: hello}").output("out").string, "aGVsbG8=");
  EXPECT_EQ(eval("{fn::fromBase64: aGVsbG8=}").output("out").string, "hello");
  EXPECT_EQ(eval("{fn::fromBase64: \"not base64!\"}").result.errors[0].code, "spec.bad-argument");
}

TEST(Functions, FunctionNamesIgnoreCase) {
  EXPECT_EQ(eval("{Fn::Join: [\"-\", [a, b]]}").output("out").string, "a-b");
}

TEST(Functions, ReadFileThroughTheCallersReader) {
  LoadOptions o;
  std::string asked;
  o.read_file = [&](const std::string& path, std::string& text, std::string&) {
    asked = path;
    text = "from reader";
    return true;
  };
  auto l = eval("{fn::readFile: policies/read.json}", o, "stacks/dev/Pulumi.yaml");
  EXPECT_EQ(l.output("out").string, "from reader");
  EXPECT_EQ(asked, "stacks/dev/policies/read.json");  // relative to the stack file
  auto up = eval("{fn::readFile: ../secrets.txt}", o, "stacks/dev/Pulumi.yaml");
  EXPECT_EQ(up.result.errors[0].code, "spec.read-file");
  // An absolute path is allowed only as a constant.
  EXPECT_TRUE(eval("{fn::readFile: /etc/hostname}", o).result.ok());
  EXPECT_EQ(eval("{fn::readFile: \"/etc/${bucket}\"}", o).result.errors[0].code, "spec.read-file");
}

// Policy JSON kept in files, read from the filesystem, validated like any document.
TEST(Functions, ReadFileFromDisk) {
  std::string path = data_path("data/stacks/ok/readfile.yaml");
  Loaded l(path, spec::test::slurp(path));
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_NE(l.input("fromFile", "policy").string.find("s3:GetObject"), std::string::npos);
  ASSERT_EQ(l.result.warnings.size(), 1u);
  EXPECT_EQ(l.result.warnings[0].code, "policy.resource-mismatch");
  EXPECT_EQ(l.at(l.result.warnings[0].span), "9:9");  // the fn::readFile node
}

TEST(Expressions, VariablesMayUseVariablesInAnyOrder) {
  Loaded l("s.yaml", stack(R"(variables:
  full: "${prefix}-${suffix}"
  prefix: ml
  suffix: ${pulumi.stack}
outputs:
  out: ${full}
)"));
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  EXPECT_EQ(l.output("out").string, "ml-dev");
}

TEST(Expressions, InvokeWithoutReturnGivesTheWholeResult) {
  Loaded l("s.yaml", stack(R"(variables:
  doc:
    fn::invoke:
      function: aws:iam:getPolicyDocument
      arguments:
        statements: [{actions: ["s3:GetObject"], resources: ["*"]}]
  short:
    fn::aws:iam:getPolicyDocument:
      statements: [{actions: ["s3:GetObject"], resources: ["*"]}]
outputs:
  json: ${doc.json}
  min: ${doc.minifiedJson}
  shortJson: ${short.json}
  bad: ${doc.jsn}
)"));
  ASSERT_EQ(l.errors().size(), 1u);
  EXPECT_EQ(l.errors()[0],
            "error[spec.bad-reference] 16:8: `${doc.jsn}`: `doc` has no field `jsn` | help: did you mean `json`?");
  EXPECT_EQ(l.output("min").string, R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})");
  EXPECT_EQ(l.output("json").string, l.output("shortJson").string);
}
