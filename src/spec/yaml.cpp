#include "yaml.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

namespace iamforge::spec::detail {

namespace {

// Alias expansion copies nodes; a "billion laughs" document must stop long before memory does.
constexpr std::size_t kMaxNodes = 2'000'000;

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::size_t count_nodes(const YNode& n) {
  std::size_t c = 1;
  for (const auto& i : n.items) c += count_nodes(i);
  return c;
}

// yaml-cpp gives a start mark but no end; the end is recovered from the source text.
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view text, std::uint32_t base) : text_(text), base_(base) {}

  void OnDocumentStart(const YAML::Mark&) override { ++documents_; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YNode n;
    n.kind = YNode::Kind::Null;
    std::uint32_t b = pos(mark);
    std::uint32_t e = b;
    for (std::string_view word : {"~", "null", "Null", "NULL"}) {
      if (text_.compare(b, word.size(), word) == 0) {
        e = b + static_cast<std::uint32_t>(word.size());
        break;
      }
    }
    n.implicit_null = e == b;
    n.span = {b, e};
    add(std::move(n), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    YNode n;
    if (it != anchors_.end()) n = it->second;
    nodes_ += count_nodes(n);
    if (nodes_ > kMaxNodes) throw YAML::ParserException(mark, "document too large after alias expansion");
    add(std::move(n), 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YNode n;
    n.kind = YNode::Kind::Scalar;
    n.text = value;
    std::uint32_t b = pos(mark);
    if (tag == "!") {
      n.quoted = true;
    } else if (tag == "tag:yaml.org,2002:str") {
      n.quoted = true;
    } else if (tag != "?" && !tag.empty()) {
      unsupported_tags_.push_back({tag, b});
    }
    n.span = {b, scalar_end(b, value)};
    add(std::move(n), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    open(YNode::Kind::Sequence, mark, tag, anchor, style);
  }
  void OnSequenceEnd() override { close(']'); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    open(YNode::Kind::Map, mark, tag, anchor, style);
  }
  void OnMapEnd() override { close('}'); }

  /// The innermost flow collection still open (for "never closed" help): its bracket and offset.
  std::optional<std::pair<char, std::uint32_t>> open_flow() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (it->flow) return std::make_pair(it->node.kind == YNode::Kind::Map ? '{' : '[', it->node.span.begin);
    return std::nullopt;
  }

  YNode root;
  int documents_ = 0;
  std::vector<std::pair<std::string, std::uint32_t>> unsupported_tags_;

 private:
  struct Frame {
    YNode node;
    YAML::anchor_t anchor = 0;
    bool flow = false;
  };

  std::uint32_t pos(const YAML::Mark& m) const {
    if (m.pos < 0) return base_;
    auto p = static_cast<std::uint32_t>(m.pos) + base_;
    return p > text_.size() ? static_cast<std::uint32_t>(text_.size()) : p;
  }

  bool in_flow() const { return !stack_.empty() && stack_.back().flow; }

  void open(YNode::Kind kind, const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
            YAML::EmitterStyle::value style) {
    Frame f;
    f.node.kind = kind;
    std::uint32_t b = pos(mark);
    f.node.span = {b, b};
    f.anchor = anchor;
    f.flow = style == YAML::EmitterStyle::Flow;
    if (tag != "?" && !tag.empty() && tag != "!") unsupported_tags_.push_back({tag, b});
    stack_.push_back(std::move(f));
  }

  void close(char closer) {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    std::uint32_t end = f.node.span.begin;
    for (const auto& c : f.node.items) end = std::max(end, c.span.end);
    if (f.flow) {
      // Skip to the closing bracket: whitespace, commas, comments and line breaks may sit before it.
      std::uint32_t i = f.node.items.empty() ? f.node.span.begin + 1 : end;
      while (i < text_.size() && text_[i] != closer) {
        if (text_[i] == '#') {
          while (i < text_.size() && text_[i] != '\n') ++i;
        } else {
          ++i;
        }
      }
      end = i < text_.size() ? i + 1 : static_cast<std::uint32_t>(text_.size());
    }
    f.node.span.end = end;
    add(std::move(f.node), f.anchor);
  }

  void add(YNode&& n, YAML::anchor_t anchor) {
    if (++nodes_ > kMaxNodes) throw YAML::ParserException(YAML::Mark::null_mark(), "document too large");
    if (anchor) anchors_[anchor] = n;
    if (stack_.empty()) {
      root = std::move(n);
      return;
    }
    YNode& parent = stack_.back().node;
    if (parent.kind == YNode::Kind::Map && parent.items.size() % 2 == 1 && n.implicit_null) {
      // `key:` with nothing after it: point at the key rather than at the next line.
      n.span = {parent.items.back().span.end, parent.items.back().span.end};
    }
    parent.items.push_back(std::move(n));
  }

  std::uint32_t line_end(std::uint32_t i) const {
    while (i < text_.size() && text_[i] != '\n') ++i;
    return i;
  }

  std::uint32_t indent_of_line_at(std::uint32_t i) const {
    std::uint32_t s = i;
    while (s > 0 && text_[s - 1] != '\n') --s;
    std::uint32_t n = 0;
    while (s + n < text_.size() && text_[s + n] == ' ') ++n;
    return n;
  }

  std::uint32_t scalar_end(std::uint32_t b, const std::string& value) const {
    const auto size = static_cast<std::uint32_t>(text_.size());
    if (b >= size) return b;
    char c = text_[b];
    if (c == '"') {
      for (std::uint32_t i = b + 1; i < size; ++i) {
        if (text_[i] == '\\') {
          ++i;
        } else if (text_[i] == '"') {
          return i + 1;
        }
      }
      return size;
    }
    if (c == '\'') {
      for (std::uint32_t i = b + 1; i < size; ++i) {
        if (text_[i] == '\'') {
          if (i + 1 < size && text_[i + 1] == '\'') {
            ++i;
          } else {
            return i + 1;
          }
        }
      }
      return size;
    }
    if (c == '|' || c == '>') {
      // Block scalar: the indicator line plus every following line indented deeper than its parent.
      std::uint32_t parent_indent = indent_of_line_at(b);
      std::uint32_t end = line_end(b);
      std::uint32_t i = end < size ? end + 1 : size;
      while (i < size) {
        std::uint32_t le = line_end(i);
        std::uint32_t n = 0;
        while (i + n < le && text_[i + n] == ' ') ++n;
        bool blank = i + n == le || (i + n < le && text_[i + n] == '\r' && i + n + 1 == le);
        if (!blank && n <= parent_indent) break;
        if (!blank) end = le;
        i = le < size ? le + 1 : size;
      }
      if (end > b && text_[end - 1] == '\r') --end;
      return end;
    }
    // Plain scalar: on one line it is exactly its value.
    if (!value.empty() && text_.compare(b, value.size(), value) == 0) return b + static_cast<std::uint32_t>(value.size());
    std::uint32_t i = b;
    std::uint32_t le = line_end(b);
    while (i < le) {
      char ch = text_[i];
      if (ch == '#' && i > b && is_space(text_[i - 1])) break;
      if (in_flow() && (ch == ',' || ch == ']' || ch == '}')) break;
      ++i;
    }
    while (i > b && (is_space(text_[i - 1]) || text_[i - 1] == '\r')) --i;
    return i;
  }

  std::string_view text_;
  std::uint32_t base_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, YNode> anchors_;
  std::size_t nodes_ = 0;
};

bool all_digits(std::string_view s, int base) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = base == 8    ? (c >= '0' && c <= '7')
              : base == 16 ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                           : (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

PlainKind classify_plain(std::string_view s, bool* bool_value, double* number) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return PlainKind::Null;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    if (bool_value) *bool_value = s[0] == 't' || s[0] == 'T';
    return PlainKind::Bool;
  }
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  auto set = [&](double v) {
    if (number) *number = negative ? -v : v;
  };
  if (all_digits(body, 10)) {
    set(std::strtod(std::string(body).c_str(), nullptr));
    return PlainKind::Int;
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o') && all_digits(s.substr(2), s[1] == 'x' ? 16 : 8)) {
    negative = false;
    set(static_cast<double>(std::strtoull(std::string(s.substr(2)).c_str(), nullptr, s[1] == 'x' ? 16 : 8)));
    return PlainKind::Int;
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    set(HUGE_VAL);
    return PlainKind::Float;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    if (number) *number = std::numeric_limits<double>::quiet_NaN();
    return PlainKind::Float;
  }
  // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  std::size_t i = 0;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++int_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return PlainKind::String;
  if (int_digits == 0 && frac_digits == 0) return PlainKind::String;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return PlainKind::String;
  }
  if (i != body.size()) return PlainKind::String;
  set(std::strtod(std::string(body).c_str(), nullptr));
  return PlainKind::Float;
}

