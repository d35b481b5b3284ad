#pragma once
// The iamforge commands. Each returns the process exit code (see README "Exit codes").
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
struct StackOptions {
  std::string file = "Pulumi.yaml";
  std::string stack = "dev";
  std::string format = "human";
  bool detailed_exitcode = false;
  bool yes = false;
  std::string output_name;
};
int run_plan(const StackOptions& o);
int run_apply(const StackOptions& o);
int run_output(const StackOptions& o);
int run_destroy(const StackOptions& o);

}  // namespace iamforge::cli
