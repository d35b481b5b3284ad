// Unit tests for iamforge::state::Store: persistence across opens, outputs, history, locks.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "iamforge/state/store.hpp"

namespace fs = std::filesystem;
using namespace iamforge::state;

namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("iamforge-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    path_ = (dir_ / ".iamforge" / "state.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string path_;
};

ResourceRecord role() {
  return {"mlTeamRole", "aws:iam:Role", "mlTeamRole-abc1234", "mlTeamRole-abc1234", "abc1234",
          R"({"assumeRolePolicy":"{}"})", R"({"arn":"arn:aws:iam::123456789012:role/mlTeamRole-abc1234"})"};
}

}  // namespace

TEST_F(StoreTest, CreatesDirectoryAndPersistsResources) {
  {
    auto store = Store::open(path_);
    store->put_resource("dev", role());
    auto policy = role();
    policy.logical_name = "mlPolicy";
    policy.type = "aws:iam:Policy";
    store->put_resource("dev", policy);
  }
  ASSERT_TRUE(fs::exists(path_));
  auto store = Store::open(path_);
  auto all = store->resources("dev");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].logical_name, "mlTeamRole");  // insertion order kept
  EXPECT_EQ(all[1].logical_name, "mlPolicy");
  EXPECT_EQ(all[0].suffix, "abc1234");
  EXPECT_EQ(all[0].outputs_json, role().outputs_json);
  EXPECT_TRUE(store->resources("prod").empty());  // stacks are independent
}

TEST_F(StoreTest, UpdateKeepsOrderAndDeleteRemoves) {
  auto store = Store::open(path_);
  store->put_resource("dev", role());
  auto other = role();
  other.logical_name = "b";
  store->put_resource("dev", other);
  auto updated = role();
  updated.inputs_json = R"({"description":"x"})";
  store->put_resource("dev", updated);
  auto all = store->resources("dev");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].logical_name, "mlTeamRole");
  EXPECT_EQ(all[0].inputs_json, R"({"description":"x"})");
  store->delete_resource("dev", "mlTeamRole");
  EXPECT_FALSE(store->resource("dev", "mlTeamRole").has_value());
  EXPECT_TRUE(store->resource("dev", "b").has_value());
}

TEST_F(StoreTest, OutputsReplacedAsAWhole) {
  auto store = Store::open(path_);
  store->set_outputs("dev", {{"a", "\"1\""}, {"b", "\"2\""}});
  store->set_outputs("dev", {{"b", "\"3\""}});
  auto out = Store::open(path_)->outputs("dev");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out["b"], "\"3\"");
}

TEST_F(StoreTest, HistoryRecordsRunningAndFinished) {
  auto store = Store::open(path_);
  auto id = store->begin_history("dev", "Plan: 5 to create");
  auto h = store->history("dev");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].result, "");
  store->finish_history(id, "succeeded");
  h = store->history("dev");
  EXPECT_EQ(h[0].result, "succeeded");
  EXPECT_FALSE(h[0].finished_at.empty());
}

TEST_F(StoreTest, LockHeldByLiveProcessFailsFast) {
  auto store = Store::open(path_);
  // pid 1 is always alive.
  store->force_lock("dev", {1, current_host(), "2026-01-01T00:00:00Z"});
  try {
    store->acquire_lock("dev");
    FAIL() << "expected LockHeld";
  } catch (const LockHeld& e) {
    EXPECT_EQ(e.holder().pid, 1);
    EXPECT_NE(std::string(e.what()).find("since 2026-01-01T00:00:00Z"), std::string::npos);
  }
  store->acquire_lock("other");  // other stacks are not affected
}

TEST_F(StoreTest, LockOnAnotherHostIsNeverTakenOver) {
  auto store = Store::open(path_);
  store->force_lock("dev", {999999, "some-other-host", "2026-01-01T00:00:00Z"});
  EXPECT_THROW(store->acquire_lock("dev"), LockHeld);
}

TEST_F(StoreTest, StaleLockOfDeadPidIsTakenOver) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ::waitpid(child, &status, 0);  // child is dead and reaped
  auto store = Store::open(path_);
  store->force_lock("dev", {child, current_host(), "2026-01-01T00:00:00Z"});
  EXPECT_NO_THROW(store->acquire_lock("dev"));
  auto held = store->lock("dev");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->pid, ::getpid());
}

TEST_F(StoreTest, LockIsVisibleAcrossConnectionsAndReleased) {
  auto a = Store::open(path_);
  auto b = Store::open(path_);
  {
    StackLock lock(*a, "dev");
    ASSERT_TRUE(b->lock("dev").has_value());
    EXPECT_EQ(b->lock("dev")->pid, ::getpid());
  }
  EXPECT_FALSE(b->lock("dev").has_value());
}

