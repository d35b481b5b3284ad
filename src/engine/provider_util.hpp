#pragma once
// Shared by the per-type providers (providers_*.cpp): reading inputs, the text forms of tags and
// lists (exactly what the engine's raw_text gives for a spec::Value), tolerant deletes, paging
// through IAM's list calls, and the registry entry points of each provider file.
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/backend/backend.hpp"
#include "iamforge/engine/provider.hpp"

namespace iamforge::engine::detail {

/// The input's text, or `fallback` when it is absent or empty (an empty optional string means
/// "not given" to every IAM parameter the providers fill).
std::string get(const Props& p, std::string_view name, const std::string& fallback = "");
/// True when a Boolean input is "true".
bool flag(const Props& p, std::string_view name);
/// A whole number input (maxSessionDuration); InvalidInput when the text is not one.
backend::Result<int> integer(const Props& p, std::string_view name, int fallback);

/// Tags from a StringMap input's JSON text ({"k":"v"}); InvalidInput when it is not such an object.
backend::Result<std::vector<backend::Tag>> parse_tags(const std::string& text);
/// The JSON text a stack's StringMap of these tags has (spec::to_json: keys sorted, Go escaping).
std::string tags_text(const std::vector<backend::Tag>& tags);
/// Strings from a StringList input's JSON text (["a","b"]); InvalidInput when it is not such a list.
backend::Result<std::vector<std::string>> parse_list(const std::string& text);
/// The JSON text a stack's StringList of these strings has, in the order given.
std::string list_text(const std::vector<std::string>& items);
/// Sorted, without duplicates: lists with set semantics compare this way.
std::vector<std::string> as_set(std::vector<std::string> items);

/// An IAM error for a resource id that is not in the type's import format.
backend::ApiError bad_id(std::string_view type, const std::string& id, std::string_view format);
/// An IAM error for an update the type cannot make in place (the engine should have replaced).
backend::ApiError not_updatable(std::string_view type, std::string_view input);

/// True when `s` failed with NoSuchEntity.
template <class R>
bool missing(const R& r) {
  return !r.ok() && r.error().code == backend::ErrorCode::NoSuchEntity;
}
/// NoSuchEntity counts as success: a delete of something already gone has done its job.
backend::Status ignore_missing(backend::Status s);

/// Brings an entity's tags to exactly `want`: untags the keys it should not have, then tags the
/// ones missing or with another value. `untag(keys)` and `tag(tags)` make the IAM calls.
template <class Untag, class Tag>
backend::Status reconcile_tags(const std::vector<backend::Tag>& live, const std::vector<backend::Tag>& want,
                               Untag&& untag, Tag&& tag) {
  std::vector<std::string> drop;
  for (const auto& t : live) {
    bool kept = false;
    for (const auto& w : want) kept = kept || w.key == t.key;
    if (!kept) drop.push_back(t.key);
  }
  std::vector<backend::Tag> add;
  for (const auto& w : want) {
    bool same = false;
    for (const auto& t : live) same = same || (t.key == w.key && t.value == w.value);
    if (!same) add.push_back(w);
  }
  if (!drop.empty())
    if (auto s = untag(drop); !s.ok()) return s;
  if (!add.empty())
    if (auto s = tag(add); !s.ok()) return s;
  return {};
}

// Every page of IAM's paginated lists (markers followed to the end).
backend::Result<std::vector<std::string>> attached_policy_arns_of_role(backend::Backend& be, const std::string& role);
backend::Result<std::vector<std::string>> attached_policy_arns_of_user(backend::Backend& be, const std::string& user);
backend::Result<std::vector<std::string>> attached_policy_arns_of_group(backend::Backend& be, const std::string& group);
backend::Result<std::vector<std::string>> inline_policy_names_of_role(backend::Backend& be, const std::string& role);
backend::Result<std::vector<std::string>> group_member_names(backend::Backend& be, const std::string& group);
backend::Result<std::vector<std::string>> group_names_of_user(backend::Backend& be, const std::string& user);
backend::Result<std::vector<std::string>> instance_profile_names_of_role(backend::Backend& be, const std::string& role);

// The providers, one per line of resource_types.def (providers_entities.cpp, providers_links.cpp).
const Provider& role_provider();
const Provider& policy_provider();
const Provider& group_provider();
const Provider& user_provider();
const Provider& instance_profile_provider();
const Provider& role_policy_attachment_provider();
const Provider& group_policy_attachment_provider();
const Provider& user_policy_attachment_provider();
const Provider& role_policy_provider();
const Provider& group_policy_provider();
const Provider& user_policy_provider();
const Provider& group_membership_provider();
const Provider& user_group_membership_provider();

}  // namespace iamforge::engine::detail
