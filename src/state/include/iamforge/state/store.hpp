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
};

struct HistoryEntry {
  std::int64_t id = 0;
  std::string started_at;   // ISO-8601 UTC
  std::string finished_at;  // "" while running (or after a crash)
  std::string summary;
  std::string result;       // "" while running
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

  std::map<std::string, std::string> outputs(const std::string& stack);  // name -> JSON value
  void set_outputs(const std::string& stack, const std::map<std::string, std::string>& outputs);

  std::int64_t begin_history(const std::string& stack, const std::string& summary);
  void finish_history(std::int64_t id, const std::string& result);
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
  sqlite3* db_;
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
