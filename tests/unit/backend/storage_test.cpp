// The database file: schema and its version, persistence across reopen, corrupt and foreign
// files, and concurrent writers from several threads and several processes.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "backend_test_util.hpp"

using namespace iamforge;
using namespace iamforge::backend;
using test::allow;
using test::fails_with;
using test::policy_arn;
using test::succeeded;

namespace {
class Storage : public test::LocalBackendTest {};

// Runs one SQL statement on `path` outside the backend; returns the first column of the first row.
std::string sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, statement.c_str(), -1, &st, nullptr) == SQLITE_OK) {
      if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(db);
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

// Succeeds when `r` either succeeded or failed with a ServiceFailure (what a damaged file may give).
template <class R>
bool ok_or_service_failure(const R& r) {
  return r.ok() || r.error().code == ErrorCode::ServiceFailure;
}

}  // namespace

TEST_F(Storage, SchemaIsVersionedAndTheFileMarked) {
  EXPECT_EQ(sql(db_path(), "SELECT version FROM schema_version"), std::to_string(LocalBackend::kSchemaVersion));
  EXPECT_EQ(sql(db_path(), "PRAGMA application_id"), std::to_string(0x49414D46));
  EXPECT_EQ(sql(db_path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sql(db_path(), "SELECT value FROM meta WHERE name = 'account_id'"), "123456789012");
  EXPECT_EQ(iam().account_id(), "123456789012");
  EXPECT_EQ(iam().partition(), "aws");
  EXPECT_EQ(iam().path(), db_path());
}

TEST_F(Storage, EverythingPersistsAcrossReopen) {
  auto r = iam().create_role({.role_name = "r", .assume_role_policy_document = test::kSagemakerTrust,
                              .description = "d", .tags = {{"k", "v"}}});
  auto p = policy("p");
  ASSERT_TRUE(succeeded(iam().create_policy_version({.policy_arn = p.arn, .policy_document = allow("s3:PutObject"),
                                                     .set_as_default = true})));
  ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", p.arn})));
  ASSERT_TRUE(succeeded(iam().put_role_policy({"r", "inline", allow()})));
  ASSERT_TRUE(succeeded(iam().put_role_permissions_boundary({"r", p.arn})));
  user("u");
  group("g");
  ASSERT_TRUE(succeeded(iam().add_user_to_group({"g", "u"})));
  ASSERT_TRUE(succeeded(iam().attach_group_policy({"g", p.arn})));
  ASSERT_TRUE(succeeded(iam().create_instance_profile({.instance_profile_name = "ip"})));
  ASSERT_TRUE(succeeded(iam().add_role_to_instance_profile({"ip", "r"})));

  reopen();

  auto role = iam().get_role({"r"});
  ASSERT_TRUE(succeeded(role));
  EXPECT_EQ(role->role_id, r->role_id);
  EXPECT_EQ(role->create_date, r->create_date);
  EXPECT_EQ(role->description, "d");
  EXPECT_EQ(role->tags, r->tags);
  EXPECT_EQ(role->permissions_boundary->permissions_boundary_arn, p.arn);
  auto pol = iam().get_policy({p.arn});
  EXPECT_EQ(pol->policy_id, p.policy_id);
  EXPECT_EQ(pol->default_version_id, "v2");
  EXPECT_EQ(pol->attachment_count, 2);
  EXPECT_EQ(iam().get_policy_version({p.arn, "v2"})->document, allow("s3:PutObject"));
  EXPECT_EQ(iam().get_role_policy({"r", "inline"})->policy_document, allow());
  EXPECT_EQ(iam().get_group({.group_name = "g"})->users.size(), 1u);
  EXPECT_EQ(iam().list_attached_group_policies({.group_name = "g"})->attached_policies.size(), 1u);
  EXPECT_EQ(iam().get_instance_profile({"ip"})->roles.size(), 1u);
  // Version ids keep growing after a reopen.
  auto v3 = iam().create_policy_version({.policy_arn = p.arn, .policy_document = allow()});
  EXPECT_EQ(v3->version_id, "v3");
}

// AWS: account quotas such as RolesPerAccount can be raised (Service Quotas); a raised quota is
// the account's, so it holds across reopen, and it is enforced with LimitExceeded like the default.
TEST_F(Storage, RaisedQuotasPersistAndAreEnforced) {
  ASSERT_TRUE(succeeded(iam().set_quota("RolesPerAccount", 2)));
  reopen();
  const auto quotas = iam().adjustable_quotas();
  EXPECT_NE(std::find(quotas.begin(), quotas.end(), std::pair<std::string, int>{"RolesPerAccount", 2}), quotas.end());
  role("a");
  role("b");
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "c", .assume_role_policy_document = test::kSagemakerTrust}),
                         ErrorCode::LimitExceeded));
  ASSERT_TRUE(succeeded(iam().set_quota("RolesPerAccount", 3)));
  role("c");
  EXPECT_TRUE(fails_with(iam().set_quota("RolesPerGalaxy", 3), ErrorCode::InvalidInput));
  EXPECT_TRUE(fails_with(iam().set_quota("RolesPerAccount", 0), ErrorCode::InvalidInput));
  // A damaged value is an error at open, never a crash.
  sql(db_path(), "UPDATE meta SET value = 'lots' WHERE name = 'quota.RolesPerAccount'");
  iam_.reset();
  EXPECT_FALSE(LocalBackend::open(db_path(), test::test_options()).ok());
}

