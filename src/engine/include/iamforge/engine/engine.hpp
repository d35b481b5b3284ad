#pragma once
/// plan / apply / destroy / refresh / import of a spec::Graph against a Backend, with state in
/// state::Store (issue 3). Types are those find_provider() knows.
///
/// Crash safety: every create, update and delete is preceded by an intent committed to state on
/// its own (the chosen physical name and suffix, the inputs, the id the create will produce) and
/// followed by one transaction that records the result and drops the intent. reconcile() settles
/// intents left by a killed run by reading the target (Provider::read): an interrupted create is
/// adopted if it happened, forgotten if not; an interrupted delete or update is read back.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "iamforge/backend/backend.hpp"
#include "iamforge/spec/stack.hpp"
#include "iamforge/state/store.hpp"

namespace iamforge::engine {

enum class Action { Same, Create, Update, Replace, Delete, Import };
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
  bool delete_before_replace = false;  ///< Replace: the old one goes first (option, or a fixed name)
  bool retain = false;                 ///< Delete: retainOnDelete, only dropped from state
  std::int64_t pending_seq = 0;        ///< Delete of a replaced copy an earlier apply left (state's pending deletes)
  std::string import_id;               ///< Import: the ID adopted
  std::string import_inputs_json;      ///< Import: the live inputs (canonical), what state records
  std::string import_outputs_json;     ///< Import: the live outputs
};

struct Plan {
  std::vector<Change> changes;  ///< dependency order; deletes last (reverse state order)
  std::vector<base::Diagnostic> errors;
  int count(Action a) const;
  bool has_changes() const;
  std::string summary() const;  ///< "Plan: N to create, N to update, N to replace, N to delete[, N to import]"
};

/// Computes the changes. `graph` is resolved with the outputs recorded in state. `backend` is
/// needed only for resources with the `import` option (read to compare); null otherwise.
Plan plan(spec::Graph& graph, state::Store& store, const std::string& stack, backend::Backend* backend = nullptr);

/// Called before ("creating", ...) and after ("created", "failed: ...") each resource operation.
using Progress = std::function<void(const Change&, const std::string& status)>;

struct ApplyOptions {
  int parallel = 10;  ///< resources worked on at once (independent ones only)
};

struct ApplyResult {
  bool ok = true;
  std::string error;
  std::map<std::string, std::string> outputs;  ///< stack outputs, name -> display string
  std::vector<std::string> operations;         ///< "create mlTeamRole", ... (what history records)
};

ApplyResult apply(const Plan& plan, spec::Graph& graph, state::Store& store, backend::Backend& backend,
                  const std::string& stack, const Progress& progress, const ApplyOptions& options = {});
/// Deletes every resource of the stack (reverse order, attachments first). Refuses, touching
/// nothing, when a resource recorded with `protect` remains; `retainOnDelete` ones are only forgotten.
ApplyResult destroy(state::Store& store, backend::Backend& backend, const std::string& stack, const Progress& progress);

/// Settles intents a killed run left (see above). Reads the target; writes only state. Returns
/// one line per intent settled; an intent that cannot be settled (read failed) is an error and
/// stays for the next run.
struct ReconcileResult {
  bool ok = true;
  std::string error;
  std::vector<std::string> notes;
};
ReconcileResult reconcile(state::Store& store, backend::Backend& backend, const std::string& stack);
/// True when a killed run left intents to settle.
bool needs_reconcile(state::Store& store, const std::string& stack);

/// What refresh found for one resource.
struct Drift {
  std::string logical_name;
  std::string type;
  bool deleted = false;              ///< gone from the target: dropped from state
  std::vector<PropertyDiff> diffs;   ///< before: state, after: live
};
/// Something attached by hand to a role, group or user the stack manages: a managed policy or an
/// inline policy that no resource of the stack declares (the entity grants more than declared).
struct Unmanaged {
  std::string logical_name;          ///< the role, group or user resource
  std::string type;
  std::string what;                  ///< "managed policy ARN" or "inline policy NAME"
};
struct RefreshResult {
  bool ok = true;
  std::string error;
  int read = 0;                      ///< resources read
  std::vector<Drift> drift;
  std::vector<Unmanaged> unmanaged;  ///< reported and recorded in history; no resource owns them
};
/// Reads every resource in state through its provider and records what it finds in state (drift):
/// inputs as the target has them, outputs, and resources gone. A later plan shows what apply would
/// put back.
RefreshResult refresh(state::Store& store, backend::Backend& backend, const std::string& stack);

struct ImportResult {
  bool ok = true;
  std::string error;
  std::map<std::string, std::string> inputs;   ///< the inputs recorded, as read (raw text): the declaration to paste
  std::map<std::string, std::string> outputs;
};
/// Adopts the existing resource `id` of `type` as `logical_name` (import command). `declared`,
/// when the stack file declares that name, limits the recorded inputs to the ones it writes;
/// otherwise every input the target holds other than its default is recorded (and returned, for
/// the declaration the user pastes).
ImportResult import_resource(state::Store& store, backend::Backend& backend, const std::string& stack,
                             const std::string& type, const std::string& logical_name, const std::string& id,
                             const spec::Resource* declared);

/// Stack outputs recorded in state: name -> value as text.
std::map<std::string, std::string> outputs(state::Store& store, const std::string& stack);

namespace detail {
/// The id a create of `type` with these (raw) inputs and physical name will produce, in the
/// provider's id format; "" when it cannot be known before the create (Policy: the ARN holds the
/// account, found by name when reconciling).
std::string expected_id(const std::string& type, const std::map<std::string, std::string, std::less<>>& inputs,
                        const std::string& physical_name);
/// A fresh suffix: 7 lowercase alphanumerics (auto-naming) or, for namePrefix, 26 characters as
/// Terraform's unique ids have them (UTC timestamp, sub-second digits, counter).
std::string random_suffix();
std::string prefix_suffix();
}  // namespace detail

}  // namespace iamforge::engine
