// The embedded local IAM over SQLite. Every public call: check the request's constraints and
// documents (no lock held), then run one transaction under the connection mutex. SQLite failures
// arrive as detail::SqlError and leave as ApiError (ServiceFailure or ConcurrentModification).
#include "iamforge/backend/local_backend.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <random>
#include <shared_mutex>

#include <unistd.h>

#include "iamforge/base/strings.hpp"
#include "iamforge/policy/validator.hpp"
#include "aws_managed.hpp"
#include "rules.hpp"
#include "sqlite.hpp"

namespace iamforge::backend {

using detail::check_policy_arn;
using detail::check_tags;
using detail::Constraints;
using detail::Db;
using detail::Query;
using detail::SqlError;
using detail::TagKeyCase;

namespace {

constexpr int kApplicationId = 0x49414D46;  // "IAMF" in the SQLite header: marks our files
constexpr int kMaxTagsParam = 50;           // AWS: tagListType max length (API constraint, not a quota)
constexpr int kDefaultMaxItems = 100;

// Schema version 1. Rows of roles, users, groups, policies and instance profiles are keyed by an
// integer id; attachments, inline policies and tags name their owner by (kind, id).
// INVARIANT: an entity is deleted only when no attachment, inline policy, membership or profile
// link refers to it, and its tags are deleted with it, so a reused rowid never inherits rows.
constexpr const char* kSchema = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE iam_policies (
  pid INTEGER PRIMARY KEY,
  policy_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  path TEXT NOT NULL,
  arn TEXT NOT NULL UNIQUE,
  description TEXT,
  create_date TEXT NOT NULL,
  update_date TEXT NOT NULL,
  default_version INTEGER NOT NULL,
  next_version INTEGER NOT NULL);
CREATE TABLE iam_policy_versions (
  pid INTEGER NOT NULL REFERENCES iam_policies(pid),
  version INTEGER NOT NULL,
  document TEXT NOT NULL,
  create_date TEXT NOT NULL,
  PRIMARY KEY (pid, version)) WITHOUT ROWID;
CREATE TABLE iam_roles (
  rid INTEGER PRIMARY KEY,
  role_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  path TEXT NOT NULL,
  create_date TEXT NOT NULL,
  assume_role_policy_document TEXT NOT NULL,
  description TEXT,
  max_session_duration INTEGER NOT NULL,
  boundary_pid INTEGER REFERENCES iam_policies(pid));
CREATE INDEX iam_roles_boundary ON iam_roles(boundary_pid);
CREATE TABLE iam_users (
  uid INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  path TEXT NOT NULL,
  create_date TEXT NOT NULL,
  boundary_pid INTEGER REFERENCES iam_policies(pid));
CREATE INDEX iam_users_boundary ON iam_users(boundary_pid);
CREATE TABLE iam_groups (
  gid INTEGER PRIMARY KEY,
  group_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  path TEXT NOT NULL,
  create_date TEXT NOT NULL);
CREATE TABLE iam_instance_profiles (
  ipid INTEGER PRIMARY KEY,
  instance_profile_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  path TEXT NOT NULL,
  create_date TEXT NOT NULL);
CREATE TABLE iam_instance_profile_roles (
  ipid INTEGER NOT NULL REFERENCES iam_instance_profiles(ipid),
  rid INTEGER NOT NULL REFERENCES iam_roles(rid),
  PRIMARY KEY (ipid, rid)) WITHOUT ROWID;
CREATE INDEX iam_instance_profile_roles_rid ON iam_instance_profile_roles(rid);
CREATE TABLE iam_group_members (
  gid INTEGER NOT NULL REFERENCES iam_groups(gid),
  uid INTEGER NOT NULL REFERENCES iam_users(uid),
  PRIMARY KEY (gid, uid)) WITHOUT ROWID;
CREATE INDEX iam_group_members_uid ON iam_group_members(uid);
CREATE TABLE iam_attachments (
  kind INTEGER NOT NULL,
  owner INTEGER NOT NULL,
  pid INTEGER NOT NULL REFERENCES iam_policies(pid),
  PRIMARY KEY (kind, owner, pid)) WITHOUT ROWID;
CREATE INDEX iam_attachments_pid ON iam_attachments(pid);
CREATE TABLE iam_inline_policies (
  kind INTEGER NOT NULL,
  owner INTEGER NOT NULL,
  name TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (kind, owner, name)) WITHOUT ROWID;
CREATE TABLE iam_tags (
  kind INTEGER NOT NULL,
  owner INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (kind, owner, seq)) WITHOUT ROWID;
)sql";

// Access keys (added after schema version 1 shipped: created if missing when a database is opened,
// so older version-1 files gain the table without a version bump; the change is purely additive).
constexpr const char* kAccessKeysSchema = R"sql(
CREATE TABLE IF NOT EXISTS iam_access_keys (
  access_key_id TEXT PRIMARY KEY,
  uid INTEGER NOT NULL REFERENCES iam_users(uid),
  secret TEXT NOT NULL,
  status TEXT NOT NULL,
  create_date TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS iam_access_keys_uid ON iam_access_keys(uid);
)sql";

// Attachments of AWS managed policies (arn:PARTITION:iam::aws:policy/...: embedded, not rows of
// iam_policies), keyed by the policy's ARN; name and path are the ARN's, kept for listing; and AWS
// managed policies used as a role's or user's permissions boundary (boundary_pid is then NULL). Added like
// iam_access_keys: created if missing when a database is opened (purely additive, no version bump).
constexpr const char* kAwsAttachmentsSchema = R"sql(
CREATE TABLE IF NOT EXISTS iam_aws_attachments (
  kind INTEGER NOT NULL,
  owner INTEGER NOT NULL,
  arn TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY (kind, owner, arn)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS iam_aws_attachments_arn ON iam_aws_attachments(arn);
CREATE TABLE IF NOT EXISTS iam_aws_boundaries (
  kind INTEGER NOT NULL,
  owner INTEGER NOT NULL,
  arn TEXT NOT NULL,
  PRIMARY KEY (kind, owner)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS iam_aws_boundaries_arn ON iam_aws_boundaries(arn);
)sql";

// Schema version 2 (migrated from 1 when a version-1 file is opened): STS sessions (AssumeRole's
// temporary credentials outlive the server that issued them, as AWS's do) and each role's last use
// (RoleLastUsed). A session names its role by role id (AROA..., never reused), without a foreign
// key: deleting a role leaves its sessions, which then carry no permissions (AWS: the same).
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE iam_roles ADD COLUMN last_used_date TEXT;
ALTER TABLE iam_roles ADD COLUMN last_used_region TEXT;
CREATE TABLE iam_sts_sessions (
  access_key_id TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  token TEXT NOT NULL,
  role_id TEXT NOT NULL,
  role_name TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  session_name TEXT NOT NULL,
  session_policy TEXT NOT NULL,
  expiration INTEGER NOT NULL,
  chained INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX iam_sts_sessions_expiration ON iam_sts_sessions(expiration);
)sql";

// Owner kinds of iam_attachments, iam_inline_policies and iam_tags (stored: never renumber).
enum class Kind : int { Role = 0, User = 1, Group = 2, Policy = 3, InstanceProfile = 4 };

// SQL used from more than one place.
constexpr const char* kFindRole = "SELECT rid FROM iam_roles WHERE name = ?";
constexpr const char* kFindUser = "SELECT uid FROM iam_users WHERE name = ?";
constexpr const char* kFindGroup = "SELECT gid FROM iam_groups WHERE name = ?";
constexpr const char* kFindInstanceProfile = "SELECT ipid FROM iam_instance_profiles WHERE name = ?";
constexpr const char* kFindPolicy = "SELECT pid FROM iam_policies WHERE arn = ?";

// What attachments and inline policies need to know about a role, user or group.
struct Principal {
  Kind kind;
  const char* find_sql;
  std::string_view noun;        // "role": "The role with name x cannot be found."
  std::string_view name_param;  // "roleName"
  std::size_t name_max;         // longest name the API accepts for an existing entity
  int Quotas::*attach_quota;
  std::string_view attach_quota_name;
  std::size_t Quotas::*inline_quota;
};
constexpr Principal kRolePrincipal{Kind::Role, kFindRole, "role", "roleName", 64,
                                   &Quotas::attached_policies_per_role, "PoliciesPerRole", &Quotas::role_policy_size};
constexpr Principal kUserPrincipal{Kind::User, kFindUser, "user", "userName", 128,
                                   &Quotas::attached_policies_per_user, "PoliciesPerUser", &Quotas::user_policy_size};
constexpr Principal kGroupPrincipal{Kind::Group,      kFindGroup,
                                    "group",          "groupName",
                                    128,              &Quotas::attached_policies_per_group,
                                    "PoliciesPerGroup", &Quotas::group_policy_size};

ApiError no_such(std::string_view noun, std::string_view name) {
  return ApiError(ErrorCode::NoSuchEntity,
                  "The " + std::string(noun) + " with name " + std::string(name) + " cannot be found.");
}
ApiError no_such_instance_profile(std::string_view name) {
  return ApiError(ErrorCode::NoSuchEntity, "Instance Profile " + std::string(name) + " cannot be found.");
}
ApiError policy_not_found(std::string_view arn) {
  return ApiError(ErrorCode::NoSuchEntity, "Policy " + std::string(arn) + " was not found.");
}
ApiError policy_not_attachable(std::string_view arn) {
  return ApiError(ErrorCode::NoSuchEntity, "Policy " + std::string(arn) + " does not exist or is not attachable.");
}
ApiError version_not_found(std::string_view arn, std::string_view version_id) {
  return ApiError(ErrorCode::NoSuchEntity, "Policy " + std::string(arn) + " version " + std::string(version_id) +
                                               " does not exist or is not attachable.");
}
// AWS: observed "Scope ARN: ... does not exist or is not attachable." for a missing boundary policy.
ApiError boundary_not_found(std::string_view arn) {
  return ApiError(ErrorCode::NoSuchEntity, "Scope ARN: " + std::string(arn) + " does not exist or is not attachable.");
}
ApiError limit(std::string_view quota, long long value) {
  return ApiError(ErrorCode::LimitExceeded, "Cannot exceed quota for " + std::string(quota) + ": " + std::to_string(value));
}
ApiError delete_conflict(std::string message) { return ApiError(ErrorCode::DeleteConflict, std::move(message)); }

// AWS managed policies: a policy ARN whose account is "aws" names one of the embedded policies
// (aws_managed.hpp), never a row of iam_policies.
bool is_aws_managed_arn(std::string_view arn) {
  auto parsed = detail::parse_policy_arn(arn);
  return parsed && parsed->account == "aws";
}
// The embedded policy `arn` names in `partition`, or nullptr (unknown, or another partition).
const detail::AwsManagedPolicy* aws_managed(std::string_view arn, std::string_view partition) {
  auto parsed = detail::parse_policy_arn(arn);
  if (!parsed || parsed->account != "aws" || parsed->partition != partition) return nullptr;
  return detail::find_aws_managed(parsed->path, parsed->name);
}
// AWS managed policies cannot be changed by an account. The code is the one AWS documents for these
// operations' bad input (their documented errors do not include UnmodifiableEntity or AccessDenied);
// the exact code and wording AWS returns are UNCONFIRMED.
ApiError aws_managed_unmodifiable(std::string_view arn) {
  return ApiError(ErrorCode::InvalidInput,
                  "Policy " + std::string(arn) + " is an AWS managed policy and cannot be modified.");
}

// MalformedPolicyDocument with the policy engine's first error (by position). Sizes are quotas
// (LimitExceeded), checked by the callers against the configured values, so the engine's
// size finding is skipped here.
std::optional<ApiError> check_document(std::string_view document, policy::PolicyType type) {
  for (const auto& d : policy::check(document, type))
    if (d.severity == base::Severity::Error && d.code != "policy.too-large")
      return ApiError(ErrorCode::MalformedPolicyDocument, d.message);
  return std::nullopt;
}

std::optional<std::string> non_empty(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  return s;
}

int max_items_or_default(const std::optional<int>& v) { return v ? *v : kDefaultMaxItems; }

ApiError sql_failure(const SqlError& e) {
  if (e.code == SQLITE_BUSY || e.code == SQLITE_LOCKED)
    return ApiError(ErrorCode::ConcurrentModification,
                    "The request was rejected because multiple requests to change this object were submitted "
                    "simultaneously. Wait a few minutes and submit your request again.");
  if (e.code == SQLITE_CORRUPT || e.code == SQLITE_NOTADB)
    return ApiError(ErrorCode::ServiceFailure, "the local IAM database is corrupt: " + e.message);
  return ApiError(ErrorCode::ServiceFailure, "local IAM database error: " + e.message);
}

bool is_account_id(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One page of (id, sort key) rows: stops after max_items and keeps the next key as the marker.
struct PageRows {
  std::vector<std::int64_t> ids;
  bool truncated = false;
  std::string marker;
};
PageRows collect_page(Query& q, int max_items) {
  PageRows page;
  while (q.step()) {
    if (static_cast<int>(page.ids.size()) == max_items) {
      page.truncated = true;
      page.marker = q.text(1);
      break;
    }
    page.ids.push_back(q.integer(0));
  }
  return page;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Connection, transactions, ids, dates, ARNs, loading entities

struct LocalBackend::Impl {
  std::string path;
  std::string account;
  std::string partition;
  Quotas quotas;
  std::function<std::chrono::system_clock::time_point()> clock;
  Db db;
  // Exclusive: every use of `db` and of the members above (quotas). Shared: read transactions on
  // the read connections below, which run concurrently with each other.
  std::shared_mutex mu;
  std::mt19937_64 rng;
  std::chrono::milliseconds busy_timeout{10000};

  // Read-only connections (LocalOptions::read_connections), opened on first use; each is used by
  // one read transaction at a time.
  std::size_t max_readers = 0;
  std::mutex readers_mu;
  std::condition_variable reader_freed;
  std::vector<std::unique_ptr<Db>> readers;
  std::vector<Db*> idle_readers;

  Db& acquire_reader() {
    std::unique_lock lock(readers_mu);
    reader_freed.wait(lock, [&] { return !idle_readers.empty() || readers.size() < max_readers; });
    if (!idle_readers.empty()) {
      Db* d = idle_readers.back();
      idle_readers.pop_back();
      return *d;
    }
    auto d = std::make_unique<Db>();
    std::string error;
    if (!d->open(path, error)) throw SqlError{SQLITE_CANTOPEN, error};
    sqlite3_busy_timeout(d->handle(), static_cast<int>(busy_timeout.count()));
    d->exec("PRAGMA query_only = ON");  // a write in a read transaction is a bug: fail loudly
    readers.push_back(std::move(d));
    return *readers.back();
  }
  void release_reader(Db& d) {
    {
      std::lock_guard lock(readers_mu);
      idle_readers.push_back(&d);
    }
    reader_freed.notify_one();
  }

  // Runs `body` in one transaction (BEGIN IMMEDIATE for writes, so concurrent writers queue on
  // SQLite's lock instead of failing on upgrade) and commits only if it succeeded.
  enum class Mode { Read, Write };
  template <class F>
  auto transact(Mode mode, F&& body) -> decltype(body()) {
    if (mode == Mode::Read && max_readers > 0) return transact_on_reader(std::forward<F>(body));
    std::unique_lock lock(mu);
    return in_transaction(mode == Mode::Write ? "BEGIN IMMEDIATE" : "BEGIN", std::forward<F>(body));
  }
  // A read transaction on a read connection: `db` is redirected to it on this thread.
  template <class F>
  auto transact_on_reader(F&& body) -> decltype(body()) {
    std::shared_lock lock(mu);
    Db* reader = nullptr;
    try {
      reader = &acquire_reader();
    } catch (const SqlError& e) {
      return sql_failure(e);
    }
    struct Release {
      Impl& impl;
      Db& d;
      ~Release() { impl.release_reader(d); }
    } release{*this, *reader};
    Db::Redirect redirect(db, *reader);
    return in_transaction("BEGIN", std::forward<F>(body));
  }
  template <class F>
  auto in_transaction(const char* begin, F&& body) -> decltype(body()) {
    try {
      // Cached statements: sqlite3_exec would parse these again on every call.
      Query(db, begin).run();
      auto result = body();
      Query(db, result.ok() ? "COMMIT" : "ROLLBACK").run();
      return result;
    } catch (const SqlError& e) {
      db.rollback_quietly();
      return sql_failure(e);
    } catch (...) {
      db.rollback_quietly();
      throw;
    }
  }
  template <class F>
  auto write(F&& body) -> decltype(body()) { return transact(Mode::Write, std::forward<F>(body)); }
  template <class F>
  auto read(F&& body) -> decltype(body()) { return transact(Mode::Read, std::forward<F>(body)); }

  // ISO-8601 UTC with seconds, as IAM returns CreateDate.
  std::string now() const {
    std::time_t t = std::chrono::system_clock::to_time_t(clock ? clock() : std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }

  // AWS: unique ids are a 4-letter type prefix and 17 characters of upper-case letters and digits
  // (reference §5.3; the base32 alphabet, as moto uses). 32^17 values make collisions negligible;
  // the UNIQUE column would turn one into a ServiceFailure rather than a duplicate.
  std::string new_id(std::string_view prefix) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string id(prefix);
    std::uint64_t bits = rng();
    for (int i = 0; i < 17; ++i) {
      if (i == 12) bits = rng();
      id += kAlphabet[bits & 31];
      bits >>= 5;
    }
    return id;
  }

  // AWS: reference §5.2, arn:PARTITION:iam::ACCOUNT:TYPE{path}{name}.
  std::string arn(std::string_view type, std::string_view entity_path, std::string_view name) const {
    std::string a = "arn:" + partition + ":iam::" + account + ":";
    a += type;
    a += entity_path;
    a += name;
    return a;
  }

  std::optional<std::int64_t> find(const char* sql, std::string_view key) {
    Query q(db, sql);
    q.bind(key);
    if (q.step()) return q.integer(0);
    return std::nullopt;
  }

  // The integer a one-column query for `id` returns (a count, a counter), or 0 without a row.
  std::int64_t count(const char* sql, std::int64_t id) {
    Query q(db, sql);
    q.bind(id);
    return q.step() ? q.integer(0) : 0;
  }

  std::int64_t count_all(const char* sql) {
    Query q(db, sql);
    return q.step() ? q.integer(0) : 0;
  }

  std::vector<Tag> load_tags(Kind kind, std::int64_t owner) {
    Query q(db, "SELECT tag_key, tag_value FROM iam_tags WHERE kind = ? AND owner = ? ORDER BY seq");
    q.bind(static_cast<int>(kind)).bind(owner);
    std::vector<Tag> tags;
    while (q.step()) tags.push_back(Tag{q.text(0), q.text(1)});
    return tags;
  }

  void delete_tags(Kind kind, std::int64_t owner) {
    Query(db, "DELETE FROM iam_tags WHERE kind = ? AND owner = ?").bind(static_cast<int>(kind)).bind(owner).run();
  }

  void save_tags(Kind kind, std::int64_t owner, const std::vector<Tag>& tags) {
    delete_tags(kind, owner);
    for (std::size_t i = 0; i < tags.size(); ++i)
      Query(db, "INSERT INTO iam_tags (kind, owner, seq, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)")
          .bind(static_cast<int>(kind))
          .bind(owner)
          .bind(static_cast<std::int64_t>(i))
          .bind(tags[i].key)
          .bind(tags[i].value)
          .run();
  }

  std::optional<AttachedPermissionsBoundary> boundary_of(const std::optional<std::string>& arn_text) {
    if (!arn_text) return std::nullopt;
    return AttachedPermissionsBoundary{"PermissionsBoundaryPolicy", *arn_text};
  }

  // Full form (GetRole) or list form (ListRoles: no boundary, no tags, as AWS).
  enum class View { Full, List };

  // `last_used`: fill role_last_used (GetRole only, as AWS).
  Role load_role(std::int64_t rid, View view, bool last_used = false) {
    Query q(db,
            "SELECT r.name, r.role_id, r.path, r.create_date, r.assume_role_policy_document, r.description, "
            "r.max_session_duration, coalesce(p.arn, (SELECT b.arn FROM iam_aws_boundaries b WHERE b.kind = 0 AND "
            "b.owner = r.rid)), r.last_used_date, r.last_used_region FROM iam_roles r "
            "LEFT JOIN iam_policies p ON p.pid = r.boundary_pid WHERE r.rid = ?");
    q.bind(rid);
    Role role;
    if (!q.step()) throw SqlError{SQLITE_CORRUPT, "role row vanished inside its transaction"};
    role.role_name = q.text(0);
    role.role_id = q.text(1);
    role.path = q.text(2);
    role.create_date = q.text(3);
    role.assume_role_policy_document = q.text(4);
    role.description = q.opt_text(5);
    role.max_session_duration = static_cast<int>(q.integer(6));
    role.arn = arn("role", role.path, role.role_name);
    if (view == View::Full) role.permissions_boundary = boundary_of(q.opt_text(7));
    if (last_used) role.role_last_used = RoleLastUsed{q.opt_text(8), q.opt_text(9)};
    if (view == View::Full) role.tags = load_tags(Kind::Role, rid);
    return role;
  }

  User load_user(std::int64_t uid, View view) {
    Query q(db,
            "SELECT u.name, u.user_id, u.path, u.create_date, coalesce(p.arn, (SELECT b.arn FROM iam_aws_boundaries b "
            "WHERE b.kind = 1 AND b.owner = u.uid)) FROM iam_users u "
            "LEFT JOIN iam_policies p ON p.pid = u.boundary_pid WHERE u.uid = ?");
    q.bind(uid);
    User user;
    if (!q.step()) throw SqlError{SQLITE_CORRUPT, "user row vanished inside its transaction"};
    user.user_name = q.text(0);
    user.user_id = q.text(1);
    user.path = q.text(2);
    user.create_date = q.text(3);
    user.arn = arn("user", user.path, user.user_name);
    if (view == View::Full) user.permissions_boundary = boundary_of(q.opt_text(4));
    if (view == View::Full) user.tags = load_tags(Kind::User, uid);
    return user;
  }

  Group load_group(std::int64_t gid) {
    Query q(db, "SELECT name, group_id, path, create_date FROM iam_groups WHERE gid = ?");
    q.bind(gid);
    Group group;
    if (!q.step()) throw SqlError{SQLITE_CORRUPT, "group row vanished inside its transaction"};
    group.group_name = q.text(0);
    group.group_id = q.text(1);
    group.path = q.text(2);
    group.create_date = q.text(3);
    group.arn = arn("group", group.path, group.group_name);
    return group;
  }

  ManagedPolicy load_policy(std::int64_t pid, View view) {
    Query q(db,
            "SELECT name, policy_id, arn, path, default_version, description, create_date, update_date, "
            "(SELECT count(*) FROM iam_attachments a WHERE a.pid = p.pid), "
            "(SELECT count(*) FROM iam_roles r WHERE r.boundary_pid = p.pid) + "
            "(SELECT count(*) FROM iam_users u WHERE u.boundary_pid = p.pid) "
            "FROM iam_policies p WHERE pid = ?");
    q.bind(pid);
    ManagedPolicy p;
    if (!q.step()) throw SqlError{SQLITE_CORRUPT, "policy row vanished inside its transaction"};
    p.policy_name = q.text(0);
    p.policy_id = q.text(1);
    p.arn = q.text(2);
    p.path = q.text(3);
    p.default_version_id = "v" + std::to_string(q.integer(4));
    if (view == View::Full) p.description = q.opt_text(5);
    p.create_date = q.text(6);
    p.update_date = q.text(7);
    p.attachment_count = static_cast<int>(q.integer(8));
    p.permissions_boundary_usage_count = static_cast<int>(q.integer(9));
    if (view == View::Full) p.tags = load_tags(Kind::Policy, pid);
    return p;
  }

  InstanceProfile load_instance_profile(std::int64_t ipid) {
    InstanceProfile ip;
    {
      Query q(db, "SELECT name, instance_profile_id, path, create_date FROM iam_instance_profiles WHERE ipid = ?");
      q.bind(ipid);
      if (!q.step()) throw SqlError{SQLITE_CORRUPT, "instance profile row vanished inside its transaction"};
      ip.instance_profile_name = q.text(0);
      ip.instance_profile_id = q.text(1);
      ip.path = q.text(2);
      ip.create_date = q.text(3);
    }
    ip.arn = arn("instance-profile", ip.path, ip.instance_profile_name);
    std::vector<std::int64_t> rids;
    {
      Query q(db,
              "SELECT l.rid FROM iam_instance_profile_roles l JOIN iam_roles r ON r.rid = l.rid "
              "WHERE l.ipid = ? ORDER BY r.name");
      q.bind(ipid);
      while (q.step()) rids.push_back(q.integer(0));
    }
    for (auto rid : rids) ip.roles.push_back(load_role(rid, View::List));
    ip.tags = load_tags(Kind::InstanceProfile, ipid);
    return ip;
  }

  // Merges `add` into the owner's tags (a key already there, compared as `key_case` says, takes
  // the new key and value) and enforces the tag quota.
  Result<void> tag(Kind kind, std::int64_t owner, const std::vector<Tag>& add, TagKeyCase key_case,
                   std::string_view quota_name) {
    auto tags = load_tags(kind, owner);
    for (const auto& t : add) {
      auto it = std::find_if(tags.begin(), tags.end(),
                             [&](const Tag& x) { return detail::same_tag_key(x.key, t.key, key_case); });
      if (it != tags.end())
        *it = t;
      else
        tags.push_back(t);
    }
    if (static_cast<int>(tags.size()) > quotas.tags_per_entity) return limit(quota_name, quotas.tags_per_entity);
    save_tags(kind, owner, tags);
    return {};
  }

  void untag(Kind kind, std::int64_t owner, const std::vector<std::string>& keys, TagKeyCase key_case) {
    auto tags = load_tags(kind, owner);
    std::erase_if(tags, [&](const Tag& t) {
      return std::any_of(keys.begin(), keys.end(), [&](const std::string& k) { return detail::same_tag_key(t.key, k, key_case); });
    });
    save_tags(kind, owner, tags);
  }

  // ---- managed policy attachments and inline policies of a role, user or group ----

  Status attach(const Principal& p, const std::string& name, const std::string& policy_arn) {
    Constraints c;
    c.name(p.name_param, name, p.name_max);
    c.arn("policyArn", policy_arn);
    if (auto e = c.error()) return *e;
    if (auto e = check_policy_arn(policy_arn)) return *e;
    return write([&]() -> Status {
      auto owner = find(p.find_sql, name);
      if (!owner) return no_such(p.noun, name);
      const detail::AwsManagedPolicy* aws = nullptr;
      std::optional<std::int64_t> pid;
      if (is_aws_managed_arn(policy_arn)) {
        aws = aws_managed(policy_arn, partition);
        if (!aws) return policy_not_attachable(policy_arn);
        Query q(db, "SELECT 1 FROM iam_aws_attachments WHERE kind = ? AND owner = ? AND arn = ?");
        q.bind(static_cast<int>(p.kind)).bind(*owner).bind(policy_arn);
        if (q.step()) return {};  // attached already: succeeds, as for customer policies
      } else {
        pid = find(kFindPolicy, policy_arn);
        if (!pid) return policy_not_attachable(policy_arn);
        Query q(db, "SELECT 1 FROM iam_attachments WHERE kind = ? AND owner = ? AND pid = ?");
        q.bind(static_cast<int>(p.kind)).bind(*owner).bind(*pid);
        if (q.step()) return {};  // AWS: attaching an attached policy again succeeds (reference §6.4, UNCONFIRMED)
      }
      std::int64_t attached = 0;
      {
        Query q(db,
                "SELECT (SELECT count(*) FROM iam_attachments WHERE kind = ?1 AND owner = ?2) + "
                "(SELECT count(*) FROM iam_aws_attachments WHERE kind = ?1 AND owner = ?2)");
        q.bind(static_cast<int>(p.kind)).bind(*owner);
        if (q.step()) attached = q.integer(0);
      }
      if (attached >= quotas.*p.attach_quota) return limit(p.attach_quota_name, quotas.*p.attach_quota);
      if (aws) {
        Query(db, "INSERT INTO iam_aws_attachments (kind, owner, arn, name, path) VALUES (?, ?, ?, ?, ?)")
            .bind(static_cast<int>(p.kind))
            .bind(*owner)
            .bind(policy_arn)
            .bind(std::string(aws->name))
            .bind(std::string(aws->path))
            .run();
        return {};
      }
      Query(db, "INSERT INTO iam_attachments (kind, owner, pid) VALUES (?, ?, ?)")
          .bind(static_cast<int>(p.kind))
          .bind(*owner)
          .bind(*pid)
          .run();
      return {};
    });
  }

  Status detach(const Principal& p, const std::string& name, const std::string& policy_arn) {
    Constraints c;
    c.name(p.name_param, name, p.name_max);
    c.arn("policyArn", policy_arn);
    if (auto e = c.error()) return *e;
    if (auto e = check_policy_arn(policy_arn)) return *e;
    return write([&]() -> Status {
      auto owner = find(p.find_sql, name);
      if (!owner) return no_such(p.noun, name);
      if (is_aws_managed_arn(policy_arn)) {
        Query(db, "DELETE FROM iam_aws_attachments WHERE kind = ? AND owner = ? AND arn = ?")
            .bind(static_cast<int>(p.kind))
            .bind(*owner)
            .bind(policy_arn)
            .run();
        if (db.changes() == 0) return policy_not_found(policy_arn);
        return {};
      }
      auto pid = find(kFindPolicy, policy_arn);
      if (!pid) return policy_not_found(policy_arn);
      Query(db, "DELETE FROM iam_attachments WHERE kind = ? AND owner = ? AND pid = ?")
          .bind(static_cast<int>(p.kind))
          .bind(*owner)
          .bind(*pid)
          .run();
      if (db.changes() == 0) return policy_not_found(policy_arn);  // AWS: "Policy X was not found." when not attached
      return {};
    });
  }

  Result<ListAttachedPoliciesResponse> list_attached(const Principal& p, const std::string& name,
                                                     const std::string& path_prefix, const std::string& marker,
                                                     const std::optional<int>& max_items) {
    Constraints c;
    c.name(p.name_param, name, p.name_max);
    c.policy_path("pathPrefix", path_prefix);
    c.page(marker, max_items);
    if (auto e = c.error()) return *e;
    return read([&]() -> Result<ListAttachedPoliciesResponse> {
      auto owner = find(p.find_sql, name);
      if (!owner) return no_such(p.noun, name);
      Query q(db,
              "SELECT name, arn FROM (SELECT p.name, p.arn, p.path FROM iam_attachments a "
              "JOIN iam_policies p ON p.pid = a.pid WHERE a.kind = ?1 AND a.owner = ?2 UNION ALL "
              "SELECT name, arn, path FROM iam_aws_attachments WHERE kind = ?1 AND owner = ?2) "
              "WHERE substr(path, 1, length(?3)) = ?3 AND name >= ?4 ORDER BY name");
      q.bind(static_cast<int>(p.kind)).bind(*owner).bind(path_prefix).bind(marker);
      ListAttachedPoliciesResponse out;
      int limit_items = max_items_or_default(max_items);
      while (q.step()) {
        if (static_cast<int>(out.attached_policies.size()) == limit_items) {
          out.is_truncated = true;
          out.marker = q.text(0);
          break;
        }
        out.attached_policies.push_back(AttachedPolicy{q.text(0), q.text(1)});
      }
      return out;
    });
  }

  Status put_inline(const Principal& p, const std::string& name, const std::string& policy_name,
                    const std::string& document) {
    Constraints c;
    c.name(p.name_param, name, p.name_max);
    c.name("policyName", policy_name, 128);
    c.document("policyDocument", document);
    if (auto e = c.error()) return *e;
    if (auto e = check_document(document, policy::PolicyType::Inline)) return *e;
    std::size_t size = detail::policy_size(document);
    return write([&]() -> Status {
      auto owner = find(p.find_sql, name);
      if (!owner) return no_such(p.noun, name);
      // AWS: the quota is on all inline policies of the entity together (reference §5.4).
      {
        Query q(db, "SELECT document FROM iam_inline_policies WHERE kind = ? AND owner = ? AND name != ?");
        q.bind(static_cast<int>(p.kind)).bind(*owner).bind(policy_name);
        while (q.step()) size += detail::policy_size(q.text(0));
      }
      std::size_t quota = quotas.*p.inline_quota;
      if (size > quota)
        return ApiError(ErrorCode::LimitExceeded, "Maximum policy size of " + std::to_string(quota) +
                                                      " bytes exceeded for " + std::string(p.noun) + " " + name);
      Query(db, "INSERT OR REPLACE INTO iam_inline_policies (kind, owner, name, document) VALUES (?, ?, ?, ?)")
          .bind(static_cast<int>(p.kind))
          .bind(*owner)
          .bind(policy_name)
          .bind(document)
          .run();
      return {};
    });
  }

  ApiError no_such_inline(const Principal& p, const std::string& policy_name) {
    return ApiError(ErrorCode::NoSuchEntity,
                    "The " + std::string(p.noun) + " policy with name " + policy_name + " cannot be found.");
  }

  Result<std::string> get_inline(const Principal& p, const std::string& name, const std::string& policy_name) {
    Constraints c;
    c.name(p.name_param, name, p.name_max);
    c.name("policyName", policy_name, 128);
    if (auto e = c.error()) return *e;
    return read([&]() -> Result<std::string> {
      auto owner = find(p.find_sql, name);
      if (!owner) return no_such(p.noun, name);
      Query q(db, "SELECT document FROM iam_inline_policies WHERE kind = ? AND owner = ? AND name = ?");
      q.bind(static_cast<int>(p.kind)).bind(*owner).bind(policy_name);
      if (!q.step()) return no_such_inline(p, policy_name);
      return q.text(0);
    });
  }

  Status delete_inline(const Principal& p, const std::string& name, const std::string& policy_name) {
    Constraints c;
    c.name(p.name_param, name, p.name_max);
    c.name("policyName", policy_name, 128);
    if (auto e = c.error()) return *e;
    return write([&]() -> Status {
      auto owner = find(p.find_sql, name);
      if (!owner) return no_such(p.noun, name);
      Query(db, "DELETE FROM iam_inline_policies WHERE kind = ? AND owner = ? AND name = ?")
          .bind(static_cast<int>(p.kind))
          .bind(*owner)
          .bind(policy_name)
          .run();
      if (db.changes() == 0) return no_such_inline(p, policy_name);
      return {};
    });
  }

  Result<ListInlinePoliciesResponse> list_inline(const Principal& p, const std::string& name,
                                                 const std::string& marker, const std::optional<int>& max_items) {
    Constraints c;
    c.name(p.name_param, name, p.name_max);
    c.page(marker, max_items);
    if (auto e = c.error()) return *e;
    return read([&]() -> Result<ListInlinePoliciesResponse> {
      auto owner = find(p.find_sql, name);
      if (!owner) return no_such(p.noun, name);
      Query q(db, "SELECT name FROM iam_inline_policies WHERE kind = ? AND owner = ? AND name >= ? ORDER BY name");
      q.bind(static_cast<int>(p.kind)).bind(*owner).bind(marker);
      ListInlinePoliciesResponse out;
      int limit_items = max_items_or_default(max_items);
      while (q.step()) {
        if (static_cast<int>(out.policy_names.size()) == limit_items) {
          out.is_truncated = true;
          out.marker = q.text(0);
          break;
        }
        out.policy_names.push_back(q.text(0));
      }
      return out;
    });
  }

  // ---- AWS managed policies ----

  std::string aws_managed_arn(const detail::AwsManagedPolicy& m) const {
    return "arn:" + partition + ":iam::aws:policy" + std::string(m.path) + std::string(m.name);
  }

  ManagedPolicy load_aws_policy(const detail::AwsManagedPolicy& m) {
    ManagedPolicy p;
    p.policy_name = std::string(m.name);
    p.policy_id = std::string(detail::aws_managed_policy_id(m));
    p.arn = aws_managed_arn(m);
    p.path = std::string(m.path);
    p.default_version_id = std::string(m.version_id);
    p.create_date = std::string(m.create_date);
    p.update_date = std::string(m.update_date);
    Query q(db,
            "SELECT (SELECT count(*) FROM iam_aws_attachments WHERE arn = ?1), "
            "(SELECT count(*) FROM iam_aws_boundaries WHERE arn = ?1)");
    q.bind(p.arn);
    if (q.step()) {
      p.attachment_count = static_cast<int>(q.integer(0));
      p.permissions_boundary_usage_count = static_cast<int>(q.integer(1));
    }
    return p;
  }

  // NoSuchEntity for an unknown AWS managed policy, else the refusal to modify it.
  ApiError aws_managed_refusal(const std::string& arn) const {
    if (!aws_managed(arn, partition)) return policy_not_found(arn);
    return aws_managed_unmodifiable(arn);
  }

  // The policy named by a valid policy ARN for a boundary, or NoSuchEntity.
  // An AWS managed policy is no row of iam_policies: nullopt (set_aws_boundary records it).
  Result<std::optional<std::int64_t>> boundary_policy(const std::string& boundary_arn) {
    if (is_aws_managed_arn(boundary_arn)) {
      if (!aws_managed(boundary_arn, partition)) return boundary_not_found(boundary_arn);
      return std::optional<std::int64_t>();
    }
    auto pid = find(kFindPolicy, boundary_arn);
    if (!pid) return boundary_not_found(boundary_arn);
    return std::optional<std::int64_t>(*pid);
  }

  // Records the AWS managed policy `boundary_arn` as the boundary of a role or user, or clears it
  // when `boundary_arn` is empty or a customer policy's (checked by boundary_policy first).
  void set_aws_boundary(Kind kind, std::int64_t owner, const std::string& boundary_arn) {
    Query(db, "DELETE FROM iam_aws_boundaries WHERE kind = ? AND owner = ?").bind(static_cast<int>(kind)).bind(owner).run();
    if (!boundary_arn.empty() && is_aws_managed_arn(boundary_arn))
      Query(db, "INSERT INTO iam_aws_boundaries (kind, owner, arn) VALUES (?, ?, ?)")
          .bind(static_cast<int>(kind))
          .bind(owner)
          .bind(boundary_arn)
          .run();
  }
};

// ---------------------------------------------------------------------------------------------
// Opening

LocalBackend::LocalBackend(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalBackend::~LocalBackend() = default;

const std::string& LocalBackend::account_id() const { return impl_->account; }
const std::string& LocalBackend::partition() const { return impl_->partition; }
const std::string& LocalBackend::path() const { return impl_->path; }

namespace {
// The quotas an account owner can change, by AWS's names (reference §5.4). Kept in `meta` as
// `quota.<name>`, so a raised quota holds for every later open of the database.
struct AdjustableQuota {
  std::string_view name;
  int Quotas::*member;
};
constexpr AdjustableQuota kAdjustableQuotas[] = {
    {"RolesPerAccount", &Quotas::roles},
    {"PoliciesPerAccount", &Quotas::policies},
    {"UsersPerAccount", &Quotas::users},
    {"GroupsPerAccount", &Quotas::groups},
    {"InstanceProfilesPerAccount", &Quotas::instance_profiles},
    {"PoliciesPerRole", &Quotas::attached_policies_per_role},
    {"PoliciesPerUser", &Quotas::attached_policies_per_user},
    {"PoliciesPerGroup", &Quotas::attached_policies_per_group},
    {"GroupsPerUser", &Quotas::groups_per_user},
};
}  // namespace

std::vector<std::pair<std::string, int>> LocalBackend::adjustable_quotas() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::pair<std::string, int>> out;
  for (const auto& q : kAdjustableQuotas) out.emplace_back(std::string(q.name), impl_->quotas.*q.member);
  return out;
}

Status LocalBackend::set_quota(std::string_view name, int value) {
  const AdjustableQuota* quota = nullptr;
  for (const auto& q : kAdjustableQuotas)
    if (q.name == name) quota = &q;
  if (!quota) return ApiError(ErrorCode::InvalidInput, "unknown quota `" + std::string(name) + "`");
  if (value < 1) return ApiError(ErrorCode::InvalidInput, "a quota must be at least 1");
  Status s = impl_->write([&]() -> Status {
    Query(impl_->db, "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)")
        .bind("quota." + std::string(name))
        .bind(std::to_string(value))
        .run();
    return {};
  });
  if (s.ok()) {
    std::lock_guard lock(impl_->mu);
    impl_->quotas.*quota->member = value;
  }
  return s;
}

namespace {

std::int64_t pragma_int(Db& db, const char* sql) {
  Query q(db, sql);
  return q.step() ? q.integer(0) : 0;
}

// Creates the schema in an empty database; another process may be doing the same, so the check
// is repeated inside the write transaction.
void create_schema(Db& db, const LocalOptions& options) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if (pragma_int(db, "PRAGMA application_id") == 0 && pragma_int(db, "SELECT count(*) FROM sqlite_master") == 0) {
      db.exec(kSchema);
      db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
      // Version 1's tables; migrate() brings them to kSchemaVersion (one path for new and old files).
      Query(db, "INSERT INTO schema_version (version) VALUES (1)").run();
      Query(db, "INSERT INTO meta (name, value) VALUES ('account_id', ?)").bind(options.account_id).run();
      Query(db, "INSERT INTO meta (name, value) VALUES ('partition', ?)").bind(options.partition).run();
    }
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
}

// Brings a database of an older schema version to kSchemaVersion, one step per version, in one
// write transaction; another process may be migrating the same file, so the version is read again
// inside the transaction.
void migrate(Db& db) {
  db.exec("BEGIN IMMEDIATE");
  try {
    std::int64_t version = pragma_int(db, "SELECT max(version) FROM schema_version");
    if (version < 2) db.exec(kSchemaV2);
    if (version < LocalBackend::kSchemaVersion)
      Query(db, "UPDATE schema_version SET version = ?").bind(LocalBackend::kSchemaVersion).run();
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
}

// Checks that an open file is an iamforge local IAM database this build can use; creates the
// schema in an empty one. Returns the error to report, if any.
std::optional<ApiError> prepare(Db& db, const std::string& path, const LocalOptions& options) {
  auto fail = [&](std::string why) {
    return ApiError(ErrorCode::ServiceFailure, "cannot use `" + path + "` as a local IAM database: " + why);
  };
  // The first statement that reads the file: SQLITE_NOTADB for a file that is not SQLite.
  std::int64_t app_id = pragma_int(db, "PRAGMA application_id");
  std::int64_t objects = pragma_int(db, "SELECT count(*) FROM sqlite_master");
  if (app_id != kApplicationId && !(app_id == 0 && objects == 0))
    return fail("it is an SQLite database of another application");
  {
    Query q(db, "PRAGMA journal_mode = WAL");
    q.step();  // keeps the file's mode if WAL is impossible (e.g. some network file systems)
  }
  db.exec(options.durability == Durability::Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  if (app_id == 0) create_schema(db, options);

  std::int64_t version = -1;
  {
    Query q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!q.step() || q.integer(0) == 0) return fail("it has no schema_version table");
  }
  {
    Query q(db, "SELECT max(version) FROM schema_version");
    if (q.step() && !q.is_null(0)) version = q.integer(0);
  }
  if (version > LocalBackend::kSchemaVersion)
    return fail("it has schema version " + std::to_string(version) + ", newer than this build's " +
                std::to_string(LocalBackend::kSchemaVersion) + "; upgrade iamforge");
  if (version < 1) return fail("its schema version is missing or unknown");
  if (version < LocalBackend::kSchemaVersion) migrate(db);
  db.exec(kAccessKeysSchema);
  db.exec(kAwsAttachmentsSchema);

  std::string account, partition;
  {
    Query q(db, "SELECT name, value FROM meta");
    while (q.step()) {
      if (q.text(0) == "account_id") account = q.text(1);
      if (q.text(0) == "partition") partition = q.text(1);
    }
  }
  if (account != options.account_id || partition != options.partition)
    return ApiError(ErrorCode::InvalidInput, "the local IAM database `" + path + "` belongs to account " + account +
                                                 " in partition " + partition + ", not account " + options.account_id +
                                                 " in partition " + options.partition);
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<LocalBackend>> LocalBackend::open(const std::string& path, LocalOptions options) {
  if (!is_account_id(options.account_id))
    return ApiError(ErrorCode::InvalidInput, "account id `" + options.account_id + "` is not 12 digits");
  if (options.partition != "aws" && options.partition != "aws-cn" && options.partition != "aws-us-gov")
    return ApiError(ErrorCode::InvalidInput, "unknown partition `" + options.partition + "`");

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->account = options.account_id;
  impl->partition = options.partition;
  impl->quotas = options.quotas;
  impl->clock = options.clock;
  impl->busy_timeout = options.busy_timeout;
  impl->max_readers = static_cast<std::size_t>(std::max(0, options.read_connections));
  std::random_device rd;
  std::seed_seq seed{rd(), rd(), static_cast<unsigned>(::getpid()),
                     static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
  impl->rng.seed(seed);

  std::string error;
  if (!impl->db.open(path, error))
    return ApiError(ErrorCode::ServiceFailure, "cannot open the local IAM database `" + path + "`: " + error);
  sqlite3_busy_timeout(impl->db.handle(), static_cast<int>(options.busy_timeout.count()));
  try {
    if (auto e = prepare(impl->db, path, options)) return *e;
    // Quotas the account owner raised (set_quota) override the options' defaults.
    Query q(impl->db, "SELECT name, value FROM meta WHERE name LIKE 'quota.%'");
    while (q.step())
      for (const auto& a : kAdjustableQuotas)
        if (std::string name = q.text(0); name.substr(6) == a.name) {
          const std::string v = q.text(1);
          int n = 0;
          auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
          if (ec != std::errc() || end != v.data() + v.size() || n < 1)
            return ApiError(ErrorCode::ServiceFailure, "the local IAM database `" + path + "` has a bad quota " + name);
          impl->quotas.*a.member = n;
        }
  } catch (const SqlError& e) {
    return ApiError(ErrorCode::ServiceFailure, "cannot use `" + path + "` as a local IAM database: " + e.message);
  }
  return std::unique_ptr<LocalBackend>(new LocalBackend(std::move(impl)));
}

// ---------------------------------------------------------------------------------------------
// Roles

Result<Role> LocalBackend::create_role(const CreateRoleRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  c.path("path", r.path);
  c.document("assumeRolePolicyDocument", r.assume_role_policy_document);
  if (r.description) c.role_description("description", *r.description);
  c.max_session_duration(r.max_session_duration);
  if (!r.permissions_boundary.empty()) c.arn("permissionsBoundary", r.permissions_boundary);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_tags(r.tags, TagKeyCase::Insensitive)) return *e;
  if (!r.permissions_boundary.empty())
    if (auto e = check_policy_arn(r.permissions_boundary)) return *e;
  if (auto e = check_document(r.assume_role_policy_document, policy::PolicyType::Trust)) return *e;
  auto& s = *impl_;
  if (detail::policy_size(r.assume_role_policy_document) > s.quotas.assume_role_policy_size)
    return limit("ACLSizePerRole", static_cast<long long>(s.quotas.assume_role_policy_size));

  return s.write([&]() -> Result<Role> {
    if (s.find(kFindRole, r.role_name))
      return ApiError(ErrorCode::EntityAlreadyExists, "Role with name " + r.role_name + " already exists.");
    if (s.count_all("SELECT count(*) FROM iam_roles") >= s.quotas.roles) return limit("RolesPerAccount", s.quotas.roles);
    if (static_cast<int>(r.tags.size()) > s.quotas.tags_per_entity) return limit("TagsPerRole", s.quotas.tags_per_entity);
    std::optional<std::int64_t> boundary;
    if (!r.permissions_boundary.empty()) {
      auto pid = s.boundary_policy(r.permissions_boundary);
      if (!pid) return pid.error();
      boundary = *pid;
    }
    Query q(s.db,
            "INSERT INTO iam_roles (role_id, name, path, create_date, assume_role_policy_document, description, "
            "max_session_duration, boundary_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(s.new_id("AROA")).bind(r.role_name).bind(r.path).bind(s.now()).bind(r.assume_role_policy_document);
    q.bind(non_empty(r.description)).bind(r.max_session_duration.value_or(3600));
    if (boundary)
      q.bind(*boundary);
    else
      q.bind_null();
    q.run();
    std::int64_t rid = s.db.last_insert_rowid();
    s.set_aws_boundary(Kind::Role, rid, r.permissions_boundary);
    s.save_tags(Kind::Role, rid, r.tags);
    return s.load_role(rid, Impl::View::Full);
  });
}

Result<Role> LocalBackend::get_role(const GetRoleRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<Role> {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    return s.load_role(*rid, Impl::View::Full, /*last_used=*/true);
  });
}

Status LocalBackend::update_role(const UpdateRoleRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  if (r.description) c.role_description("description", *r.description);
  c.max_session_duration(r.max_session_duration);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    if (r.description)
      Query(s.db, "UPDATE iam_roles SET description = ? WHERE rid = ?").bind(non_empty(r.description)).bind(*rid).run();
    if (r.max_session_duration)
      Query(s.db, "UPDATE iam_roles SET max_session_duration = ? WHERE rid = ?").bind(*r.max_session_duration).bind(*rid).run();
    return {};
  });
}

Result<Role> LocalBackend::update_role_description(const UpdateRoleDescriptionRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  c.role_description("description", r.description);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Result<Role> {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    Query(s.db, "UPDATE iam_roles SET description = ? WHERE rid = ?")
        .bind(non_empty(std::optional<std::string>(r.description)))
        .bind(*rid)
        .run();
    return s.load_role(*rid, Impl::View::Full);
  });
}

Status LocalBackend::update_assume_role_policy(const UpdateAssumeRolePolicyRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  c.document("policyDocument", r.policy_document);
  if (auto e = c.error()) return *e;
  if (auto e = check_document(r.policy_document, policy::PolicyType::Trust)) return *e;
  auto& s = *impl_;
  if (detail::policy_size(r.policy_document) > s.quotas.assume_role_policy_size)
    return limit("ACLSizePerRole", static_cast<long long>(s.quotas.assume_role_policy_size));
  return s.write([&]() -> Status {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    Query(s.db, "UPDATE iam_roles SET assume_role_policy_document = ? WHERE rid = ?").bind(r.policy_document).bind(*rid).run();
    return {};
  });
}

Status LocalBackend::delete_role(const DeleteRoleRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    // AWS: reference §5.7; the order of the checks follows moto.
    if (s.count("SELECT count(*) FROM iam_instance_profile_roles WHERE rid = ?", *rid) > 0)
      return delete_conflict("Cannot delete entity, must remove roles from instance profile first.");
    if (s.count("SELECT (SELECT count(*) FROM iam_attachments WHERE kind = 0 AND owner = ?1) + "
                "(SELECT count(*) FROM iam_aws_attachments WHERE kind = 0 AND owner = ?1)", *rid) > 0)
      return delete_conflict("Cannot delete entity, must detach all policies first.");
    if (s.count("SELECT count(*) FROM iam_inline_policies WHERE kind = 0 AND owner = ?", *rid) > 0)
      return delete_conflict("Cannot delete entity, must delete policies first.");
    s.delete_tags(Kind::Role, *rid);
    s.set_aws_boundary(Kind::Role, *rid, "");
    Query(s.db, "DELETE FROM iam_roles WHERE rid = ?").bind(*rid).run();
    return {};
  });
}

Result<ListRolesResponse> LocalBackend::list_roles(const ListRolesRequest& r) {
  Constraints c;
  c.path_prefix("pathPrefix", r.path_prefix);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ListRolesResponse> {
    Query q(s.db,
            "SELECT rid, name FROM iam_roles WHERE substr(path, 1, length(?1)) = ?1 AND name >= ?2 ORDER BY name");
    q.bind(r.path_prefix).bind(r.marker);
    auto page = collect_page(q, max_items_or_default(r.max_items));
    ListRolesResponse out;
    for (auto id : page.ids) out.roles.push_back(s.load_role(id, Impl::View::List));
    out.is_truncated = page.truncated;
    out.marker = page.marker;
    return out;
  });
}

