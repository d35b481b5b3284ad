#pragma once
/// Credentials, region and endpoint resolution as the AWS CLI does it (environment, shared
/// credentials file, config file, explicit options). Secrets never appear in an error message.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "iamforge/aws/sigv4.hpp"
#include "iamforge/backend/error.hpp"

namespace iamforge::aws {

class Transport;

/// Retry behaviour (exponential backoff with full jitter: sleep = uniform(0, min(cap, base * 2^n))).
struct RetryOptions {
  int max_attempts = 5;                                 ///< per call, for Throttling, 5xx and connection errors
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{20000};
  /// Eventual-consistency errors (e.g. "Invalid principal in policy" right after the principal
  /// was created, ConcurrentModification): attempts and backoff of their own, longer, bounded.
  int consistency_attempts = 8;
  std::chrono::milliseconds consistency_base_delay{1000};
  std::chrono::milliseconds consistency_max_delay{8000};
  /// Sleeps between attempts (std::this_thread::sleep_for when empty; tests record instead).
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// How to reach IAM. Every member is optional: unset members are resolved as the AWS CLI does.
struct ClientOptions {
  std::optional<std::string> endpoint_url;  ///< --endpoint-url (wins over AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL)
  std::optional<std::string> region;        ///< --region (wins over AWS_REGION / AWS_DEFAULT_REGION / config)
  std::optional<std::string> profile;       ///< --profile (wins over AWS_PROFILE; skips the environment's keys)
  std::optional<Credentials> credentials;   ///< explicit keys (win over everything)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};  ///< whole request, per attempt
  RetryOptions retry;
  /// Environment lookup (std::getenv when empty); tests inject a map.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  /// HTTP transport (libcurl when null); tests inject fakes.
  std::shared_ptr<Transport> transport;
};

/// The outcome of resolution.
struct ResolvedConfig {
  Credentials credentials;
  std::string credentials_source;  ///< e.g. "environment", "shared credentials file /root/.aws/credentials [default]"
  std::string profile;
  std::string region;          ///< the configured region (us-east-1 when none)
  std::string endpoint_url;    ///< scheme://host[:port][/path], no trailing slash
  std::string signing_region;  ///< us-east-1 for the global endpoint; the configured region for a custom one
  bool custom_endpoint = false;
};

/// A minimal INI reader for ~/.aws/credentials and ~/.aws/config: section -> key -> value
/// (keys lower case; indented sub-section lines are skipped). Missing file: nullopt.
std::optional<std::map<std::string, std::map<std::string, std::string>>> read_ini_file(const std::string& path);

/// Resolves credentials, region and endpoint. Fails with MissingAuthenticationToken (no
/// credentials; the message names every place looked at) or InvalidInput (bad profile or
/// endpoint). The message never contains a secret access key or session token.
backend::Result<ResolvedConfig> resolve_config(const ClientOptions& options);

}  // namespace iamforge::aws
