// The C++ SDK renders programs to the stack language; the loader is the judge of what they mean.
#include <gtest/gtest.h>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/sdk/sdk.hpp"
#include "iamforge/spec/stack.hpp"
#include "iamforge/spec/value.hpp"

namespace sdk = iamforge::sdk;
namespace spec = iamforge::spec;
using sdk::Value;

namespace {

spec::LoadResult load(const sdk::Program& p) {
  iamforge::base::SourceFile file("program.yaml", p.to_yaml());
  return spec::load(file);
}

const spec::Property* input(const spec::Graph& g, std::string_view resource, std::string_view name) {
  const auto* r = g.find(resource);
  return r ? r->find_input(name) : nullptr;
}

}  // namespace

TEST(Sdk, RendersAProgramTheLoaderAccepts) {
  sdk::Program p("teams", "two roles");
  auto trust = sdk::to_json(Value::map(
      {{"Version", "2012-10-17"},
       {"Statement", Value::list({Value::map({{"Effect", "Allow"},
                                              {"Principal", Value::map({{"Service", "sagemaker.amazonaws.com"}})},
                                              {"Action", "sts:AssumeRole"}})})}}));
  auto a = p.resource("roleA", "aws:iam:Role", {{"assumeRolePolicy", trust}, {"maxSessionDuration", 7200}});
  p.resource("roleB", "aws:iam:Role", {{"name", sdk::join("-", {a.out("name"), "b"})}, {"assumeRolePolicy", trust}},
             {.depends_on = {"roleA"}, .protect = true, .ignore_changes = {"description"}});
  p.output("a_arn", a.out("arn"));
  auto r = load(p);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front().message) << "\n" << p.to_yaml();
  ASSERT_EQ(r.graph.resources.size(), 2u);
  EXPECT_EQ(r.graph.project, "teams");
  const auto* b = r.graph.find("roleB");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->options.protect);
  EXPECT_EQ(b->options.ignore_changes, std::vector<std::string>{"description"});
  EXPECT_EQ(b->dependencies, std::vector<std::uint32_t>{0});  // roleA, by reference and dependsOn
  const auto* msd = input(r.graph, "roleA", "maxSessionDuration");
  ASSERT_NE(msd, nullptr);
  EXPECT_EQ(spec::to_json(msd->value), "7200");
  ASSERT_EQ(r.graph.outputs.size(), 1u);
  EXPECT_EQ(r.graph.outputs[0].name, "a_arn");
}

TEST(Sdk, StringsFromCxxAreNeverInterpolated) {
  // An IAM policy variable written in C++ stays a literal `${aws:username}` in the document.
  sdk::Program p("vars");
  p.resource("pol", "aws:iam:Policy",
             {{"policy", sdk::to_json(Value::map(
                             {{"Version", "2012-10-17"},
                              {"Statement", Value::list({Value::map(
                                                {{"Effect", "Allow"},
                                                 {"Action", "s3:GetObject"},
                                                 {"Resource", "arn:aws:s3:::home/${aws:username}/*"}})})}}))}});
  auto r = load(p);
  ASSERT_TRUE(r.ok()) << p.to_yaml();
  const auto* pol = input(r.graph, "pol", "policy");
  ASSERT_NE(pol, nullptr);
  EXPECT_NE(spec::to_json(pol->value).find("home/${aws:username}/*"), std::string::npos) << spec::to_json(pol->value);
}

TEST(Sdk, QuotesWhatYamlWouldOtherwiseRetype) {
  sdk::Program p("quotes");
  const std::string text = "yes: no # \"quoted\" [x] {y} 'z'";
  p.resource("r", "aws:iam:Role", {{"assumeRolePolicy", sdk::read_file("trust.json")}, {"description", text}});
  const auto yaml = p.to_yaml();
  auto r = load(p);  // readFile fails (no such file), but the description must have loaded intact
  const auto* d = input(r.graph, "r", "description");
  ASSERT_NE(d, nullptr) << yaml;
  EXPECT_EQ(d->value.string, text);
}

TEST(Sdk, ErrorsMapBackToTheDeclaringLine) {
  sdk::Program p("bad");
  const unsigned line = __LINE__ + 1;
  p.resource("r", "aws:iam:Role", {{"assumeRolePolicee", "{}"}});
  const auto yaml = p.to_yaml();
  auto r = load(p);
  ASSERT_FALSE(r.ok());
  const auto& e = r.errors.front();
  iamforge::base::SourceFile file("program.yaml", yaml);
  const auto at = file.line_col(e.span.begin);
  const auto* origin = p.origin_of(at.line);
  ASSERT_NE(origin, nullptr) << "error at YAML line " << at.line << " of\n" << yaml;
  EXPECT_EQ(origin->line, line);
  EXPECT_NE(origin->file.find("sdk_test.cpp"), std::string::npos);
}