TEST_F(StoreTest, ForeignFileIsRefused) {
  fs::create_directories(fs::path(path_).parent_path());
  std::ofstream(path_) << "this is not a database, just some text that is long enough to be noticed";
  EXPECT_THROW(Store::open(path_), StateError);
}

TEST_F(StoreTest, IntentsArePutListedAndDropped) {
  auto store = Store::open(path_);
  Intent i{"mlTeamRole", "create", "aws:iam:Role", "mlTeamRole-abc1234", "mlTeamRole-abc1234", "abc1234", "{}", "{}", ""};
  store->put_intent("dev", i);
  i.kind = "name";
  store->put_intent("dev", i);
  store->put_intent("other", i);
  auto got = store->intents("dev");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, "create");
  EXPECT_EQ(got[0].suffix, "abc1234");
  store->delete_intent("dev", "mlTeamRole", "create");
  ASSERT_EQ(store->intents("dev").size(), 1u);
  EXPECT_EQ(store->intents("dev")[0].kind, "name");
  EXPECT_EQ(store->intents("other").size(), 1u);
}

TEST_F(StoreTest, AtomicallyCommitsAllOrNothing) {
  auto store = Store::open(path_);
  store->put_intent("dev", {"r", "create", "aws:iam:Role", "r-1", "r-1", "1", "{}", "{}", ""});
  EXPECT_THROW(store->atomically([&] {
    store->put_resource("dev", role());
    store->delete_intent("dev", "r", "create");
    throw StateError("boom");
  }),
               StateError);
  EXPECT_TRUE(store->resources("dev").empty());
  EXPECT_EQ(store->intents("dev").size(), 1u);
  store->atomically([&] {
    store->put_resource("dev", role());
    store->atomically([&] { store->delete_intent("dev", "r", "create"); });  // nested calls join
  });
  EXPECT_EQ(store->resources("dev").size(), 1u);
  EXPECT_TRUE(store->intents("dev").empty());
}

TEST_F(StoreTest, PendingDeletesKeepTheirOrder) {
  auto store = Store::open(path_);
  store->add_pending_delete("dev", {0, "a", "aws:iam:Role", "a-1", "{}"});
  store->add_pending_delete("dev", {0, "b", "aws:iam:RolePolicyAttachment", "a-1/arn", "{}"});
  auto p = store->pending_deletes("dev");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].logical_name, "a");
  EXPECT_LT(p[0].seq, p[1].seq);
  store->delete_pending_delete(p[0].seq);
  ASSERT_EQ(store->pending_deletes("dev").size(), 1u);
  EXPECT_EQ(store->pending_deletes("dev")[0].logical_name, "b");
}

TEST_F(StoreTest, FlagsAndHistoryDetailsPersist) {
  {
    auto store = Store::open(path_);
    auto r = role();
    r.flags = "protect,retain";
    store->put_resource("dev", r);
    auto id = store->begin_history("dev", "destroy 1 resources", "destroy");
    store->finish_history(id, "succeeded", "delete mlTeamRole\n");
  }
  auto store = Store::open(path_);
  EXPECT_EQ(store->resource("dev", "mlTeamRole")->flags, "protect,retain");
  auto h = store->history("dev");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].kind, "destroy");
  EXPECT_EQ(h[0].details, "delete mlTeamRole\n");
}

TEST_F(StoreTest, SchemaVersion1IsMigrated) {
  fs::create_directories(fs::path(path_).parent_path());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const char* v1 = R"sql(
CREATE TABLE resources (seq INTEGER PRIMARY KEY AUTOINCREMENT, stack TEXT NOT NULL, logical_name TEXT NOT NULL,
  type TEXT NOT NULL, physical_id TEXT NOT NULL, physical_name TEXT NOT NULL, suffix TEXT NOT NULL,
  inputs TEXT NOT NULL, outputs TEXT NOT NULL, UNIQUE (stack, logical_name));
CREATE TABLE stack_outputs (stack TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (stack, name));
CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, stack TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL, result TEXT NOT NULL DEFAULT '');
CREATE TABLE locks (stack TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL);
INSERT INTO resources (stack, logical_name, type, physical_id, physical_name, suffix, inputs, outputs)
  VALUES ('dev', 'g', 'aws:iam:Group', 'g-1', 'g-1', '1', '{}', '{}');
INSERT INTO history (stack, started_at, summary) VALUES ('dev', '2026-01-01T00:00:00Z', 'Plan: 1 to create');
PRAGMA application_id=1229016403;
PRAGMA user_version=1;
)sql";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = Store::open(path_);
  auto r = store->resource("dev", "g");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flags, "");
  EXPECT_TRUE(store->intents("dev").empty());
  auto h = store->history("dev");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].kind, "apply");
  store->put_intent("dev", {"g", "delete", "aws:iam:Group", "g-1", "g-1", "", "{}", "{}", ""});
  EXPECT_EQ(store->intents("dev").size(), 1u);
}
