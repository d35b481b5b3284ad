// Helpers shared by the providers: see provider_util.hpp.
#include "provider_util.hpp"

#include <algorithm>
#include <charconv>

#include "iamforge/json/json.hpp"
#include "iamforge/spec/value.hpp"

namespace iamforge::engine::detail {

using backend::ApiError;
using backend::ErrorCode;
using backend::Result;
using backend::Status;

std::string get(const Props& p, std::string_view name, const std::string& fallback) {
  auto it = p.find(name);
  return it == p.end() || it->second.empty() ? fallback : it->second;
}

bool flag(const Props& p, std::string_view name) { return get(p, name) == "true"; }

Result<int> integer(const Props& p, std::string_view name, int fallback) {
  const std::string text = get(p, name);
  if (text.empty()) return fallback;
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    return ApiError(ErrorCode::InvalidInput, std::string(name) + " must be a whole number, not `" + text + "`");
  return v;
}

Result<std::vector<backend::Tag>> parse_tags(const std::string& text) {
  std::vector<backend::Tag> tags;
  if (text.empty()) return tags;
  auto r = json::parse(text);
  if (!r.ok() || !r.value.is_object()) return ApiError(ErrorCode::InvalidInput, "tags must be a map of strings: " + text);
  for (const auto& m : r.value.members) {
    if (!m.value.is_string()) return ApiError(ErrorCode::InvalidInput, "tag `" + m.key + "` must be a string");
    tags.push_back({m.key, m.value.text});
  }
  return tags;
}

std::string tags_text(const std::vector<backend::Tag>& tags) {
  std::vector<spec::Entry> entries;
  for (const auto& t : tags) entries.push_back({t.key, {}, spec::Value::of_string(t.value)});
  return spec::to_json(spec::Value::of_map(std::move(entries)));
}

Result<std::vector<std::string>> parse_list(const std::string& text) {
  std::vector<std::string> items;
  if (text.empty()) return items;
  auto r = json::parse(text);
  if (!r.ok() || !r.value.is_array()) return ApiError(ErrorCode::InvalidInput, "expected a list of strings: " + text);
  for (const auto& v : r.value.items) {
    if (!v.is_string()) return ApiError(ErrorCode::InvalidInput, "expected a list of strings: " + text);
    items.push_back(v.text);
  }
  return items;
}

std::string list_text(const std::vector<std::string>& items) {
  std::vector<spec::Value> values;
  for (const auto& s : items) values.push_back(spec::Value::of_string(s));
  return spec::to_json(spec::Value::of_list(std::move(values)));
}

std::vector<std::string> as_set(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

ApiError bad_id(std::string_view type, const std::string& id, std::string_view format) {
  return ApiError(ErrorCode::InvalidInput,
                  "`" + id + "` is not an id of " + std::string(type) + "; expected " + std::string(format));
}

ApiError not_updatable(std::string_view type, std::string_view input) {
  return ApiError(ErrorCode::InvalidInput, "`" + std::string(input) + "` of " + std::string(type) +
                                               " cannot change in place; the resource must be replaced");
}

Status ignore_missing(Status s) {
  if (missing(s)) return {};
  return s;
}

namespace {

// Follows `marker` through every page of a list call. `call(marker)` returns the response;
// `take(response)` collects its items.
template <class Call, class Take>
auto all_pages(Call&& call, Take&& take) -> Result<std::vector<std::string>> {
  std::vector<std::string> out;
  std::string marker;
  for (;;) {
    auto page = call(marker);
    if (!page.ok()) return page.error();
    take(*page, out);
    if (!page->is_truncated || page->marker.empty()) return out;
    marker = page->marker;
  }
}

void take_arns(const backend::ListAttachedPoliciesResponse& r, std::vector<std::string>& out) {
  for (const auto& a : r.attached_policies) out.push_back(a.policy_arn);
}

}  // namespace

Result<std::vector<std::string>> attached_policy_arns_of_role(backend::Backend& be, const std::string& role) {
  return all_pages(
      [&](const std::string& m) { return be.list_attached_role_policies({.role_name = role, .marker = m}); }, take_arns);
}
Result<std::vector<std::string>> attached_policy_arns_of_user(backend::Backend& be, const std::string& user) {
  return all_pages(
      [&](const std::string& m) { return be.list_attached_user_policies({.user_name = user, .marker = m}); }, take_arns);
}
Result<std::vector<std::string>> attached_policy_arns_of_group(backend::Backend& be, const std::string& group) {
  return all_pages(
      [&](const std::string& m) { return be.list_attached_group_policies({.group_name = group, .marker = m}); },
      take_arns);
}

Result<std::vector<std::string>> inline_policy_names_of_role(backend::Backend& be, const std::string& role) {
  return all_pages([&](const std::string& m) { return be.list_role_policies({.role_name = role, .marker = m}); },
                   [](const backend::ListInlinePoliciesResponse& r, std::vector<std::string>& out) {
                     out.insert(out.end(), r.policy_names.begin(), r.policy_names.end());
                   });
}

Result<std::vector<std::string>> group_member_names(backend::Backend& be, const std::string& group) {
  return all_pages([&](const std::string& m) { return be.get_group({.group_name = group, .marker = m}); },
                   [](const backend::GetGroupResponse& r, std::vector<std::string>& out) {
                     for (const auto& u : r.users) out.push_back(u.user_name);
                   });
}

Result<std::vector<std::string>> group_names_of_user(backend::Backend& be, const std::string& user) {
  return all_pages([&](const std::string& m) { return be.list_groups_for_user({.user_name = user, .marker = m}); },
                   [](const backend::ListGroupsResponse& r, std::vector<std::string>& out) {
                     for (const auto& g : r.groups) out.push_back(g.group_name);
                   });
}

Result<std::vector<std::string>> instance_profile_names_of_role(backend::Backend& be, const std::string& role) {
  return all_pages(
      [&](const std::string& m) { return be.list_instance_profiles_for_role({.role_name = role, .marker = m}); },
      [](const backend::ListInstanceProfilesResponse& r, std::vector<std::string>& out) {
        for (const auto& p : r.instance_profiles) out.push_back(p.instance_profile_name);
      });
}

}  // namespace iamforge::engine::detail