Status LocalBackend::put_role_permissions_boundary(const PutRolePermissionsBoundaryRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  c.arn("permissionsBoundary", r.permissions_boundary);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.permissions_boundary)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    auto pid = s.boundary_policy(r.permissions_boundary);
    if (!pid) return pid.error();
    Query q(s.db, "UPDATE iam_roles SET boundary_pid = ? WHERE rid = ?");
    if (*pid)
      q.bind(**pid);
    else
      q.bind_null();
    q.bind(*rid).run();
    s.set_aws_boundary(Kind::Role, *rid, r.permissions_boundary);
    return {};
  });
}

Status LocalBackend::delete_role_permissions_boundary(const DeleteRolePermissionsBoundaryRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    // A role without a boundary is left as it is (AWS: UNCONFIRMED whether this is an error).
    Query(s.db, "UPDATE iam_roles SET boundary_pid = NULL WHERE rid = ?").bind(*rid).run();
    s.set_aws_boundary(Kind::Role, *rid, "");
    return {};
  });
}

Status LocalBackend::tag_role(const TagRoleRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_tags(r.tags, TagKeyCase::Insensitive)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    return s.tag(Kind::Role, *rid, r.tags, TagKeyCase::Insensitive, "TagsPerRole");
  });
}

Status LocalBackend::untag_role(const UntagRoleRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  c.tag_keys(r.tag_keys, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    s.untag(Kind::Role, *rid, r.tag_keys, TagKeyCase::Insensitive);
    return {};
  });
}

