#pragma once
/// Authorization cases in the shared corpus's JSON Lines format (one case per line):
/// {"id", "identityPolicies", "permissionsBoundaries"?, "scps"?, "rcps"?, "resourcePolicy"?,
///  "sessionPolicies"?, "request": {"principal","action","resource","resourceAccount","context"}, "expected"?}
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "iamforge/json/json.hpp"
#include "iamforge/policy/evaluator.hpp"

namespace iamforge::policy {

/// One decoded case: its compiled policies, the PolicySet pointing at them, and the request.
struct Case {
  std::string id;
  std::string expected;            ///< empty when the case has none
  std::vector<std::string> tags;
  std::deque<CompiledPolicy> owned;  ///< deque: stable addresses for PolicySet's pointers
  PolicySet set;
  Request request;
  ActionIndex index = ActionIndex::Build;
};

/// Decodes a case. On failure returns nullopt and sets `error` (one lowercase line); `id` is
/// filled whenever the line has one, so the caller can report the error against it.
/// `index`: Skip for cases decided once (batch mode), Build for cases decided many times.
std::optional<Case> case_from_json(const json::Value& v, std::string& id, std::string& error,
                                   ActionIndex index = ActionIndex::Build);

}  // namespace iamforge::policy