TEST_F(Storage, WritesAreVisibleToAnotherConnectionAtOnce) {
  auto other = LocalBackend::open(db_path(), test::test_options());
  ASSERT_TRUE(succeeded(other));
  role("seen");
  EXPECT_TRUE(succeeded(other.value()->get_role({"seen"})));
  ASSERT_TRUE(succeeded(other.value()->delete_role({"seen"})));
  EXPECT_TRUE(fails_with(iam().get_role({"seen"}), ErrorCode::NoSuchEntity));
}

TEST_F(Storage, AFailedCallChangesNothing) {
  role("r");
  for (int i = 0; i < 10; ++i) policy("p" + std::to_string(i));
  policy("extra");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(succeeded(iam().attach_role_policy({"r", policy_arn("p" + std::to_string(i))})));
  EXPECT_TRUE(fails_with(iam().attach_role_policy({"r", policy_arn("extra")}), ErrorCode::LimitExceeded));
  EXPECT_EQ(iam().get_policy({policy_arn("extra")})->attachment_count, 0);
  EXPECT_EQ(iam().list_attached_role_policies({.role_name = "r"})->attached_policies.size(), 10u);
}

// Another process holding the write lock longer than the busy timeout: the call fails cleanly
// with ConcurrentModification (409), reads still work (WAL), and nothing is left locked.
TEST_F(Storage, AWriteLockHeldTooLongIsConcurrentModification) {
  LocalOptions o = test::test_options();
  o.busy_timeout = std::chrono::milliseconds(50);
  reopen(o);
  role("before");
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_TRUE(fails_with(iam().create_role({.role_name = "r", .assume_role_policy_document = test::kSagemakerTrust}),
                         ErrorCode::ConcurrentModification,
                         "The request was rejected because multiple requests to change this object were submitted "
                         "simultaneously. Wait a few minutes and submit your request again."));
  EXPECT_TRUE(succeeded(iam().get_role({"before"})));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(succeeded(iam().create_role({.role_name = "r", .assume_role_policy_document = test::kSagemakerTrust})));
}

