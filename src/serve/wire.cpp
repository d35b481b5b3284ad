// Form decoding, RFC 3986 encoding and XML escaping for the Query API (reference §6.1).
#include "iamforge/serve/wire.hpp"

#include <array>

#include "iamforge/aws/sigv4.hpp"

namespace iamforge::serve {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char d = static_cast<char>(hi * 16 + lo);
      if (d == '\0') return std::nullopt;
      out += d;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<Params> parse_form(std::string_view text, std::string* error) {
  Params params;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) {
      if (amp == text.size()) break;
      continue;
    }
    std::size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto name = percent_decode(raw_name);
    auto value = percent_decode(raw_value);
    if (!name || !value || name->empty()) {
      if (error) *error = "the request body is not valid application/x-www-form-urlencoded data";
      return std::nullopt;
    }
    params.emplace(std::move(*name), std::move(*value));
    if (amp == text.size()) break;
  }
  return params;
}

std::string uri_encode(std::string_view s) { return aws::uri_encode(s); }  // one RFC 3986 encoder (SigV4's)

void append_xml_escaped(std::string& out, std::string_view s) {
  // Runs of characters that need nothing are appended whole (URL-encoded documents, ARNs and names
  // are almost all such runs); only the rest goes through the switch.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = true;
    for (unsigned char c : {'&', '<', '>', '"', '\''}) t[c] = false;
    for (int c = 0x80; c < 0x100; ++c) t[static_cast<std::size_t>(c)] = true;
    t['\t'] = t['\n'] = true;
    return t;
  }();
  out.reserve(out.size() + s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    while (run < s.size() && kPlain[static_cast<unsigned char>(s[run])]) ++run;
    out.append(s.data() + i, run - i);
    if (run == s.size()) break;
    switch (auto c = static_cast<unsigned char>(s[run])) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      default: (void)c; out += "\xEF\xBF\xBD";  // other C0 controls and DEL: not allowed in XML 1.0
    }
    i = run + 1;
  }
}

}  // namespace iamforge::serve
