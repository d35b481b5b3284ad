// The registry of providers, one per resource type of resource_types.def: see
// include/iamforge/engine/provider.hpp. The providers live in providers_entities.cpp (Role,
// Policy, Group, User, InstanceProfile) and providers_links.cpp (attachments, inline policies,
// memberships).
#include "iamforge/engine/provider.hpp"
#include "provider_util.hpp"

namespace iamforge::engine {

const Provider* find_provider(std::string_view type) {
  static const Provider* const all[] = {
      &detail::role_provider(),
      &detail::policy_provider(),
      &detail::role_policy_attachment_provider(),
      &detail::group_policy_attachment_provider(),
      &detail::user_policy_attachment_provider(),
      &detail::role_policy_provider(),
      &detail::group_policy_provider(),
      &detail::user_policy_provider(),
      &detail::group_provider(),
      &detail::user_provider(),
      &detail::group_membership_provider(),
      &detail::user_group_membership_provider(),
      &detail::instance_profile_provider(),
  };
  for (const auto* p : all)
    if (p->type() == type) return p;
  return nullptr;
}

}  // namespace iamforge::engine
