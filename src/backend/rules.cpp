// AWS's parameter constraints, tag rules, ARN and version-id parsing, policy sizes.
// AWS: patterns and lengths from the IAM API model (reference §5.1); messages in AWS's words.
#include "rules.hpp"

#include "iamforge/base/strings.hpp"

namespace iamforge::backend::detail {

namespace {

// Decodes the code point at s[i] and advances i; returns -1 for an invalid byte (skipping it).
long next_code_point(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  std::size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return -1;
  }
  long cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += n;
  return cp;
}

template <class Pred>
bool all_code_points(std::string_view s, Pred pred) {
  for (std::size_t i = 0; i < s.size();) {
    long cp = next_code_point(s, i);
    if (cp < 0 || !pred(cp)) return false;
  }
  return true;
}

bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_name_char(char c) {
  return is_word(c) || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

// [\p{L}\p{Z}\p{N}_.:/=+\-@]: ASCII letters, digits, space and the listed marks; any other
// printable non-ASCII code point stands in for the Unicode letter/space/number classes.
bool is_tag_code_point(long cp) {
  if (cp < 0x80) {
    char c = static_cast<char>(cp);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
           c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' || c == '@';
  }
  return cp >= 0xA0;
}

constexpr std::string_view kNamePattern = R"([\w+=,.@-]+)";
constexpr std::string_view kPathPattern = R"((\u002F)|(\u002F[\u0021-\u007E]+\u002F))";
constexpr std::string_view kPolicyPathPattern = R"(((/[A-Za-z0-9\.,\+@=_-]+)*)/)";
constexpr std::string_view kPathPrefixPattern = R"(\u002F[\u0021-\u007F]*)";
constexpr std::string_view kRoleDescriptionPattern = R"([\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*)";
constexpr std::string_view kDocumentPattern = R"([\u0009\u000A\u000D\u0020-\u00FF]+)";
constexpr std::string_view kVersionIdPattern = R"(v[1-9][0-9]*(\.[A-Za-z0-9-]*)?)";
constexpr std::string_view kTagKeyPattern = R"([\p{L}\p{Z}\p{N}_.:/=+\-@]+)";
constexpr std::string_view kTagValuePattern = R"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)";

std::string pattern_constraint(std::string_view pattern) {
  return "Member must satisfy regular expression pattern: " + std::string(pattern);
}

}  // namespace

std::size_t char_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

std::size_t policy_size(std::string_view document) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < document.size();) {
    long cp = next_code_point(document, i);
    if (cp != ' ' && cp != '\t' && cp != '\n' && cp != '\r') ++n;
  }
  return n;
}

void Constraints::fail(std::string_view param, std::string_view value, std::string_view constraint) {
  std::string e = "Value '";
  e += value;
  e += "' at '";
  e += param;
  e += "' failed to satisfy constraint: ";
  e += constraint;
  errors_.push_back(std::move(e));
}

void Constraints::length(std::string_view param, std::string_view v, std::size_t min, std::size_t max) {
  std::size_t n = char_count(v);
  if (n < min) fail(param, v, "Member must have length greater than or equal to " + std::to_string(min));
  if (n > max) fail(param, v, "Member must have length less than or equal to " + std::to_string(max));
}

void Constraints::name(std::string_view param, std::string_view v, std::size_t max) {
  length(param, v, 1, max);
  if (v.empty()) return;
  for (char c : v)
    if (!is_name_char(c)) return fail(param, v, pattern_constraint(kNamePattern));
}

void Constraints::path(std::string_view param, std::string_view v) {
  length(param, v, 1, 512);
  if (v.empty()) return;
  bool ok = v == "/" || (v.size() >= 3 && v.front() == '/' && v.back() == '/');
  for (unsigned char c : v) ok = ok && c >= 0x21 && c <= 0x7E;
  if (!ok) fail(param, v, pattern_constraint(kPathPattern));
}

void Constraints::policy_path(std::string_view param, std::string_view v) {
  length(param, v, 1, 512);
  if (v.empty()) return;
  bool ok = v.front() == '/' && v.back() == '/';
  // Each segment between slashes is non-empty and of [A-Za-z0-9.,+@=_-].
  std::size_t seg = 0;
  for (std::size_t i = 1; ok && i < v.size(); ++i) {
    char c = v[i];
    if (c == '/') {
      ok = seg > 0;
      seg = 0;
    } else {
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == ',' ||
           c == '+' || c == '@' || c == '=' || c == '_' || c == '-';
      ++seg;
    }
  }
  if (!ok) fail(param, v, pattern_constraint(kPolicyPathPattern));
}

void Constraints::path_prefix(std::string_view param, std::string_view v) {
  length(param, v, 1, 512);
  if (v.empty()) return;
  bool ok = v.front() == '/';
  for (unsigned char c : v) ok = ok && c >= 0x21 && c <= 0x7F;
  if (!ok) fail(param, v, pattern_constraint(kPathPrefixPattern));
}

void Constraints::role_description(std::string_view param, std::string_view v) {
  length(param, v, 0, 1000);
  if (!all_code_points(v, [](long cp) {
        return cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xFF);
      }))
    fail(param, v, pattern_constraint(kRoleDescriptionPattern));
}

void Constraints::policy_description(std::string_view param, std::string_view v) { length(param, v, 0, 1000); }

void Constraints::document(std::string_view param, std::string_view v) {
  length(param, v, 1, 131072);
  if (v.empty()) return;
  if (!all_code_points(v, [](long cp) { return cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0xFF); }))
    fail(param, v, pattern_constraint(kDocumentPattern));
}

void Constraints::arn(std::string_view param, std::string_view v) { length(param, v, 20, 2048); }

