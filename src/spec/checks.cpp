#include "checks.hpp"

#include <cmath>

#include "iamforge/base/strings.hpp"
#include "program.hpp"

namespace iamforge::spec::detail {

using base::Diagnostic;

namespace {

// AWS: the suffix Terraform/pulumi-aws add to a namePrefix (id.UniqueIDSuffixLength).
constexpr std::size_t kPrefixSuffix = 26;
// Pulumi auto-naming: `-` plus 7 random characters.
constexpr std::size_t kAutonameSuffix = 8;

struct NameRule {
  std::string_view what;
  std::size_t max;
};

NameRule name_rule(Check c) {
  switch (c) {
    case Check::RoleName: case Check::RoleNamePrefix: return {"role name", 64};
    case Check::UserName: case Check::UserNames: return {"user name", 64};
    case Check::GroupName: case Check::GroupNames: return {"group name", 128};
    case Check::PolicyName: case Check::PolicyNamePrefix: return {"policy name", 128};
    case Check::InlinePolicyName: case Check::InlinePolicyNamePrefix: return {"inline policy name", 128};
    case Check::InstanceProfileName: case Check::InstanceProfileNamePrefix: return {"instance profile name", 128};
    default: return {"name", 128};
  }
}

bool is_prefix_check(Check c) {
  return c == Check::RoleNamePrefix || c == Check::PolicyNamePrefix || c == Check::InlinePolicyNamePrefix ||
         c == Check::InstanceProfileNamePrefix;
}

// AWS: [\w+=,.@-]+ (IAM API reference, e.g. CreateRole RoleName).
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
         c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string first_bad_char(std::string_view s, bool (*ok)(char)) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (ok(s[i])) continue;
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    std::string ch(s.substr(i, len));
    if (ch == " ") return "a space";
    if (c < 0x20) return "a control character";
    return "`" + ch + "`";
  }
  return {};
}

void add(std::vector<Diagnostic>& diags, Code code, const Value& v, std::string msg, std::string help = {}) {
  diags.push_back(make_diag(code, v.span, std::move(msg), std::move(help)));
}

void check_name(Check c, const Value& v, std::string_view where, std::vector<Diagnostic>& diags) {
  if (v.kind != ValueKind::String) return;
  NameRule r = name_rule(c);
  std::size_t max = is_prefix_check(c) ? r.max - kPrefixSuffix : r.max;
  const std::string& s = v.string;
  std::string what = is_prefix_check(c) ? std::string(r.what) + " prefix" : std::string(r.what);
  if (s.empty()) {
    add(diags, Code::InvalidName, v, "`" + std::string(where) + "`: the " + what + " is empty");
    return;
  }
  if (std::string bad = first_bad_char(s, is_name_char); !bad.empty()) {
    add(diags, Code::InvalidName, v, "`" + std::string(where) + "`: " + what + " `" + s + "` contains " + bad,
        s.rfind("arn:", 0) == 0 ? "this property takes a name, not an ARN: e.g. `${myRole.name}`"
                                : "IAM names use letters, digits and `_+=,.@-`");
    return;
  }
  if (s.size() > max) {
    add(diags, Code::InvalidName, v,
        "`" + std::string(where) + "`: " + what + " `" + s + "` is " + std::to_string(s.size()) +
            " characters; the maximum is " + std::to_string(max),
        is_prefix_check(c) ? "the provider appends a 26-character unique suffix to a prefix" : "");
  }
}

bool is_path_char(char c) { return c >= 0x21 && c <= 0x7E; }
bool is_policy_path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == ',' ||
         c == '+' || c == '@' || c == '=' || c == '_' || c == '-' || c == '/';
}

void check_path(bool policy_path, const Value& v, std::string_view where, std::vector<Diagnostic>& diags) {
  if (v.kind != ValueKind::String) return;
  const std::string& s = v.string;
  std::string w = "`" + std::string(where) + "`: ";
  if (s.empty() || s.front() != '/' || s.back() != '/') {
    add(diags, Code::InvalidName, v, w + "path `" + s + "` must begin and end with `/`", "e.g. `/` or `/division/team/`");
    return;
  }
  if (s.size() > 512) {
    add(diags, Code::InvalidName, v, w + "path is " + std::to_string(s.size()) + " characters; the maximum is 512");
    return;
  }
  if (std::string bad = first_bad_char(s, policy_path ? is_policy_path_char : is_path_char); !bad.empty()) {
    add(diags, Code::InvalidName, v, w + "path `" + s + "` contains " + bad,
        policy_path ? "policy paths use letters, digits, `.,+@=_-` and `/`" : "paths use printable ASCII without spaces");
    return;
  }
  if (policy_path && s.find("//") != std::string::npos) {
    // AWS: ((/[A-Za-z0-9\.,\+@=_-]+)*)/ has no empty segments.
    add(diags, Code::InvalidName, v, w + "policy path `" + s + "` has an empty segment (`//`)");
  }
}

void check_description(bool role, const Value& v, std::string_view where, std::vector<Diagnostic>& diags) {
  if (v.kind != ValueKind::String) return;
  std::size_t n = code_points(v.string);
  if (n > 1000) {
    add(diags, Code::InvalidValue, v,
        "`" + std::string(where) + "`: the description is " + std::to_string(n) + " characters; the maximum is 1000");
    return;
  }
  if (!role) return;
  // AWS: role descriptions match [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*.
  const std::string& s = v.string;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xC0) {
      len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      cp = c & (0x7F >> len);
      for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    bool ok = cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xFF);
    if (!ok) {
      add(diags, Code::InvalidValue, v,
          "`" + std::string(where) + "`: role descriptions allow Latin-1 text only; found `" + s.substr(i, len) + "`");
      return;
    }
    i += len;
  }
}

