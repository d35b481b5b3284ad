#pragma once
/// The HTTP transport under the Query API client: an interface (tests inject fakes) and a libcurl
/// implementation with a pool of reusable handles (keep-alive connections, thread-safe).
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "iamforge/aws/sigv4.hpp"

namespace iamforge::aws {

/// One HTTP exchange's outcome. `error` non-empty means no HTTP response was had (connection
/// refused, DNS, TLS, timeout): a retryable transport failure.
struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;
};

/// Sends one request; never throws, never blocks beyond the timeouts.
class Transport {
 public:
  virtual ~Transport() = default;
  /// `base_url` is scheme://host[:port] (no path); the request carries path, query, headers, body.
  virtual HttpResponse send(const std::string& base_url, const HttpRequest& request,
                            std::chrono::milliseconds connect_timeout, std::chrono::milliseconds total_timeout) = 0;
  /// Why this transport can send nothing at all (e.g. libcurl could not be loaded), or empty. Not
  /// a network failure: callers report it at once instead of retrying.
  virtual std::string unavailable() { return {}; }
};

/// libcurl (HTTPS with the system's CA store; HTTP for local endpoints), opened with dlopen at the
/// first request.
std::shared_ptr<Transport> make_curl_transport();

}  // namespace iamforge::aws
