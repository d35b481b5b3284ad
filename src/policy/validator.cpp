// Validation: everything AWS (or Access Analyzer) would reject or flag, as diagnostics with spans.
#include "iamforge/policy/validator.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <set>
#include <unordered_map>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "iamforge/base/strings.hpp"
#include "iamforge/policy/match.hpp"

namespace iamforge::policy {

using base::Diagnostic;
using base::Severity;
using base::Span;
using catalog::AccessLevel;
using catalog::Catalog;
using catalog::KeyType;

std::size_t size_limit(PolicyType t) {
  switch (t) {
    case PolicyType::Identity: case PolicyType::Boundary: return 6144;   // AWS: managed policy size
    case PolicyType::Inline: return 10240;                               // AWS: inline policies of a role
    case PolicyType::Trust: return 2048;                                 // AWS: ACLSizePerRole default
    case PolicyType::Session: return 2048;                               // AWS: session policy plaintext
    case PolicyType::Scp: case PolicyType::Rcp: return 5120;             // AWS Organizations quota
    case PolicyType::Resource: return 20480;                             // AWS: S3 bucket policy (largest common)
  }
  return 6144;
}

// ---------------------------------------------------------------------------------------------
// Glob/template intersection: can one string match both the policy pattern and the ARN template?

namespace {

// A token class: one char (Lit), any char (Any), any char but '/' (NoSlash); `star` repeats 0..n.
struct Tok {
  enum Cls : std::uint8_t { Lit, Any, NoSlash } cls;
  char c;
  bool star;
};

// Appends the tokens of one pattern field to `t`.
void tokens_from_pattern(std::string_view p, std::vector<Tok>& t) {
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '*') t.push_back({Tok::Any, 0, true});
    else if (c == '?') t.push_back({Tok::Any, 0, false});
    else if (c == '$' && i + 1 < p.size() && p[i + 1] == '{') {  // a policy variable: unknown text
      size_t close = p.find('}', i);
      if (close == std::string_view::npos) { t.push_back({Tok::Lit, c, false}); continue; }
      t.push_back({Tok::Any, 0, true});
      i = close;
    } else t.push_back({Tok::Lit, base::ascii_lower(c), false});
  }
}

// Whether a template placeholder's value may contain '/': ids and a few well-known names never do
// (an S3 bucket name, say); anything else is given the benefit of the doubt (paths, keys, names
// with paths), so the check warns only when it is sure.
bool placeholder_may_contain_slash(std::string_view name) {
  static constexpr std::string_view kNoSlash[] = {"BucketName", "AccessPointName", "FunctionName", "TableName",
                                                  "QueueName", "TopicName", "ClusterName", "TrainingJobName",
                                                  "ProcessingJobName", "NotebookInstanceName", "Region", "Account",
                                                  "Partition"};
  if (name.size() > 2 && (name.substr(name.size() - 2) == "Id" || name.substr(name.size() - 2) == "ID")) return false;
  for (auto n : kNoSlash)
    if (n == name) return false;
  return true;
}

// Template placeholders: at least one character; only a field's last placeholder may contain '/'.
// Appends the tokens of one template field to `t`.
void tokens_from_template(std::string_view p, std::vector<Tok>& t) {
  size_t last_ph = p.rfind("${");
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '$' && i + 1 < p.size() && p[i + 1] == '{') {
      size_t close = p.find('}', i);
      if (close == std::string_view::npos) break;
      std::string_view name = p.substr(i + 2, close - i - 2);
      Tok::Cls cls = i == last_ph && placeholder_may_contain_slash(name) ? Tok::Any : Tok::NoSlash;
      t.push_back({cls, 0, false});
      t.push_back({cls, 0, true});
      i = close;
    } else {
      t.push_back({Tok::Lit, base::ascii_lower(p[i]), false});
    }
  }
}

// A run of tokens (one ARN field's).
struct Toks {
  const Tok* p = nullptr;
  std::size_t n = 0;
  std::size_t size() const { return n; }
  const Tok& operator[](std::size_t i) const { return p[i]; }
};

bool classes_meet(const Tok& a, const Tok& b) {
  if (a.cls == Tok::Lit && b.cls == Tok::Lit) return a.c == b.c;
  if (a.cls == Tok::Lit) return b.cls == Tok::Any || a.c != '/';
  if (b.cls == Tok::Lit) return a.cls == Tok::Any || b.c != '/';
  return true;
}

