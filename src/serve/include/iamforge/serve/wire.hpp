#pragma once
/// The Query API's wire format, both directions: form decoding (application/x-www-form-urlencoded
/// bodies and query strings), RFC 3986 encoding (policy documents in replies, SigV4 canonical
/// strings) and a small XML writer for AWS's reply shapes (reference §6.1).
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace iamforge::serve {

/// Form parameters by name. A repeated name keeps its first value.
using Params = std::map<std::string, std::string, std::less<>>;

/// Percent-decodes `s` (`+` is a space when `plus_is_space`). Nullopt on a bad escape (`%` not
/// followed by two hex digits) or a decoded NUL byte.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = true);

/// Parses a form-encoded body or query string. Nullopt (and `error` set) on bad encoding.
std::optional<Params> parse_form(std::string_view text, std::string* error = nullptr);

/// RFC 3986 encoding: A-Z a-z 0-9 - _ . ~ kept, every other byte as %XX (upper-case hex).
std::string uri_encode(std::string_view s);

/// `s` with &, <, >, " and ' escaped for XML text and attributes; bytes that XML 1.0 forbids
/// (control characters other than tab, CR, LF) are written as U+FFFD.
void append_xml_escaped(std::string& out, std::string_view s);

/// Builds an XML document element by element (no pretty-printing: AWS's parsers don't care).
class Xml {
 public:
  Xml() { out_.reserve(1024); out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }
  /// `<name xmlns="ns">`.
  Xml& open(std::string_view name, std::string_view xmlns) {
    out_ += '<';
    out_ += name;
    out_ += " xmlns=\"";
    out_ += xmlns;
    out_ += "\">";
    return *this;
  }
  Xml& open(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += '>';
    return *this;
  }
  Xml& close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
    return *this;
  }
  /// `<name>escaped text</name>`.
  Xml& leaf(std::string_view name, std::string_view text) {
    open(name);
    append_xml_escaped(out_, text);
    return close(name);
  }
  Xml& leaf(std::string_view name, const char* text) { return leaf(name, std::string_view(text)); }
  Xml& leaf(std::string_view name, const std::string& text) { return leaf(name, std::string_view(text)); }
  Xml& leaf(std::string_view name, bool value) { return leaf(name, value ? std::string_view("true") : "false"); }
  Xml& leaf(std::string_view name, int value) { return leaf(name, std::string_view(std::to_string(value))); }
  /// The element only when `text` has a value.
  Xml& leaf(std::string_view name, const std::optional<std::string>& text) {
    if (text) leaf(name, std::string_view(*text));
    return *this;
  }
  /// `<name/>`: an empty list.
  Xml& empty(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += "/>";
    return *this;
  }
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace iamforge::serve
