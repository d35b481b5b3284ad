#include "iamforge/json/json.hpp"

#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "iamforge/base/strings.hpp"

namespace iamforge::json {

using base::Diagnostic;
using base::Severity;
using base::Span;

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "boolean";
    case Kind::Number: return "number";
    case Kind::String: return "string";
    case Kind::Array: return "array";
    case Kind::Object: return "object";
  }
  return "?";
}

const Value* Value::find(std::string_view key) const {
  for (const auto& m : members)
    if (m.key == key) return &m.value;
  return nullptr;
}

namespace {
struct Abort {};
}  // namespace

// The parser writes a Document's tape: one Slot per value in source order, a container's children
// following it, each subtree's end recorded in `next`. Every error fails the whole document
// (thrown as Abort) except json.duplicate-key, which is reported while parsing goes on.
class DocumentParser {
 public:
  DocumentParser(std::string_view t, const ParseOptions& o, std::vector<Diagnostic>& d, Document& doc)
      : s_(t), opt_(o), diags_(d), slots_(doc.slots_), decoded_(doc.decoded_) {}

  void run() {
    // A UTF-8 byte-order mark (any number of them) is skipped; offsets stay those of `text`.
    while (s_.substr(pos_, 3) == "\xEF\xBB\xBF") pos_ += 3;
    const std::uint32_t start = static_cast<std::uint32_t>(pos_);
    skip_ws();
    if (pos_ >= s_.size()) {
      diags_.push_back({"json.empty", Severity::Error, "the document is empty", {start, start}, "a policy is a JSON object"});
      throw Abort{};
    }
    value(0);
    skip_ws();
    if (pos_ < s_.size()) fail("unexpected text after the JSON value", pos_, pos_ + 1);
  }

 private:
  using Slot = Document::Slot;

  [[noreturn]] void fail(std::string msg, size_t b, size_t e, std::string help = {}) {
    diags_.push_back({"json.syntax", Severity::Error, std::move(msg),
                      {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(std::max(b, e))}, std::move(help)});
    throw Abort{};
  }

  void skip_ws() {
    while (pos_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c > ' ') break;  // the common case (compact JSON): one compare
#ifdef __SSE2__
      // Indentation (pretty-printed JSON): sixteen bytes per step.
      while (pos_ + 16 <= s_.size()) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s_.data() + pos_));
        __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));
        unsigned other = ~static_cast<unsigned>(_mm_movemask_epi8(ws)) & 0xFFFFu;
        if (other) {
          pos_ += static_cast<size_t>(__builtin_ctz(other));
          return;
        }
        pos_ += 16;
      }
      if (pos_ == s_.size()) break;
      c = static_cast<unsigned char>(s_[pos_]);
      if (c > ' ') break;