bool tokens_meet(Toks a, Toks b) {
  // Single-character tokens at either end consume the same character of any common string, so
  // they can be matched off pairwise first (most ARN fields are a literal prefix and a `*`); what is
  // left often decides at once.
  while (a.n && b.n && !a.p[0].star && !b.p[0].star) {
    if (!classes_meet(a.p[0], b.p[0])) return false;
    ++a.p, --a.n, ++b.p, --b.n;
  }
  while (a.n && b.n && !a.p[a.n - 1].star && !b.p[b.n - 1].star) {
    if (!classes_meet(a.p[a.n - 1], b.p[b.n - 1])) return false;
    --a.n, --b.n;
  }
  auto all_star = [](Toks t) { return std::all_of(t.p, t.p + t.n, [](const Tok& k) { return k.star; }); };
  if (a.n == 0) return all_star(b);  // only the empty string is left to match
  if (b.n == 0) return all_star(a);
  // A lone `*` (any characters) meets whatever the other side can produce.
  if (a.n == 1 && a.p[0].cls == Tok::Any && a.p[0].star) return true;
  if (b.n == 1 && b.p[0].cls == Tok::Any && b.p[0].star) return true;
  size_t n = a.size(), m = b.size();
  thread_local std::vector<char> seen;
  thread_local std::vector<std::pair<size_t, size_t>> stack;
  seen.assign((n + 1) * (m + 1), 0);
  stack.clear();
  stack.push_back({0, 0});
  while (!stack.empty()) {
    auto [i, j] = stack.back();
    stack.pop_back();
    if (seen[i * (m + 1) + j]) continue;
    seen[i * (m + 1) + j] = 1;
    if (i == n && j == m) return true;
    if (i < n && a[i].star) stack.push_back({i + 1, j});
    if (j < m && b[j].star) stack.push_back({i, j + 1});
    if (i < n && j < m && classes_meet(a[i], b[j]))
      stack.push_back({a[i].star ? i : i + 1, b[j].star ? j : j + 1});
  }
  return false;
}

}  // namespace

namespace {

// The IAM character count's fast path: from `i`, whole 16-byte blocks that are ASCII and either
// printable or tab/LF/CR (SSE2); advances `i` past them and returns how many of their bytes count
// (all of them, or the non-whitespace ones). Stops at the first block with any other byte.
std::size_t count_plain_blocks(std::string_view text, std::size_t& i, bool count_ws) {
  std::size_t counted = 0;
#ifdef __SSE2__
  const std::size_t start = i;
  __m128i ws_sum = _mm_setzero_si128();  // two 64-bit lanes: whitespace bytes seen
  const __m128i space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'),
                cr = _mm_set1_epi8('\r'), ones = _mm_set1_epi8(1), zero = _mm_setzero_si128();
  while (i + 16 <= text.size()) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    // Signed compare: bytes >= 0x80 are negative, so they count as "below 0x20" and stop the run.
    __m128i low = _mm_cmplt_epi8(v, space);
    __m128i ws_ctl = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr));
    if (_mm_movemask_epi8(_mm_andnot_si128(ws_ctl, low)) != 0) break;
    __m128i ws = _mm_or_si128(ws_ctl, _mm_cmpeq_epi8(v, space));
    ws_sum = _mm_add_epi64(ws_sum, _mm_sad_epu8(_mm_and_si128(ws, ones), zero));
    i += 16;
  }
  std::size_t bytes = i - start;
  if (count_ws) return bytes;
  auto ws_bytes = static_cast<std::size_t>(_mm_cvtsi128_si64(ws_sum)) +
                  static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(ws_sum, ws_sum)));
  counted = bytes - ws_bytes;
#else
  (void)text, (void)i, (void)count_ws;
#endif
  return counted;
}

}  // namespace

namespace {

// An ARN pattern or template taken apart into per-field token lists, once: the six fields' tokens
// in one buffer (one allocation, not one per field).
struct ArnTokens {
  enum class Shape : std::uint8_t { Ok, NeverMatches, Unknown } shape = Shape::Ok;
  std::vector<Tok> toks;
  std::array<std::uint32_t, 7> at{};  // field i is toks[at[i] .. at[i+1])
  // Per field: only literal characters (compare as strings), or exactly one `*` (meets anything).
  std::array<bool, 6> literal{}, star{};
  Toks f(std::size_t i) const { return {toks.data() + at[i], at[i + 1] - at[i]}; }
  template <class Tokenize>
  void build(const ArnFields& fields, Tokenize tokenize) {
    std::size_t chars = 0;
    for (size_t i = 0; i < 6; ++i) chars += fields.f[i].size();
    toks.reserve(chars);
    for (size_t i = 0; i < 6; ++i) {
      at[i] = static_cast<std::uint32_t>(toks.size());
      tokenize(fields.f[i], toks);
    }
    at[6] = static_cast<std::uint32_t>(toks.size());
    for (size_t i = 0; i < 6; ++i) {
      Toks t = f(i);
      literal[i] = std::all_of(t.p, t.p + t.n, [](const Tok& k) { return k.cls == Tok::Lit && !k.star; });
      star[i] = t.n == 1 && t.p[0].cls == Tok::Any && t.p[0].star;
    }
  }
};

bool same_literals(Toks a, Toks b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].c != b[i].c) return false;
  return true;
}

ArnTokens pattern_tokens(std::string_view pattern) {
  ArnTokens t;
  ArnFields pf = split_arn(pattern);
  if (pf.count < 6) {
    if (pf.count == 0 || pf.f[pf.count - 1].empty() || pf.f[pf.count - 1].back() != '*') {
      t.shape = ArnTokens::Shape::NeverMatches;
      return t;
    }
    for (size_t i = pf.count; i < 6; ++i) pf.f[i] = "*";
  }
  t.build(pf, [](std::string_view f, std::vector<Tok>& out) { tokens_from_pattern(f, out); });
  return t;
}