// ---------------------------------------------------------------------------------------------
// Managed policies and versions

Result<ManagedPolicy> LocalBackend::create_policy(const CreatePolicyRequest& r) {
  Constraints c;
  c.name("policyName", r.policy_name, 128);
  c.policy_path("path", r.path);
  c.document("policyDocument", r.policy_document);
  if (r.description) c.policy_description("description", *r.description);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_tags(r.tags, TagKeyCase::Sensitive)) return *e;
  if (auto e = check_document(r.policy_document, policy::PolicyType::Identity)) return *e;
  auto& s = *impl_;
  if (detail::policy_size(r.policy_document) > s.quotas.policy_size)
    return limit("PolicySize", static_cast<long long>(s.quotas.policy_size));

  return s.write([&]() -> Result<ManagedPolicy> {
    // AWS: policy names are unique in the account whatever their path, ignoring case.
    {
      Query q(s.db, "SELECT pid FROM iam_policies WHERE name = ?");
      q.bind(r.policy_name);
      if (q.step())
        return ApiError(ErrorCode::EntityAlreadyExists,
                        "A policy called " + r.policy_name + " already exists. Duplicate names are not allowed.");
    }
    if (s.count_all("SELECT count(*) FROM iam_policies") >= s.quotas.policies)
      return limit("PoliciesPerAccount", s.quotas.policies);
    if (static_cast<int>(r.tags.size()) > s.quotas.tags_per_entity) return limit("TagsPerPolicy", s.quotas.tags_per_entity);
    std::string date = s.now();
    Query(s.db,
          "INSERT INTO iam_policies (policy_id, name, path, arn, description, create_date, update_date, "
          "default_version, next_version) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 2)")
        .bind(s.new_id("ANPA"))
        .bind(r.policy_name)
        .bind(r.path)
        .bind(s.arn("policy", r.path, r.policy_name))
        .bind(non_empty(r.description))
        .bind(date)
        .bind(date)
        .run();
    std::int64_t pid = s.db.last_insert_rowid();
    Query(s.db, "INSERT INTO iam_policy_versions (pid, version, document, create_date) VALUES (?, 1, ?, ?)")
        .bind(pid)
        .bind(r.policy_document)
        .bind(date)
        .run();
    s.save_tags(Kind::Policy, pid, r.tags);
    return s.load_policy(pid, Impl::View::Full);
  });
}