TEST(StorageOpen, AGarbageFileIsAnErrorValue) {
  test::TempDir dir;
  std::string path = (dir.path() / "garbage.db").string();
  std::string junk;
  for (int i = 0; i < 400; ++i) junk += "this is not a database, just text. ";
  write_file(path, junk);
  auto r = LocalBackend::open(path, test::test_options());
  ASSERT_TRUE(fails_with(r, ErrorCode::ServiceFailure));
  EXPECT_NE(r.error().message.find("file is not a database"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
}

TEST(StorageOpen, ADamagedDatabaseNeverCrashes) {
  test::TempDir dir;
  std::string path = (dir.path() / "iam.db").string();
  {
    auto opened = LocalBackend::open(path, test::test_options());
    ASSERT_TRUE(succeeded(opened));
    auto& iam = *opened.value();
    for (int i = 0; i < 200; ++i) {
      auto name = "role-" + std::to_string(i);
      ASSERT_TRUE(succeeded(iam.create_role({.role_name = name, .assume_role_policy_document = test::kSagemakerTrust,
                                             .description = std::string(200, 'd')})));
    }
  }
  auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 16384u);
  // Overwrite everything after the first page (the header stays valid) with a pattern.
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(4096);
    std::string noise(size - 4096, '\0');
    for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 131 + 7) & 0xFF);
    f.write(noise.data(), static_cast<std::streamsize>(noise.size()));
  }
  auto opened = LocalBackend::open(path, test::test_options());
  if (!opened) {
    EXPECT_EQ(opened.error().code, ErrorCode::ServiceFailure) << to_string(opened.error());
    return;
  }
  auto& iam = *opened.value();
  int failures = 0;
  auto note = [&](const auto& r) {
    EXPECT_TRUE(ok_or_service_failure(r)) << to_string(r.error());
    failures += r.ok() ? 0 : 1;
  };
  note(iam.list_roles({}));
  note(iam.get_role({"role-150"}));
  note(iam.create_role({.role_name = "new", .assume_role_policy_document = test::kSagemakerTrust}));
  note(iam.list_policies({}));
  EXPECT_GT(failures, 0);
}

