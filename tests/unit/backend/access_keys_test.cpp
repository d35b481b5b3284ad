// Access keys on the local IAM: CreateAccessKey / ListAccessKeys / UpdateAccessKey / DeleteAccessKey
// with AWS's semantics (AKIA ids, 40-character secrets, 2 per user, DeleteUser conflicts), and the
// server's lookup of a key's secret and owner.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "backend_test_util.hpp"

using namespace iamforge;
using namespace iamforge::backend;
using test::fails_with;
using test::succeeded;

namespace {
class AccessKeys : public test::LocalBackendTest {
 protected:
  void SetUp() override {
    LocalBackendTest::SetUp();
    ASSERT_TRUE(succeeded(iam().create_user({.user_name = "alice"})));
  }
};
}  // namespace

TEST_F(AccessKeys, CreateReturnsAnAkiaIdAndA40CharacterSecret) {
  auto key = iam().create_access_key({"alice"});
  ASSERT_TRUE(succeeded(key));
  EXPECT_EQ(key->user_name, "alice");
  EXPECT_EQ(key->access_key_id.size(), 20u);
  EXPECT_EQ(key->access_key_id.substr(0, 4), "AKIA");
  EXPECT_TRUE(std::all_of(key->access_key_id.begin(), key->access_key_id.end(),
                          [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); }));
  EXPECT_EQ(key->secret_access_key.size(), 40u);
  EXPECT_EQ(key->status, "Active");
  EXPECT_FALSE(key->create_date.empty());
  auto other = iam().create_access_key({"alice"});
  ASSERT_TRUE(succeeded(other));
  EXPECT_NE(other->access_key_id, key->access_key_id);
  EXPECT_NE(other->secret_access_key, key->secret_access_key);
}

TEST_F(AccessKeys, TwoPerUser) {
  ASSERT_TRUE(succeeded(iam().create_access_key({"alice"})));
  ASSERT_TRUE(succeeded(iam().create_access_key({"alice"})));
  EXPECT_TRUE(fails_with(iam().create_access_key({"alice"}), ErrorCode::LimitExceeded,
                         "Cannot exceed quota for AccessKeysPerUser: 2"));
}

TEST_F(AccessKeys, UnknownUser) {
  EXPECT_TRUE(fails_with(iam().create_access_key({"bob"}), ErrorCode::NoSuchEntity,
                         "The user with name bob cannot be found."));
  EXPECT_TRUE(fails_with(iam().list_access_keys({.user_name = "bob"}), ErrorCode::NoSuchEntity));
}

TEST_F(AccessKeys, ListUpdateDelete) {
  auto a = iam().create_access_key({"alice"});
  auto b = iam().create_access_key({"alice"});
  ASSERT_TRUE(succeeded(a) && succeeded(b));
  auto list = iam().list_access_keys({.user_name = "alice"});
  ASSERT_TRUE(succeeded(list));
  ASSERT_EQ(list->access_key_metadata.size(), 2u);
  EXPECT_FALSE(list->is_truncated);
  for (const auto& m : list->access_key_metadata) {
    EXPECT_EQ(m.user_name, "alice");
    EXPECT_EQ(m.status, "Active");
  }
  auto page = iam().list_access_keys({.user_name = "alice", .max_items = 1});
  ASSERT_TRUE(succeeded(page));
  EXPECT_EQ(page->access_key_metadata.size(), 1u);
  EXPECT_TRUE(page->is_truncated);
  auto rest = iam().list_access_keys({.user_name = "alice", .marker = page->marker});
  ASSERT_TRUE(succeeded(rest));
  EXPECT_EQ(rest->access_key_metadata.size(), 1u);
  EXPECT_NE(rest->access_key_metadata[0].access_key_id, page->access_key_metadata[0].access_key_id);

  ASSERT_TRUE(succeeded(iam().update_access_key({"alice", a->access_key_id, "Inactive"})));
  EXPECT_EQ(iam().find_access_key(a->access_key_id)->status, "Inactive");
  EXPECT_TRUE(fails_with(iam().update_access_key({"alice", a->access_key_id, "Sleeping"}), ErrorCode::ValidationError));

  // A user with keys can't be deleted.
  EXPECT_TRUE(fails_with(iam().delete_user({"alice"}), ErrorCode::DeleteConflict,
                         "Cannot delete entity, must delete access keys first."));
  ASSERT_TRUE(succeeded(iam().delete_access_key({"alice", a->access_key_id})));
  EXPECT_TRUE(fails_with(iam().delete_access_key({"alice", a->access_key_id}), ErrorCode::NoSuchEntity,
                         "The Access Key with id " + a->access_key_id + " cannot be found."));
  ASSERT_TRUE(succeeded(iam().delete_access_key({"alice", b->access_key_id})));
  EXPECT_TRUE(succeeded(iam().delete_user({"alice"})));
}

TEST_F(AccessKeys, KeysOfOtherUsersAreNotFound) {
  ASSERT_TRUE(succeeded(iam().create_user({.user_name = "bob"})));
  auto a = iam().create_access_key({"alice"});
  ASSERT_TRUE(succeeded(a));
  EXPECT_TRUE(fails_with(iam().delete_access_key({"bob", a->access_key_id}), ErrorCode::NoSuchEntity));
  EXPECT_TRUE(fails_with(iam().update_access_key({"bob", a->access_key_id, "Inactive"}), ErrorCode::NoSuchEntity));
}

TEST_F(AccessKeys, LookupForAuthenticationSurvivesReopen) {
  auto a = iam().create_access_key({"alice"});
  ASSERT_TRUE(succeeded(a));
  reopen();
  auto cred = iam().find_access_key(a->access_key_id);
  ASSERT_TRUE(cred.has_value());
  EXPECT_EQ(cred->secret_access_key, a->secret_access_key);
  EXPECT_EQ(cred->status, "Active");
  EXPECT_EQ(cred->user.user_name, "alice");
  EXPECT_EQ(cred->user.arn, "arn:aws:iam::123456789012:user/alice");
  EXPECT_FALSE(iam().find_access_key("AKIAAAAAAAAAAAAAAAAA").has_value());
}