Result<ManagedPolicy> LocalBackend::get_policy(const GetPolicyRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ManagedPolicy> {
    if (is_aws_managed_arn(r.policy_arn)) {
      auto* m = aws_managed(r.policy_arn, s.partition);
      if (!m) return policy_not_found(r.policy_arn);
      return s.load_aws_policy(*m);
    }
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    return s.load_policy(*pid, Impl::View::Full);
  });
}

Status LocalBackend::delete_policy(const DeletePolicyRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  if (is_aws_managed_arn(r.policy_arn)) return impl_->aws_managed_refusal(r.policy_arn);
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    // AWS: reference §5.5. A policy used as a permissions boundary counts as attached (UNCONFIRMED).
    if (s.count("SELECT count(*) FROM iam_attachments WHERE pid = ?", *pid) > 0 ||
        s.count("SELECT count(*) FROM iam_roles WHERE boundary_pid = ?", *pid) > 0 ||
        s.count("SELECT count(*) FROM iam_users WHERE boundary_pid = ?", *pid) > 0)
      return delete_conflict("Cannot delete a policy attached to entities.");
    if (s.count("SELECT count(*) FROM iam_policy_versions WHERE pid = ?", *pid) > 1)
      return delete_conflict(
          "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. "
          "The default version is deleted with the policy.");
    s.delete_tags(Kind::Policy, *pid);
    Query(s.db, "DELETE FROM iam_policy_versions WHERE pid = ?").bind(*pid).run();
    Query(s.db, "DELETE FROM iam_policies WHERE pid = ?").bind(*pid).run();
    return {};
  });
}

