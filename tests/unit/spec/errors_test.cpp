// Data-driven error cases: each tests/data/stacks/errors/*.yaml ends with the exact diagnostics it
// must produce, as `# expect: error[code] line:col: message | help: ...` lines (in order), and
// optionally `# expect-warning: ...` lines. Every spec.* code has at least one case.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "spec_test_util.hpp"

using namespace iamforge;
using namespace iamforge::spec;
using spec::test::data_path;
using spec::test::Loaded;
using spec::test::slurp;

namespace {

std::vector<std::string> case_files() {
  std::vector<std::string> r;
  for (const auto& e : std::filesystem::directory_iterator(data_path("data/stacks/errors")))
    if (e.path().extension() == ".yaml") r.push_back(e.path().filename().string());
  std::sort(r.begin(), r.end());
  return r;
}

std::vector<std::string> expected(const std::string& text, const std::string& prefix) {
  std::vector<std::string> r;
  for (auto l : base::split(text, '\n'))
    if (l.substr(0, prefix.size()) == prefix) r.emplace_back(l.substr(prefix.size()));
  return r;
}

}  // namespace

class ErrorCase : public ::testing::TestWithParam<std::string> {};

TEST_P(ErrorCase, ReportsExactlyTheExpectedDiagnostics) {
  std::string name = GetParam();
  std::string text = slurp(data_path("data/stacks/errors/" + name));
  auto want_errors = expected(text, "# expect: ");
  auto want_warnings = expected(text, "# expect-warning: ");
  ASSERT_FALSE(want_errors.empty()) << name << " has no `# expect:` line";
  Loaded l(name, text);
  EXPECT_FALSE(l.result.ok());
  EXPECT_EQ(l.errors(), want_errors);
  if (!want_warnings.empty()) {
    EXPECT_EQ(l.warnings(), want_warnings);
  }
}

INSTANTIATE_TEST_SUITE_P(Stacks, ErrorCase, ::testing::ValuesIn(case_files()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string n = p.param.substr(0, p.param.size() - 5);
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// The codes list (diagnostic_codes.def) and the cases must not drift apart.
TEST(ErrorCases, EveryCodeHasACase) {
  std::set<std::string> seen;
  for (const auto& f : case_files()) {
    std::string text = slurp(data_path("data/stacks/errors/" + f));
    for (const auto& e : expected(text, "# expect: ")) {
      auto b = e.find('['), c = e.find(']');
      seen.insert(e.substr(b + 1, c - b - 1));
    }
  }
  for (const auto& info : diagnostic_codes()) EXPECT_TRUE(seen.count(std::string(info.name))) << info.name;
  for (const auto& code : seen) {
    bool known = false;
    for (const auto& info : diagnostic_codes()) known = known || info.name == code;
    EXPECT_TRUE(known) << "case expects unlisted code " << code;
  }
}

TEST(ErrorCases, CodesAreStableAndKebabCase) {
  for (const auto& info : diagnostic_codes()) {
    EXPECT_EQ(to_string(info.code), info.name);
    EXPECT_EQ(info.name.substr(0, 5), "spec.");
    for (char c : info.name.substr(5)) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << info.name;
    EXPECT_FALSE(info.meaning.empty());
  }
}

// An unclosed flow sequence is reported at the end of the file, so the help names where it opened.
TEST(ErrorCases, UnclosedFlowSequenceNamesItsBracket) {
  Loaded l("s.yaml", "name: x\nruntime: yaml\nresources:\n  r:\n    type: aws:iam:Group\n    options:\n      dependsOn: [${a}]\n");
  ASSERT_EQ(l.result.errors.size(), 1u);
  EXPECT_EQ(l.result.errors[0].code, "spec.yaml-syntax");
  EXPECT_NE(l.result.errors[0].help.find("the `[` at line 7, column 18 is never closed"), std::string::npos)
      << l.result.errors[0].help;
  EXPECT_NE(l.result.errors[0].help.find("\"${ref}\""), std::string::npos);
}

TEST(ErrorCases, EmptyAndNonMappingFiles) {
  Loaded empty("s.yaml", "");
  EXPECT_EQ(empty.errors(), std::vector<std::string>{"error[spec.missing-key] 1:1: the stack file is empty | help: a stack needs at least `name:` and `runtime: yaml`"});
  Loaded list("s.yaml", "- a\n- b\n");
  ASSERT_EQ(list.result.errors.size(), 1u);
  EXPECT_EQ(list.result.errors[0].code, "spec.type-mismatch");
  Loaded two("s.yaml", "name: a\nruntime: yaml\n---\nname: b\n");
  ASSERT_EQ(two.result.errors.size(), 1u);
  EXPECT_EQ(two.result.errors[0].code, "spec.yaml-syntax");
}

// Every error is collected: one file with one mistake of each kind reports all of them.
TEST(ErrorCases, AllProblemsAreCollected) {
  Loaded l("s.yaml", R"(name: many
runtime: yaml
resources:
  a:
    type: aws:iam:Rol
  b:
    type: aws:iam:Group
    properties:
      paht: /x/
  c:
    type: aws:iam:Policy
    properties:
      policy: ${nothing}
  d:
    type: aws:iam:User
    properties:
      name: bad name
)");
  std::vector<std::string> codes;
  for (const auto& d : l.result.errors) codes.push_back(d.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"spec.unknown-type", "spec.unknown-property", "spec.bad-reference",
                                             "spec.invalid-name"}));
}
