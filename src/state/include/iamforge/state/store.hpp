// Stack state (issue 3): one SQLite database per project directory (.iamforge/state.db) holding
// every stack: resources, stack outputs, apply history and a per-stack lock. Every mutating call is
// its own committed transaction, so a crash never leaves a half-written record.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace iamforge::state {

struct ResourceRecord {
  std::string logical_name;
  std::string type;
  std::string physical_id;
  std::string physical_name;
  std::string suffix;        // random 7-char auto-name suffix ("" when a name was given)
  std::string inputs_json;   // canonical JSON of the resolved inputs
  std::string outputs_json;  // JSON object of the provider outputs
  std::string flags;         // resource options kept for when the resource leaves the file: "protect", "retain" (comma-separated)
};

// An operation started but not yet recorded (crash safety). Written in its own committed
// transaction before the backend call; replaced by the resource record (or its removal) in one
// transaction after it. A later run reconciles leftovers by reading the target.
struct Intent {
  std::string logical_name;
  std::string kind;           // "create", "update" or "delete"
  std::string type;
  std::string physical_id;    // create: the id the create will produce ("" if unpredictable); else the current id
  std::string physical_name;  // create: the name chosen (kept so a retried create reuses it)
  std::string suffix;         // create: the auto-name / namePrefix suffix chosen
  std::string inputs_json;    // create/update: canonical inputs being applied
  std::string outputs_json;   // update/delete: the outputs recorded before
  std::string flags;
};

// A resource replaced (create-before-delete) whose old copy still has to be deleted.
struct PendingDelete {
  std::int64_t seq = 0;
  std::string logical_name;
  std::string type;
  std::string physical_id;
  std::string outputs_json;
};

struct HistoryEntry {
  std::int64_t id = 0;
  std::string started_at;   // ISO-8601 UTC
  std::string finished_at;  // "" while running (or after a crash)
  std::string summary;
  std::string result;       // "" while running (or after a crash)
  std::string details;      // one line per operation: "create mlTeamRole", "delete old (failed: ...)"
  std::string kind;         // "apply", "destroy", "refresh", "import"
};

struct LockInfo {
  std::int64_t pid = 0;
  std::string host;
  std::string since;  // ISO-8601 UTC
};

class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by Store::acquire_lock when another live process holds the stack.
class LockHeld : public StateError {
 public:
  LockHeld(const std::string& stack, LockInfo holder);
  const LockInfo& holder() const { return holder_; }

 private:
  LockInfo holder_;
};

class Store {
 public:
  // Opens (creating if needed, with parent directories) the state database at `path`.
  // Throws StateError for foreign, newer or corrupt files.
  static std::unique_ptr<Store> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  std::vector<ResourceRecord> resources(const std::string& stack);  // in insertion order
  std::optional<ResourceRecord> resource(const std::string& stack, const std::string& logical_name);
  void put_resource(const std::string& stack, const ResourceRecord& record);  // insert or replace
  void delete_resource(const std::string& stack, const std::string& logical_name);

  // Runs `fn` in one transaction (nested calls join it): all of its writes or none.
  template <class F>
  void atomically(F&& fn) {
    begin();
    try {
      fn();
    } catch (...) {
      rollback();
      throw;
    }
    commit();
  }

  std::vector<Intent> intents(const std::string& stack);
  void put_intent(const std::string& stack, const Intent& intent);  // insert or replace (logical_name, kind)
  void delete_intent(const std::string& stack, const std::string& logical_name, const std::string& kind);

  std::vector<PendingDelete> pending_deletes(const std::string& stack);  // in the order added
  void add_pending_delete(const std::string& stack, const PendingDelete& p);
  void delete_pending_delete(std::int64_t seq);

  std::map<std::string, std::string> outputs(const std::string& stack);  // name -> JSON value
  void set_outputs(const std::string& stack, const std::map<std::string, std::string>& outputs);

  std::int64_t begin_history(const std::string& stack, const std::string& summary, const std::string& kind = "apply");
  void finish_history(std::int64_t id, const std::string& result, const std::string& details = "");
  std::vector<HistoryEntry> history(const std::string& stack);

  // Takes the stack's lock for this process (pid, host). Fails fast with LockHeld when a live
  // process holds it; a lock left by a dead pid on this host is taken over.
  void acquire_lock(const std::string& stack);
  void release_lock(const std::string& stack);
  std::optional<LockInfo> lock(const std::string& stack);

  // For tests: records a lock with an arbitrary holder.
  void force_lock(const std::string& stack, const LockInfo& info);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  void exec(const char* sql);
  void begin();
  void commit();
  void rollback();
  sqlite3* db_;
  int depth_ = 0;  // atomically() nesting
};

// RAII holder of a stack lock.
class StackLock {
 public:
  StackLock(Store& store, std::string stack) : store_(store), stack_(std::move(stack)) { store_.acquire_lock(stack_); }
  ~StackLock() {
    try {
      store_.release_lock(stack_);
    } catch (...) {
    }
  }
  StackLock(const StackLock&) = delete;
  StackLock& operator=(const StackLock&) = delete;

 private:
  Store& store_;
  std::string stack_;
};

std::string current_host();
std::string now_iso8601();

}  // namespace iamforge::state
