#include "iamforge/json/json.hpp"

#include <cstring>
#include <unordered_set>

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

class Parser {
 public:
  Parser(std::string_view t, const ParseOptions& o, std::vector<Diagnostic>& d) : s_(t), opt_(o), diags_(d) {}

  Value run() {
    skip_ws();
    if (pos_ >= s_.size()) {
      diags_.push_back({"json.empty", Severity::Error, "the document is empty", {0, 0}, "a policy is a JSON object"});
      throw Abort{};
    }
    Value v = value(0);
    skip_ws();
    if (pos_ < s_.size()) fail("unexpected text after the JSON value", pos_, pos_ + 1);
    return v;
  }

 private:
  [[noreturn]] void fail(std::string msg, size_t b, size_t e, std::string help = {}) {
    diags_.push_back({"json.syntax", Severity::Error, std::move(msg),
                      {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(std::max(b, e))}, std::move(help)});
    throw Abort{};
  }

  void skip_ws() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
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

  Value value(std::uint32_t depth) {
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
        Value v;
        v.kind = Kind::String;
        size_t b = pos_;
        v.text = string();
        v.span = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(pos_)};
        return v;
      }
      case 't': return literal("true", Kind::Bool, true);
      case 'f': return literal("false", Kind::Bool, false);
      case 'n': return literal("null", Kind::Null, false);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        fail("expected a value, found " + describe_here(), pos_, pos_ + 1);
    }
  }

  Value literal(std::string_view word, Kind k, bool b) {
    if (s_.substr(pos_, word.size()) != word) fail("expected a value, found " + describe_here(), pos_, pos_ + 1);
    Value v;
    v.kind = k;
    v.boolean = b;
    if (k == Kind::Bool) v.text = std::string(word);
    v.span = {static_cast<std::uint32_t>(pos_), static_cast<std::uint32_t>(pos_ + word.size())};
    pos_ += word.size();
    return v;
  }

  Value number() {
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
    Value v;
    v.kind = Kind::Number;
    v.text = std::string(s_.substr(b, pos_ - b));
    v.span = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(pos_)};
    return v;
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

  // Validates one UTF-8 sequence starting at pos_; returns its length or fails.
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

  std::string string() {
    size_t b = pos_;
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      // Fast path: copy a run of plain printable ASCII in one go.
      size_t run = plain_run(pos_);
      if (run > pos_) {
        out.append(s_.data() + pos_, run - pos_);
        pos_ = run;
      }
      if (pos_ >= s_.size()) fail("unterminated string", b, s_.size(), "add the closing `\"`");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
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

  Value array(std::uint32_t depth) {
    Value v;
    v.kind = Kind::Array;
    size_t b = pos_++;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      v.span = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(pos_)};
      return v;
    }
    for (;;) {
      skip_ws();
      v.items.push_back(value(depth + 1));
      skip_ws();
      if (pos_ >= s_.size()) fail("unterminated array", b, b + 1, "add the closing `]`");
      if (s_[pos_] == ',') { ++pos_; continue; }
      if (s_[pos_] == ']') { ++pos_; break; }
      fail("expected `,` or `]` in array, found " + describe_here(), pos_, pos_ + 1);
    }
    v.span = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(pos_)};
    return v;
  }

  // Is the last member's key used by an earlier one? Linear for small objects, hashed for large
  // ones, so an object with many keys cannot make parsing quadratic.
  static bool is_duplicate(const std::vector<Member>& members, std::unordered_set<std::string>& keys) {
    const std::string& key = members.back().key;
    size_t n = members.size();
    if (n <= 16) {
      for (size_t i = 0; i + 1 < n; ++i)
        if (members[i].key == key) return true;
      return false;
    }
    if (keys.empty())
      for (size_t i = 0; i + 1 < n; ++i) keys.insert(members[i].key);
    return !keys.insert(key).second;
  }

  Value object(std::uint32_t depth) {
    std::unordered_set<std::string> keys;  // copies (members move as the vector grows); only past 16 members
    Value v;
    v.kind = Kind::Object;
    size_t b = pos_++;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      v.span = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(pos_)};
      return v;
    }
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size()) fail("unterminated object", b, b + 1, "add the closing `}`");
      if (s_[pos_] != '"') fail("expected a string key, found " + describe_here(), pos_, pos_ + 1,
                               s_[pos_] == '}' ? "remove the trailing `,`" : "");
      if (v.members.empty()) v.members.reserve(4);  // skip the 1-2 regrowth (each moves every member)
      v.members.emplace_back();  // built in place: Values are large, moving them is not free
      Member& m = v.members.back();
      size_t kb = pos_;
      m.key = string();
      m.key_span = {static_cast<std::uint32_t>(kb), static_cast<std::uint32_t>(pos_)};
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected `:` after key, found " + describe_here(), pos_, pos_ + 1);
      ++pos_;
      skip_ws();
      m.value = value(depth + 1);  // `m` stays valid: parsing the value never touches `v`
      if (is_duplicate(v.members, keys)) {
        diags_.push_back({"json.duplicate-key", Severity::Error, "duplicate key `" + m.key + "`", m.key_span,
                          "IAM rejects repeated keys; merge the two entries"});
      }
      skip_ws();
      if (pos_ >= s_.size()) fail("unterminated object", b, b + 1, "add the closing `}`");
      if (s_[pos_] == ',') { ++pos_; continue; }
      if (s_[pos_] == '}') { ++pos_; break; }
      fail("expected `,` or `}` in object, found " + describe_here(), pos_, pos_ + 1);
    }
    v.span = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(pos_)};
    return v;
  }

  std::string_view s_;
  const ParseOptions& opt_;
  std::vector<Diagnostic>& diags_;
  size_t pos_ = 0;
};

}  // namespace

ParseResult parse(std::string_view text, const ParseOptions& options) {
  ParseResult r;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    // A UTF-8 byte-order mark: skip it but keep offsets true by parsing the tail in place.
    ParseResult tail = parse(text.substr(3), options);
    auto shift = [](base::Span& s) { s.begin += 3; s.end += 3; };
    for (auto& d : tail.diagnostics) shift(d.span);
    // Spans inside the value are shifted lazily by walking the tree.
    struct Walk {
      static void go(Value& v, decltype(shift)& f) {
        f(v.span);
        for (auto& i : v.items) go(i, f);
        for (auto& m : v.members) { f(m.key_span); go(m.value, f); }
      }
    };
    Walk::go(tail.value, shift);
    return tail;
  }
  Parser p(text, options, r.diagnostics);
  try {
    r.value = p.run();
  } catch (const Abort&) {
    r.value = Value{};
  }
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
