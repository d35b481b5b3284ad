#include "iamforge/spec/value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "gojson.hpp"

namespace iamforge::spec {

namespace detail {

void append_go_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '<': case '>': case '&':
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: copy valid sequences, replace invalid bytes with U+FFFD as Go does.
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    bool valid = len >= 2 && c <= 0xF4 && i + len <= s.size();
    std::uint32_t cp = 0;
    if (valid) {
      cp = c & (0x7F >> len);
      for (std::size_t k = 1; k < len; ++k) {
        auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) {
          valid = false;
          break;
        }
        cp = (cp << 6) | (cc & 0x3F);
      }
      static constexpr std::uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
      if (valid && (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) valid = false;
    }
    if (!valid) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
}

void append_go_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";  // Go refuses NaN and infinities; null keeps the document well-formed
    return;
  }
  double a = std::fabs(d);
  bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
  char buf[64];
  auto r = exp ? std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific)
               : std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  std::string s(buf, r.ptr);
  if (exp) {
    // to_chars writes e+21 / e-07; Go writes e+21 / e-7.
    auto e = s.find('e');
    if (e != std::string::npos && e + 2 < s.size() && s[e + 2] == '0' && s.size() - e == 4) s.erase(e + 2, 1);
  }
  out += s;
}

}  // namespace detail

std::string_view describe(ValueKind k) {
  switch (k) {
    case ValueKind::Null: return "null";
    case ValueKind::Bool: return "a boolean";
    case ValueKind::Number: return "a number";
    case ValueKind::String: return "a string";
    case ValueKind::List: return "a list";
    case ValueKind::Map: return "an object";
    case ValueKind::Unknown: return "an unknown value";
  }
  return "a value";
}

Value Value::null(base::Span span) {
  Value v;
  v.span = span;
  return v;
}
Value Value::of_bool(bool b, base::Span span) {
  Value v;
  v.kind = ValueKind::Bool;
  v.boolean = b;
  v.span = span;
  return v;
}
Value Value::of_number(double d, base::Span span) {
  Value v;
  v.kind = ValueKind::Number;
  v.number = d;
  v.span = span;
  return v;
}
Value Value::of_string(std::string s, base::Span span) {
  Value v;
  v.kind = ValueKind::String;
  v.string = std::move(s);
  v.span = span;
  return v;
}
Value Value::of_list(std::vector<Value> items, base::Span span) {
  Value v;
  v.kind = ValueKind::List;
  v.list = std::move(items);
  v.span = span;
  return v;
}
Value Value::of_map(std::vector<Entry> entries, base::Span span) {
  Value v;
  v.kind = ValueKind::Map;
  v.map = std::move(entries);
  v.span = span;
  return v;
}
Value Value::unknown(std::vector<OutputRef> refs, base::Span span) {
  Value v;
  v.kind = ValueKind::Unknown;
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  v.unknowns = std::move(refs);
  v.span = span;
  return v;
}

bool Value::is_known() const {
  switch (kind) {
    case ValueKind::Unknown: return false;
    case ValueKind::List:
      return std::all_of(list.begin(), list.end(), [](const Value& v) { return v.is_known(); });
    case ValueKind::Map:
      return std::all_of(map.begin(), map.end(), [](const Entry& e) { return e.value.is_known(); });
    default: return true;
  }
}

namespace {
void collect(const Value& v, std::vector<OutputRef>& out) {
  if (v.kind == ValueKind::Unknown) out.insert(out.end(), v.unknowns.begin(), v.unknowns.end());
  for (const auto& i : v.list) collect(i, out);
  for (const auto& e : v.map) collect(e.value, out);
}
}  // namespace

