// Stack state on SQLite: see include/iamforge/state/store.hpp.
#include "iamforge/state/store.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <unistd.h>

namespace iamforge::state {
namespace {

constexpr int kApplicationId = 0x49414D53;  // "IAMS"
constexpr int kSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS resources (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  stack TEXT NOT NULL, logical_name TEXT NOT NULL, type TEXT NOT NULL,
  physical_id TEXT NOT NULL, physical_name TEXT NOT NULL, suffix TEXT NOT NULL,
  inputs TEXT NOT NULL, outputs TEXT NOT NULL, flags TEXT NOT NULL DEFAULT '',
  UNIQUE (stack, logical_name));
CREATE TABLE IF NOT EXISTS stack_outputs (
  stack TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (stack, name));
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, stack TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL, result TEXT NOT NULL DEFAULT '',
  details TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'apply');
CREATE TABLE IF NOT EXISTS locks (
  stack TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL);
)sql";

// Version 2: intents and pending deletes (crash safety), resource flags, history details.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS intents (
  stack TEXT NOT NULL, logical_name TEXT NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL,
  physical_id TEXT NOT NULL, physical_name TEXT NOT NULL, suffix TEXT NOT NULL,
  inputs TEXT NOT NULL, outputs TEXT NOT NULL, flags TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (stack, logical_name, kind));
CREATE TABLE IF NOT EXISTS pending_deletes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, stack TEXT NOT NULL, logical_name TEXT NOT NULL,
  type TEXT NOT NULL, physical_id TEXT NOT NULL, outputs TEXT NOT NULL);
)sql";
constexpr const char* kMigrate1to2 = R"sql(
ALTER TABLE resources ADD COLUMN flags TEXT NOT NULL DEFAULT '';
ALTER TABLE history ADD COLUMN details TEXT NOT NULL DEFAULT '';
ALTER TABLE history ADD COLUMN kind TEXT NOT NULL DEFAULT 'apply';
)sql";

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(const std::string& v) {
    if (sqlite3_bind_text(stmt_, next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
      fail();
    return *this;
  }
  Stmt& bind(std::int64_t v) {
    if (sqlite3_bind_int64(stmt_, next_++, v) != SQLITE_OK) fail();
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail();
  }
  std::string text(int col) {
    auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t integer(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  [[noreturn]] void fail() { throw StateError(std::string("state database: ") + sqlite3_errmsg(db_)); }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int next_ = 1;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
class Txn {
 public:
  explicit Txn(sqlite3* db) : db_(db) { run("BEGIN IMMEDIATE"); }
  ~Txn() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  void commit() {
    run("COMMIT");
    done_ = true;
  }

 private:
  void run(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "error";
      sqlite3_free(msg);
      throw StateError("state database: " + m);
    }
  }
  sqlite3* db_;
  bool done_ = false;
};

bool process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) == 0) return true;
  return errno != ESRCH;
}

}  // namespace

LockHeld::LockHeld(const std::string& stack, LockInfo holder)
    : StateError("stack '" + stack + "' is locked by pid " + std::to_string(holder.pid) + " on " + holder.host +
                 " since " + holder.since),
      holder_(std::move(holder)) {}

std::string current_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::unique_ptr<Store> Store::open(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    throw StateError("cannot open state database " + path + ": " + msg);
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 5000);
  {
    std::int64_t app = 0, version = 0;
    {
      Stmt s(db, "PRAGMA application_id");
      if (s.step()) app = s.integer(0);
    }
    {
      Stmt s(db, "PRAGMA user_version");
      if (s.step()) version = s.integer(0);
    }
    if (app == 0 && version == 0) {
      std::int64_t objects = 0;
      {
        Stmt count(db, "SELECT count(*) FROM sqlite_master");
        if (count.step()) objects = count.integer(0);
      }
      if (objects != 0) throw StateError(path + " is not an iamforge state database");
      store->exec("PRAGMA journal_mode=WAL");
      Txn txn(db);
      store->exec(kSchema);
      store->exec(kSchemaV2);
      store->exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
      store->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
      txn.commit();
    } else if (app != kApplicationId) {
      throw StateError(path + " is not an iamforge state database");
    } else if (version > kSchemaVersion) {
      throw StateError(path + " was written by a newer iamforge (schema " + std::to_string(version) + ")");
    } else if (version < kSchemaVersion) {
      Txn txn(db);
      if (version < 2) store->exec(kMigrate1to2);
      store->exec(kSchemaV2);
      store->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
      txn.commit();
    }
    // WAL + NORMAL: a commit survives a crash of the process (SIGKILL included) and the file is never
    // corrupted; like the embedded target's default (backend::Durability::Normal), not power loss.
    store->exec("PRAGMA synchronous=NORMAL");
  }
  return store;
}

