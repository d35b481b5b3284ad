#include "iamforge/base/strings.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::policy {

std::vector<VariablePart> parse_variables(std::string_view text) {
  std::vector<VariablePart> parts;
  auto literal = [&](std::string_view s) {
    if (s.empty()) return;
    if (parts.empty() || parts.back().kind != VariablePart::Kind::Literal) parts.push_back({});
    parts.back().text.append(s);
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("${", i);
    if (open == std::string_view::npos) break;
    size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) break;  // not a variable: the rest is literal
    literal(text.substr(i, open - i));
    std::string_view inner = text.substr(open + 2, close - open - 2);
    VariablePart p;
    if (inner == "*" || inner == "?" || inner == "$") {
      p.kind = VariablePart::Kind::Escape;  // AWS: ${*}, ${?}, ${$} are the literal characters
      p.text = std::string(inner);
    } else {
      p.kind = VariablePart::Kind::Variable;
      std::string_view key = inner;
      size_t comma = inner.find(',');
      if (comma != std::string_view::npos) {
        key = inner.substr(0, comma);
        std::string_view rest = inner.substr(comma + 1);
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
        if (rest.size() >= 2 && rest.front() == '\'' && rest.back() == '\'')
          p.fallback = std::string(rest.substr(1, rest.size() - 2));
      }
      while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
      while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
      p.key = std::string(key);
      p.key_lower = base::to_lower(key);
    }
    parts.push_back(std::move(p));
    i = close + 1;
  }
  literal(text.substr(i));
  return parts;
}

}  // namespace iamforge::policy
