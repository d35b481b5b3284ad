// SQLite adapter: errors become SqlError, statements are prepared once per connection.
#include "sqlite.hpp"

namespace iamforge::backend::detail {

thread_local Db* Db::tl_from_ = nullptr;
thread_local Db* Db::tl_to_ = nullptr;

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close_v2(db_);
}

bool Db::open(const std::string& path, std::string& error) {
  // NOMUTEX: LocalBackend's own mutex serializes every use of the connection.
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    error = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
    return false;
  }
  sqlite3_extended_result_codes(db_, 0);
  return true;
}

void Db::fail(int rc) const {
  if (tl_from_ == this) tl_to_->fail(rc);
  throw SqlError{rc & 0xFF, db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)};
}

void Db::exec(const char* sql) {
  if (tl_from_ == this) return tl_to_->exec(sql);
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    SqlError e{rc & 0xFF, msg ? msg : sqlite3_errstr(rc)};
    sqlite3_free(msg);
    throw e;
  }
}

void Db::rollback_quietly() noexcept {
  if (tl_from_ == this) return tl_to_->rollback_quietly();
  if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

sqlite3_stmt* Db::statement(const char* sql) {
  if (tl_from_ == this) return tl_to_->statement(sql);
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc);
  cache_.emplace(sql, stmt);
  return stmt;
}

Query::Query(Db& db, const char* sql) : db_(db), stmt_(db.statement(sql)) {}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(std::string_view v) {
  int rc = sqlite3_bind_text(stmt_, next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.fail(rc);
  return *this;
}

Query& Query::bind(std::int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, next_++, v);
  if (rc != SQLITE_OK) db_.fail(rc);
  return *this;
}

Query& Query::bind(const std::optional<std::string>& v) { return v ? bind(std::string_view(*v)) : bind_null(); }

Query& Query::bind_null() {
  int rc = sqlite3_bind_null(stmt_, next_++);
  if (rc != SQLITE_OK) db_.fail(rc);
  return *this;
}

bool Query::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(rc);
}

void Query::run() {
  while (step()) {
  }
}

std::string Query::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::optional<std::string> Query::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::int64_t Query::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Query::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

}  // namespace iamforge::backend::detail
