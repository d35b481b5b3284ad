#pragma once
// The iamforge commands. Each returns the process exit code (see README "Exit codes").
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace iamforge::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;   // errors found (or findings at/above --fail-on), unreadable input
inline constexpr int kExitUsage = 2;      // bad flags or arguments
inline constexpr int kExitInternal = 70;  // a bug: please report

struct ValidateOptions {
  std::vector<std::string> files;
  std::string type = "identity";
  std::string format = "human";
  std::string fail_on = "error";
  bool aws_managed = false;
};
int run_validate(const ValidateOptions& o);

struct FmtOptions {
  std::vector<std::string> files;
  std::string type = "identity";
  bool check = false;
};
int run_fmt(const FmtOptions& o);

struct SimulateOptions {
  std::vector<std::string> policies, scps, rcps;
  std::string resource_policy, boundary, session_policy;
  std::string principal, action, resource = "*", resource_account;
  std::vector<std::string> context;
  std::string format = "human";
  std::string cases;
  bool check_expected = false;
  unsigned jobs = 0;  // worker threads for --cases; 0 = one per core
};
int run_simulate(const SimulateOptions& o);

}  // namespace iamforge::cli

namespace iamforge::cli {

// Stacks as code (issue 3): plan / apply / output / destroy on the embedded local IAM.
/// A stack given as text by a C++ SDK program (src/sdk) instead of a file: `path` names the rendered
/// YAML in messages, `origin(line)` the C++ declaration behind a line of it ("main.cpp:42") or "".
struct EmbeddedStack {
  std::string path;
  std::string text;
  std::function<std::string(std::uint32_t line)> origin;
};

struct StackOptions {
  const EmbeddedStack* program = nullptr;  // set by SDK programs: no file is read; state in ./.iamforge
  std::string file = "Pulumi.yaml";
  std::string stack = "dev";
  std::string format = "human";
  std::string target = "local";          // local | aws
  std::string endpoint_url, region, profile;  // --target aws (else as the AWS CLI finds them)
  std::vector<std::string> config;  // --config key=value
  bool detailed_exitcode = false;
  bool yes = false;
  bool refresh = false;             // plan/apply --refresh
  int parallel = 10;                // apply --parallel
  std::string output_name;
  std::vector<std::string> import_args;  // import TYPE LOGICAL_NAME ID
};
int run_plan(const StackOptions& o);
int run_apply(const StackOptions& o);
int run_output(const StackOptions& o);
int run_destroy(const StackOptions& o);
int run_refresh(const StackOptions& o);
int run_import(const StackOptions& o);
int run_history(const StackOptions& o);

}  // namespace iamforge::cli

namespace iamforge::cli {

// `iamforge serve` (issue 4): the IAM Query API and STS over the local IAM.
struct ServeOptions {
  std::string listen = "127.0.0.1:0";
  std::string data = ".iamforge";
  std::string account = "123456789012";
  std::string admin_key_file;
  bool no_enforce = false;
  int threads = 0;  ///< event-loop threads (0: max(2, cores))
  bool simulate_per_resource = false;  ///< Simulate APIs: the older one-result-per-resource model
};
int run_serve(const ServeOptions& o);

}  // namespace iamforge::cli

namespace iamforge::cli {
// `iamforge local quota [NAME=VALUE...]`: show or raise the local IAM's account quotas.
struct LocalQuotaOptions {
  std::string data = ".iamforge";
  std::vector<std::string> assignments;
  std::string format = "human";
};
int run_local_quota(const LocalQuotaOptions& o);

/// The whole command line (iamforge's main); `program` is set when an SDK program runs it.
int run(int argc, char** argv, const EmbeddedStack* program = nullptr);
}  // namespace iamforge::cli