Result<ListPoliciesResponse> LocalBackend::list_policies(const ListPoliciesRequest& r) {
  Constraints c;
  c.policy_path("pathPrefix", r.path_prefix);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ListPoliciesResponse> {
    ListPoliciesResponse out;
    // OnlyAttached counts the use the usage filter names: attachments, boundaries, or either.
    int usage = !r.policy_usage_filter ? 0 : *r.policy_usage_filter == PolicyUsageType::PermissionsPolicy ? 1 : 2;
    // Customer policies (Scope Local or All) and AWS managed policies (AWS or All), ordered by name as
    // iam_policies is (case-insensitive; customer policies first on equal names). The marker is the
    // name of the next page's first policy.
    struct Candidate {
      std::string name;
      std::int64_t pid = 0;
      const detail::AwsManagedPolicy* aws = nullptr;
    };
    std::vector<Candidate> candidates;
    if (r.scope != PolicyScopeType::AWS) {
      Query q(s.db,
              "SELECT pid, name FROM iam_policies p WHERE substr(path, 1, length(?1)) = ?1 AND name >= ?2 AND "
              "(?3 = 0 OR (?4 != 2 AND EXISTS (SELECT 1 FROM iam_attachments a WHERE a.pid = p.pid)) OR "
              " (?4 != 1 AND (EXISTS (SELECT 1 FROM iam_roles x WHERE x.boundary_pid = p.pid) OR "
              "               EXISTS (SELECT 1 FROM iam_users y WHERE y.boundary_pid = p.pid)))) "
              "ORDER BY name");
      q.bind(r.path_prefix).bind(r.marker).bind(r.only_attached ? 1 : 0).bind(usage);
      while (q.step()) candidates.push_back(Candidate{q.text(1), q.integer(0), nullptr});
    }
    if (r.scope != PolicyScopeType::Local) {
      std::vector<std::string> attached;
      if (r.only_attached) {
        Query q(s.db,
                "SELECT arn FROM iam_aws_attachments WHERE ?1 != 2 UNION "
                "SELECT arn FROM iam_aws_boundaries WHERE ?1 != 1 ORDER BY arn");
        q.bind(usage);
        while (q.step()) attached.push_back(q.text(0));
      }
      for (const auto& m : detail::aws_managed_policies()) {
        if (m.path.substr(0, r.path_prefix.size()) != r.path_prefix) continue;
        if (detail::compare_names(m.name, r.marker) < 0) continue;
        if (r.only_attached && !std::binary_search(attached.begin(), attached.end(), s.aws_managed_arn(m))) continue;
        candidates.push_back(Candidate{std::string(m.name), 0, &m});
      }
      std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return detail::compare_names(a.name, b.name) < 0;
      });
    }
    std::size_t max_items = static_cast<std::size_t>(max_items_or_default(r.max_items));
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (i == max_items) {
        out.is_truncated = true;
        out.marker = candidates[i].name;
        break;
      }
      out.policies.push_back(candidates[i].aws ? s.load_aws_policy(*candidates[i].aws)
                                               : s.load_policy(candidates[i].pid, Impl::View::List));
    }
    return out;
  });
}

Status LocalBackend::tag_policy(const TagPolicyRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  if (is_aws_managed_arn(r.policy_arn)) return impl_->aws_managed_refusal(r.policy_arn);
  if (auto e = check_tags(r.tags, TagKeyCase::Sensitive)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    return s.tag(Kind::Policy, *pid, r.tags, TagKeyCase::Sensitive, "TagsPerPolicy");
  });
}

Status LocalBackend::untag_policy(const UntagPolicyRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  c.tag_keys(r.tag_keys, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  if (is_aws_managed_arn(r.policy_arn)) return impl_->aws_managed_refusal(r.policy_arn);
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    s.untag(Kind::Policy, *pid, r.tag_keys, TagKeyCase::Sensitive);
    return {};
  });
}

Result<PolicyVersion> LocalBackend::create_policy_version(const CreatePolicyVersionRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  c.document("policyDocument", r.policy_document);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  if (is_aws_managed_arn(r.policy_arn)) return impl_->aws_managed_refusal(r.policy_arn);
  if (auto e = check_document(r.policy_document, policy::PolicyType::Identity)) return *e;
  auto& s = *impl_;
  if (detail::policy_size(r.policy_document) > s.quotas.policy_size)
    return limit("PolicySize", static_cast<long long>(s.quotas.policy_size));
  return s.write([&]() -> Result<PolicyVersion> {
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    if (s.count("SELECT count(*) FROM iam_policy_versions WHERE pid = ?", *pid) >= s.quotas.versions_per_policy)
      return ApiError(ErrorCode::LimitExceeded, "A managed policy can have up to " +
                                                    std::to_string(s.quotas.versions_per_policy) +
                                                    " versions. Before you create a new version, you must delete an "
                                                    "existing version.");
    // AWS: version numbers only grow; a deleted version's id is never reused (reference §5.5).
    std::int64_t version = s.count("SELECT next_version FROM iam_policies WHERE pid = ?", *pid);
    std::string date = s.now();
    Query(s.db, "INSERT INTO iam_policy_versions (pid, version, document, create_date) VALUES (?, ?, ?, ?)")
        .bind(*pid)
        .bind(version)
        .bind(r.policy_document)
        .bind(date)
        .run();
    Query(s.db,
          "UPDATE iam_policies SET next_version = ?1 + 1, update_date = ?2, "
          "default_version = CASE WHEN ?3 THEN ?1 ELSE default_version END WHERE pid = ?4")
        .bind(version)
        .bind(date)
        .bind(r.set_as_default ? 1 : 0)
        .bind(*pid)
        .run();
    PolicyVersion out;
    out.version_id = "v" + std::to_string(version);
    out.is_default_version = r.set_as_default;
    out.create_date = date;
    return out;
  });
}