Store::~Store() { sqlite3_close_v2(db_); }

void Store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "error";
    sqlite3_free(msg);
    throw StateError("state database: " + m);
  }
}

std::vector<ResourceRecord> Store::resources(const std::string& stack) {
  Stmt s(db_,
         "SELECT logical_name, type, physical_id, physical_name, suffix, inputs, outputs, flags FROM resources "
         "WHERE stack = ? ORDER BY seq");
  s.bind(stack);
  std::vector<ResourceRecord> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)});
  return out;
}

std::optional<ResourceRecord> Store::resource(const std::string& stack, const std::string& logical_name) {
  Stmt s(db_,
         "SELECT logical_name, type, physical_id, physical_name, suffix, inputs, outputs, flags FROM resources "
         "WHERE stack = ? AND logical_name = ?");
  s.bind(stack).bind(logical_name);
  if (!s.step()) return std::nullopt;
  return ResourceRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)};
}

void Store::put_resource(const std::string& stack, const ResourceRecord& r) {
  Stmt s(db_,
         "INSERT INTO resources (stack, logical_name, type, physical_id, physical_name, suffix, inputs, outputs, flags) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stack, logical_name) DO UPDATE SET type = excluded.type, "
         "physical_id = excluded.physical_id, physical_name = excluded.physical_name, suffix = excluded.suffix, "
         "inputs = excluded.inputs, outputs = excluded.outputs, flags = excluded.flags");
  s.bind(stack).bind(r.logical_name).bind(r.type).bind(r.physical_id).bind(r.physical_name).bind(r.suffix);
  s.bind(r.inputs_json).bind(r.outputs_json).bind(r.flags);
  s.step();
}

void Store::delete_resource(const std::string& stack, const std::string& logical_name) {
  Stmt s(db_, "DELETE FROM resources WHERE stack = ? AND logical_name = ?");
  s.bind(stack).bind(logical_name);
  s.step();
}

std::map<std::string, std::string> Store::outputs(const std::string& stack) {
  Stmt s(db_, "SELECT name, value FROM stack_outputs WHERE stack = ? ORDER BY name");
  s.bind(stack);
  std::map<std::string, std::string> out;
  while (s.step()) out.emplace(s.text(0), s.text(1));
  return out;
}

void Store::begin() {
  if (depth_++ == 0) {
    try {
      exec("BEGIN IMMEDIATE");
    } catch (...) {
      depth_ = 0;
      throw;
    }
  }
}

void Store::commit() {
  if (--depth_ == 0) exec("COMMIT");
}

void Store::rollback() {
  if (--depth_ == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

std::vector<Intent> Store::intents(const std::string& stack) {
  Stmt s(db_,
         "SELECT logical_name, kind, type, physical_id, physical_name, suffix, inputs, outputs, flags FROM intents "
         "WHERE stack = ? ORDER BY rowid");
  s.bind(stack);
  std::vector<Intent> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7), s.text(8)});
  return out;
}

