#pragma once
/// plan / apply / destroy of a spec::Graph against a Backend, with state in state::Store (issue 3).
/// Supported types: aws:iam:Role, Policy, RolePolicyAttachment, Group, GroupPolicyAttachment.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "iamforge/backend/backend.hpp"
#include "iamforge/spec/stack.hpp"
#include "iamforge/state/store.hpp"

namespace iamforge::engine {

enum class Action { Same, Create, Update, Replace, Delete };
std::string_view to_string(Action a);

struct PropertyDiff {
  std::string name;
  std::string before;  ///< display form ("" when absent)
  std::string after;   ///< display form ("" when absent)
  bool forces_replacement = false;
};

struct Change {
  Action action = Action::Same;
  std::string logical_name;
  std::string type;
  std::vector<PropertyDiff> diffs;
  std::string replace_reason;  ///< the property forcing a replacement
  int graph_index = -1;        ///< -1 for deletes of resources no longer declared
};

struct Plan {
  std::vector<Change> changes;  ///< dependency order; deletes last (reverse state order)
  std::vector<base::Diagnostic> errors;
  int count(Action a) const;
  bool has_changes() const;
  std::string summary() const;  ///< "Plan: N to create, N to update, N to replace, N to delete"
};

/// Computes the changes. `graph` is resolved with the outputs recorded in state.
Plan plan(spec::Graph& graph, state::Store& store, const std::string& stack);

/// Called before ("..." status) and after ("done"/"failed: ...") each resource operation.
using Progress = std::function<void(const Change&, const std::string& status)>;

struct ApplyResult {
  bool ok = true;
  std::string error;
  std::map<std::string, std::string> outputs;  ///< stack outputs, name -> display string
};

ApplyResult apply(const Plan& plan, spec::Graph& graph, state::Store& store, backend::Backend& backend,
                  const std::string& stack, const Progress& progress);
ApplyResult destroy(state::Store& store, backend::Backend& backend, const std::string& stack, const Progress& progress);

/// Stack outputs recorded in state: name -> value as text.
std::map<std::string, std::string> outputs(state::Store& store, const std::string& stack);

}  // namespace iamforge::engine