Result<PolicyVersion> LocalBackend::get_policy_version(const GetPolicyVersionRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  c.version_id("versionId", r.version_id);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<PolicyVersion> {
    if (is_aws_managed_arn(r.policy_arn)) {
      // Only the default version of an AWS managed policy is kept; older ones are NoSuchEntity.
      auto* m = aws_managed(r.policy_arn, s.partition);
      if (!m) return policy_not_found(r.policy_arn);
      if (r.version_id != m->version_id) return version_not_found(r.policy_arn, r.version_id);
      return PolicyVersion{std::string(m->document), std::string(m->version_id), true, std::string(m->update_date)};
    }
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    auto number = detail::version_number(r.version_id);
    if (!number) return version_not_found(r.policy_arn, r.version_id);
    Query q(s.db,
            "SELECT v.document, v.create_date, p.default_version = v.version FROM iam_policy_versions v "
            "JOIN iam_policies p ON p.pid = v.pid WHERE v.pid = ? AND v.version = ?");
    q.bind(*pid).bind(static_cast<std::int64_t>(*number));
    if (!q.step()) return version_not_found(r.policy_arn, r.version_id);
    PolicyVersion out;
    out.document = q.text(0);
    out.version_id = r.version_id;
    out.create_date = q.text(1);
    out.is_default_version = q.integer(2) != 0;
    return out;
  });
}

Status LocalBackend::delete_policy_version(const DeletePolicyVersionRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  c.version_id("versionId", r.version_id);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  if (is_aws_managed_arn(r.policy_arn)) return impl_->aws_managed_refusal(r.policy_arn);
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    auto number = detail::version_number(r.version_id);
    if (!number) return version_not_found(r.policy_arn, r.version_id);
    Query q(s.db,
            "SELECT p.default_version = v.version FROM iam_policy_versions v JOIN iam_policies p ON p.pid = v.pid "
            "WHERE v.pid = ? AND v.version = ?");
    q.bind(*pid).bind(static_cast<std::int64_t>(*number));
    if (!q.step()) return version_not_found(r.policy_arn, r.version_id);
    if (q.integer(0) != 0) return delete_conflict("Cannot delete the default version of a policy.");
    Query(s.db, "DELETE FROM iam_policy_versions WHERE pid = ? AND version = ?")
        .bind(*pid)
        .bind(static_cast<std::int64_t>(*number))
        .run();
    return {};
  });
}

Result<ListPolicyVersionsResponse> LocalBackend::list_policy_versions(const ListPolicyVersionsRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  std::optional<long long> from;
  if (!r.marker.empty()) {
    from = detail::version_number(r.marker);
    if (!from) return ApiError(ErrorCode::InvalidInput, "Marker " + r.marker + " is not valid.");
  }
  auto& s = *impl_;
  return s.read([&]() -> Result<ListPolicyVersionsResponse> {
    if (is_aws_managed_arn(r.policy_arn)) {
      auto* m = aws_managed(r.policy_arn, s.partition);
      if (!m) return policy_not_found(r.policy_arn);
      ListPolicyVersionsResponse out;  // only the default version is kept
      if (!from || *from >= *detail::version_number(m->version_id))
        out.versions.push_back(PolicyVersion{std::nullopt, std::string(m->version_id), true, std::string(m->update_date)});
      return out;
    }
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    // Newest first; the marker is the version id of the next page's first version.
    Query q(s.db,
            "SELECT v.version, v.create_date, p.default_version = v.version FROM iam_policy_versions v "
            "JOIN iam_policies p ON p.pid = v.pid WHERE v.pid = ? AND v.version <= ? ORDER BY v.version DESC");
    q.bind(*pid).bind(static_cast<std::int64_t>(from.value_or(INT64_MAX)));
    ListPolicyVersionsResponse out;
    int max_items = max_items_or_default(r.max_items);
    while (q.step()) {
      std::string id = "v" + std::to_string(q.integer(0));
      if (static_cast<int>(out.versions.size()) == max_items) {
        out.is_truncated = true;
        out.marker = id;
        break;
      }
      out.versions.push_back(PolicyVersion{std::nullopt, id, q.integer(2) != 0, q.text(1)});
    }
    return out;
  });
}

Status LocalBackend::set_default_policy_version(const SetDefaultPolicyVersionRequest& r) {
  Constraints c;
  c.arn("policyArn", r.policy_arn);
  c.version_id("versionId", r.version_id);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.policy_arn)) return *e;
  if (is_aws_managed_arn(r.policy_arn)) return impl_->aws_managed_refusal(r.policy_arn);
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto pid = s.find(kFindPolicy, r.policy_arn);
    if (!pid) return policy_not_found(r.policy_arn);
    auto number = detail::version_number(r.version_id);
    if (!number) return version_not_found(r.policy_arn, r.version_id);
    Query q(s.db, "SELECT 1 FROM iam_policy_versions WHERE pid = ? AND version = ?");
    q.bind(*pid).bind(static_cast<std::int64_t>(*number));
    if (!q.step()) return version_not_found(r.policy_arn, r.version_id);
    Query(s.db, "UPDATE iam_policies SET default_version = ? WHERE pid = ?")
        .bind(static_cast<std::int64_t>(*number))
        .bind(*pid)
        .run();
    return {};
  });
}


// ---------------------------------------------------------------------------------------------
// Attachments and inline policies

Status LocalBackend::attach_role_policy(const AttachRolePolicyRequest& r) {
  return impl_->attach(kRolePrincipal, r.role_name, r.policy_arn);
}
Status LocalBackend::detach_role_policy(const DetachRolePolicyRequest& r) {
  return impl_->detach(kRolePrincipal, r.role_name, r.policy_arn);
}
Result<ListAttachedPoliciesResponse> LocalBackend::list_attached_role_policies(const ListAttachedRolePoliciesRequest& r) {
  return impl_->list_attached(kRolePrincipal, r.role_name, r.path_prefix, r.marker, r.max_items);
}
Status LocalBackend::attach_user_policy(const AttachUserPolicyRequest& r) {
  return impl_->attach(kUserPrincipal, r.user_name, r.policy_arn);
}
Status LocalBackend::detach_user_policy(const DetachUserPolicyRequest& r) {
  return impl_->detach(kUserPrincipal, r.user_name, r.policy_arn);
}
Result<ListAttachedPoliciesResponse> LocalBackend::list_attached_user_policies(const ListAttachedUserPoliciesRequest& r) {
  return impl_->list_attached(kUserPrincipal, r.user_name, r.path_prefix, r.marker, r.max_items);
}
Status LocalBackend::attach_group_policy(const AttachGroupPolicyRequest& r) {
  return impl_->attach(kGroupPrincipal, r.group_name, r.policy_arn);
}
Status LocalBackend::detach_group_policy(const DetachGroupPolicyRequest& r) {
  return impl_->detach(kGroupPrincipal, r.group_name, r.policy_arn);
}
Result<ListAttachedPoliciesResponse> LocalBackend::list_attached_group_policies(const ListAttachedGroupPoliciesRequest& r) {
  return impl_->list_attached(kGroupPrincipal, r.group_name, r.path_prefix, r.marker, r.max_items);
}

Status LocalBackend::put_role_policy(const PutRolePolicyRequest& r) {
  return impl_->put_inline(kRolePrincipal, r.role_name, r.policy_name, r.policy_document);
}
Result<GetRolePolicyResponse> LocalBackend::get_role_policy(const GetRolePolicyRequest& r) {
  auto doc = impl_->get_inline(kRolePrincipal, r.role_name, r.policy_name);
  if (!doc) return doc.error();
  return GetRolePolicyResponse{r.role_name, r.policy_name, std::move(doc).value()};
}
Status LocalBackend::delete_role_policy(const DeleteRolePolicyRequest& r) {
  return impl_->delete_inline(kRolePrincipal, r.role_name, r.policy_name);
}
Result<ListInlinePoliciesResponse> LocalBackend::list_role_policies(const ListRolePoliciesRequest& r) {
  return impl_->list_inline(kRolePrincipal, r.role_name, r.marker, r.max_items);
}
Status LocalBackend::put_user_policy(const PutUserPolicyRequest& r) {
  return impl_->put_inline(kUserPrincipal, r.user_name, r.policy_name, r.policy_document);
}
Result<GetUserPolicyResponse> LocalBackend::get_user_policy(const GetUserPolicyRequest& r) {
  auto doc = impl_->get_inline(kUserPrincipal, r.user_name, r.policy_name);
  if (!doc) return doc.error();
  return GetUserPolicyResponse{r.user_name, r.policy_name, std::move(doc).value()};
}
Status LocalBackend::delete_user_policy(const DeleteUserPolicyRequest& r) {
  return impl_->delete_inline(kUserPrincipal, r.user_name, r.policy_name);
}
Result<ListInlinePoliciesResponse> LocalBackend::list_user_policies(const ListUserPoliciesRequest& r) {
  return impl_->list_inline(kUserPrincipal, r.user_name, r.marker, r.max_items);
}
Status LocalBackend::put_group_policy(const PutGroupPolicyRequest& r) {
  return impl_->put_inline(kGroupPrincipal, r.group_name, r.policy_name, r.policy_document);
}
Result<GetGroupPolicyResponse> LocalBackend::get_group_policy(const GetGroupPolicyRequest& r) {
  auto doc = impl_->get_inline(kGroupPrincipal, r.group_name, r.policy_name);
  if (!doc) return doc.error();
  return GetGroupPolicyResponse{r.group_name, r.policy_name, std::move(doc).value()};
}
Status LocalBackend::delete_group_policy(const DeleteGroupPolicyRequest& r) {
  return impl_->delete_inline(kGroupPrincipal, r.group_name, r.policy_name);
}
Result<ListInlinePoliciesResponse> LocalBackend::list_group_policies(const ListGroupPoliciesRequest& r) {
  return impl_->list_inline(kGroupPrincipal, r.group_name, r.marker, r.max_items);
}

// ---------------------------------------------------------------------------------------------
// Users

Result<User> LocalBackend::create_user(const CreateUserRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 64);
  c.path("path", r.path);
  if (!r.permissions_boundary.empty()) c.arn("permissionsBoundary", r.permissions_boundary);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_tags(r.tags, TagKeyCase::Insensitive)) return *e;
  if (!r.permissions_boundary.empty())
    if (auto e = check_policy_arn(r.permissions_boundary)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Result<User> {
    if (s.find(kFindUser, r.user_name))
      return ApiError(ErrorCode::EntityAlreadyExists, "User with name " + r.user_name + " already exists.");
    if (s.count_all("SELECT count(*) FROM iam_users") >= s.quotas.users) return limit("UsersPerAccount", s.quotas.users);
    if (static_cast<int>(r.tags.size()) > s.quotas.tags_per_entity) return limit("TagsPerUser", s.quotas.tags_per_entity);
    std::optional<std::int64_t> boundary;
    if (!r.permissions_boundary.empty()) {
      auto pid = s.boundary_policy(r.permissions_boundary);
      if (!pid) return pid.error();
      boundary = *pid;
    }
    Query q(s.db, "INSERT INTO iam_users (user_id, name, path, create_date, boundary_pid) VALUES (?, ?, ?, ?, ?)");
    q.bind(s.new_id("AIDA")).bind(r.user_name).bind(r.path).bind(s.now());
    if (boundary)
      q.bind(*boundary);
    else
      q.bind_null();
    q.run();
    std::int64_t uid = s.db.last_insert_rowid();
    s.set_aws_boundary(Kind::User, uid, r.permissions_boundary);
    s.save_tags(Kind::User, uid, r.tags);
    return s.load_user(uid, Impl::View::Full);
  });
}

Result<User> LocalBackend::get_user(const GetUserRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<User> {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    return s.load_user(*uid, Impl::View::Full);
  });
}

// AWS: UpdateUser renames and/or moves a user; the ARN follows, the id, memberships, policies and
// tags stay. A new name held by another user (names compare case-insensitively) is
// EntityAlreadyExists.
Status LocalBackend::update_user(const UpdateUserRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  if (r.new_user_name) c.name("newUserName", *r.new_user_name, 64);
  if (r.new_path) c.path("newPath", *r.new_path);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    if (r.new_user_name) {
      auto other = s.find(kFindUser, *r.new_user_name);
      if (other && *other != *uid)
        return ApiError(ErrorCode::EntityAlreadyExists, "User with name " + *r.new_user_name + " already exists.");
      Query(s.db, "UPDATE iam_users SET name = ? WHERE uid = ?").bind(*r.new_user_name).bind(*uid).run();
    }
    if (r.new_path) Query(s.db, "UPDATE iam_users SET path = ? WHERE uid = ?").bind(*r.new_path).bind(*uid).run();
    return {};
  });
}

