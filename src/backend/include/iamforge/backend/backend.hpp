#pragma once
/// The IAM Backend interface: one virtual per IAM API operation (operations.def), with AWS's
/// request and response shapes (types.hpp) and AWS's errors as values (error.hpp). Implemented by
/// LocalBackend (embedded, SQLite) and, later, by a client of AWS's IAM Query API.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "iamforge/backend/error.hpp"
#include "iamforge/backend/types.hpp"

namespace iamforge::backend {

/// One IAM API action, spelled as AWS spells it (`Operation::CreateRole`).
enum class Operation : std::uint8_t {
#define IAM_OPERATION(action, method, request, response) action,
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION
};

/// The action name as the Query API's `Action` parameter has it, e.g. "CreateRole".
std::string_view to_string(Operation op);
/// The operation for an `Action` parameter (exact, case-sensitive), or nullopt.
std::optional<Operation> operation_from_string(std::string_view action);
/// Every operation, in operations.def order.
std::span<const Operation> all_operations();

/// An IAM account as the engine sees it. Every method is one IAM API call: it either succeeds with
/// AWS's response shape or fails with AWS's error code and message; none throws for an IAM error.
/// Implementations are safe to call from several threads at once.
class Backend {
 public:
  virtual ~Backend() = default;

  // One pure virtual per line of operations.def, e.g.
  //   virtual Result<Role> create_role(const CreateRoleRequest& request) = 0;
#define IAM_OPERATION(action, method, request_type, response_type) \
  virtual Result<response_type> method(const request_type& request) = 0;
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION

  /// The role's permissions boundary, or nullopt when it has none. IAM has no
  /// GetRolePermissionsBoundary action: this reads GetRole's `PermissionsBoundary`.
  Result<std::optional<AttachedPermissionsBoundary>> get_role_permissions_boundary(const std::string& role_name);
};

}  // namespace iamforge::backend