#endif
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') ++pos_;
      else break;
    }
  }

  std::string describe_here() const {
    if (pos_ >= s_.size()) return "end of input";
    char c = s_[pos_];
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return "a non-printable byte";
    return std::string("`") + c + "`";
  }

  static Span span(size_t b, size_t e) { return {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e)}; }

  // Appends a slot for a value starting at pos_; returns its index (slots_ may grow while the
  // value's children are parsed, so slots are addressed by index, never by reference).
  std::uint32_t push(Kind k) {
    std::uint32_t i = used_++;
    Slot& sl = slots_.emplace_back();
    base_ = slots_.data();
    sl.kind = k;
    sl.span.begin = static_cast<std::uint32_t>(pos_);
    return i;
  }
  void close(std::uint32_t i) {
    Slot& sl = base_[i];
    sl.span.end = static_cast<std::uint32_t>(pos_);
    sl.next = used_;
  }

  void value(std::uint32_t depth) {
    if (depth >= opt_.max_depth)
      diags_.push_back({"json.too-deep", Severity::Error,
                        "nesting deeper than " + std::to_string(opt_.max_depth) + " levels",
                        {static_cast<std::uint32_t>(pos_), static_cast<std::uint32_t>(pos_ + 1)}, {}}),
          throw Abort{};
    if (pos_ >= s_.size()) fail("unexpected end of input, expected a value", pos_, pos_);
    char c = s_[pos_];
    switch (c) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': {
        std::uint32_t i = push(Kind::String);
        std::string_view t = string();
        Slot& sl = base_[i];
        sl.text = t.data();
        sl.text_len = static_cast<std::uint32_t>(t.size());
        return close(i);
      }
      case 't': return literal("true", Kind::Bool, true);
      case 'f': return literal("false", Kind::Bool, false);
      case 'n': return literal("null", Kind::Null, false);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        fail("expected a value, found " + describe_here(), pos_, pos_ + 1);
    }
  }

  void literal(std::string_view word, Kind k, bool b) {
    if (s_.substr(pos_, word.size()) != word) fail("expected a value, found " + describe_here(), pos_, pos_ + 1);
    std::uint32_t i = push(k);
    Slot& sl = base_[i];
    sl.boolean = b;
    if (k == Kind::Bool) {
      sl.text = s_.data() + pos_;  // "true" / "false", as in the source
      sl.text_len = static_cast<std::uint32_t>(word.size());
    }
    pos_ += word.size();
    close(i);
  }

  void number() {
    size_t b = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t st = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - st;
    };
    size_t int_start = pos_;
    if (digits() == 0) fail("malformed number", b, pos_ + 1);
    if (s_[int_start] == '0' && pos_ - int_start > 1) fail("malformed number: leading zero", b, pos_);
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) fail("malformed number", b, pos_);
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("malformed number", b, pos_);
    }
    size_t e = pos_;
    pos_ = b;
    std::uint32_t i = push(Kind::Number);
    pos_ = e;
    Slot& sl = base_[i];
    sl.text = s_.data() + b;
    sl.text_len = static_cast<std::uint32_t>(e - b);
    close(i);
  }

  static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  unsigned hex4(size_t at) {
    if (at + 4 > s_.size()) fail("truncated \\u escape", at - 2, s_.size());
    unsigned u = 0;
    for (size_t i = 0; i < 4; ++i) {
      int h = hexval(s_[at + i]);
      if (h < 0) fail("invalid \\u escape", at - 2, at + 4);
      u = u * 16 + static_cast<unsigned>(h);
    }
    return u;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) out.push_back(static_cast<char>(cp));
    else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Validates one UTF-8 sequence starting at `at`; returns its length or fails.
  size_t utf8_len(size_t at) {
    auto u = [&](size_t i) { return static_cast<unsigned char>(s_[i]); };
    unsigned char c = u(at);
    size_t n;
    unsigned cp;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
    else bad_utf8(at);
    if (at + n > s_.size()) bad_utf8(at);
    for (size_t i = 1; i < n; ++i) {
      if ((u(at + i) & 0xC0) != 0x80) bad_utf8(at);
      cp = (cp << 6) | (u(at + i) & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      bad_utf8(at);
    return n;
  }

  [[noreturn]] void bad_utf8(size_t at) {
    diags_.push_back({"json.invalid-utf8", Severity::Error, "invalid UTF-8 byte sequence",
                      {static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at + 1)}, {}});
    throw Abort{};
  }

  // End of the run of plain printable ASCII (no `"`, `\\`, control or non-ASCII byte) from `at`,
  // eight bytes at a time (SWAR; the byte tests are exact, no borrow between bytes).
  size_t plain_run(size_t at) const {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the SWAR scan takes the lowest byte first");
    constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL, kOnes = 0x0101010101010101ULL;
    const char* d = s_.data();
    const size_t n = s_.size();
#ifdef __SSE2__
    // Sixteen bytes at a time where SSE2 is there (always on x86-64): `"`, `\\`, and (as signed
    // bytes) anything below 0x20, which includes every byte >= 0x80.
    const __m128i quote16 = _mm_set1_epi8('"'), slash16 = _mm_set1_epi8('\\'), space16 = _mm_set1_epi8(0x20);
    while (at + 16 <= n) {
      __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + at));
      __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, quote16), _mm_cmpeq_epi8(w, slash16)),
                                     _mm_cmplt_epi8(w, space16));
      if (int mask = _mm_movemask_epi8(special)) return at + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
      at += 16;
    }