Status LocalBackend::delete_user(const DeleteUserRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    // AWS: reference §5.7 (the local IAM has no login profiles, keys, certificates or MFA devices).
    if (s.count("SELECT (SELECT count(*) FROM iam_attachments WHERE kind = 1 AND owner = ?1) + "
                "(SELECT count(*) FROM iam_aws_attachments WHERE kind = 1 AND owner = ?1)", *uid) > 0)
      return delete_conflict("Cannot delete entity, must detach all policies first.");
    if (s.count("SELECT count(*) FROM iam_inline_policies WHERE kind = 1 AND owner = ?", *uid) > 0)
      return delete_conflict("Cannot delete entity, must delete policies first.");
    if (s.count("SELECT count(*) FROM iam_group_members WHERE uid = ?", *uid) > 0)
      return delete_conflict("Cannot delete entity, must remove users from group first.");
    if (s.count("SELECT count(*) FROM iam_access_keys WHERE uid = ?", *uid) > 0)
      return delete_conflict("Cannot delete entity, must delete access keys first.");
    s.delete_tags(Kind::User, *uid);
    s.set_aws_boundary(Kind::User, *uid, "");
    Query(s.db, "DELETE FROM iam_users WHERE uid = ?").bind(*uid).run();
    return {};
  });
}

Result<ListUsersResponse> LocalBackend::list_users(const ListUsersRequest& r) {
  Constraints c;
  c.path_prefix("pathPrefix", r.path_prefix);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ListUsersResponse> {
    Query q(s.db,
            "SELECT uid, name FROM iam_users WHERE substr(path, 1, length(?1)) = ?1 AND name >= ?2 ORDER BY name");
    q.bind(r.path_prefix).bind(r.marker);
    auto page = collect_page(q, max_items_or_default(r.max_items));
    ListUsersResponse out;
    for (auto id : page.ids) out.users.push_back(s.load_user(id, Impl::View::List));
    out.is_truncated = page.truncated;
    out.marker = page.marker;
    return out;
  });
}

Status LocalBackend::tag_user(const TagUserRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_tags(r.tags, TagKeyCase::Insensitive)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    return s.tag(Kind::User, *uid, r.tags, TagKeyCase::Insensitive, "TagsPerUser");
  });
}

Status LocalBackend::untag_user(const UntagUserRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  c.tag_keys(r.tag_keys, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    s.untag(Kind::User, *uid, r.tag_keys, TagKeyCase::Insensitive);
    return {};
  });
}

Status LocalBackend::put_user_permissions_boundary(const PutUserPermissionsBoundaryRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  c.arn("permissionsBoundary", r.permissions_boundary);
  if (auto e = c.error()) return *e;
  if (auto e = check_policy_arn(r.permissions_boundary)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    auto pid = s.boundary_policy(r.permissions_boundary);
    if (!pid) return pid.error();
    Query q(s.db, "UPDATE iam_users SET boundary_pid = ? WHERE uid = ?");
    if (*pid)
      q.bind(**pid);
    else
      q.bind_null();
    q.bind(*uid).run();
    s.set_aws_boundary(Kind::User, *uid, r.permissions_boundary);
    return {};
  });
}

Status LocalBackend::delete_user_permissions_boundary(const DeleteUserPermissionsBoundaryRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    Query(s.db, "UPDATE iam_users SET boundary_pid = NULL WHERE uid = ?").bind(*uid).run();
    s.set_aws_boundary(Kind::User, *uid, "");
    return {};
  });
}

// ---------------------------------------------------------------------------------------------
// Groups and membership

Result<Group> LocalBackend::create_group(const CreateGroupRequest& r) {
  Constraints c;
  c.name("groupName", r.group_name, 128);
  c.path("path", r.path);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Result<Group> {
    if (s.find(kFindGroup, r.group_name))
      return ApiError(ErrorCode::EntityAlreadyExists, "Group with name " + r.group_name + " already exists.");
    if (s.count_all("SELECT count(*) FROM iam_groups") >= s.quotas.groups) return limit("GroupsPerAccount", s.quotas.groups);
    Query(s.db, "INSERT INTO iam_groups (group_id, name, path, create_date) VALUES (?, ?, ?, ?)")
        .bind(s.new_id("AGPA"))
        .bind(r.group_name)
        .bind(r.path)
        .bind(s.now())
        .run();
    return s.load_group(s.db.last_insert_rowid());
  });
}

Result<GetGroupResponse> LocalBackend::get_group(const GetGroupRequest& r) {
  Constraints c;
  c.name("groupName", r.group_name, 128);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<GetGroupResponse> {
    auto gid = s.find(kFindGroup, r.group_name);
    if (!gid) return no_such("group", r.group_name);
    GetGroupResponse out;
    out.group = s.load_group(*gid);
    Query q(s.db,
            "SELECT u.uid, u.name FROM iam_group_members m JOIN iam_users u ON u.uid = m.uid "
            "WHERE m.gid = ? AND u.name >= ? ORDER BY u.name");
    q.bind(*gid).bind(r.marker);
    auto page = collect_page(q, max_items_or_default(r.max_items));
    for (auto id : page.ids) out.users.push_back(s.load_user(id, Impl::View::List));
    out.is_truncated = page.truncated;
    out.marker = page.marker;
    return out;
  });
}

// AWS: UpdateGroup renames and/or moves a group; the ARN follows, the id, members and policies
// stay. A new name held by another group is EntityAlreadyExists.
Status LocalBackend::update_group(const UpdateGroupRequest& r) {
  Constraints c;
  c.name("groupName", r.group_name, 128);
  if (r.new_group_name) c.name("newGroupName", *r.new_group_name, 128);
  if (r.new_path) c.path("newPath", *r.new_path);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto gid = s.find(kFindGroup, r.group_name);
    if (!gid) return no_such("group", r.group_name);
    if (r.new_group_name) {
      auto other = s.find(kFindGroup, *r.new_group_name);
      if (other && *other != *gid)
        return ApiError(ErrorCode::EntityAlreadyExists, "Group with name " + *r.new_group_name + " already exists.");
      Query(s.db, "UPDATE iam_groups SET name = ? WHERE gid = ?").bind(*r.new_group_name).bind(*gid).run();
    }
    if (r.new_path) Query(s.db, "UPDATE iam_groups SET path = ? WHERE gid = ?").bind(*r.new_path).bind(*gid).run();
    return {};
  });
}

Status LocalBackend::delete_group(const DeleteGroupRequest& r) {
  Constraints c;
  c.name("groupName", r.group_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto gid = s.find(kFindGroup, r.group_name);
    if (!gid) return no_such("group", r.group_name);
    // AWS: reference §5.7.
    if (s.count("SELECT count(*) FROM iam_group_members WHERE gid = ?", *gid) > 0)
      return delete_conflict("Cannot delete entity, must remove users from group first.");
    if (s.count("SELECT (SELECT count(*) FROM iam_attachments WHERE kind = 2 AND owner = ?1) + "
                "(SELECT count(*) FROM iam_aws_attachments WHERE kind = 2 AND owner = ?1)", *gid) > 0)
      return delete_conflict("Cannot delete entity, must detach all policies first.");
    if (s.count("SELECT count(*) FROM iam_inline_policies WHERE kind = 2 AND owner = ?", *gid) > 0)
      return delete_conflict("Cannot delete entity, must delete policies first.");
    Query(s.db, "DELETE FROM iam_groups WHERE gid = ?").bind(*gid).run();
    return {};
  });
}

Result<ListGroupsResponse> LocalBackend::list_groups(const ListGroupsRequest& r) {
  Constraints c;
  c.path_prefix("pathPrefix", r.path_prefix);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ListGroupsResponse> {
    Query q(s.db,
            "SELECT gid, name FROM iam_groups WHERE substr(path, 1, length(?1)) = ?1 AND name >= ?2 ORDER BY name");
    q.bind(r.path_prefix).bind(r.marker);
    auto page = collect_page(q, max_items_or_default(r.max_items));
    ListGroupsResponse out;
    for (auto id : page.ids) out.groups.push_back(s.load_group(id));
    out.is_truncated = page.truncated;
    out.marker = page.marker;
    return out;
  });
}

Status LocalBackend::add_user_to_group(const AddUserToGroupRequest& r) {
  Constraints c;
  c.name("groupName", r.group_name, 128);
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto gid = s.find(kFindGroup, r.group_name);
    if (!gid) return no_such("group", r.group_name);
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    {
      Query q(s.db, "SELECT 1 FROM iam_group_members WHERE gid = ? AND uid = ?");
      q.bind(*gid).bind(*uid);
      if (q.step()) return {};  // already a member: AWS succeeds
    }
    if (s.count("SELECT count(*) FROM iam_group_members WHERE uid = ?", *uid) >= s.quotas.groups_per_user)
      return limit("GroupsPerUser", s.quotas.groups_per_user);  // AWS: message UNCONFIRMED (reference §6.4)
    Query(s.db, "INSERT INTO iam_group_members (gid, uid) VALUES (?, ?)").bind(*gid).bind(*uid).run();
    return {};
  });
}

Status LocalBackend::remove_user_from_group(const RemoveUserFromGroupRequest& r) {
  Constraints c;
  c.name("groupName", r.group_name, 128);
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto gid = s.find(kFindGroup, r.group_name);
    if (!gid) return no_such("group", r.group_name);
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    Query(s.db, "DELETE FROM iam_group_members WHERE gid = ? AND uid = ?").bind(*gid).bind(*uid).run();
    if (s.db.changes() == 0)  // AWS: message UNCONFIRMED
      return ApiError(ErrorCode::NoSuchEntity,
                      "The user with name " + r.user_name + " is not a member of group " + r.group_name + ".");
    return {};
  });
}

Result<ListGroupsResponse> LocalBackend::list_groups_for_user(const ListGroupsForUserRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ListGroupsResponse> {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    Query q(s.db,
            "SELECT g.gid, g.name FROM iam_group_members m JOIN iam_groups g ON g.gid = m.gid "
            "WHERE m.uid = ? AND g.name >= ? ORDER BY g.name");
    q.bind(*uid).bind(r.marker);
    auto page = collect_page(q, max_items_or_default(r.max_items));
    ListGroupsResponse out;
    for (auto id : page.ids) out.groups.push_back(s.load_group(id));
    out.is_truncated = page.truncated;
    out.marker = page.marker;
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Instance profiles

Result<InstanceProfile> LocalBackend::create_instance_profile(const CreateInstanceProfileRequest& r) {
  Constraints c;
  c.name("instanceProfileName", r.instance_profile_name, 128);
  c.path("path", r.path);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_tags(r.tags, TagKeyCase::Sensitive)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Result<InstanceProfile> {
    if (s.find(kFindInstanceProfile, r.instance_profile_name))
      return ApiError(ErrorCode::EntityAlreadyExists, "Instance Profile " + r.instance_profile_name + " already exists.");
    if (s.count_all("SELECT count(*) FROM iam_instance_profiles") >= s.quotas.instance_profiles)
      return limit("InstanceProfilesPerAccount", s.quotas.instance_profiles);
    if (static_cast<int>(r.tags.size()) > s.quotas.tags_per_entity)
      return limit("TagsPerInstanceProfile", s.quotas.tags_per_entity);
    Query(s.db, "INSERT INTO iam_instance_profiles (instance_profile_id, name, path, create_date) VALUES (?, ?, ?, ?)")
        .bind(s.new_id("AIPA"))
        .bind(r.instance_profile_name)
        .bind(r.path)
        .bind(s.now())
        .run();
    std::int64_t ipid = s.db.last_insert_rowid();
    s.save_tags(Kind::InstanceProfile, ipid, r.tags);
    return s.load_instance_profile(ipid);
  });
}

Result<InstanceProfile> LocalBackend::get_instance_profile(const GetInstanceProfileRequest& r) {
  Constraints c;
  c.name("instanceProfileName", r.instance_profile_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<InstanceProfile> {
    auto ipid = s.find(kFindInstanceProfile, r.instance_profile_name);
    if (!ipid) return no_such_instance_profile(r.instance_profile_name);
    return s.load_instance_profile(*ipid);
  });
}

Status LocalBackend::delete_instance_profile(const DeleteInstanceProfileRequest& r) {
  Constraints c;
  c.name("instanceProfileName", r.instance_profile_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto ipid = s.find(kFindInstanceProfile, r.instance_profile_name);
    if (!ipid) return no_such_instance_profile(r.instance_profile_name);
    if (s.count("SELECT count(*) FROM iam_instance_profile_roles WHERE ipid = ?", *ipid) > 0)
      return delete_conflict("Cannot delete entity, must remove roles from instance profile first.");
    s.delete_tags(Kind::InstanceProfile, *ipid);
    Query(s.db, "DELETE FROM iam_instance_profiles WHERE ipid = ?").bind(*ipid).run();
    return {};
  });
}