void Store::put_intent(const std::string& stack, const Intent& i) {
  Stmt s(db_,
         "INSERT OR REPLACE INTO intents (stack, logical_name, kind, type, physical_id, physical_name, suffix, inputs, "
         "outputs, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(stack).bind(i.logical_name).bind(i.kind).bind(i.type).bind(i.physical_id).bind(i.physical_name);
  s.bind(i.suffix).bind(i.inputs_json).bind(i.outputs_json).bind(i.flags);
  s.step();
}

void Store::delete_intent(const std::string& stack, const std::string& logical_name, const std::string& kind) {
  Stmt s(db_, "DELETE FROM intents WHERE stack = ? AND logical_name = ? AND kind = ?");
  s.bind(stack).bind(logical_name).bind(kind);
  s.step();
}

std::vector<PendingDelete> Store::pending_deletes(const std::string& stack) {
  Stmt s(db_, "SELECT seq, logical_name, type, physical_id, outputs FROM pending_deletes WHERE stack = ? ORDER BY seq");
  s.bind(stack);
  std::vector<PendingDelete> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

void Store::add_pending_delete(const std::string& stack, const PendingDelete& p) {
  Stmt s(db_, "INSERT INTO pending_deletes (stack, logical_name, type, physical_id, outputs) VALUES (?, ?, ?, ?, ?)");
  s.bind(stack).bind(p.logical_name).bind(p.type).bind(p.physical_id).bind(p.outputs_json);
  s.step();
}

void Store::delete_pending_delete(std::int64_t seq) {
  Stmt s(db_, "DELETE FROM pending_deletes WHERE seq = ?");
  s.bind(seq);
  s.step();
}

void Store::set_outputs(const std::string& stack, const std::map<std::string, std::string>& outputs) {
  atomically([&] {
    {
      Stmt del(db_, "DELETE FROM stack_outputs WHERE stack = ?");
      del.bind(stack);
      del.step();
    }
    for (const auto& [name, value] : outputs) {
      Stmt ins(db_, "INSERT INTO stack_outputs (stack, name, value) VALUES (?, ?, ?)");
      ins.bind(stack).bind(name).bind(value);
      ins.step();
    }
  });
}

std::int64_t Store::begin_history(const std::string& stack, const std::string& summary, const std::string& kind) {
  Stmt s(db_, "INSERT INTO history (stack, started_at, summary, kind) VALUES (?, ?, ?, ?)");
  s.bind(stack).bind(now_iso8601()).bind(summary).bind(kind);
  s.step();
  return sqlite3_last_insert_rowid(db_);
}

void Store::finish_history(std::int64_t id, const std::string& result, const std::string& details) {
  Stmt s(db_, "UPDATE history SET finished_at = ?, result = ?, details = ? WHERE id = ?");
  s.bind(now_iso8601()).bind(result).bind(details).bind(id);
  s.step();
}

std::vector<HistoryEntry> Store::history(const std::string& stack) {
  Stmt s(db_,
         "SELECT id, started_at, finished_at, summary, result, details, kind FROM history WHERE stack = ? ORDER BY id");
  s.bind(stack);
  std::vector<HistoryEntry> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6)});
  return out;
}

std::optional<LockInfo> Store::lock(const std::string& stack) {
  Stmt s(db_, "SELECT pid, host, since FROM locks WHERE stack = ?");
  s.bind(stack);
  if (!s.step()) return std::nullopt;
  return LockInfo{s.integer(0), s.text(1), s.text(2)};
}

void Store::acquire_lock(const std::string& stack) {
  Txn txn(db_);
  const std::string host = current_host();
  const std::int64_t pid = static_cast<std::int64_t>(::getpid());
  if (auto held = lock(stack)) {
    const bool ours = held->pid == pid && held->host == host;
    const bool stale = held->host == host && !process_alive(held->pid);
    if (!ours && !stale) throw LockHeld(stack, *held);
  }
  Stmt s(db_, "INSERT OR REPLACE INTO locks (stack, pid, host, since) VALUES (?, ?, ?, ?)");
  s.bind(stack).bind(pid).bind(host).bind(now_iso8601());
  s.step();
  txn.commit();
}

void Store::release_lock(const std::string& stack) {
  Stmt s(db_, "DELETE FROM locks WHERE stack = ? AND pid = ? AND host = ?");
  s.bind(stack).bind(static_cast<std::int64_t>(::getpid())).bind(current_host());
  s.step();
}

void Store::force_lock(const std::string& stack, const LockInfo& info) {
  Stmt s(db_, "INSERT OR REPLACE INTO locks (stack, pid, host, since) VALUES (?, ?, ?, ?)");
  s.bind(stack).bind(info.pid).bind(info.host).bind(info.since);
  s.step();
}

}  // namespace iamforge::state