#endif
    while (at + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, d + at, 8);
      auto zero = [&](std::uint64_t x) { return ~(((x & kLow7) + kLow7) | x | kLow7); };  // 0x80 in each zero byte
      std::uint64_t quote = zero(w ^ (kOnes * '"'));
      std::uint64_t slash = zero(w ^ (kOnes * '\\'));
      std::uint64_t control = ~(((w & kLow7) + kOnes * (0x80 - 0x20)) | w) & ~kLow7;  // byte < 0x20
      std::uint64_t special = quote | slash | control | (w & ~kLow7);              // ... or >= 0x80
      if (special) return at + static_cast<size_t>(__builtin_ctzll(special) >> 3);
      at += 8;
    }
    while (at < n) {
      auto ch = static_cast<unsigned char>(d[at]);
      if (ch == '"' || ch == '\\' || ch < 0x20 || ch >= 0x80) break;
      ++at;
    }
    return at;
  }

  // A string starting at pos_ (its opening quote). The common case, plain ASCII up to the closing
  // quote, is a view into the source. Otherwise the decoded value is appended to the document's
  // `decoded_` buffer, which is first given room for the whole text: a decoded string is never
  // longer than its source bytes (escapes shrink, UTF-8 is copied), so the buffer never
  // reallocates during the parse and earlier views into it stay valid.
  std::string_view string() {
    size_t run = plain_run(pos_ + 1);
    if (run < s_.size() && s_[run] == '"') [[likely]] {
      std::string_view v(s_.data() + pos_ + 1, run - pos_ - 1);
      pos_ = run + 1;
      return v;
    }
    return decode_string(run);
  }

  // The rest of string(): the string at pos_ has an escape or a non-ASCII byte at `run`, or is
  // unterminated.
  [[gnu::noinline]] std::string_view decode_string(size_t run) {
    size_t b = pos_;
    pos_ = run;
    if (decoded_.capacity() < s_.size()) decoded_.reserve(s_.size());
    std::string& out = decoded_;
    const size_t from = out.size();
    out.append(s_.data() + b + 1, run - b - 1);
    for (;;) {
      // Fast path: copy a run of plain printable ASCII in one go.
      run = plain_run(pos_);
      if (run > pos_) {
        out.append(s_.data() + pos_, run - pos_);
        pos_ = run;
      }
      if (pos_ >= s_.size()) fail("unterminated string", b, s_.size(), "add the closing `\"`");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return std::string_view(out).substr(from);
      }
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) fail("unterminated string", b, s_.size());
        char e = s_[pos_ + 1];
        pos_ += 2;
        switch (e) {
          case '"': out.push_back('"'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            unsigned cp = hex4(pos_);
            pos_ += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (pos_ + 6 <= s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
                unsigned lo = hex4(pos_ + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                  pos_ += 6;
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                  fail("unpaired surrogate in \\u escape", pos_ - 6, pos_);
                }
              } else {
                fail("unpaired surrogate in \\u escape", pos_ - 6, pos_);
              }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              fail("unpaired surrogate in \\u escape", pos_ - 6, pos_);
            }
            put_utf8(out, cp);
            break;
          }
          default: fail(std::string("invalid escape `\\") + e + "`", pos_ - 2, pos_);
        }
        continue;
      }
      if (c < 0x20) fail("control character in string", pos_, pos_ + 1, "escape it, e.g. `\\n`");
      size_t n = utf8_len(pos_);
      out.append(s_.data() + pos_, n);
      pos_ += n;
    }
  }

  void array(std::uint32_t depth) {
    std::uint32_t self = push(Kind::Array);
    size_t b = pos_++;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return close(self);
    }
    std::uint32_t count = 0;
    for (;;) {
      skip_ws();
      value(depth + 1);
      ++count;
      skip_ws();
      if (pos_ >= s_.size()) fail("unterminated array", b, b + 1, "add the closing `]`");
      if (s_[pos_] == ',') { ++pos_; continue; }
      if (s_[pos_] == ']') { ++pos_; break; }
      fail("expected `,` or `]` in array, found " + describe_here(), pos_, pos_ + 1);
    }
    base_[self].count = count;
    close(self);
  }

  static std::string_view key_of(const Slot& sl) { return {sl.key, sl.key_len}; }
  static bool has_key(const Slot& sl, std::string_view key) {  // word compares, inline
    return sl.key_len == key.size() && base::equal_bytes(sl.key, key.data(), key.size());
  }

  // Up to this many members, a new key is compared with the earlier ones (a length compare rejects
  // most): a request context of ~22 keys then needs no table, whose allocation and hashing cost
  // more (batch: 353.7M -> 351.2M instructions against a threshold of 16).
  static constexpr std::uint32_t kLinearKeys = 32;

  // Is the member at `last` (the count-th child of `self`) named as an earlier one? Linear for
  // small objects; past kLinearKeys members through `seen`, an open-addressing table of member
  // indices (filled on first use), so an object with many keys cannot make parsing quadratic.
  // `bloom` is a one-word Bloom filter of the keys so far (key_bit): a key whose bit is not set
  // cannot repeat one, so most members of a small object are not compared with any other.
  bool is_duplicate(std::uint32_t self, std::uint32_t last, std::uint32_t count, std::vector<std::uint32_t>& seen,
                    std::uint64_t& bloom) const {
    std::string_view key = key_of(base_[last]);
    if (count <= kLinearKeys) {
      const std::uint64_t bit = key_bit(key);
      const bool maybe = (bloom & bit) != 0;
      bloom |= bit;
      if (!maybe) return false;
      for (std::uint32_t i = self + 1; i != last; i = base_[i].next)
        if (has_key(base_[i], key)) return true;
      return false;
    }
    if (seen.empty() || 2 * count > seen.size()) {  // (re)build at most half full
      size_t size = 64;
      while (size < 4 * static_cast<size_t>(count)) size *= 2;
      seen.assign(size, 0);
      for (std::uint32_t i = self + 1; i != last; i = base_[i].next) insert_key(seen, i);
    }
    return !insert_key(seen, last);
  }

  // One of 64 bits for a key, from its length and its first and last bytes (which set the context
  // keys of a request, ~22 of them, mostly apart).
  static std::uint64_t key_bit(std::string_view key) {
    std::uint32_t h = static_cast<std::uint32_t>(key.size()) * 0x9E3779B1u;
    if (!key.empty())
      h ^= (static_cast<unsigned char>(key.front()) * 0x85EBCA77u) ^ (static_cast<unsigned char>(key.back()) * 0xC2B2AE3Du);
    return std::uint64_t{1} << (h >> 26);
  }

  // Adds member slot `i` to `seen` (slot + 1 per entry, 0 = empty; size a power of two); false if
  // a member with the same key is there already.
  bool insert_key(std::vector<std::uint32_t>& seen, std::uint32_t i) const {
    std::string_view key = key_of(base_[i]);
    std::uint64_t h = base::hash_words(key, false);
    h ^= h >> 33;
    const size_t mask = seen.size() - 1;
    for (size_t at = static_cast<size_t>(h ^ (h >> 29)) & mask;; at = (at + 1) & mask) {
      if (seen[at] == 0) {
        seen[at] = i + 1;
        return true;
      }
      if (has_key(base_[seen[at] - 1], key)) return false;
    }
  }

  void object(std::uint32_t depth) {
    std::vector<std::uint32_t> seen;  // only past kLinearKeys members
    std::uint64_t bloom = 0;           // up to kLinearKeys members (is_duplicate)
    std::uint32_t self = push(Kind::Object);
    size_t b = pos_++;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return close(self);
    }
    std::uint32_t count = 0;
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size()) fail("unterminated object", b, b + 1, "add the closing `}`");
      if (s_[pos_] != '"') fail("expected a string key, found " + describe_here(), pos_, pos_ + 1,
                               s_[pos_] == '}' ? "remove the trailing `,`" : "");
      size_t kb = pos_;
      std::string_view key = string();
      Span key_span = span(kb, pos_);
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected `:` after key, found " + describe_here(), pos_, pos_ + 1);
      ++pos_;
      skip_ws();
      std::uint32_t member = used_;
      value(depth + 1);
      ++count;
      Slot& m = base_[member];
      m.key = key.data();
      m.key_len = static_cast<std::uint32_t>(key.size());
      m.key_span = key_span;
      if (is_duplicate(self, member, count, seen, bloom)) {
        diags_.push_back({"json.duplicate-key", Severity::Error, "duplicate key `" + std::string(key) + "`", key_span,
                          "IAM rejects repeated keys; merge the two entries"});
      }
      skip_ws();
      if (pos_ >= s_.size()) fail("unterminated object", b, b + 1, "add the closing `}`");
      if (s_[pos_] == ',') { ++pos_; continue; }
      if (s_[pos_] == '}') { ++pos_; break; }
      fail("expected `,` or `}` in object, found " + describe_here(), pos_, pos_ + 1);
    }
    base_[self].count = count;
    close(self);
  }

  std::string_view s_;
  const ParseOptions& opt_;
  std::vector<Diagnostic>& diags_;
  std::vector<Slot>& slots_;
  Slot* base_ = nullptr;  ///< slots_.data(), refreshed by push() (the only place slots_ grows)
  std::uint32_t used_ = 0;  ///< slots_.size()
  std::string& decoded_;
  size_t pos_ = 0;
};