Status LocalBackend::add_role_to_instance_profile(const AddRoleToInstanceProfileRequest& r) {
  Constraints c;
  c.name("instanceProfileName", r.instance_profile_name, 128);
  c.name("roleName", r.role_name, 64);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto ipid = s.find(kFindInstanceProfile, r.instance_profile_name);
    if (!ipid) return no_such_instance_profile(r.instance_profile_name);
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    // AWS: a profile holds one role; adding any role to a full profile (even the same one) is
    // LimitExceeded (reference §5.4).
    if (s.count("SELECT count(*) FROM iam_instance_profile_roles WHERE ipid = ?", *ipid) >= s.quotas.roles_per_instance_profile)
      return limit("InstanceSessionsPerInstanceProfile", s.quotas.roles_per_instance_profile);
    {
      Query q(s.db, "SELECT 1 FROM iam_instance_profile_roles WHERE ipid = ? AND rid = ?");
      q.bind(*ipid).bind(*rid);
      if (q.step())
        return ApiError(ErrorCode::EntityAlreadyExists, "Role " + r.role_name + " is already in instance profile " +
                                                            r.instance_profile_name + ".");
    }
    Query(s.db, "INSERT INTO iam_instance_profile_roles (ipid, rid) VALUES (?, ?)").bind(*ipid).bind(*rid).run();
    return {};
  });
}

Status LocalBackend::remove_role_from_instance_profile(const RemoveRoleFromInstanceProfileRequest& r) {
  Constraints c;
  c.name("instanceProfileName", r.instance_profile_name, 128);
  c.name("roleName", r.role_name, 64);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto ipid = s.find(kFindInstanceProfile, r.instance_profile_name);
    if (!ipid) return no_such_instance_profile(r.instance_profile_name);
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    Query(s.db, "DELETE FROM iam_instance_profile_roles WHERE ipid = ? AND rid = ?").bind(*ipid).bind(*rid).run();
    if (s.db.changes() == 0)  // AWS: message UNCONFIRMED
      return ApiError(ErrorCode::NoSuchEntity,
                      "The role with name " + r.role_name + " is not in instance profile " + r.instance_profile_name + ".");
    return {};
  });
}

// Instance profile tag keys are case-sensitive, as at CreateInstanceProfile.
Status LocalBackend::tag_instance_profile(const TagInstanceProfileRequest& r) {
  Constraints c;
  c.name("instanceProfileName", r.instance_profile_name, 128);
  c.tags(r.tags, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  if (auto e = check_tags(r.tags, TagKeyCase::Sensitive)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto ipid = s.find(kFindInstanceProfile, r.instance_profile_name);
    if (!ipid) return no_such_instance_profile(r.instance_profile_name);
    return s.tag(Kind::InstanceProfile, *ipid, r.tags, TagKeyCase::Sensitive, "TagsPerInstanceProfile");
  });
}

Status LocalBackend::untag_instance_profile(const UntagInstanceProfileRequest& r) {
  Constraints c;
  c.name("instanceProfileName", r.instance_profile_name, 128);
  c.tag_keys(r.tag_keys, kMaxTagsParam);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto ipid = s.find(kFindInstanceProfile, r.instance_profile_name);
    if (!ipid) return no_such_instance_profile(r.instance_profile_name);
    s.untag(Kind::InstanceProfile, *ipid, r.tag_keys, TagKeyCase::Sensitive);
    return {};
  });
}

Result<ListInstanceProfilesResponse> LocalBackend::list_instance_profiles_for_role(
    const ListInstanceProfilesForRoleRequest& r) {
  Constraints c;
  c.name("roleName", r.role_name, 64);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ListInstanceProfilesResponse> {
    auto rid = s.find(kFindRole, r.role_name);
    if (!rid) return no_such("role", r.role_name);
    Query q(s.db,
            "SELECT p.ipid, p.name FROM iam_instance_profile_roles l JOIN iam_instance_profiles p ON p.ipid = l.ipid "
            "WHERE l.rid = ? AND p.name >= ? ORDER BY p.name");
    q.bind(*rid).bind(r.marker);
    auto page = collect_page(q, max_items_or_default(r.max_items));
    ListInstanceProfilesResponse out;
    for (auto id : page.ids) out.instance_profiles.push_back(s.load_instance_profile(id));
    out.is_truncated = page.truncated;
    out.marker = page.marker;
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Access keys (reference §5.3: AKIA + 16 characters; 40-character secrets; §5.4: 2 per user)

namespace {

constexpr const char* kAccessKeyNotFound = "The Access Key with id ";

// A secret access key: 40 characters of the base64 alphabet, as AWS issues them, from the
// operating system's random source (std::random_device reads /dev/urandom on Linux).
std::string new_secret() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::random_device rd;
  std::string out;
  out.reserve(40);
  while (out.size() < 40) {
    unsigned bits = rd();
    for (int i = 0; i < 5 && out.size() < 40; ++i, bits >>= 6) out += kAlphabet[bits & 63];
  }
  return out;
}

std::optional<ApiError> check_access_key_id(std::string_view id) {
  if (id.size() < 16 || id.size() > 128 ||
      !std::all_of(id.begin(), id.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; }))
    return ApiError(ErrorCode::ValidationError,
                    "1 validation error detected: Value '" + std::string(id) +
                        "' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression "
                        "pattern: [\\w]+");
  return std::nullopt;
}

}  // namespace

Result<AccessKey> LocalBackend::create_access_key(const CreateAccessKeyRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Result<AccessKey> {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    if (s.count("SELECT count(*) FROM iam_access_keys WHERE uid = ?", *uid) >= 2) return limit("AccessKeysPerUser", 2);
    AccessKey key;
    key.user_name = s.load_user(*uid, Impl::View::List).user_name;
    key.access_key_id = s.new_id("AKIA").substr(0, 20);
    key.secret_access_key = new_secret();
    key.status = "Active";
    key.create_date = s.now();
    Query(s.db, "INSERT INTO iam_access_keys (access_key_id, uid, secret, status, create_date) VALUES (?, ?, ?, ?, ?)")
        .bind(key.access_key_id)
        .bind(*uid)
        .bind(key.secret_access_key)
        .bind(key.status)
        .bind(key.create_date)
        .run();
    return key;
  });
}

Status LocalBackend::delete_access_key(const DeleteAccessKeyRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  if (auto e = check_access_key_id(r.access_key_id)) return *e;
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    Query(s.db, "DELETE FROM iam_access_keys WHERE access_key_id = ? AND uid = ?").bind(r.access_key_id).bind(*uid).run();
    if (s.db.changes() == 0)
      return ApiError(ErrorCode::NoSuchEntity, kAccessKeyNotFound + r.access_key_id + " cannot be found.");
    return {};
  });
}

Status LocalBackend::update_access_key(const UpdateAccessKeyRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  if (auto e = c.error()) return *e;
  if (auto e = check_access_key_id(r.access_key_id)) return *e;
  if (r.status != "Active" && r.status != "Inactive")
    return ApiError(ErrorCode::ValidationError,
                    "1 validation error detected: Value '" + r.status +
                        "' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]");
  auto& s = *impl_;
  return s.write([&]() -> Status {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    Query(s.db, "UPDATE iam_access_keys SET status = ? WHERE access_key_id = ? AND uid = ?")
        .bind(r.status)
        .bind(r.access_key_id)
        .bind(*uid)
        .run();
    if (s.db.changes() == 0)
      return ApiError(ErrorCode::NoSuchEntity, kAccessKeyNotFound + r.access_key_id + " cannot be found.");
    return {};
  });
}

Result<ListAccessKeysResponse> LocalBackend::list_access_keys(const ListAccessKeysRequest& r) {
  Constraints c;
  c.name("userName", r.user_name, 128);
  c.page(r.marker, r.max_items);
  if (auto e = c.error()) return *e;
  auto& s = *impl_;
  return s.read([&]() -> Result<ListAccessKeysResponse> {
    auto uid = s.find(kFindUser, r.user_name);
    if (!uid) return no_such("user", r.user_name);
    std::string user_name = s.load_user(*uid, Impl::View::List).user_name;
    Query q(s.db,
            "SELECT access_key_id, status, create_date FROM iam_access_keys WHERE uid = ? AND access_key_id >= ? "
            "ORDER BY access_key_id");
    q.bind(*uid).bind(r.marker);
    ListAccessKeysResponse out;
    int max_items = max_items_or_default(r.max_items);
    while (q.step()) {
      if (static_cast<int>(out.access_key_metadata.size()) == max_items) {
        out.is_truncated = true;
        out.marker = q.text(0);
        break;
      }
      out.access_key_metadata.push_back(AccessKeyMetadata{user_name, q.text(0), q.text(1), q.text(2)});
    }
    return out;
  });
}

std::optional<LocalBackend::Credential> LocalBackend::find_access_key(const std::string& access_key_id) {
  auto& s = *impl_;
  auto r = s.read([&]() -> Result<std::optional<Credential>> {
    Query q(s.db, "SELECT secret, status, uid FROM iam_access_keys WHERE access_key_id = ?");
    q.bind(access_key_id);
    if (!q.step()) return std::optional<Credential>();
    Credential cred;
    cred.access_key_id = access_key_id;
    cred.secret_access_key = q.text(0);
    cred.status = q.text(1);
    std::int64_t uid = q.integer(2);
    cred.user = s.load_user(uid, Impl::View::List);
    return std::optional<Credential>(std::move(cred));
  });
  if (!r.ok()) return std::nullopt;
  return std::move(r).value();
}

// ---------------------------------------------------------------------------------------------
// STS sessions and RoleLastUsed (for a server; not IAM API calls)

Status LocalBackend::store_sts_session(const StsSession& session, std::string_view used_at, std::string_view region,
                                       std::int64_t now) {
  auto& s = *impl_;
  return s.write([&]() -> Status {
    Query(s.db, "UPDATE iam_roles SET last_used_date = ?, last_used_region = ? WHERE role_id = ?")
        .bind(used_at)
        .bind(region)
        .bind(session.role_id)
        .run();
    if (s.db.changes() == 0) return no_such("role", session.role_name);
    // Lazily forget sessions long expired (the index on expiration keeps this cheap).
    Query(s.db, "DELETE FROM iam_sts_sessions WHERE expiration < ?").bind(now - kExpiredSessionRetention).run();
    Query(s.db,
          "INSERT OR REPLACE INTO iam_sts_sessions (access_key_id, secret, token, role_id, role_name, role_arn, "
          "session_name, session_policy, expiration, chained) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(session.access_key_id)
        .bind(session.secret_access_key)
        .bind(session.session_token)
        .bind(session.role_id)
        .bind(session.role_name)
        .bind(session.role_arn)
        .bind(session.session_name)
        .bind(session.session_policy)
        .bind(session.expiration)
        .bind(session.chained ? 1 : 0)
        .run();
    return {};
  });
}

Result<std::optional<LocalBackend::StsSession>> LocalBackend::find_sts_session(const std::string& access_key_id) {
  auto& s = *impl_;
  return s.read([&]() -> Result<std::optional<StsSession>> {
    Query q(s.db,
            "SELECT secret, token, role_id, role_name, role_arn, session_name, session_policy, expiration, chained "
            "FROM iam_sts_sessions WHERE access_key_id = ?");
    q.bind(access_key_id);
    if (!q.step()) return std::optional<StsSession>();
    StsSession out;
    out.access_key_id = access_key_id;
    out.secret_access_key = q.text(0);
    out.session_token = q.text(1);
    out.role_id = q.text(2);
    out.role_name = q.text(3);
    out.role_arn = q.text(4);
    out.session_name = q.text(5);
    out.session_policy = q.text(6);
    out.expiration = q.integer(7);
    out.chained = q.integer(8) != 0;
    return std::optional<StsSession>(std::move(out));
  });
}

Status LocalBackend::record_role_use(const std::string& role_id, std::string_view used_at, std::string_view region) {
  auto& s = *impl_;
  return s.write([&]() -> Status {
    Query(s.db, "UPDATE iam_roles SET last_used_date = ?, last_used_region = ? WHERE role_id = ?")
        .bind(used_at)
        .bind(region)
        .bind(role_id)
        .run();
    return {};
  });
}

}  // namespace iamforge::backend
