// Form decoding, RFC 3986 encoding and XML escaping for the Query API (reference §6.1).
#include "iamforge/serve/wire.hpp"

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
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': case '\n': out += static_cast<char>(c); break;
      case '\r': out += "&#13;"; break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += "\xEF\xBF\xBD";
        else
          out += static_cast<char>(c);
    }
  }
}

}  // namespace iamforge::serve