void Constraints::version_id(std::string_view param, std::string_view v) {
  // v[1-9][0-9]*(\.[A-Za-z0-9-]*)?
  std::size_t i = 0;
  bool ok = v.size() >= 2 && v[0] == 'v' && v[1] >= '1' && v[1] <= '9';
  if (ok) {
    for (i = 2; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) {
    }
    if (i < v.size()) {
      ok = v[i] == '.';
      for (++i; ok && i < v.size(); ++i) ok = is_word(v[i]) ? v[i] != '_' : v[i] == '-';
    }
  }
  if (!ok) fail(param, v, pattern_constraint(kVersionIdPattern));
}

void Constraints::max_session_duration(const std::optional<int>& v) {
  if (!v) return;
  auto s = std::to_string(*v);
  if (*v < 3600) fail("maxSessionDuration", s, "Member must have value greater than or equal to 3600");
  if (*v > 43200) fail("maxSessionDuration", s, "Member must have value less than or equal to 43200");
}

void Constraints::page(const std::string& marker, const std::optional<int>& max_items) {
  if (!marker.empty()) length("marker", marker, 1, 320);
  if (!max_items) return;
  auto s = std::to_string(*max_items);
  if (*max_items < 1) fail("maxItems", s, "Member must have value greater than or equal to 1");
  if (*max_items > 1000) fail("maxItems", s, "Member must have value less than or equal to 1000");
}

void Constraints::tag_key(std::string_view param, std::string_view key) {
  length(param, key, 1, 128);
  if (!key.empty() && !all_code_points(key, is_tag_code_point)) fail(param, key, pattern_constraint(kTagKeyPattern));
}

void Constraints::tags(const std::vector<Tag>& tags, int max) {
  if (tags.size() > static_cast<std::size_t>(max)) {
    std::string keys = "[";
    for (std::size_t i = 0; i < tags.size(); ++i) keys += (i ? ", " : "") + tags[i].key;
    fail("tags", keys + "]", "Member must have length less than or equal to " + std::to_string(max));
  }
  for (std::size_t i = 0; i < tags.size(); ++i) {
    std::string base = "tags." + std::to_string(i + 1) + ".member.";
    tag_key(base + "key", tags[i].key);
    length(base + "value", tags[i].value, 0, 256);
    if (!all_code_points(tags[i].value, is_tag_code_point))
      fail(base + "value", tags[i].value, pattern_constraint(kTagValuePattern));
  }
}

void Constraints::tag_keys(const std::vector<std::string>& keys, int max) {
  if (keys.size() > static_cast<std::size_t>(max)) {
    std::string list = "[";
    for (std::size_t i = 0; i < keys.size(); ++i) list += (i ? ", " : "") + keys[i];
    fail("tagKeys", list + "]", "Member must have length less than or equal to " + std::to_string(max));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) tag_key("tagKeys." + std::to_string(i + 1) + ".member", keys[i]);
}

std::optional<ApiError> Constraints::error() const {
  if (errors_.empty()) return std::nullopt;
  std::string msg = std::to_string(errors_.size()) + (errors_.size() == 1 ? " validation error" : " validation errors") +
                    " detected: ";
  for (std::size_t i = 0; i < errors_.size(); ++i) msg += (i ? "; " : "") + errors_[i];
  return ApiError(ErrorCode::ValidationError, std::move(msg));
}

bool same_tag_key(std::string_view a, std::string_view b, TagKeyCase key_case) {
  return key_case == TagKeyCase::Insensitive ? base::iequals(a, b) : a == b;
}

std::optional<ApiError> check_tags(const std::vector<Tag>& tags, TagKeyCase key_case) {
  for (std::size_t i = 0; i < tags.size(); ++i) {
    // AWS: reference §5.1, the `aws:` prefix is reserved (message UNCONFIRMED).
    if (base::istarts_with(tags[i].key, "aws:"))
      return ApiError(ErrorCode::InvalidInput, "Tag key '" + tags[i].key + "' uses the reserved prefix 'aws:'.");
    for (std::size_t j = 0; j < i; ++j)
      if (same_tag_key(tags[i].key, tags[j].key, key_case))
        return ApiError(ErrorCode::InvalidInput,
                        "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
  }
  return std::nullopt;
}

std::optional<PolicyArn> parse_policy_arn(std::string_view arn) {
  // arn:PARTITION:iam::ACCOUNT:policy/...path.../NAME
  auto fields = base::split(arn, ':');
  if (fields.size() != 6 || fields[0] != "arn" || fields[1].empty() || fields[2] != "iam" || !fields[3].empty() ||
      fields[4].empty())
    return std::nullopt;
  std::string_view res = fields[5];
  if (res.substr(0, 7) != "policy/") return std::nullopt;
  std::string_view rest = res.substr(6);  // "/path/name"
  std::size_t slash = rest.rfind('/');
  if (slash + 1 >= rest.size()) return std::nullopt;
  return PolicyArn{std::string(fields[1]), std::string(fields[4]), std::string(rest.substr(0, slash + 1)),
                   std::string(rest.substr(slash + 1))};
}

std::optional<ApiError> check_policy_arn(std::string_view arn) {
  if (parse_policy_arn(arn)) return std::nullopt;
  return ApiError(ErrorCode::InvalidInput, "ARN " + std::string(arn) + " is not valid.");
}

std::optional<long long> version_number(std::string_view version_id) {
  if (version_id.size() < 2 || version_id.size() > 18 || version_id[0] != 'v' || version_id[1] == '0')
    return std::nullopt;
  long long n = 0;
  for (std::size_t i = 1; i < version_id.size(); ++i) {
    if (version_id[i] < '0' || version_id[i] > '9') return std::nullopt;
    n = n * 10 + (version_id[i] - '0');
  }
  return n;
}

}  // namespace iamforge::backend::detail
