#pragma once
/// The embedded local IAM: a Backend kept in one SQLite database file, with AWS's semantics
/// (ARNs, unique ids, name rules, quotas, delete prerequisites, policy validation).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "iamforge/backend/backend.hpp"

namespace iamforge::backend {

/// IAM quotas (reference §5.4), AWS's defaults. Exceeding one fails with LimitExceeded.
struct Quotas {
  int attached_policies_per_role = 10;   ///< "PoliciesPerRole" (AWS allows raising it to 20)
  int attached_policies_per_user = 10;   ///< "PoliciesPerUser"
  int attached_policies_per_group = 10;  ///< "PoliciesPerGroup"
  int groups_per_user = 10;              ///< "GroupsPerUser"
  int roles_per_instance_profile = 1;    ///< "InstanceSessionsPerInstanceProfile"
  int versions_per_policy = 5;           ///< managed policy versions kept
  int tags_per_entity = 50;              ///< tags on one role, user, policy or instance profile
  std::size_t policy_size = 6144;              ///< managed policy, non-whitespace characters
  std::size_t assume_role_policy_size = 2048;  ///< trust policy ("ACLSizePerRole")
  std::size_t role_policy_size = 10240;        ///< all inline policies of one role together
  std::size_t user_policy_size = 2048;         ///< all inline policies of one user together
  std::size_t group_policy_size = 5120;        ///< all inline policies of one group together
  int roles = 1000;              ///< per account ("RolesPerAccount"); AWS allows up to 5,000
  int policies = 1500;           ///< customer managed policies per account
  int users = 5000;              ///< per account
  int groups = 300;              ///< per account
  int instance_profiles = 1000;  ///< per account
};

/// How hard a commit is pushed to disk.
enum class Durability : std::uint8_t {
  Normal,  ///< survives a crash of the process (SQLite WAL, synchronous=NORMAL)
  Full,    ///< also survives power loss (synchronous=FULL; slower)
};

/// How a LocalBackend is opened.
struct LocalOptions {
  std::string account_id = "123456789012";  ///< 12 digits; a new database keeps it for good
  std::string partition = "aws";            ///< aws, aws-cn or aws-us-gov
  Quotas quotas;
  std::chrono::milliseconds busy_timeout{10000};  ///< wait for another process's write this long
  Durability durability = Durability::Normal;
  /// Read-only connections for concurrent readers (a server's threads): read calls then run in
  /// parallel with each other, each on its own connection (SQLite WAL readers don't block);
  /// 0 (the default): every call runs on the one connection, one at a time.
  int read_connections = 0;
  /// Source of CreateDate values; system_clock::now when empty (tests pin it).
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// The embedded local IAM. One database file holds one account; every mutating call is one
/// transaction. Safe to use from several threads (calls are serialized on one connection) and from
/// several processes (SQLite locking, WAL, a busy timeout).
/// With LocalOptions::read_connections, read calls run concurrently with each other.
class LocalBackend final : public Backend {
 public:
  /// Opens `path`, creating the file and its schema when missing or empty. Fails (never crashes) on
  /// a corrupt file, a file that is not an iamforge database, a newer schema, an account id or
  /// partition other than the one the database was created with, or bad options.
  static Result<std::unique_ptr<LocalBackend>> open(const std::string& path, LocalOptions options = {});

  ~LocalBackend() override;
  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;

  /// The account the database belongs to.
  const std::string& account_id() const;
  /// The partition of every ARN it issues.
  const std::string& partition() const;
  /// The database file.
  const std::string& path() const;

  /// The account quotas an owner may change (AWS: Service Quotas), by AWS's quota name
  /// ("RolesPerAccount", "PoliciesPerRole", ...), with their values in force.
  std::vector<std::pair<std::string, int>> adjustable_quotas() const;
  /// Sets one of adjustable_quotas() for good (kept in the database; later opens use it).
  /// InvalidInput for an unknown name or a value below 1.
  Status set_quota(std::string_view name, int value);

#define IAM_OPERATION(action, method, request_type, response_type) \
  Result<response_type> method(const request_type& request) override;
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION

  /// An access key with its secret and owner, for a server authenticating requests (not an IAM
  /// API call). Nullopt when no user has this key.
  struct Credential {
    std::string access_key_id;
    std::string secret_access_key;
    std::string status;  ///< Active | Inactive
    User user;           ///< list form (no tags, no boundary)
  };
  std::optional<Credential> find_access_key(const std::string& access_key_id);

  /// An STS session (AssumeRole's temporary credentials), kept in the store so that it outlives
  /// the server that issued it, as AWS's do (not an IAM API call).
  struct StsSession {
    std::string access_key_id;  ///< ASIA + 16 characters
    std::string secret_access_key;
    std::string session_token;
    std::string role_name;
    std::string role_arn;
    std::string role_id;
    std::string session_name;
    std::string session_policy;  ///< the session policy document; empty when none
    std::int64_t expiration = 0;  ///< seconds since the Unix epoch
    bool chained = false;         ///< assumed with another session's credentials
  };
  /// How long an expired session is kept (its requests get ExpiredToken rather than
  /// InvalidClientTokenId); older ones are deleted by store_sts_session.
  static constexpr std::int64_t kExpiredSessionRetention = 24 * 3600;
  /// Stores a new session and, in the same transaction, records the role's use at `used_at`
  /// (ISO-8601) in `region` (RoleLastUsed) and deletes sessions expired for more than
  /// kExpiredSessionRetention before `now` (seconds since the epoch). NoSuchEntity when the role
  /// (by role id) is gone.
  Status store_sts_session(const StsSession& session, std::string_view used_at, std::string_view region,
                           std::int64_t now);
  /// The stored session with this access key id (expired or not), or nullopt.
  Result<std::optional<StsSession>> find_sts_session(const std::string& access_key_id);
  /// Records that the role with id `role_id` was used at `used_at` (ISO-8601) in `region`
  /// (RoleLastUsed); a role that no longer exists is ignored.
  Status record_role_use(const std::string& role_id, std::string_view used_at, std::string_view region);

  /// The schema version this build writes (stored in the `schema_version` table). Older versions
  /// are migrated when opened (1 -> 2: STS sessions, RoleLastUsed).
  static constexpr int kSchemaVersion = 2;

 private:
  struct Impl;
  explicit LocalBackend(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iamforge::backend
