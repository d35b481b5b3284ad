// The naive oracle. Deliberately simple and slow: every match builds its own std::regex, every ARN
// is split again, every condition value is parsed again. Nothing here shares code with
// src/policy/evaluator.cpp or src/policy/match.cpp; only the AST and request types are shared.
//
// Rule ids (E1, A2, R4, ...) are those of tests/cases/eval/rules.jsonl.
#include "oracle.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <regex>

namespace iamforge::oracle {

namespace {

using policy::ConditionOp;
using policy::Decision;
using policy::Effect;
using policy::Policy;
using policy::PolicyType;
using policy::PrincipalKind;
using policy::PrincipalValue;
using policy::Qualifier;
using policy::Request;
using policy::Statement;
using policy::Version;

// ---------------------------------------------------------------------------------------------
// Text

char lower_char(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string r;
  for (char c : s) r.push_back(lower_char(c));
  return r;
}

bool same_ci(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Wildcard patterns: each character knows whether it is a wildcard. Characters written in a policy
// are wildcards when they are `*` or `?`; characters that come from a policy variable's value or
// from the escapes ${*} ${?} ${$} are always literal (AWS: reference_policies_variables).

struct PatChar {
  char c;
  bool wildcard;
};
using Pattern = std::vector<PatChar>;

void append_written(Pattern& p, std::string_view s) {
  for (char c : s) p.push_back({c, c == '*' || c == '?'});
}

void append_literal(Pattern& p, std::string_view s) {
  for (char c : s) p.push_back({c, false});
}

Pattern written(std::string_view s) {
  Pattern p;
  append_written(p, s);
  return p;
}

std::string plain_text(const Pattern& p) {
  std::string s;
  for (const auto& pc : p) s.push_back(pc.c);
  return s;
}

// `*` -> any run, `?` -> one character, every other character literal (escaped as \xHH unless it
// is a letter or digit, so no regex metacharacter survives). [\s\S] rather than `.` so that line
// breaks are matched too.
std::string regex_source(const Pattern& p) {
  std::string re;
  for (size_t i = 0; i < p.size(); ++i) {
    const PatChar& pc = p[i];
    if (pc.wildcard && pc.c == '*') {
      if (i > 0 && p[i - 1].wildcard && p[i - 1].c == '*') continue;  // `**` is `*`; keeps the regex small
      re += "[\\s\\S]*";
    } else if (pc.wildcard) {
      re += "[\\s\\S]";
    } else {
      auto u = static_cast<unsigned char>(pc.c);
      if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')) {
        re.push_back(pc.c);
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", u);
        re += buf;
      }
    }
  }
  return re;
}

enum class Case { Sensitive, Insensitive };

bool wildcard_match(const Pattern& p, std::string_view text, Case c) {
  auto flags = std::regex::ECMAScript;
  if (c == Case::Insensitive) flags |= std::regex::icase;
  std::regex re(regex_source(p), flags);
  return std::regex_match(text.begin(), text.end(), re);
}

// ---------------------------------------------------------------------------------------------
// Request context

const policy::Context::Entry* context_entry(const Request& req, std::string_view key) {
  for (const auto& e : req.context.entries())
    if (same_ci(e.key, key)) return &e;  // C9: condition keys are case-insensitive
  return nullptr;
}

// Policy variables take only single-valued keys.
std::optional<std::string> single_value(const Request& req, std::string_view key) {
  const auto* e = context_entry(req, key);
  if (!e || e->multivalued || e->values.size() != 1) return std::nullopt;
  return e->values[0];
}

bool mentions_variable(std::string_view s) { return s.find("${") != std::string_view::npos; }

// V1-V4: expands ${key}, ${key, 'default'}, ${*}, ${?}, ${$}. Nullopt when a variable has no value
// and no default (V2: the string then matches nothing). `${` without a closing `}` is text.
std::optional<Pattern> expand(std::string_view text, const Request& req) {
  Pattern out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("${", i);
    if (open == std::string_view::npos) {
      append_written(out, text.substr(i));
      break;
    }
    append_written(out, text.substr(i, open - i));
    size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      append_written(out, text.substr(open));
      break;
    }
    std::string_view inner = text.substr(open + 2, close - open - 2);
    i = close + 1;
    if (inner == "*" || inner == "?" || inner == "$") {  // V4: escapes for literal characters
      out.push_back({inner[0], false});
      continue;
    }
    std::string_view name = inner;
    std::optional<std::string_view> fallback;
    if (size_t comma = inner.find(','); comma != std::string_view::npos) {
      name = inner.substr(0, comma);
      std::string_view d = trim_spaces(inner.substr(comma + 1));
      if (d.size() >= 2 && d.front() == '\'' && d.back() == '\'') fallback = d.substr(1, d.size() - 2);
    }
    name = trim_spaces(name);
    if (auto v = single_value(req, name)) append_literal(out, *v);
    else if (fallback) append_written(out, *fallback);  // V3
    else return std::nullopt;                            // V2
  }
  return out;
}

