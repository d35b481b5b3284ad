#pragma once
/// A naive oracle for the evaluator: the same IAM semantics, re-implemented as plainly as possible
/// over the parsed AST (policy::Policy), with no compiled form, no indexes and no precomputation.
/// Wildcards are matched with a std::regex built per match; ARNs are split into their six fields
/// per match; every value is parsed again every time it is compared. It is slow on purpose: it
/// exists to be obviously right, so that a disagreement with policy::evaluate points at a bug.
///
/// Written from the rules (tests/cases/eval/rules.jsonl "rule" fields, the `AWS:` notes in
/// src/policy/evaluator.cpp, AWS's IAM documentation), not from the evaluator's code.
#include <optional>
#include <string>
#include <vector>

#include "iamforge/json/json.hpp"
#include "iamforge/policy/evaluator.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::oracle {

/// Every policy that applies to one request, by type, as parsed ASTs. Each policy carries its own
/// `version` (policy::Policy::version): policy variables are expanded only in 2012-10-17 policies.
struct OraclePolicies {
  std::vector<policy::Policy> identity;                  ///< identity policies (managed and inline)
  std::vector<policy::Policy> boundaries;                ///< permissions boundaries
  std::vector<policy::Policy> session;                   ///< session policies
  std::optional<policy::Policy> resource;                ///< resource-based (or trust) policy
  std::vector<std::vector<policy::Policy>> scp_levels;   ///< root first, account last
  std::vector<std::vector<policy::Policy>> rcp_levels;
};

/// Decides `request` against `policies`. If `trace` is given, appends a human-readable account of
/// every step (for failure dumps).
policy::Decision evaluate(const OraclePolicies& policies, const policy::Request& request,
                          std::string* trace = nullptr);

/// Builds OraclePolicies from a case in the corpus's JSON Lines format (see
/// src/policy/include/iamforge/policy/case_file.hpp), parsing each document with policy::parse and
/// the same policy types the case reader uses. Returns false with `error` set when a document does
/// not parse.
bool policies_from_case(const json::Value& case_json, OraclePolicies& out, std::string& error);

}  // namespace iamforge::oracle