ArnTokens template_tokens(std::string_view tmpl) {
  ArnTokens t;
  ArnFields tf = split_arn(tmpl);
  if (tf.count != 6) {
    t.shape = ArnTokens::Shape::Unknown;  // unknown template shape: assume it may match
    return t;
  }
  t.build(tf, [](std::string_view f, std::vector<Tok>& out) { tokens_from_template(f, out); });
  return t;
}

bool tokens_meet(const ArnTokens& p, const ArnTokens& t) {
  if (t.shape == ArnTokens::Shape::Unknown) return true;
  if (p.shape == ArnTokens::Shape::NeverMatches) return false;
  // The cheap fields first (service, partition, ...), so most mismatches end before the resource field.
  for (size_t i : {2, 0, 1, 3, 4, 5}) {
    if (p.star[i]) continue;  // `*` matches any text a template can produce
    if (p.literal[i] && t.literal[i] ? !same_literals(p.f(i), t.f(i)) : !tokens_meet(p.f(i), t.f(i))) return false;
  }
  return true;
}

// Catalog templates are immutable: tokenize each once per thread (indexed by resource type id).
const ArnTokens& cached_template_tokens(const Catalog& cat, catalog::Id type) {
  thread_local const Catalog* cache_for = nullptr;
  thread_local std::vector<std::unique_ptr<ArnTokens>> cache;
  if (cache_for != &cat) {
    cache.clear();
    cache.resize(cat.resource_types().size());
    cache_for = &cat;
  }
  auto& slot = cache[type];
  if (!slot) slot = std::make_unique<ArnTokens>(template_tokens(cat.resource_types()[type].arn_pattern));
  return *slot;
}

}  // namespace

bool pattern_meets_template(std::string_view pattern, std::string_view tmpl) {
  if (pattern == "*") return true;
  return tokens_meet(pattern_tokens(pattern), template_tokens(tmpl));
}