// The policy's text as a pattern: variables expanded only in 2012-10-17 policies (V5).
std::optional<Pattern> policy_pattern(std::string_view text, bool variables, const Request& req) {
  if (variables && mentions_variable(text)) return expand(text, req);
  return written(text);
}

// ---------------------------------------------------------------------------------------------
// ARNs: arn:partition:service:region:account:resource, the resource keeping any further colons.

std::vector<std::string> arn_fields(std::string_view s) {
  std::vector<std::string> f;
  size_t start = 0;
  while (f.size() < 5) {
    size_t colon = s.find(':', start);
    if (colon == std::string_view::npos) break;
    f.emplace_back(s.substr(start, colon - start));
    start = colon + 1;
  }
  f.emplace_back(s.substr(start));
  return f;
}

std::vector<Pattern> arn_fields(const Pattern& p) {
  std::vector<Pattern> f(1);
  for (const auto& pc : p) {
    if (pc.c == ':' && f.size() < 6) f.emplace_back();
    else f.back().push_back(pc);
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Condition values, parsed from scratch at every comparison.

std::optional<double> number_value(std::string_view s) {
  // AWS: integers and decimals; a sign and an exponent are tolerated.
  static const std::regex re(R"([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  if (!std::regex_match(s.begin(), s.end(), re)) return std::nullopt;
  return std::strtod(std::string(s).c_str(), nullptr);
}

std::optional<double> date_value(std::string_view s) {
  // Epoch seconds: digits (and a fraction); four digits alone are a year.
  bool digits_only = true;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.')) digits_only = false;
  if (digits_only && s.size() != 4) return number_value(s);
  // AWS: the W3C profile of ISO 8601: YYYY[-MM[-DD[Thh:mm[:ss[.s]][Z|+hh:mm|-hh:mm]]]].
  static const std::regex iso(
      R"(([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:[Tt]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]+)?)?([Zz]|([+-])([0-9]{2}):?([0-9]{2})?)?)?)?)?)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(s.begin(), s.end(), m, iso)) return std::nullopt;
  auto num = [&](int i, int dflt) { return m[i].matched ? std::atoi(m[i].str().c_str()) : dflt; };
  int year = num(1, 0), month = num(2, 1), day = num(3, 1), hour = num(4, 0), minute = num(5, 0), second = num(6, 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  double t = static_cast<double>(timegm(&tm));
  if (m[7].matched) t += std::strtod(("0" + m[7].str()).c_str(), nullptr);
  if (m[9].matched) {
    long offset = num(10, 0) * 3600L + num(11, 0) * 60L;
    t -= m[9].str() == "-" ? -offset : offset;
  }
  return t;
}

std::optional<bool> bool_value(std::string_view s) {
  if (same_ci(s, "true")) return true;
  if (same_ci(s, "false")) return false;
  return std::nullopt;
}

std::optional<std::string> base64_value(std::string_view s) {
  // AWS: base64 in the policy; padding optional.
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 4) {
    std::string_view group = s.substr(i, 4);
    std::uint32_t acc = 0;
    for (char c : group) {
      size_t v = alphabet.find(c);
      if (v == std::string::npos) return std::nullopt;
      acc = acc << 6 | static_cast<std::uint32_t>(v);
    }
    acc <<= 6 * (4 - group.size());
    for (size_t k = 0; k + 1 < group.size(); ++k) out.push_back(static_cast<char>((acc >> (16 - 8 * k)) & 0xFF));
  }
  return out;
}

struct Network {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
  int prefix = 0;
};

std::optional<Network> network_value(std::string_view s) {
  std::string host(s);
  int prefix = -1;
  if (size_t slash = host.find('/'); slash != std::string::npos) {
    std::string digits = host.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    for (char c : digits)
      if (c < '0' || c > '9') return std::nullopt;
    prefix = std::atoi(digits.c_str());
    host.resize(slash);
  }
  Network n;
  if (inet_pton(AF_INET, host.c_str(), n.bytes.data()) == 1) {
    n.prefix = prefix < 0 ? 32 : prefix;
    if (n.prefix > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, host.c_str(), n.bytes.data()) == 1) {
    n.v6 = true;
    n.prefix = prefix < 0 ? 128 : prefix;
    if (n.prefix > 128) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return n;
}

// C13: the request's address lies in the policy's network (IPv4 and IPv6 never mix).
bool network_contains(const Network& net, const Network& addr) {
  if (net.v6 != addr.v6) return false;
  for (int bit = 0; bit < net.prefix; ++bit) {
    int mask = 0x80 >> (bit % 8);
    if ((net.bytes[bit / 8] & mask) != (addr.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Condition operators, from their names in AWS's documentation.

enum class Compare { String, StringIgnoreCase, StringLike, Numeric, Date, Bool, Binary, Ip, Arn, Null };
enum class Order { Eq, Lt, Le, Gt, Ge };
struct Meaning {
  Compare compare;
  bool negated;
  Order order;
};

Meaning meaning(ConditionOp op) {
  switch (op) {
    case ConditionOp::StringEquals: return {Compare::String, false, Order::Eq};
    case ConditionOp::StringNotEquals: return {Compare::String, true, Order::Eq};
    case ConditionOp::StringEqualsIgnoreCase: return {Compare::StringIgnoreCase, false, Order::Eq};
    case ConditionOp::StringNotEqualsIgnoreCase: return {Compare::StringIgnoreCase, true, Order::Eq};
    case ConditionOp::StringLike: return {Compare::StringLike, false, Order::Eq};
    case ConditionOp::StringNotLike: return {Compare::StringLike, true, Order::Eq};
    case ConditionOp::NumericEquals: return {Compare::Numeric, false, Order::Eq};
    case ConditionOp::NumericNotEquals: return {Compare::Numeric, true, Order::Eq};
    case ConditionOp::NumericLessThan: return {Compare::Numeric, false, Order::Lt};
    case ConditionOp::NumericLessThanEquals: return {Compare::Numeric, false, Order::Le};
    case ConditionOp::NumericGreaterThan: return {Compare::Numeric, false, Order::Gt};
    case ConditionOp::NumericGreaterThanEquals: return {Compare::Numeric, false, Order::Ge};
    case ConditionOp::DateEquals: return {Compare::Date, false, Order::Eq};
    case ConditionOp::DateNotEquals: return {Compare::Date, true, Order::Eq};
    case ConditionOp::DateLessThan: return {Compare::Date, false, Order::Lt};
    case ConditionOp::DateLessThanEquals: return {Compare::Date, false, Order::Le};
    case ConditionOp::DateGreaterThan: return {Compare::Date, false, Order::Gt};
    case ConditionOp::DateGreaterThanEquals: return {Compare::Date, false, Order::Ge};
    case ConditionOp::Bool: return {Compare::Bool, false, Order::Eq};
    case ConditionOp::BinaryEquals: return {Compare::Binary, false, Order::Eq};
    case ConditionOp::IpAddress: return {Compare::Ip, false, Order::Eq};
    case ConditionOp::NotIpAddress: return {Compare::Ip, true, Order::Eq};
    case ConditionOp::ArnEquals: return {Compare::Arn, false, Order::Eq};
    case ConditionOp::ArnLike: return {Compare::Arn, false, Order::Eq};
    case ConditionOp::ArnNotEquals: return {Compare::Arn, true, Order::Eq};
    case ConditionOp::ArnNotLike: return {Compare::Arn, true, Order::Eq};
    case ConditionOp::Null: return {Compare::Null, false, Order::Eq};
  }
  return {Compare::Null, false, Order::Eq};
}

bool ordered(double request, Order o, double policy) {
  switch (o) {
    case Order::Eq: return request == policy;
    case Order::Lt: return request < policy;
    case Order::Le: return request <= policy;
    case Order::Gt: return request > policy;
    case Order::Ge: return request >= policy;
  }
  return false;
}

// One request value against one policy value, before negation.
bool compare_value(const Meaning& m, const std::string& pv, const std::string& rv, bool variables, const Request& req) {
  // AWS: policy variables work in string, ARN and Bool values; an unresolved one equals nothing.
  switch (m.compare) {
    case Compare::String:
    case Compare::StringIgnoreCase:
    case Compare::Bool: {
      std::optional<Pattern> p = policy_pattern(pv, variables, req);
      if (!p) return false;
      std::string text = plain_text(*p);
      if (m.compare == Compare::String) return text == rv;               // C10: case-sensitive
      if (m.compare == Compare::StringIgnoreCase) return same_ci(text, rv);
      auto a = bool_value(rv), b = bool_value(text);
      return a && b && *a == *b;
    }
    case Compare::StringLike: {
      std::optional<Pattern> p = policy_pattern(pv, variables, req);
      return p && wildcard_match(*p, rv, Case::Sensitive);
    }
    case Compare::Arn: {
      // C15: each of the six fields globbed on its own, case-sensitively.
      std::optional<Pattern> p = policy_pattern(pv, variables, req);
      if (!p) return false;
      std::vector<Pattern> pf = arn_fields(*p);
      std::vector<std::string> rf = arn_fields(rv);
      if (pf.size() != 6 || rf.size() != 6) return false;
      for (size_t i = 0; i < 6; ++i)
        if (!wildcard_match(pf[i], rf[i], Case::Sensitive)) return false;
      return true;
    }
    case Compare::Numeric: {  // C11
      auto a = number_value(rv), b = number_value(pv);
      return a && b && ordered(*a, m.order, *b);
    }
    case Compare::Date: {  // C12
      auto a = date_value(rv), b = date_value(pv);
      return a && b && ordered(*a, m.order, *b);
    }
    case Compare::Binary: {  // C16: decoded bytes
      auto b = base64_value(pv);
      if (!b) return false;
      auto a = base64_value(rv);
      return a ? *a == *b : rv == *b;
    }
    case Compare::Ip: {
      auto net = network_value(pv), addr = network_value(rv);
      return net && addr && network_contains(*net, *addr);
    }
    case Compare::Null: return false;
  }
  return false;
}

// One request value against the condition's values: OR'ed (C7); negated operators: none matches.
bool value_satisfies(const policy::Condition& c, const Meaning& m, const std::string& rv, bool variables,
                     const Request& req) {
  bool any = false;
  for (const auto& v : c.values)
    if (compare_value(m, v.value, rv, variables, req)) any = true;
  return m.negated ? !any : any;
}

bool condition_holds(const policy::Condition& c, bool variables, const Request& req) {
  Meaning m = meaning(c.op);
  const policy::Context::Entry* e = context_entry(req, c.key);
  if (m.compare == Compare::Null) {
    // C14: "true" asks for the key to be absent, "false" for it to be present.
    for (const auto& v : c.values) {
      auto b = bool_value(v.value);
      if (b && *b == (e == nullptr)) return true;
    }
    return false;
  }
  if (c.qualifier == Qualifier::ForAllValues) {
    // C4, C6: every request value must satisfy the condition; vacuously true without values.
    if (!e || e->values.empty()) return true;
    for (const auto& rv : e->values)
      if (!value_satisfies(c, m, rv, variables, req)) return false;
    return true;
  }
  if (c.qualifier == Qualifier::ForAnyValue) {
    // C5: at least one request value must satisfy it.
    if (!e) return false;
    for (const auto& rv : e->values)
      if (value_satisfies(c, m, rv, variables, req)) return true;
    return false;
  }
  if (!e) return c.if_exists || m.negated;  // C1, C2, C3
  if (e->multivalued || e->values.size() != 1) return false;  // C17
  return value_satisfies(c, m, e->values[0], variables, req);
}

// ---------------------------------------------------------------------------------------------
// The caller

enum class Caller { Anonymous, Service, User, Role, RoleSession, FederatedUser, Root, Other };

struct CallerInfo {
  Caller kind = Caller::Other;
  std::string partition, account;
  std::string role_name;       // RoleSession: the role's name
  std::string federated_name;  // FederatedUser: the name after federated-user/
};

CallerInfo classify(const std::string& principal) {
  CallerInfo c;
  if (principal.empty() || principal == "*" || principal == "anonymous") {
    c.kind = Caller::Anonymous;
    return c;
  }
  if (!starts_with(principal, "arn:") && principal.find('.') != std::string::npos) {
    c.kind = Caller::Service;  // e.g. ec2.amazonaws.com
    return c;
  }
  std::vector<std::string> f = arn_fields(principal);
  if (f.size() != 6 || f[0] != "arn") return c;
  c.partition = f[1];
  c.account = f[4];
  const std::string& res = f[5];
  if (f[2] == "iam") {
    if (res == "root") c.kind = Caller::Root;
    else if (starts_with(res, "user/")) c.kind = Caller::User;
    else if (starts_with(res, "role/")) c.kind = Caller::Role;
  } else if (f[2] == "sts") {
    if (starts_with(res, "assumed-role/")) {
      c.kind = Caller::RoleSession;
      std::string rest = res.substr(13);
      c.role_name = rest.substr(0, rest.find('/'));
    } else if (starts_with(res, "federated-user/")) {
      c.kind = Caller::FederatedUser;
      c.federated_name = res.substr(15);
    }
  }
  return c;
}

// How a Principal entry names the caller.
enum Level : unsigned {
  kAccount = 1,           // P2: the caller's account (12 digits or arn:...:iam::ACCOUNT:root)
  kRoleOfSession = 2,     // P3: the role whose session is calling
  kUserOfFederation = 4,  // the IAM user a federated-user session came from
  kExact = 8,             // the caller itself, or everyone
};
constexpr unsigned kDirect = kRoleOfSession | kUserOfFederation | kExact;

std::optional<std::string> account_principal(const std::string& v) {
  if (v.size() == 12 && v.find_first_not_of("0123456789") == std::string::npos) return v;
  std::vector<std::string> f = arn_fields(v);
  if (f.size() == 6 && f[0] == "arn" && f[2] == "iam" && f[5] == "root" && !f[4].empty()) return f[4];
  return std::nullopt;
}

bool names_everyone(const PrincipalValue& pv) {
  return pv.kind == PrincipalKind::Wildcard || (pv.kind == PrincipalKind::Aws && pv.value == "*");
}

unsigned entry_levels(const PrincipalValue& pv, const Request& req, const CallerInfo& c) {
  if (c.kind == Caller::Anonymous) return names_everyone(pv) ? kExact : 0u;  // P7
  if (names_everyone(pv)) return kExact;
  if (pv.kind != PrincipalKind::Aws) return pv.value == req.principal ? kExact : 0u;  // P8: services etc. by name
  if (auto acct = account_principal(pv.value)) return *acct == c.account ? kAccount : 0u;
  unsigned levels = 0;
  if (c.kind == Caller::RoleSession) {
    // AWS: a role ARN covers the role's sessions; the session ARN has no path, so the role is
    // identified by partition, account and (case-insensitive) name.
    std::vector<std::string> f = arn_fields(pv.value);
    if (f.size() == 6 && f[2] == "iam" && starts_with(f[5], "role/") && f[1] == c.partition && f[4] == c.account) {
      std::string name = f[5].substr(f[5].rfind('/') + 1);
      if (same_ci(name, c.role_name)) levels |= kRoleOfSession;
    }
  }
  if (c.kind == Caller::FederatedUser &&
      pv.value == "arn:" + c.partition + ":iam::" + c.account + ":user/" + c.federated_name)
    levels |= kUserOfFederation;
  if (pv.value == req.principal) levels |= kExact;
  return levels;
}

// The ways a statement's Principal / NotPrincipal names the caller (0: it does not apply).
unsigned statement_levels(const Statement& s, const Request& req, const CallerInfo& c, bool has_boundary) {
  if (!s.has_principal) return 0;
  unsigned levels = 0;
  for (const auto& pv : s.principals) levels |= entry_levels(pv, req, c);
  if (!s.not_principal) return levels;
  // P6: NotPrincipal applies to everyone not listed. AWS (NotPrincipal page): with Deny it always
  // applies to a principal that has a permissions boundary.
  if (s.effect == Effect::Deny && has_boundary) return kExact;
  // P9: with Deny, the caller is exempt only when every identity it acts as is listed.
  if (s.effect == Effect::Deny) {
    if (c.kind == Caller::User || c.kind == Caller::FederatedUser)
      return (levels & kAccount) && (levels & kExact) ? 0u : kExact;
    if (c.kind == Caller::RoleSession)
      return (levels & kAccount) && (levels & kRoleOfSession) && (levels & kExact) ? 0u : kExact;
  }
  return levels == 0 ? kExact : 0u;
}

// ---------------------------------------------------------------------------------------------
// Statements

struct Request2 {
  const Request& req;
  std::string service;      // lowercase action service
  std::string action_name;  // action name, as requested
  CallerInfo caller;
  bool has_boundary = false;
};

bool action_matches(const Statement& s, const Request2& r) {
  bool any = false;
  for (const auto& a : s.actions) {
    const std::string& text = a.value;
    if (text == "*") {
      any = true;
      continue;
    }
    size_t colon = text.find(':');
    if (colon == std::string::npos) continue;
    // A1: case-insensitive; A2: wildcards in the name only.
    if (same_ci(text.substr(0, colon), r.service) &&
        wildcard_match(written(std::string_view(text).substr(colon + 1)), r.action_name, Case::Insensitive))
      any = true;
  }
  return s.not_action ? !any : any;  // A3
}

// An ARN pattern as six fields, or nullopt when it is not one. R4: a short pattern ending in a `*`
// wildcard covers the remaining fields. The first field must be `arn`.
std::optional<std::vector<Pattern>> six_fields(const Pattern& p) {
  std::vector<Pattern> f = arn_fields(p);
  if (f.size() < 6) {
    if (f.back().empty() || !f.back().back().wildcard || f.back().back().c != '*') return std::nullopt;
    while (f.size() < 6) f.push_back(written("*"));
  }
  if (!same_ci(plain_text(f[0]), "arn")) return std::nullopt;
  return f;
}

bool resource_entry_matches(const std::string& text, bool variables, const Request2& r) {
  if (text == "*") return true;
  const Request& req = r.req;
  if (req.resource == "*") {
    // R7: an action without resource-level permissions is requested on `*`; besides `*`, a
    // service-wide pattern (resource part `*`, service matching the action's) covers it. R4 first:
    // `arn:aws:s3*` is `arn:aws:s3*:*:*:*`, wider than `arn:aws:s3:::*`, so it covers too.
    if (variables && mentions_variable(text)) return false;
    std::optional<std::vector<Pattern>> f = six_fields(written(text));
    return f && plain_text((*f)[5]) == "*" && wildcard_match((*f)[2], r.service, Case::Insensitive);
  }
  std::optional<Pattern> p = policy_pattern(text, variables, req);
  if (!p) return false;  // V2
  std::optional<std::vector<Pattern>> six = six_fields(*p);
  std::vector<std::string> rf = arn_fields(req.resource);
  if (!six || rf.size() != 6) return false;
  const std::vector<Pattern>& pf = *six;
  // R3: wildcards stay within their field. Partition, service, region and account are
  // case-insensitive; R1: the resource part is case-sensitive.
  for (size_t i = 1; i < 5; ++i)
    if (!wildcard_match(pf[i], rf[i], Case::Insensitive)) return false;
  return wildcard_match(pf[5], rf[5], Case::Sensitive);
}

bool resource_matches(const Statement& s, bool variables, const Request2& r) {
  if (!s.has_resource) return true;  // trust policies: the resource is the role itself
  bool any = false;
  for (const auto& res : s.resources)
    if (resource_entry_matches(res.value, variables, r)) any = true;
  return s.not_resource ? !any : any;  // R5
}

bool conditions_hold(const Statement& s, bool variables, const Request2& r) {
  for (const auto& c : s.conditions)  // C8: AND'ed
    if (!condition_holds(c, variables, r.req)) return false;
  return true;
}

bool uses_variables(const Policy& p) { return p.version == Version::V2012_10_17; }

// Identity-style result of a group of policies (identity, boundary, session, one SCP/RCP level).
struct Outcome {
  bool allow = false, deny = false;
};

Outcome analyze(const std::vector<Policy>& policies, const Request2& r, bool check_principal) {
  Outcome o;
  for (const auto& p : policies) {
    bool vars = uses_variables(p);
    for (const auto& s : p.statements) {
      if (!action_matches(s, r) || !resource_matches(s, vars, r)) continue;
      if (check_principal && s.has_principal && statement_levels(s, r.req, r.caller, r.has_boundary) == 0) continue;
      if (!conditions_hold(s, vars, r)) continue;
      (s.effect == Effect::Deny ? o.deny : o.allow) = true;
    }
  }
  return o;
}

// The resource policy: which matching statements allow or deny, and how they name the caller.
struct ResourceOutcome {
  bool deny = false;                  // P5: any matching Deny, even one naming only the account
  bool allow_direct = false;          // an Allow naming the caller (session, role of session, ...)
  bool allow_account = false;         // an Allow naming the caller's account
  bool allow_exact = false;           // an Allow naming the caller itself (or everyone)
  bool allow_exact_or_fed_user = false;
  bool allow_everyone = false;        // an Allow with Principal "*"
};

ResourceOutcome analyze_resource(const Policy& p, const Request2& r) {
  ResourceOutcome o;
  bool vars = uses_variables(p);
  for (const auto& s : p.statements) {
    if (!action_matches(s, r) || !resource_matches(s, vars, r)) continue;
    unsigned levels = statement_levels(s, r.req, r.caller, r.has_boundary);
    if (levels == 0) continue;
    if (!conditions_hold(s, vars, r)) continue;
    if (s.effect == Effect::Deny) {
      o.deny = true;
      continue;
    }
    if (levels & kDirect) o.allow_direct = true;
    if (levels & kAccount) o.allow_account = true;
    if (levels & kExact) o.allow_exact = true;
    if (levels & (kExact | kUserOfFederation)) o.allow_exact_or_fed_user = true;
    if (!s.not_principal && (levels & kExact))
      for (const auto& pv : s.principals)
        if (names_everyone(pv)) o.allow_everyone = true;
  }
  return o;
}

// Organization policies (O1-O3): each level needs an Allow; a Deny at any level denies.
struct LevelsOutcome {
  bool present = false, deny = false, all_allow = true;
};

LevelsOutcome analyze_levels(const std::vector<std::vector<Policy>>& levels, const Request2& r) {
  LevelsOutcome o;
  o.present = !levels.empty();
  for (const auto& level : levels) {
    Outcome lo = analyze(level, r, true);
    if (lo.deny) o.deny = true;
    if (!lo.allow) o.all_allow = false;
  }
  return o;
}

const char* yes(bool b) { return b ? "yes" : "no"; }

}  // namespace

Decision evaluate(const OraclePolicies& ps, const Request& req, std::string* trace) {
  Request2 r{req, {}, {}, classify(req.principal), !ps.boundaries.empty()};
  size_t colon = req.action.find(':');
  r.service = lower(colon == std::string::npos ? std::string_view() : std::string_view(req.action).substr(0, colon));
  r.action_name = colon == std::string::npos ? req.action : req.action.substr(colon + 1);
  const CallerInfo& caller = r.caller;
  bool authenticated = caller.kind != Caller::Anonymous;

  auto say = [&](const std::string& line) {
    if (trace) *trace += line + "\n";
  };
  auto decide = [&](Decision d, const std::string& why) {
    say(std::string("decision: ") + std::string(policy::to_string(d)) + " (" + why + ")");
    return d;
  };

  // The resource's owner: as given, else the account in its ARN, else the caller's.
  std::string resource_account = req.resource_account;
  if (resource_account.empty() && req.resource != "*") {
    std::vector<std::string> f = arn_fields(req.resource);
    if (f.size() == 6) resource_account = f[4];
  }
  if (resource_account.empty()) resource_account = caller.account;
  bool same_account = authenticated && caller.kind != Caller::Service && !caller.account.empty() &&
                      caller.account == resource_account;
  say("caller kind " + std::to_string(static_cast<int>(caller.kind)) + ", account `" + caller.account +
      "`, resource account `" + resource_account + "`, same account " + yes(same_account));

  // S2: sts:GetCallerIdentity needs no permission (not even an explicit Deny stops it).
  if (authenticated && r.service == "sts" && same_ci(r.action_name, "GetCallerIdentity"))
    return decide(Decision::Allowed, "sts:GetCallerIdentity");

  Outcome identity = analyze(ps.identity, r, false);
  Outcome boundary = analyze(ps.boundaries, r, false);
  Outcome session = analyze(ps.session, r, false);
  ResourceOutcome resource;
  if (ps.resource) resource = analyze_resource(*ps.resource, r);
  // O4: SCPs limit the member account's IAM principals only (not services or anonymous callers).
  LevelsOutcome scp = authenticated && caller.kind != Caller::Service ? analyze_levels(ps.scp_levels, r) : LevelsOutcome{};
  LevelsOutcome rcp = analyze_levels(ps.rcp_levels, r);
  say(std::string("identity allow ") + yes(identity.allow) + " deny " + yes(identity.deny) + "; boundary(" +
      std::to_string(ps.boundaries.size()) + ") allow " + yes(boundary.allow) + " deny " + yes(boundary.deny) +
      "; session(" + std::to_string(ps.session.size()) + ") allow " + yes(session.allow) + " deny " + yes(session.deny));
  say(std::string("resource policy ") + yes(ps.resource.has_value()) + ": deny " + yes(resource.deny) + ", allow direct " +
      yes(resource.allow_direct) + ", account " + yes(resource.allow_account) + ", exact " + yes(resource.allow_exact) +
      ", exact-or-federated-user " + yes(resource.allow_exact_or_fed_user) + ", everyone " + yes(resource.allow_everyone));
  say(std::string("scp levels ") + std::to_string(ps.scp_levels.size()) + ": deny " + yes(scp.deny) + " all allow " +
      yes(scp.all_allow) + "; rcp levels " + std::to_string(ps.rcp_levels.size()) + ": deny " + yes(rcp.deny) +
      " all allow " + yes(rcp.all_allow));

  // E2: an explicit Deny anywhere wins. The caller's own policies do not apply to anonymous callers.
  if (resource.deny || scp.deny || rcp.deny) return decide(Decision::ExplicitlyDenied, "resource/SCP/RCP Deny");
  if (authenticated && (identity.deny || boundary.deny || session.deny))
    return decide(Decision::ExplicitlyDenied, "identity/boundary/session Deny");

  // P7: anonymous callers are allowed only by a resource policy naming everyone; RCPs still apply.
  if (!authenticated) {
    bool ok = resource.allow_direct && (!rcp.present || rcp.all_allow);
    return decide(ok ? Decision::Allowed : Decision::ImplicitlyDenied, "anonymous caller");
  }

  // O1, O3: every SCP and RCP level must allow.
  if ((scp.present && !scp.all_allow) || (rcp.present && !rcp.all_allow))
    return decide(Decision::ImplicitlyDenied, "an SCP/RCP level has no Allow");

  bool allowed = false;
  if (caller.kind == Caller::Service) {
    allowed = resource.allow_direct;  // P8
    say("service caller: resource policy must name it");
  } else if (same_account) {
    // P1, P2: in one account, a resource policy naming the caller suffices; an identity Allow
    // suffices unless the resource's service needs the account trusted explicitly (K1: KMS key
    // policies; role trust policies for STS), and then the resource policy must name the account.
    bool trusted = true;
    std::vector<std::string> rf = arn_fields(req.resource);
    bool kms_key = r.service == "kms" && req.resource != "*" && rf.size() == 6 && starts_with(rf[5], "key/");
    if (kms_key || (r.service == "sts" && ps.resource)) trusted = resource.allow_account;
    allowed = resource.allow_direct || (trusted && identity.allow);
    say(std::string("same account: trusted ") + yes(trusted));
  } else {
    // P4: cross-account needs both sides.
    allowed = identity.allow && (resource.allow_direct || resource.allow_account);
    say("cross account: identity and resource policy must both allow");
  }
  if (!allowed) return decide(Decision::ImplicitlyDenied, "no sufficient Allow");

  // S1: session policies limit what the identity (and a resource policy naming the role or user)
  // grants; a same-account resource policy naming the session itself is not limited.
  if (!ps.session.empty() && !session.allow) {
    bool session_named = same_account && resource.allow_exact &&
                         (caller.kind == Caller::RoleSession || caller.kind == Caller::FederatedUser);
    if (!session_named) return decide(Decision::ImplicitlyDenied, "session policy has no Allow");
  }
  // B1-B3: a boundary without an Allow blocks everything except, in the same account, a resource
  // policy naming the user or session itself (a role caller: only through Principal "*").
  if (!ps.boundaries.empty() && !boundary.allow) {
    bool exempt = false;
    if (same_account && resource.allow_exact) {
      if (caller.kind == Caller::RoleSession || caller.kind == Caller::User || caller.kind == Caller::FederatedUser)
        exempt = true;
      else if (caller.kind == Caller::Role && resource.allow_everyone)
        exempt = true;
    }
    if (!exempt) return decide(Decision::ImplicitlyDenied, "permissions boundary has no Allow");
  }
  return decide(Decision::Allowed, "allowed");
}

// ---------------------------------------------------------------------------------------------

namespace {

bool parse_into(const json::Value& doc, PolicyType type, const std::string& what, Policy& out, std::string& error) {
  policy::ParseResult r = policy::parse(doc, type);
  if (!r.ok()) {
    error = what + ": does not parse";
    for (const auto& d : r.diagnostics)
      if (d.severity == base::Severity::Error) {
        error = what + ": " + d.message;
        break;
      }
    return false;
  }
  out = std::move(r.policy);
  return true;
}

bool parse_list(const json::Value* list, PolicyType type, const std::string& what, std::vector<Policy>& out,
                std::string& error) {
  if (!list || list->kind == json::Kind::Null) return true;
  if (!list->is_array()) {
    error = what + " must be an array";
    return false;
  }
  for (size_t i = 0; i < list->items.size(); ++i) {
    Policy p;
    if (!parse_into(list->items[i], type, what + "[" + std::to_string(i) + "]", p, error)) return false;
    out.push_back(std::move(p));
  }
  return true;
}

bool parse_levels(const json::Value* levels, PolicyType type, const std::string& what,
                  std::vector<std::vector<Policy>>& out, std::string& error) {
  if (!levels || levels->kind == json::Kind::Null) return true;
  if (!levels->is_array()) {
    error = what + " must be an array of levels";
    return false;
  }
  for (size_t i = 0; i < levels->items.size(); ++i) {
    std::vector<Policy> level;
    if (!levels->items[i].is_array()) {
      error = what + " levels must be arrays";
      return false;
    }
    if (!parse_list(&levels->items[i], type, what + "[" + std::to_string(i) + "]", level, error)) return false;
    out.push_back(std::move(level));
  }
  return true;
}

}  // namespace

bool policies_from_case(const json::Value& c, OraclePolicies& out, std::string& error) {
  out = OraclePolicies{};
  if (!c.is_object()) {
    error = "a case must be an object";
    return false;
  }
  if (!parse_list(c.find("identityPolicies"), PolicyType::Inline, "identityPolicies", out.identity, error) ||
      !parse_list(c.find("permissionsBoundaries"), PolicyType::Boundary, "permissionsBoundaries", out.boundaries, error) ||
      !parse_list(c.find("sessionPolicies"), PolicyType::Session, "sessionPolicies", out.session, error) ||
      !parse_levels(c.find("scps"), PolicyType::Scp, "scps", out.scp_levels, error) ||
      !parse_levels(c.find("rcps"), PolicyType::Rcp, "rcps", out.rcp_levels, error))
    return false;
  if (const json::Value* rp = c.find("resourcePolicy"); rp && rp->kind != json::Kind::Null) {
    Policy p;
    if (!parse_into(*rp, PolicyType::Resource, "resourcePolicy", p, error)) return false;
    out.resource = std::move(p);
  }
  return true;
}

}  // namespace iamforge::oracle