TEST(StorageOpen, ATruncatedDatabaseIsAnErrorValue) {
  test::TempDir dir;
  std::string path = (dir.path() / "iam.db").string();
  {
    auto opened = LocalBackend::open(path, test::test_options());
    ASSERT_TRUE(succeeded(opened));
    for (int i = 0; i < 100; ++i)
      ASSERT_TRUE(succeeded(opened.value()->create_policy(
          {.policy_name = "p" + std::to_string(i), .policy_document = allow(), .description = std::string(300, 'd')})));
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  auto opened = LocalBackend::open(path, test::test_options());
  if (!opened) {
    EXPECT_EQ(opened.error().code, ErrorCode::ServiceFailure);
    return;
  }
  auto list = opened.value()->list_policies({.max_items = 1000});
  EXPECT_TRUE(ok_or_service_failure(list));
  auto get = opened.value()->get_policy({policy_arn("p99")});
  EXPECT_TRUE(ok_or_service_failure(get) || get.error().code == ErrorCode::NoSuchEntity);
}

TEST(StorageOpen, AnotherApplicationsDatabaseIsRefused) {
  test::TempDir dir;
  std::string path = (dir.path() / "other.db").string();
  sql(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
  auto r = LocalBackend::open(path, test::test_options());
  ASSERT_TRUE(fails_with(r, ErrorCode::ServiceFailure));
  EXPECT_NE(r.error().message.find("another application"), std::string::npos) << r.error().message;
  EXPECT_EQ(sql(path, "SELECT count(*) FROM sqlite_master"), "1");  // left untouched
}

TEST(StorageOpen, ANewerSchemaIsRefused) {
  test::TempDir dir;
  std::string path = (dir.path() / "iam.db").string();
  ASSERT_TRUE(succeeded(LocalBackend::open(path, test::test_options())));
  sql(path, "UPDATE schema_version SET version = 99");
  auto r = LocalBackend::open(path, test::test_options());
  ASSERT_TRUE(fails_with(r, ErrorCode::ServiceFailure));
  EXPECT_NE(r.error().message.find("schema version 99, newer than this build's " +
                                    std::to_string(LocalBackend::kSchemaVersion)),
            std::string::npos)
      << r.error().message;
}

// A version-1 file (before STS sessions and RoleLastUsed) is migrated when opened: its data stays,
// the new columns and table exist, the version is the build's.
TEST(StorageOpen, AVersion1FileIsMigrated) {
  test::TempDir dir;
  std::string path = (dir.path() / "iam.db").string();
  {
    auto be = LocalBackend::open(path, test::test_options());
    ASSERT_TRUE(succeeded(be));
    CreateRoleRequest cr;
    cr.role_name = "old";
    cr.assume_role_policy_document =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
    ASSERT_TRUE(succeeded(be.value()->create_role(cr)));
  }
  // Back to version 1's shape.
  sql(path, "DROP TABLE iam_sts_sessions");
  sql(path, "ALTER TABLE iam_roles DROP COLUMN last_used_date");
  sql(path, "ALTER TABLE iam_roles DROP COLUMN last_used_region");
  sql(path, "UPDATE schema_version SET version = 1");
  ASSERT_EQ(sql(path, "SELECT count(*) FROM pragma_table_info('iam_roles') WHERE name = 'last_used_date'"), "0");
  ASSERT_EQ(sql(path, "SELECT count(*) FROM sqlite_master WHERE name = 'iam_sts_sessions'"), "0");

  auto be = LocalBackend::open(path, test::test_options());
  ASSERT_TRUE(succeeded(be));
  EXPECT_EQ(sql(path, "SELECT version FROM schema_version"), std::to_string(LocalBackend::kSchemaVersion));
  auto role = be.value()->get_role({"old"});
  ASSERT_TRUE(succeeded(role));
  ASSERT_TRUE(role.value().role_last_used.has_value());  // GetRole: present, empty for a role never used
  EXPECT_FALSE(role.value().role_last_used->last_used_date.has_value());
  LocalBackend::StsSession s;
  s.access_key_id = "ASIAAAAAAAAAAAAAAAAA";
  s.secret_access_key = "secret";
  s.session_token = "token";
  s.role_name = "old";
  s.role_arn = role.value().arn;
  s.role_id = role.value().role_id;
  s.session_name = "s";
  s.expiration = 2000000000;
  ASSERT_TRUE(succeeded(be.value()->store_sts_session(s, "2026-01-02T03:04:05Z", "eu-west-3", 1900000000)));
  auto found = be.value()->find_sts_session(s.access_key_id);
  ASSERT_TRUE(succeeded(found));
  ASSERT_TRUE(found.value().has_value());
  EXPECT_EQ(found.value()->session_token, "token");
  EXPECT_EQ(found.value()->expiration, 2000000000);
  auto used = be.value()->get_role({"old"});
  ASSERT_TRUE(succeeded(used));
  EXPECT_EQ(used.value().role_last_used, (RoleLastUsed{"2026-01-02T03:04:05Z", "eu-west-3"}));
  // ListRoles carries no RoleLastUsed (AWS: GetRole and GetAccountAuthorizationDetails only).
  auto list = be.value()->list_roles({});
  ASSERT_TRUE(succeeded(list));
  ASSERT_EQ(list.value().roles.size(), 1u);
  EXPECT_FALSE(list.value().roles[0].role_last_used.has_value());
}

TEST(StorageOpen, TheAccountIsTheDatabases) {
  test::TempDir dir;
  std::string path = (dir.path() / "iam.db").string();
  ASSERT_TRUE(succeeded(LocalBackend::open(path, test::test_options())));
  LocalOptions o = test::test_options();
  o.account_id = "111122223333";
  auto r = LocalBackend::open(path, o);
  ASSERT_TRUE(fails_with(r, ErrorCode::InvalidInput));
  EXPECT_NE(r.error().message.find("belongs to account 123456789012"), std::string::npos) << r.error().message;
}

TEST(StorageOpen, BadOptionsAndPaths) {
  test::TempDir dir;
  LocalOptions o = test::test_options();
  o.account_id = "12345";
  EXPECT_TRUE(fails_with(LocalBackend::open((dir.path() / "a.db").string(), o), ErrorCode::InvalidInput));
  o = test::test_options();
  o.partition = "azure";
  EXPECT_TRUE(fails_with(LocalBackend::open((dir.path() / "a.db").string(), o), ErrorCode::InvalidInput));
  EXPECT_TRUE(fails_with(LocalBackend::open((dir.path() / "missing-dir" / "a.db").string(), test::test_options()),
                         ErrorCode::ServiceFailure));
  // An empty file is an empty database: the schema is created in it.
  std::string empty = (dir.path() / "empty.db").string();
  write_file(empty, "");
  EXPECT_TRUE(succeeded(LocalBackend::open(empty, test::test_options())));
}

// Several threads on one backend: every read-modify-write (tags of one role, the version counter
// of one policy) must see the others' commits.
TEST_F(Storage, ConcurrentThreadsLoseNoUpdates) {
  LocalOptions o = test::test_options();
  o.quotas.versions_per_policy = 1000;
  reopen(o);
  role("shared");
  auto shared = policy("shared");
  constexpr int kThreads = 2, kRoles = 100, kTags = 25, kVersions = 100;
  std::atomic<int> errors{0};
  auto work = [&](LocalBackend& iam, int t) {
    for (int i = 0; i < kRoles; ++i)
      if (!iam.create_role({.role_name = "t" + std::to_string(t) + "-" + std::to_string(i),
                            .assume_role_policy_document = test::kSagemakerTrust}))
        ++errors;
    for (int i = 0; i < kTags; ++i)
      if (!iam.tag_role({"shared", {{"t" + std::to_string(t) + "-" + std::to_string(i), "v"}}})) ++errors;
    for (int i = 0; i < kVersions; ++i)
      if (!iam.create_policy_version({.policy_arn = shared.arn, .policy_document = allow()})) ++errors;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, std::ref(iam()), t);
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);

  EXPECT_EQ(iam().list_roles({.max_items = 1000})->roles.size(), 1u + kThreads * kRoles);
  EXPECT_EQ(iam().get_role({"shared"})->tags.size(), static_cast<std::size_t>(kThreads * kTags));
  auto versions = iam().list_policy_versions({.policy_arn = shared.arn, .max_items = 1000});
  ASSERT_EQ(versions->versions.size(), 1u + kThreads * kVersions);
  std::set<std::string> ids;
  for (const auto& v : versions->versions) ids.insert(v.version_id);
  EXPECT_EQ(ids.size(), 1u + kThreads * kVersions);
  EXPECT_TRUE(ids.count("v" + std::to_string(1 + kThreads * kVersions)));
}

// Two connections (two LocalBackend objects on one file), one per thread: SQLite's lock and the
// busy timeout serialize them.
TEST_F(Storage, ConcurrentConnectionsLoseNoUpdates) {
  LocalOptions o = test::test_options();
  o.quotas.versions_per_policy = 1000;
  reopen(o);
  role("shared");
  auto shared = policy("shared");
  auto second = LocalBackend::open(db_path(), o);
  ASSERT_TRUE(succeeded(second));
  std::atomic<int> errors{0};
  auto work = [&](LocalBackend& iam, int t) {
    for (int i = 0; i < 100; ++i) {
      if (!iam.create_role({.role_name = "c" + std::to_string(t) + "-" + std::to_string(i),
                            .assume_role_policy_document = test::kSagemakerTrust}))
        ++errors;
      if (!iam.create_policy_version({.policy_arn = shared.arn, .policy_document = allow()})) ++errors;
    }
    for (int i = 0; i < 25; ++i)
      if (!iam.tag_role({"shared", {{"c" + std::to_string(t) + "-" + std::to_string(i), "v"}}})) ++errors;
  };
  std::thread a(work, std::ref(iam()), 0);
  std::thread b(work, std::ref(*second.value()), 1);
  a.join();
  b.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(iam().list_roles({.max_items = 1000})->roles.size(), 201u);
  EXPECT_EQ(iam().get_role({"shared"})->tags.size(), 50u);
  EXPECT_EQ(iam().list_policy_versions({.policy_arn = shared.arn, .max_items = 1000})->versions.size(), 201u);
}

// Two processes writing the same file at once.
TEST_F(Storage, ConcurrentProcessesLoseNoUpdates) {
  LocalOptions o = test::test_options();
  o.quotas.versions_per_policy = 1000;
  reopen(o);
  role("shared");
  auto shared = policy("shared");
  iam_.reset();  // no connection crosses fork()

  constexpr int kProcesses = 2, kRoles = 100, kVersions = 100, kTags = 25;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int bad = 0;
      auto opened = LocalBackend::open(db_path(), o);
      if (!opened) ::_exit(100);
      auto& iam = *opened.value();
      for (int i = 0; i < kRoles; ++i) {
        bad += !iam.create_role({.role_name = "p" + std::to_string(p) + "-" + std::to_string(i),
                                 .assume_role_policy_document = test::kSagemakerTrust}).ok();
        if (i < kVersions) bad += !iam.create_policy_version({.policy_arn = shared.arn, .policy_document = allow()}).ok();
        if (i < kTags) bad += !iam.tag_role({"shared", {{"p" + std::to_string(p) + "-" + std::to_string(i), "v"}}}).ok();
      }
      ::_exit(bad == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  reopen(o);
  EXPECT_EQ(iam().list_roles({.max_items = 1000})->roles.size(), 1u + kProcesses * kRoles);
  EXPECT_EQ(iam().get_role({"shared"})->tags.size(), static_cast<std::size_t>(kProcesses * kTags));
  auto versions = iam().list_policy_versions({.policy_arn = shared.arn, .max_items = 1000});
  std::set<std::string> ids;
  for (const auto& v : versions->versions) ids.insert(v.version_id);
  EXPECT_EQ(ids.size(), 1u + kProcesses * kVersions);
  EXPECT_EQ(versions->versions.front().version_id, "v" + std::to_string(1 + kProcesses * kVersions));
}

// With read connections (what `iamforge serve` uses), reads run on their own connections while
// writers commit on the main one: every read sees every write committed before it started (a
// reader never serves a stale snapshot), and concurrent readers and writers lose nothing.
TEST_F(Storage, ReadConnectionsSeeEveryCommittedWrite) {
  LocalOptions o = test::test_options();
  o.read_connections = 3;
  reopen(o);
  constexpr int kWriters = 2, kReaders = 3, kRoles = 60;
  std::atomic<int> errors{0}, stale{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRoles; ++i) {
        std::string name = "w" + std::to_string(t) + "-" + std::to_string(i);
        if (!iam().create_role({.role_name = name, .assume_role_policy_document = test::kSagemakerTrust})) ++errors;
        // Read-your-writes through whichever read connection this call gets.
        if (!iam().get_role({name})) ++stale;
      }
    });
  for (int t = 0; t < kReaders; ++t)
    threads.emplace_back([&] {
      std::size_t last = 0;
      for (int i = 0; i < 100; ++i) {
        auto roles = iam().list_roles({.max_items = 1000});
        if (!roles) {
          ++errors;
          continue;
        }
        if (roles->roles.size() < last) ++stale;  // counts only grow
        last = roles->roles.size();
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(stale.load(), 0);
  EXPECT_EQ(iam().list_roles({.max_items = 1000})->roles.size(), static_cast<std::size_t>(kWriters * kRoles));
  // Writes still go through the main connection when reads have their own.
  EXPECT_TRUE(succeeded(iam().delete_role({"w0-0"})));
  EXPECT_FALSE(iam().get_role({"w0-0"}).ok());
}
