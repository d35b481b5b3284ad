#pragma once
// Shared fixture for the local backend tests: a fresh temp directory and database per test, a
// pinned clock, policy documents, and an assertion on AWS's error code and message.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "iamforge/backend/local_backend.hpp"

namespace iamforge::test {

/// A directory under $TMPDIR removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "iamforge-backend-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    if (!p) throw std::runtime_error("mkdtemp failed");
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// 2024-05-08T23:34:01Z, the date of AWS's CreateRole example.
inline std::chrono::system_clock::time_point pinned_time() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1715211241));
}

inline backend::LocalOptions test_options() {
  backend::LocalOptions o;
  o.clock = pinned_time;
  return o;
}

inline const std::string kSagemakerTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

/// An identity policy allowing `action` on `resource`.
inline std::string allow(const std::string& action = "s3:GetObject",
                         const std::string& resource = "arn:aws:s3:::ml-datasets-1/*") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" + action + R"(","Resource":")" +
         resource + R"("}]})";
}

/// The founding example's managed policy (examples/seed/ml-policy.json).
inline const std::string kMlPolicy = R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::ml-datasets-*/*"]},
    {"Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:TerminateInstances"], "Resource": ["*"]}
  ]
})";

/// Succeeds when `r` failed with `code` and exactly `message`.
template <class R>
::testing::AssertionResult fails_with(const R& r, backend::ErrorCode code, const std::string& message) {
  if (r.ok()) return ::testing::AssertionFailure() << "call succeeded; expected " << backend::to_string(code);
  const auto& e = r.error();
  if (e.code != code || e.message != message || e.http_status != backend::http_status_of(code))
    return ::testing::AssertionFailure() << "got " << backend::to_string(e) << " (HTTP " << e.http_status
                                         << "); expected " << backend::to_string(code) << ": " << message;
  return ::testing::AssertionSuccess();
}

/// Succeeds when `r` failed with `code` (any message).
template <class R>
::testing::AssertionResult fails_with(const R& r, backend::ErrorCode code) {
  if (r.ok()) return ::testing::AssertionFailure() << "call succeeded; expected " << backend::to_string(code);
  if (r.error().code != code) return ::testing::AssertionFailure() << "got " << backend::to_string(r.error());
  return ::testing::AssertionSuccess();
}

/// Succeeds when `r` succeeded; prints the error otherwise.
template <class R>
::testing::AssertionResult succeeded(const R& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << backend::to_string(r.error());
}

/// A fresh local IAM per test.
class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  /// Closes the backend (if open) and opens the same file again.
  void reopen(backend::LocalOptions options = test_options()) {
    iam_.reset();
    auto r = backend::LocalBackend::open(db_path(), std::move(options));
    ASSERT_TRUE(r.ok()) << backend::to_string(r.error());
    iam_ = std::move(r).value();
  }
  std::string db_path() const { return (dir_.path() / "iam.db").string(); }
  backend::LocalBackend& iam() { return *iam_; }

  /// Creates a role / policy / user / group or fails the test.
  backend::Role role(const std::string& name, const std::string& path = "/") {
    auto r = iam().create_role({.role_name = name, .assume_role_policy_document = kSagemakerTrust, .path = path});
    EXPECT_TRUE(succeeded(r));
    return r.ok() ? r.value() : backend::Role{};
  }
  backend::ManagedPolicy policy(const std::string& name, const std::string& document = allow(),
                                const std::string& path = "/") {
    auto r = iam().create_policy({.policy_name = name, .policy_document = document, .path = path});
    EXPECT_TRUE(succeeded(r));
    return r.ok() ? r.value() : backend::ManagedPolicy{};
  }
  backend::User user(const std::string& name) {
    auto r = iam().create_user({.user_name = name});
    EXPECT_TRUE(succeeded(r));
    return r.ok() ? r.value() : backend::User{};
  }
  backend::Group group(const std::string& name) {
    auto r = iam().create_group({.group_name = name});
    EXPECT_TRUE(succeeded(r));
    return r.ok() ? r.value() : backend::Group{};
  }

  TempDir dir_;
  std::unique_ptr<backend::LocalBackend> iam_;
};

/// The ARN of customer managed policy `name` (default account, path "/").
inline std::string policy_arn(const std::string& name) { return "arn:aws:iam::123456789012:policy/" + name; }

/// True if `id` is a 4-character `prefix` and 17 characters of A-Z / 2-7.
inline bool is_unique_id(const std::string& id, const std::string& prefix) {
  if (id.size() != 21 || id.compare(0, 4, prefix) != 0) return false;
  for (std::size_t i = 4; i < id.size(); ++i)
    if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '2' && id[i] <= '7'))) return false;
  return true;
}

}  // namespace iamforge::test
