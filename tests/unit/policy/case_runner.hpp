#pragma once
// Runs a JSON Lines case file through the evaluator; returns (id, expected, got, tags) per case.
#include <fstream>
#include <string>
#include <vector>

#include "iamforge/policy/case_file.hpp"
#include "test_util.hpp"

namespace iamforge::test {

struct CaseOutcome {
  std::string id, expected, got, rule, error;
  std::vector<std::string> tags;
};

inline std::vector<CaseOutcome> run_cases(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<CaseOutcome> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    CaseOutcome o;
    auto j = json::parse(line);
    if (!j.ok()) {
      o.error = "bad JSON";
      out.push_back(o);
      continue;
    }
    if (const auto* r = j.value.find("rule")) o.rule = r->text;
    auto c = policy::case_from_json(j.value, o.id, o.error);
    if (c) {
      o.expected = c->expected;
      o.tags = c->tags;
      o.got = std::string(policy::to_string(policy::evaluate(c->set, c->request, policy::Explain::No).decision));
      // The explaining path must decide the same way as the fast path.
      auto explained = policy::evaluate(c->set, c->request, policy::Explain::Yes);
      if (std::string(policy::to_string(explained.decision)) != o.got) o.error = "explain mode decided differently";
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace iamforge::test
