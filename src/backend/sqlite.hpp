#pragma once
// A thin SQLite adapter for the local backend: a connection with a statement cache, and a Query
// that binds, steps and reads one cached statement. SQLite errors become a SqlError exception that
// never leaves this module: LocalBackend turns it into an ApiError at each public call.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace iamforge::backend::detail {

/// A failed SQLite call: the primary result code and SQLite's message.
struct SqlError {
  int code = SQLITE_ERROR;
  std::string message;
};

/// One connection. Not thread-safe: LocalBackend serializes calls with its mutex.
///
/// A Redirect sends one thread's uses of a Db to another connection of the same file for a while:
/// LocalBackend runs a read transaction on a read-only connection of its pool that way, and the
/// code inside the transaction (which names the main connection) needs no change.
class Db {
 public:
  class Redirect {
   public:
    Redirect(Db& from, Db& to) : prev_from_(tl_from_), prev_to_(tl_to_) {
      tl_from_ = &from;
      tl_to_ = &to;
    }
    ~Redirect() {
      tl_from_ = prev_from_;
      tl_to_ = prev_to_;
    }
    Redirect(const Redirect&) = delete;
    Redirect& operator=(const Redirect&) = delete;

   private:
    Db* prev_from_;
    Db* prev_to_;
  };

  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// Opens (creating when missing) `path`; on failure returns false with `error` set.
  bool open(const std::string& path, std::string& error);
  /// Runs SQL with no results (may hold several statements). Throws SqlError.
  void exec(const char* sql);
  /// Rolls back the open transaction, if any; never throws.
  void rollback_quietly() noexcept;
  /// The cached prepared statement for `sql` (keyed by the literal's address). Throws SqlError.
  sqlite3_stmt* statement(const char* sql);
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(active().db_); }
  int changes() const { return sqlite3_changes(active().db_); }
  sqlite3* handle() const { return active().db_; }
  /// Throws SqlError for result code `rc` with the connection's message.
  [[noreturn]] void fail(int rc) const;

 private:
  /// This connection, or the one this thread is redirected to.
  Db& active() { return tl_from_ == this ? *tl_to_ : *this; }
  const Db& active() const { return tl_from_ == this ? *tl_to_ : *this; }
  static thread_local Db* tl_from_;
  static thread_local Db* tl_to_;

  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

/// One use of a cached statement: bind parameters in order, step through rows, read columns.
/// Resets the statement when destroyed. INVARIANT: one Query per statement at a time.
class Query {
 public:
  Query(Db& db, const char* sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(std::string_view v);
  Query& bind(const char* v) { return bind(std::string_view(v)); }
  Query& bind(const std::string& v) { return bind(std::string_view(v)); }
  Query& bind(std::int64_t v);
  Query& bind(int v) { return bind(static_cast<std::int64_t>(v)); }
  Query& bind(const std::optional<std::string>& v);
  Query& bind_null();

  /// Advances to the next row: true if there is one. Throws SqlError.
  bool step();
  /// Steps to completion (for statements without results). Throws SqlError.
  void run();

  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::int64_t integer(int col) const;
  bool is_null(int col) const;

 private:
  Db& db_;
  sqlite3_stmt* stmt_;
  int next_ = 1;
};

}  // namespace iamforge::backend::detail
