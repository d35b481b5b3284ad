// Operation names (operations.def) and the Backend's non-virtual helpers.
#include "iamforge/backend/backend.hpp"

#include <array>

namespace iamforge::backend {

namespace {
constexpr std::array<std::string_view, 0
#define IAM_OPERATION(action, method, request, response) +1
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION
                     >
    kNames = {
#define IAM_OPERATION(action, method, request, response) #action,
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION
};
constexpr std::array<Operation, kNames.size()> kOperations = {
#define IAM_OPERATION(action, method, request, response) Operation::action,
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION
};
}  // namespace

std::string_view to_string(Operation op) { return kNames[static_cast<std::size_t>(op)]; }

std::optional<Operation> operation_from_string(std::string_view action) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == action) return kOperations[i];
  return std::nullopt;
}

std::span<const Operation> all_operations() { return kOperations; }

Result<std::optional<AttachedPermissionsBoundary>> Backend::get_role_permissions_boundary(const std::string& role_name) {
  auto role = get_role(GetRoleRequest{role_name});
  if (!role) return role.error();
  return std::move(role->permissions_boundary);
}

}  // namespace iamforge::backend