bool Document::parse(std::string_view text, std::vector<Diagnostic>& diagnostics, const ParseOptions& options) {
  slots_.clear();
  decoded_.clear();
  DocumentParser p(text, options, diagnostics, *this);
  try {
    p.run();
    return true;
  } catch (const Abort&) {
    slots_.clear();
    return false;
  }
}

void Document::add_value(const Value& v) {
  auto self = static_cast<std::uint32_t>(slots_.size());
  {
    Slot& sl = slots_.emplace_back();
    sl.kind = v.kind;
    sl.boolean = v.boolean;
    sl.span = v.span;
    sl.text = v.text.data();
    sl.text_len = static_cast<std::uint32_t>(v.text.size());
  }
  if (v.kind == Kind::Array) {
    for (const auto& i : v.items) add_value(i);
    slots_[self].count = static_cast<std::uint32_t>(v.items.size());
  } else if (v.kind == Kind::Object) {
    for (const auto& m : v.members) {
      auto member = static_cast<std::uint32_t>(slots_.size());
      add_value(m.value);
      Slot& sl = slots_[member];
      sl.key = m.key.data();
      sl.key_len = static_cast<std::uint32_t>(m.key.size());
      sl.key_span = m.key_span;
    }
    slots_[self].count = static_cast<std::uint32_t>(v.members.size());
  }
  slots_[self].next = static_cast<std::uint32_t>(slots_.size());
}