YamlResult parse_yaml(std::string_view text) {
  YamlResult r;
  // yaml-cpp counts positions after a UTF-8 byte order mark.
  std::uint32_t base = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  TreeBuilder builder(text, base);
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) {
      r.empty = true;
      return r;
    }
    if (parser.HandleNextDocument(builder)) {
      r.diagnostics.push_back({"spec.yaml-syntax", base::Severity::Error,
                               "a stack file holds one YAML document; found a second one",
                               {}, "remove the `---` separator and what follows"});
    }
  } catch (const YAML::Exception& e) {
    std::uint32_t at = e.mark.is_null() ? 0 : static_cast<std::uint32_t>(e.mark.pos) + base;
    if (at > text.size()) at = static_cast<std::uint32_t>(text.size());
    std::string msg = e.msg.empty() ? "invalid YAML" : e.msg;
    for (auto& c : msg) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string help;
    if (auto open = builder.open_flow(); open && msg.find("flow") != std::string::npos) {
      std::uint32_t line = 1, col = 1;
      for (std::uint32_t i = 0; i < open->second && i < text.size(); ++i) {
        if (text[i] == '\n') {
          ++line;
          col = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
          ++col;
        }
      }
      help = std::string("the `") + open->first + "` at line " + std::to_string(line) + ", column " +
             std::to_string(col) + " is never closed";
      if (open->first == '[' || open->first == '{')
        help += "; inside `[...]` and `{...}`, quote values that contain `{`, `}`, `[`, `]` or `,` (e.g. \"${ref}\")";
    }
    if (help.empty() && msg.find("illegal map value") != std::string::npos)
      help = "a value that contains `: ` must be quoted, e.g. `description: \"roles: for ml\"`";
    r.diagnostics.push_back({"spec.yaml-syntax", base::Severity::Error, "invalid YAML: " + msg, {at, at}, help});
    r.root = YNode{};
    return r;
  } catch (const std::exception& e) {
    r.diagnostics.push_back({"spec.yaml-syntax", base::Severity::Error, std::string("invalid YAML: ") + e.what(), {}, {}});
    r.root = YNode{};
    return r;
  }
  for (const auto& [tag, at] : builder.unsupported_tags_) {
    r.diagnostics.push_back({"spec.unsupported", base::Severity::Error, "YAML tag `" + tag + "` is not supported",
                             {at, at + 1}, "remove the tag; plain and quoted values are enough"});
  }
  r.root = std::move(builder.root);
  return r;
}

std::string_view describe(const YNode& n) {
  switch (n.kind) {
    case YNode::Kind::Null: return "null";
    case YNode::Kind::Sequence: return "a list";
    case YNode::Kind::Map: return "an object";
    case YNode::Kind::Scalar:
      if (n.quoted) return "a string";
      switch (classify_plain(n.text)) {
        case PlainKind::Null: return "null";
        case PlainKind::Bool: return "a boolean";
        case PlainKind::Int:
        case PlainKind::Float: return "a number";
        case PlainKind::String: return "a string";
      }
  }
  return "a value";
}

}  // namespace iamforge::spec::detail
