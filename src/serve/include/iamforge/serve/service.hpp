#pragma once
/// The IAM Query API and STS as a service over the local IAM, independent of the HTTP library:
/// one received request in, one reply out. Authenticates (SigV4), authorizes (the policy engine),
/// decodes, calls the Backend, encodes. Thread-safe: handle() is called from many threads.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "iamforge/backend/local_backend.hpp"

namespace iamforge::serve {

/// A request as received: raw path and query (no decoding), headers in order, raw body.
struct HttpRequest {
  std::string method = "POST";
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// The reply to send.
struct HttpReply {
  int status = 200;
  std::string body;
  std::string request_id;
  std::string content_type = "text/xml";
};

struct ServiceOptions {
  bool enforce = true;  ///< authorize every call with the policy engine (off: moto's behaviour)
  std::chrono::seconds max_skew{15 * 60};
  /// Clock for signatures and sessions; system_clock::now when empty (tests pin it).
  std::function<std::chrono::system_clock::time_point()> clock;
  std::size_t max_body = 1 << 20;  ///< larger bodies: an AWS-style 413 (declared ones read and dropped up to 64 MiB)
  /// Simulate APIs: false (AWS's current model) gives one EvaluationResult per action with the
  /// most restrictive decision across the resources and each resource's own decision in
  /// ResourceSpecificResults; true gives the older model, one result per (action, resource).
  bool simulate_result_per_resource = false;
};

/// The bootstrap administrator (reference: issue 4).
inline constexpr const char* kAdminUserName = "iamforge-admin";
inline constexpr const char* kAdminPolicyName = "AdministratorAccess";
inline constexpr const char* kAdminPolicyDocument =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";

class Service {
 public:
  Service(backend::LocalBackend& backend, ServiceOptions options = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Answers one request. Never throws; every failure is an AWS error envelope.
  HttpReply handle(const HttpRequest& request);

  /// An error reply for the HTTP layer's own failures (payload too large, bad framing).
  HttpReply error_reply(int http_status, std::string_view code, std::string message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iamforge::serve