void check_arn(const Value& v, std::string_view where, std::vector<Diagnostic>& diags) {
  if (v.kind != ValueKind::String) return;
  const std::string& s = v.string;
  auto parts = base::split(s, ':');
  // arn:<partition>:iam::<account or aws>:policy/<path><name>; the resource part may hold colons.
  bool ok = parts.size() >= 6 && parts[0] == "arn" && !parts[1].empty() && parts[2] == "iam" && parts[3].empty() &&
            !parts[4].empty() && parts[5].substr(0, 7) == "policy/" && parts[5].size() > 7;
  if (!ok) {
    add(diags, Code::InvalidValue, v, "`" + std::string(where) + "`: `" + s + "` is not a managed policy ARN",
        s.rfind("arn:", 0) == 0 ? "expected `arn:aws:iam::<account or aws>:policy/<path><name>`"
                                : "pass the policy's ARN, e.g. `${myPolicy.arn}` or `arn:aws:iam::aws:policy/ReadOnlyAccess`");
  }
}

bool is_tag_char(char c) {
  auto u = static_cast<unsigned char>(c);
  // AWS: [\p{L}\p{Z}\p{N}_.:/=+\-@]; non-ASCII letters are accepted here without classifying them.
  return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '_' || c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' || c == '@';
}

void check_tags(const Value& v, std::string_view where, std::vector<Diagnostic>& diags) {
  if (v.kind != ValueKind::Map) return;
  std::string w = "`" + std::string(where) + "`: ";
  if (v.map.size() > 50) add(diags, Code::InvalidValue, v, w + std::to_string(v.map.size()) + " tags; the maximum is 50");
  for (const auto& e : v.map) {
    Value key = Value::of_string(e.key, e.key_span);
    std::size_t kn = code_points(e.key);
    if (kn == 0 || kn > 128) {
      add(diags, Code::InvalidValue, key, w + "tag key `" + e.key + "` must be 1 to 128 characters");
    } else if (base::istarts_with(e.key, "aws:")) {
      add(diags, Code::InvalidValue, key, w + "tag key `" + e.key + "` uses the reserved prefix `aws:`");
    } else if (std::string bad = first_bad_char(e.key, is_tag_char); !bad.empty()) {
      add(diags, Code::InvalidValue, key, w + "tag key `" + e.key + "` contains " + bad,
          "tag keys use letters, digits, spaces and `_.:/=+-@`");
    }
    if (e.value.kind == ValueKind::String) {
      if (code_points(e.value.string) > 256)
        add(diags, Code::InvalidValue, e.value, w + "the value of tag `" + e.key + "` is longer than 256 characters");
      else if (std::string bad = first_bad_char(e.value.string, is_tag_char); !bad.empty())
        add(diags, Code::InvalidValue, e.value, w + "the value of tag `" + e.key + "` contains " + bad);
    }
  }
}

}  // namespace

void check_value(Check check, const Value& v, std::string_view where, std::vector<Diagnostic>& diags) {
  switch (check) {
    case Check::None: return;
    case Check::RoleName: case Check::RoleNamePrefix: case Check::UserName: case Check::GroupName:
    case Check::PolicyName: case Check::PolicyNamePrefix: case Check::InlinePolicyName:
    case Check::InlinePolicyNamePrefix: case Check::InstanceProfileName: case Check::InstanceProfileNamePrefix:
      check_name(check, v, where, diags);
      return;
    case Check::UserNames: case Check::GroupNames:
      if (v.kind != ValueKind::List) return;
      for (std::size_t i = 0; i < v.list.size(); ++i)
        check_name(check, v.list[i], std::string(where) + "[" + std::to_string(i) + "]", diags);
      return;
    case Check::Path: check_path(false, v, where, diags); return;
    case Check::PolicyPath: check_path(true, v, where, diags); return;
    case Check::RoleDescription: check_description(true, v, where, diags); return;
    case Check::PolicyDescription: check_description(false, v, where, diags); return;
    case Check::PolicyArn: check_arn(v, where, diags); return;
    case Check::Tags: check_tags(v, where, diags); return;
    case Check::SessionDuration:
      // AWS: MaxSessionDuration is 3600 to 43200 seconds.
      if (v.kind == ValueKind::Number && (v.number < 3600 || v.number > 43200))
        add(diags, Code::InvalidValue, v,
            "`" + std::string(where) + "`: " + format_number(v.number) + " is outside 3600 to 43200 seconds",
            "the maximum session duration is 1 to 12 hours");
      return;
  }
}

void check_autoname(const ResourceType& type, std::string_view logical, base::Span span, std::vector<Diagnostic>& diags) {
  const PropertySchema* name = type.find_input("name");
  if (type.autoname != Autoname::Yes || !name || name->check == Check::None) return;
  NameRule r = name_rule(name->check);
  std::string_view msg_what = r.what;
  if (std::string bad = first_bad_char(logical, is_name_char); !bad.empty()) {
    diags.push_back(make_diag(Code::InvalidName, span,
                              "logical name `" + std::string(logical) + "` contains " + bad + " and cannot auto-name " +
                                  std::string(type.token),
                              "set `name` explicitly, or rename the resource with letters, digits and `_+=,.@-`"));
    return;
  }
  if (logical.size() + kAutonameSuffix > r.max) {
    diags.push_back(make_diag(Code::InvalidName, span,
                              "logical name `" + std::string(logical) + "` is too long to auto-name " +
                                  std::string(type.token) + ": a " + std::string(msg_what) + " has at most " +
                                  std::to_string(r.max) + " characters (" + std::to_string(logical.size()) + " + 8 > " +
                                  std::to_string(r.max) + " characters)",
                              "set `name` explicitly or use a shorter logical name"));
  }
}

}  // namespace iamforge::spec::detail