namespace {

// Fills a template's placeholders from a policy pattern, field by field: a suggested fix.
std::string suggest_arn(std::string_view pattern, std::string_view tmpl) {
  ArnFields pf = split_arn(pattern), tf = split_arn(tmpl);
  if (pf.count != 6 || tf.count != 6) return {};
  std::string out;
  for (size_t i = 0; i < 6; ++i) {
    if (i) out.push_back(':');
    std::string_view t = tf.f[i];
    if (t.find("${") == std::string_view::npos) {
      out.append(t);
      continue;
    }
    if (i < 5) {
      out.append(pf.f[i]);
      continue;
    }
    // Resource field: split the pattern on '/', fill placeholders in order.
    std::vector<std::string_view> parts = base::split(pf.f[5], '/');
    size_t k = 0;
    for (size_t j = 0; j < t.size(); ++j) {
      if (t[j] == '$' && j + 1 < t.size() && t[j + 1] == '{') {
        size_t close = t.find('}', j);
        out.append(k < parts.size() ? std::string(parts[k]) : "*");
        ++k;
        j = close == std::string_view::npos ? t.size() : close;
      } else {
        out.push_back(t[j]);
      }
    }
  }
  return out;
}

bool is_alnum(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

class Validator {
 public:
  Validator(std::string_view text, PolicyType type, Owner owner, const Catalog& cat, std::vector<Diagnostic>& d)
      : text_(text), type_(type), owner_(owner), cat_(cat), diags_(d) {
    thread_local const Catalog* memo_for = nullptr;
    if (memo_for != &cat_ || memo_map().size() > 50000) {
      memo_map().clear();
      memo_for = &cat_;
    }
  }

  void run(const Policy& p) {
    document_checks(p);
    std::unordered_map<std::string, Span> sids;
    for (const auto& s : p.statements) {
      if (s.sid) {
        if (!sids.emplace(s.sid->value, s.sid->span).second)
          add("policy.duplicate-sid", Severity::Error, "duplicate statement id `" + s.sid->value + "`", s.sid->span,
              "statement ids must be unique within a policy");
        bool strict_sid = type_ != PolicyType::Resource;
        if (strict_sid && !is_alnum(s.sid->value))
          add("policy.invalid-sid", Severity::Error, "statement id `" + s.sid->value + "` may only contain letters and digits",
              s.sid->span);
      }
      statement(p, s);
    }
  }

 private:
  void add(std::string code, Severity sev, std::string msg, Span span, std::string help = {}) {
    diags_.push_back({std::move(code), sev, std::move(msg), span, std::move(help)});
  }

  void document_checks(const Policy& p) {
    bool needs_2012 = type_ == PolicyType::Identity || type_ == PolicyType::Boundary || type_ == PolicyType::Scp ||
                      type_ == PolicyType::Rcp;
    if (p.version == Version::Missing)
      add("policy.missing-version", needs_2012 ? Severity::Error : Severity::Warning,
          "the policy has no `Version`", {0, 0}, "add `\"Version\": \"2012-10-17\"` (without it policy variables are not expanded)");
    else if (p.version == Version::V2008_10_17 && needs_2012)
      add("policy.old-version", Severity::Error, "this policy type requires version `2012-10-17`", p.version_span);
    if (p.id && is_identity_like(type_))
      add("policy.id-in-identity-policy", Severity::Warning, "`Id` is not used in " + std::string(to_string(type_)) + " policies",
          p.id->span);
    // AWS: IAM accepts only TAB, LF, CR and U+0020..U+00FF.
    size_t chars = 0;
    const bool count_ws = type_ == PolicyType::Scp || type_ == PolicyType::Rcp;
    for (size_t i = 0; i < text_.size();) {
      if (i + 16 <= text_.size()) {
        size_t before = i;
        chars += count_plain_blocks(text_, i, count_ws);
        if (i != before) continue;
      }
      if (i + 8 <= text_.size()) {
        // Eight bytes at a time while they are ASCII and either printable or tab/LF/CR (SWAR,
        // exact per-byte tests): count the ones that are not whitespace.
        constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = kOnes * 0x80;
        using base::bytes_equal;
        std::uint64_t w;
        std::memcpy(&w, text_.data() + i, 8);
        if (!(w & kHigh)) {
          std::uint64_t control = ~(w + kOnes * 0x60) & kHigh;  // bytes below 0x20
          std::uint64_t ws_ctl = bytes_equal(w, '\t') | bytes_equal(w, '\n') | bytes_equal(w, '\r');
          if (!(control & ~ws_ctl)) {
            std::uint64_t ws = ws_ctl | bytes_equal(w, ' ');
            // (ws >> 7) holds 0 or 1 per byte; the multiplication sums them into the top byte
            // (no popcnt instruction in the baseline x86-64 target).
            chars += count_ws ? 8 : 8 - static_cast<size_t>((((ws >> 7) * kOnes) >> 56));
            i += 8;
            continue;
          }
        }
      }
      auto c = static_cast<unsigned char>(text_[i]);
      if (c >= 0x21 && c < 0x7F) {  // fast path: printable ASCII other than space
        ++chars;
        ++i;
        continue;
      }
      size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
      unsigned cp = c;
      if (n > 1 && i + n <= text_.size()) {
        cp = c & (0x7F >> n);
        for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text_[i + k]) & 0x3F);
      }
      if (type_ != PolicyType::Resource && !(cp == 9 || cp == 10 || cp == 13 || (cp >= 0x20 && cp <= 0xFF))) {
        add("policy.invalid-character", Severity::Error, "character U+" + hex(cp) + " is not allowed in IAM policies",
            {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + n)},
            "IAM accepts tab, newline and U+0020 to U+00FF only");
        break;
      }
      bool ws = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r';
      bool counts = type_ == PolicyType::Scp || type_ == PolicyType::Rcp || !ws;  // AWS: IAM ignores whitespace
      if (counts) ++chars;
      i += n;
    }
    if (owner_ == Owner::Customer && chars > size_limit(type_))
      add("policy.too-large", Severity::Error,
          "the policy has " + std::to_string(chars) + " characters; a " + std::string(to_string(type_)) +
              " policy allows " + std::to_string(size_limit(type_)),
          {0, 0}, "split it into several policies");
  }

  // Per-thread memo of wildcard expansions, reset between validations when it grows large (never
  // during one: `statement` holds references into it).
  using Memo = std::unordered_map<std::string, std::vector<catalog::Id>, base::FastHash, std::equal_to<>>;
  static Memo& memo_map() {
    thread_local Memo memo;
    return memo;
  }
  // Wildcard expansion is the validator's costliest lookup and patterns repeat: memoize it.
  const std::vector<catalog::Id>& memo_match(const std::string& pattern) {
    auto& memo = memo_map();
    auto it = memo.find(pattern);
    if (it == memo.end()) it = memo.emplace(pattern, cat_.match_actions(pattern)).first;
    return it->second;
  }

  static std::string hex(unsigned v) {
    static const char* d = "0123456789ABCDEF";
    std::string s;
    do { s.insert(s.begin(), d[v & 15]); v >>= 4; } while (v);
    while (s.size() < 4) s.insert(s.begin(), '0');
    return s;
  }

  // Resolves an action string; reports problems; returns matched catalog action ids.
  const std::vector<catalog::Id>& action(const Str& a, bool& wildcard) {
    static const std::vector<catalog::Id> none;
    wildcard = has_wildcard(a.value);
    // Fast path: only strings that passed every check below are memoized, so a memoized string
    // that matched actions has nothing to report.
    {
      auto& memo = memo_map();
      auto it = memo.find(a.value);
      if (it != memo.end() && !it->second.empty()) return it->second;
    }
    if (a.value == "*") return memo_match("*");
    size_t colon = a.value.find(':');
    if (colon == std::string::npos) {
      add("policy.invalid-action", Severity::Error, "action `" + a.value + "` has no service prefix", a.span,
          "write it as `service:Action`, e.g. `s3:GetObject`");
      return none;
    }
    if (a.value.find(':', colon + 1) != std::string::npos) {
      add("policy.invalid-action", Severity::Error, "action `" + a.value + "` has more than one `:`", a.span);
      return none;
    }
    std::string_view prefix = std::string_view(a.value).substr(0, colon);
    if (prefix.empty() || !std::all_of(prefix.begin(), prefix.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
        })) {
      add("policy.invalid-action", Severity::Error, "invalid service prefix `" + std::string(prefix) + "`", a.span,
          "wildcards are not allowed in the service prefix");
      return none;
    }
    const catalog::Service* svc = cat_.find_service(prefix);
    // AWS: services retired from the Service Authorization Reference still appear in AWS managed
    // policies (e.g. ReadOnlyAccess grants deepcomposer:*); IAM accepts them.
    static constexpr std::string_view kRetired[] = {"deepcomposer", "deepracer", "elastic-inference", "iot1click",
                                                    "honeycode", "worklink", "sumerian", "iotthingsgraph", "nimble"};
    if (!svc && std::any_of(std::begin(kRetired), std::end(kRetired), [&](std::string_view r) { return base::iequals(r, prefix); })) {
      add("policy.retired-service", Severity::Warning, "service `" + std::string(prefix) + "` has been retired", a.span,
          "its actions no longer grant anything; remove them");
      return none;
    }
    if (!svc) {
      std::vector<std::string_view> names;
      for (const auto& s : cat_.services()) names.push_back(s.prefix);
      std::string hint = base::did_you_mean(prefix, names);
      add("policy.unknown-service", Severity::Error, "unknown service prefix `" + std::string(prefix) + "`", a.span,
          hint.empty() ? "" : "did you mean `" + hint + "`?");
      return none;
    }
    const std::vector<catalog::Id>& ids = memo_match(a.value);
    if (ids.empty()) {
      if (wildcard) {
        add("policy.unknown-action", Severity::Error, "`" + a.value + "` matches no action of " + svc->prefix, a.span);
      } else {
        std::vector<std::string_view> names;
        for (auto id : svc->actions) names.push_back(cat_.actions()[id].name);
        std::string hint = base::did_you_mean(std::string_view(a.value).substr(colon + 1), names);
        add("policy.unknown-action", Severity::Error, "unknown action `" + a.value + "`", a.span,
            hint.empty() ? "" : "did you mean `" + svc->prefix + ":" + hint + "`?");
      }
    }
    return ids;
  }

  void statement(const Policy& p, const Statement& s) {
    // --- actions
    struct Resolved { const Str* text; const std::vector<catalog::Id>& ids; bool wildcard; };
    std::vector<Resolved> resolved;
    for (const auto& a : s.actions) {
      bool wc = false;
      const auto& ids = action(a, wc);
      resolved.push_back({&a, ids, wc});
      if (type_ == PolicyType::Trust && !s.not_action) {
        static const std::set<std::string> trust_actions = {
            "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession",
            "sts:setsourceidentity", "sts:setcontext", "sts:*"};
        if (!trust_actions.count(base::to_lower(a.value)))
          add("policy.trust-action", Severity::Error, "a trust policy may only allow STS actions, found `" + a.value + "`",
              a.span, "use `sts:AssumeRole` (or AssumeRoleWithSAML / AssumeRoleWithWebIdentity)");
      }
    }
    bool any_star_resource = false;
    for (const auto& r : s.resources) {
      if (r.value == "*") any_star_resource = true;
      resource(p, r);
    }
    // --- resources vs. the actions' resource types
    if (!s.not_action && s.has_resource && !s.not_resource && !any_star_resource) {
      std::vector<ArnTokens> resource_tokens;
      resource_tokens.reserve(s.resources.size());
      for (const auto& r : s.resources) resource_tokens.push_back(pattern_tokens(r.value));
      // Whether a resource type meets any of the statement's resources, decided once per statement
      // (its actions share types); `seen` marks the types of one action. Both are stamped arrays
      // (stamp == current: valid), so no per-action clearing.
      thread_local std::vector<std::uint32_t> meet_stamp, seen_stamp;
      thread_local std::vector<char> meets;
      thread_local std::uint32_t statement_stamp = 0, action_stamp = 0;
      const std::size_t n_types = cat_.resource_types().size();
      if (meet_stamp.size() != n_types || statement_stamp == UINT32_MAX || action_stamp >= UINT32_MAX - resolved.size()) {
        meet_stamp.assign(n_types, 0);
        seen_stamp.assign(n_types, 0);
        meets.assign(n_types, 0);
        statement_stamp = action_stamp = 0;
      }
      ++statement_stamp;
      auto type_meets = [&](catalog::Id t) {
        if (meet_stamp[t] != statement_stamp) {
          meet_stamp[t] = statement_stamp;
          const ArnTokens& tt = cached_template_tokens(cat_, t);
          meets[t] = std::any_of(resource_tokens.begin(), resource_tokens.end(),
                                 [&](const ArnTokens& r) { return tokens_meet(r, tt); });
        }
        return meets[t] != 0;
      };
      for (const auto& ra : resolved) {
        if (ra.ids.empty()) continue;
        bool any_supported = false, any_wildcard_only = false;
        std::vector<const catalog::ResourceType*> types;
        ++action_stamp;
        for (auto id : ra.ids) {
          const auto& act = cat_.actions()[id];
          if (act.resources.empty()) any_wildcard_only = true;
          for (const auto& ar : act.resources) {
            if (seen_stamp[ar.resource_type] == action_stamp) continue;
            seen_stamp[ar.resource_type] = action_stamp;
            types.push_back(&cat_.resource_types()[ar.resource_type]);
            if (!any_supported && type_meets(ar.resource_type)) any_supported = true;
          }
          if (any_supported) break;  // the types list is needed only to explain a mismatch
        }
        if (any_supported) continue;
        if (!ra.wildcard && any_wildcard_only && types.empty()) {
          // AWS: an action without resource-level permissions needs "Resource": "*"; a service-wide
          // pattern (arn:aws:s3:::*) is honoured too (rule R7), so only a narrower ARN is flagged.
          bool service_wide = std::any_of(s.resources.begin(), s.resources.end(), [](const Str& r) {
            ArnFields f = split_arn(r.value);
            return f.count == 6 && f.f[5] == "*";
          });
          if (!service_wide)
            add("policy.wildcard-only-action", Severity::Warning,
                "`" + ra.text->value + "` does not support resource-level permissions, so no resource here can match",
                ra.text->span, "use `\"Resource\": \"*\"` for this action in its own statement");
          continue;
        }
        if (types.empty()) continue;
        std::string names;
        for (size_t i = 0; i < types.size() && i < 4; ++i) names += (i ? ", " : "") + types[i]->name;
        if (types.size() > 4) names += ", ...";
        std::string help;
        for (const auto* t : types) {
          std::string sug = s.resources.empty() ? "" : suggest_arn(s.resources[0].value, t->arn_pattern);
          // Prefer a type whose region/account fields are empty exactly where the pattern's are.
          ArnFields pf = split_arn(s.resources.empty() ? "" : s.resources[0].value), tf = split_arn(t->arn_pattern);
          if (pf.count == 6 && tf.count == 6 && ((pf.f[3].empty() != tf.f[3].empty()) || (pf.f[4].empty() != tf.f[4].empty())))
            continue;
          if (!sug.empty()) {
            help = "`" + ra.text->value + "` acts on " + t->name + " resources: add `" + sug + "`";
            break;
          }
        }
        if (help.empty() && !types.empty()) help = "expected an ARN like `" + types[0]->arn_pattern + "`";
        add("policy.resource-mismatch", Severity::Warning,
            "`" + ra.text->value + "` can never match these resources (it acts on: " + names + ")", ra.text->span, help);
      }
    }
    // --- security findings (Allow statements)
    if (s.effect == Effect::Allow && !s.not_action && any_star_resource && is_identity_like(type_)) {
      for (const auto& ra : resolved) {
        if (ra.ids.empty()) continue;
        bool passrole = false, write = false, perms = false;
        for (auto id : ra.ids) {
          const auto& act = cat_.actions()[id];
          if (act.resources.empty()) continue;  // "*" is the only choice for these
          if (id == passrole_id_) passrole = true;
          if (act.access_level == AccessLevel::Write) write = true;
          if (act.access_level == AccessLevel::PermissionsManagement) perms = true;
        }
        if (passrole)
          add("policy.passrole-wildcard", Severity::SecurityWarning,
              "`" + ra.text->value + "` allows passing any role (`iam:PassRole` on `*`)", ra.text->span,
              "name the roles' ARNs and add an `iam:PassedToService` condition");
        else if (perms && s.conditions.empty())
          add("policy.permissions-management-on-all-resources", Severity::SecurityWarning,
              "`" + ra.text->value + "` grants permissions management on every resource", ra.text->span,
              "scope `Resource` to specific ARNs");
        else if (write && s.conditions.empty())
          add("policy.write-on-all-resources", Severity::SecurityWarning,
              "`" + ra.text->value + "` allows a write action on every resource (`Resource: \"*\"`)", ra.text->span,
              "scope `Resource` to specific ARNs or add conditions");
      }
    }
    if (s.effect == Effect::Allow && s.not_action && is_identity_like(type_))
      add("policy.allow-notaction", Severity::SecurityWarning,
          "`Allow` with `NotAction` grants every action not listed, including future ones", s.action_span,
          "list the allowed actions with `Action`");
    // --- principals
    for (const auto& pv : s.principals) principal(pv);
    // --- conditions
    for (const auto& c : s.conditions) condition(p, s, c, resolved);
  }

  void resource(const Policy& p, const Str& r) {
    if (r.value == "*") return;
    if (r.value.substr(0, 4) != "arn:") {
      add("policy.invalid-arn", Severity::Error, "resource `" + r.value + "` is not an ARN", r.span,
          "an ARN looks like `arn:aws:s3:::bucket/key`, or use `*`");
      return;
    }
    ArnFields f = split_arn(r.value);
    if (f.count < 6 && (f.f[f.count - 1].empty() || f.f[f.count - 1].back() != '*')) {
      add("policy.invalid-arn", Severity::Error, "resource `" + r.value + "` has fewer than six ARN fields", r.span,
          "an ARN has the form `arn:partition:service:region:account:resource`");
      return;
    }
    if (f.count >= 3 && has_wildcard(f.f[2]) && f.f[2] != "*")
      add("policy.invalid-arn", Severity::Error, "wildcards are not allowed in the service field of `" + r.value + "`", r.span);
    if (f.count >= 2 && !has_wildcard(f.f[1]) && f.f[1] != "aws" && f.f[1] != "aws-cn" && f.f[1] != "aws-us-gov" &&
        f.f[1].substr(0, 4) != "aws-" && f.f[1] != "${aws:partition}")
      add("policy.unknown-partition", Severity::Warning, "unknown partition `" + std::string(f.f[1]) + "`", r.span);
    if (has_variables(r.value) && p.version != Version::V2012_10_17)
      add("policy.variables-need-2012", Severity::Warning,
          "policy variables in `" + r.value + "` are literal text without `\"Version\": \"2012-10-17\"`", r.span);
  }

  void principal(const PrincipalValue& pv) {
    if (pv.kind != PrincipalKind::Aws || pv.value == "*") return;
    const std::string& v = pv.value;
    bool account = v.size() == 12 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    bool unique_id = v.size() >= 16 && (v.substr(0, 4) == "AIDA" || v.substr(0, 4) == "AROA");
    ArnFields f = split_arn(v);
    bool arn = f.count == 6 && f.f[0] == "arn" && (f.f[2] == "iam" || f.f[2] == "sts");
    if (!account && !unique_id && !arn)
      add("policy.invalid-principal", Severity::Error, "invalid AWS principal `" + v + "`", pv.span,
          "use an account id, an IAM user/role ARN or an STS session ARN");
  }

  void condition(const Policy& p, const Statement& s, const Condition& c, const auto& resolved) {
    // Key syntax and catalog.
    size_t colon = c.key.find(':');
    if (colon == std::string::npos || colon == 0) {
      add("policy.invalid-condition-key", Severity::Error, "condition key `" + c.key + "` has no service prefix", c.key_span,
          "keys look like `aws:SourceIp` or `s3:prefix`");
      return;
    }
    const catalog::ConditionKey* key = cat_.find_condition_key(c.key);
    std::string_view prefix = std::string_view(c.key).substr(0, colon);
    if (!key) {
      bool global = base::iequals(prefix, "aws");
      std::vector<std::string_view> names;
      const std::string service = std::string(prefix) + ":";
      for (const auto& k : cat_.condition_keys())
        if (base::istarts_with(k.name, service)) names.push_back(k.name);
      std::string hint = base::did_you_mean(c.key, names);
      add("policy.unknown-condition-key", global ? Severity::Error : Severity::Warning,
          "unknown condition key `" + c.key + "`", c.key_span, hint.empty() ? "" : "did you mean `" + hint + "`?");
    } else if (!key->global && !s.not_action) {
      // Applicable to at least one of the statement's actions?
      bool any_action = false, applies = false;
      for (const auto& ra : resolved)
        for (auto id : ra.ids) {
          any_action = true;
          if (cat_.key_applies(cat_.actions()[id], *key)) { applies = true; break; }
        }
      if (any_action && !applies)
        add("policy.condition-key-not-applicable", Severity::Warning,
            "condition key `" + c.key + "` is not supported by any action of this statement", c.key_span,
            "the condition would never be satisfied by these actions (or always, if negated)");
    }
    // Operator vs key type.
    OperatorValueType ot = value_type_of(c.op);
    if (key) {
      bool multi = catalog::is_multivalued(key->type);
      if (multi && c.qualifier == Qualifier::None && ot != OperatorValueType::Null)
        add("policy.multivalued-key-needs-set-operator", Severity::Warning,
            "`" + c.key + "` is multivalued: use `ForAnyValue:` or `ForAllValues:`", c.op_span);
      if (!multi && c.qualifier != Qualifier::None)
        add("policy.set-operator-on-single-valued-key", Severity::Suggestion,
            "`" + c.key + "` is single-valued: the `" + std::string(c.qualifier == Qualifier::ForAllValues ? "ForAllValues" : "ForAnyValue") +
                ":` qualifier is unnecessary", c.op_span);
      std::string_view kt = catalog::to_string(key->type);
      auto kt_is = [&](std::string_view t) { return kt == t || kt == "ArrayOf" + std::string(t); };
      bool mismatch = false;
      switch (ot) {
        case OperatorValueType::Numeric: mismatch = !kt_is("Numeric"); break;
        case OperatorValueType::Date: mismatch = !kt_is("Date"); break;
        case OperatorValueType::Bool: mismatch = !kt_is("Bool"); break;
        case OperatorValueType::IpAddress: mismatch = !kt_is("IPAddress") && !kt_is("IpAddress"); break;
        case OperatorValueType::Arn: mismatch = !kt_is("ARN") && !kt_is("Arn") && !kt_is("String"); break;
        case OperatorValueType::String: mismatch = kt_is("Numeric") || kt_is("Date") || kt_is("Bool") || kt_is("IPAddress") || kt_is("IpAddress"); break;
        default: break;
      }
      if (mismatch)
        add("policy.operator-type-mismatch", Severity::Warning,
            "`" + std::string(to_string(c.op)) + "` compares " + std::string(op_type_name(ot)) + " values but `" + c.key +
                "` is of type " + std::string(kt),
            c.op_span);
    }
    if (c.qualifier == Qualifier::ForAllValues && s.effect == Effect::Allow && !is_negated(c.op))
      add("policy.forallvalues-with-allow", Severity::SecurityWarning,
          "`ForAllValues` with `Allow` is also true when `" + c.key + "` is missing or empty", c.op_span,
          "add `\"Null\": {\"" + c.key + "\": \"false\"}`");
    // Values vs operator.
    for (const auto& v : c.values) {
      bool var = has_variables(v.value);
      if (var && p.version == Version::V2012_10_17 && ot != OperatorValueType::String && ot != OperatorValueType::Arn &&
          ot != OperatorValueType::Bool) {
        add("policy.variable-not-allowed", Severity::Warning,
            "policy variables are not expanded in `" + std::string(to_string(c.op)) + "` values", v.span);
        continue;
      }
      if (var) continue;
      bool ok = true;
      switch (ot) {
        case OperatorValueType::Numeric: ok = parse_number(v.value).has_value(); break;
        case OperatorValueType::Date: ok = parse_date(v.value).has_value(); break;
        case OperatorValueType::Bool: ok = parse_bool(v.value).has_value(); break;
        case OperatorValueType::Null: ok = parse_bool(v.value).has_value(); break;
        case OperatorValueType::Binary: ok = decode_base64(v.value).has_value(); break;
        case OperatorValueType::IpAddress: ok = parse_ip(v.value).has_value(); break;
        default: break;
      }
      if (!ok)
        add("policy.invalid-condition-value", Severity::Error,
            "`" + v.value + "` is not a valid " + std::string(op_type_name(ot)) + " value for `" + c.op_text + "`", v.span,
            std::string(op_help(ot)));
    }
  }

  static std::string_view op_type_name(OperatorValueType t) {
    switch (t) {
      case OperatorValueType::String: return "string";
      case OperatorValueType::Numeric: return "numeric";
      case OperatorValueType::Date: return "date";
      case OperatorValueType::Bool: return "boolean";
      case OperatorValueType::Binary: return "base64";
      case OperatorValueType::IpAddress: return "IP address";
      case OperatorValueType::Arn: return "ARN";
      case OperatorValueType::Null: return "boolean";
    }
    return "string";
  }
  static std::string_view op_help(OperatorValueType t) {
    switch (t) {
      case OperatorValueType::Numeric: return "use an integer or decimal such as `10` or `3.5`";
      case OperatorValueType::Date: return "use ISO 8601 (`2026-01-31T00:00:00Z`) or epoch seconds";
      case OperatorValueType::Bool: case OperatorValueType::Null: return "use `true` or `false`";
      case OperatorValueType::Binary: return "use base64";
      case OperatorValueType::IpAddress: return "use an address or CIDR such as `203.0.113.0/24`";
      default: return "";
    }
  }

  std::string_view text_;
  PolicyType type_;
  Owner owner_;
  const Catalog& cat_;
  catalog::Id passrole_id_ = cat_.find_action("iam:PassRole") ? cat_.find_action("iam:PassRole")->id : catalog::kNoId;
  std::vector<Diagnostic>& diags_;
};

}  // namespace

std::vector<Diagnostic> validate(const Policy& p, std::string_view text, PolicyType type, Owner owner,
                                 const Catalog& cat) {
  std::vector<Diagnostic> d;
  Validator v(text, type, owner, cat, d);
  v.run(p);
  base::sort_by_position(d);
  return d;
}

std::vector<Diagnostic> check(std::string_view text, PolicyType type, Owner owner, const Catalog& cat) {
  ParseResult r = parse(text, type);
  std::vector<Diagnostic> d = std::move(r.diagnostics);
  bool syntax_failed = std::any_of(d.begin(), d.end(), [](const Diagnostic& x) {
    return x.code.rfind("json.", 0) == 0 && x.code != "json.duplicate-key";
  });
  if (!syntax_failed) {
    auto more = validate(r.policy, text, type, owner, cat);
    d.insert(d.end(), more.begin(), more.end());
  }
  base::sort_by_position(d);
  return d;
}

}  // namespace iamforge::policy