void Document::assign(const Value& v) {
  slots_.clear();
  decoded_.clear();
  add_value(v);
}

Value Document::to_value(Node n) {
  Value v;
  if (!n) return v;
  v.kind = n.kind();
  v.boolean = n.boolean();
  v.text = n.text();
  v.span = n.span();
  if (v.kind == Kind::Array) {
    v.items.reserve(n.size());
    for (Node i : n) v.items.push_back(to_value(i));
  } else if (v.kind == Kind::Object) {
    v.members.reserve(n.size());
    for (Node m : n) {
      Member& mm = v.members.emplace_back();
      mm.key = m.key();
      mm.key_span = m.key_span();
      mm.value = to_value(m);
    }
  }
  return v;
}

ParseResult parse(std::string_view text, const ParseOptions& options) {
  ParseResult r;
  Document doc;
  if (doc.parse(text, r.diagnostics, options)) r.value = Document::to_value(doc.root());
  return r;
}

void write(std::string& out, const Value& v) {
  switch (v.kind) {
    case Kind::Null: out += "null"; break;
    case Kind::Bool: out += v.boolean ? "true" : "false"; break;
    case Kind::Number: out += v.text; break;
    case Kind::String: base::append_json_string(out, v.text); break;
    case Kind::Array:
      out.push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out.push_back(',');
        write(out, v.items[i]);
      }
      out.push_back(']');
      break;
    case Kind::Object:
      out.push_back('{');
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i) out.push_back(',');
        base::append_json_string(out, v.members[i].key);
        out.push_back(':');
        write(out, v.members[i].value);
      }
      out.push_back('}');
      break;
  }
}

std::string write(const Value& v) {
  std::string s;
  write(s, v);
  return s;
}

}  // namespace iamforge::json
