#pragma once
/// AwsBackend: the Backend interface over AWS's IAM Query API (reference §6): form-encoded POST,
/// Version=2010-05-08, SigV4-signed, XML replies, retries, pagination. Works against real IAM
/// and any IAM-compatible endpoint (moto, `iamforge serve`).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "iamforge/aws/config.hpp"
#include "iamforge/aws/transport.hpp"
#include "iamforge/backend/backend.hpp"

namespace iamforge::aws {

/// Query API parameters in the order they are sent (after Action and Version).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// Counters, for tests and figures.
struct ClientStats {
  std::uint64_t requests = 0;           ///< HTTP requests sent (attempts)
  std::uint64_t retries = 0;            ///< attempts after the first, all causes
  std::uint64_t consistency_retries = 0;  ///< of which for eventual-consistency errors
};

namespace client {
// operations.def names the request and response types unqualified.
using namespace iamforge::backend;  // NOLINT(google-build-using-namespace)

/// Pagination rule: a List*/GetGroup call with no `marker` and no `max_items` returns the complete
/// list (every page fetched, `is_truncated` false); with either set it returns exactly one page.
class AwsBackend final : public backend::Backend {
 public:
  AwsBackend(ResolvedConfig config, ClientOptions options);

#define IAM_OPERATION(action, method, request_type, response_type) \
  backend::Result<response_type> method(const request_type& request) override;
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION

  /// One Query API call with retries: the raw XML reply of a successful call.
  backend::Result<std::string> call(std::string_view action, const QueryParams& params);

  const ResolvedConfig& config() const { return config_; }
  ClientStats stats() const;

 private:
  /// Delay before retry `attempt` (0-based) with full jitter.
  std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap);

  ResolvedConfig config_;
  ClientOptions options_;
  std::shared_ptr<Transport> transport_;
  std::string base_url_;  ///< scheme://host[:port]
  std::string base_path_;  ///< path of the endpoint URL, "/" when none
  std::string host_;       ///< Host header value
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  std::atomic<std::uint64_t> requests_{0}, retries_{0}, consistency_retries_{0};
};
}  // namespace client
using client::AwsBackend;

/// Resolves the configuration (resolve_config) and opens an AwsBackend.
backend::Result<std::unique_ptr<AwsBackend>> open_aws_backend(const ClientOptions& options);
/// The same, as the engine's Backend interface.
backend::Result<std::unique_ptr<backend::Backend>> open_backend(const ClientOptions& options);

/// The error a Query API error reply stands for (`<ErrorResponse><Error><Code>...`), or for a
/// reply that is not one (ServiceFailure naming the HTTP status). Exposed for tests.
backend::ApiError parse_error_reply(long http_status, std::string_view body);

/// True when the error is one of IAM's eventual-consistency errors worth retrying.
bool is_consistency_error(const backend::ApiError& error);

}  // namespace iamforge::aws