std::vector<OutputRef> Value::pending_outputs() const {
  std::vector<OutputRef> r;
  collect(*this, r);
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

const Value* Value::find(std::string_view key) const {
  for (const auto& e : map)
    if (e.key == key) return &e.value;
  return nullptr;
}
Value* Value::find(std::string_view key) {
  for (auto& e : map)
    if (e.key == key) return &e.value;
  return nullptr;
}

bool same_data(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case ValueKind::Null: return true;
    case ValueKind::Bool: return a.boolean == b.boolean;
    case ValueKind::Number: return a.number == b.number;
    case ValueKind::String: return a.string == b.string;
    case ValueKind::Unknown: return a.unknowns == b.unknowns;
    case ValueKind::List:
      if (a.list.size() != b.list.size()) return false;
      for (std::size_t i = 0; i < a.list.size(); ++i)
        if (!same_data(a.list[i], b.list[i])) return false;
      return true;
    case ValueKind::Map:
      if (a.map.size() != b.map.size()) return false;
      for (const auto& e : a.map) {
        const Value* o = b.find(e.key);
        if (!o || !same_data(e.value, *o)) return false;
      }
      return true;
  }
  return false;
}

std::string format_number(double d) {
  // Integral values print as integers (Go's `%v` would print 123456789012 as 1.23456789012e+11, which
  // breaks account ids in ARNs; we keep the digits). Other values: shortest round-trip form.
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e21) {
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%.0f", d);
    return std::string(buf, static_cast<std::size_t>(n));
  }
  std::string out;
  detail::append_go_number(out, d);
  return out;
}

namespace {
void write_json(std::string& out, const Value& v) {
  switch (v.kind) {
    case ValueKind::Null:
    case ValueKind::Unknown: out += "null"; return;
    case ValueKind::Bool: out += v.boolean ? "true" : "false"; return;
    case ValueKind::Number: detail::append_go_number(out, v.number); return;
    case ValueKind::String: detail::append_go_string(out, v.string); return;
    case ValueKind::List:
      out.push_back('[');
      for (std::size_t i = 0; i < v.list.size(); ++i) {
        if (i) out.push_back(',');
        write_json(out, v.list[i]);
      }
      out.push_back(']');
      return;
    case ValueKind::Map: {
      // Go marshals map[string]interface{} with keys sorted bytewise.
      std::vector<const Entry*> sorted;
      sorted.reserve(v.map.size());
      for (const auto& e : v.map) sorted.push_back(&e);
      std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) { return a->key < b->key; });
      out.push_back('{');
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (i) out.push_back(',');
        detail::append_go_string(out, sorted[i]->key);
        out.push_back(':');
        write_json(out, sorted[i]->value);
      }
      out.push_back('}');
      return;
    }
  }
}

void display(std::string& out, const Value& v) {
  switch (v.kind) {
    case ValueKind::Null: out += "null"; return;
    case ValueKind::Bool: out += v.boolean ? "true" : "false"; return;
    case ValueKind::Number: out += format_number(v.number); return;
    case ValueKind::String: detail::append_go_string(out, v.string); return;
    case ValueKind::Unknown:
      out += "<unknown";
      for (std::size_t i = 0; i < v.unknowns.size(); ++i)
        out += (i ? ", " : ": ") + v.unknowns[i].resource + "." + v.unknowns[i].property;
      out += ">";
      return;
    case ValueKind::List:
      out.push_back('[');
      for (std::size_t i = 0; i < v.list.size(); ++i) {
        if (i) out += ", ";
        display(out, v.list[i]);
      }
      out.push_back(']');
      return;
    case ValueKind::Map:
      out.push_back('{');
      for (std::size_t i = 0; i < v.map.size(); ++i) {
        if (i) out += ", ";
        out += v.map[i].key + ": ";
        display(out, v.map[i].value);
      }
      out.push_back('}');
      return;
  }
}
}  // namespace

std::string to_json(const Value& v) {
  std::string out;
  write_json(out, v);
  return out;
}

std::string to_display(const Value& v, std::size_t max_chars) {
  std::string out;
  display(out, v);
  if (out.size() > max_chars && max_chars > 3) {
    std::size_t cut = max_chars - 3;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    out = out.substr(0, cut) + "...";
  }
  return out;
}

}  // namespace iamforge::spec
