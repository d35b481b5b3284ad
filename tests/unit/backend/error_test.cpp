// The error-code table, ApiError, Result<T>, and the operation list.
#include "iamforge/backend/backend.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace iamforge::backend;

// AWS: reference §6.2 -- the codes and statuses the local IAM and the Query API speak.
TEST(ErrorCodes, MapToAwsHttpStatuses) {
  EXPECT_EQ(http_status_of(ErrorCode::NoSuchEntity), 404);
  EXPECT_EQ(http_status_of(ErrorCode::EntityAlreadyExists), 409);
  EXPECT_EQ(http_status_of(ErrorCode::DeleteConflict), 409);
  EXPECT_EQ(http_status_of(ErrorCode::LimitExceeded), 409);
  EXPECT_EQ(http_status_of(ErrorCode::ConcurrentModification), 409);
  EXPECT_EQ(http_status_of(ErrorCode::MalformedPolicyDocument), 400);
  EXPECT_EQ(http_status_of(ErrorCode::InvalidInput), 400);
  EXPECT_EQ(http_status_of(ErrorCode::ValidationError), 400);
  EXPECT_EQ(http_status_of(ErrorCode::Throttling), 400);
  EXPECT_EQ(http_status_of(ErrorCode::AccessDenied), 403);
  EXPECT_EQ(http_status_of(ErrorCode::ServiceFailure), 500);
  EXPECT_EQ(fault_of(ErrorCode::ServiceFailure), Fault::Receiver);
  EXPECT_EQ(fault_of(ErrorCode::NoSuchEntity), Fault::Sender);
  EXPECT_EQ(to_string(Fault::Receiver), "Receiver");
}

TEST(ErrorCodes, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::PolicyEvaluation); ++i) {
    auto code = static_cast<ErrorCode>(i);
    auto back = error_code_from_string(to_string(code));
    ASSERT_TRUE(back.has_value()) << to_string(code);
    EXPECT_EQ(*back, code);
  }
  EXPECT_EQ(to_string(ErrorCode::MalformedPolicyDocument), "MalformedPolicyDocument");
  EXPECT_FALSE(error_code_from_string("nosuchentity").has_value());
  EXPECT_FALSE(error_code_from_string("Bogus").has_value());
}

TEST(ApiError, TakesItsStatusFromTheTable) {
  ApiError e(ErrorCode::DeleteConflict, "Cannot delete entity, must detach all policies first.");
  EXPECT_EQ(e.http_status, 409);
  EXPECT_EQ(to_string(e), "DeleteConflict: Cannot delete entity, must detach all policies first.");
}

TEST(Result, HoldsAValueOrAnError) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  Result<int> bad = ApiError(ErrorCode::NoSuchEntity, "gone");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::NoSuchEntity);
  EXPECT_EQ(bad.error().http_status, 404);
  Status fine;
  EXPECT_TRUE(fine.ok());
  Status failed = ApiError(ErrorCode::ServiceFailure, "x");
  EXPECT_EQ(failed.error().http_status, 500);
  Result<std::string> moved = std::string("abc");
  std::string s = std::move(moved).value();
  EXPECT_EQ(s, "abc");
}

TEST(Operations, NamesAreTheIamActionNames) {
  auto ops = all_operations();
  EXPECT_EQ(ops.size(), 72u);  // 64 + access keys (4) + UpdateUser, UpdateGroup, Tag/UntagInstanceProfile
  std::set<std::string_view> seen;
  for (auto op : ops) {
    auto name = to_string(op);
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_EQ(operation_from_string(name), op);
  }
  EXPECT_EQ(to_string(Operation::CreateRole), "CreateRole");
  EXPECT_EQ(to_string(Operation::ListInstanceProfilesForRole), "ListInstanceProfilesForRole");
  EXPECT_FALSE(operation_from_string("createrole").has_value());
  EXPECT_FALSE(operation_from_string("GetRolePermissionsBoundary").has_value());  // not an IAM action
}
