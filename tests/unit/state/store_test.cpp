// Unit tests for iamforge::state::Store: persistence across opens, outputs, history, locks.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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
