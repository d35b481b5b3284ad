// Evaluation: references checked and turned into dependency edges, cycles found, expressions
// evaluated (Unknown where a resource output is not known yet), values type-checked against the
// schema, names checked against AWS's rules and policy documents validated by the policy engine.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <queue>
#include <set>

#include "checks.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/policy/validator.hpp"
#include "policy_document.hpp"
#include "program.hpp"

namespace iamforge::spec {

using base::Diagnostic;
using base::Severity;
using base::Span;
using detail::Access;
using detail::Expr;
using detail::ExprKind;
using detail::make_diag;
using detail::Program;
using detail::SymbolKind;

// ---- Resource / Graph helpers -------------------------------------------------------------------

const Property* Resource::find_input(std::string_view n) const {
  for (const auto& p : inputs)
    if (p.schema->name == n) return &p;
  return nullptr;
}

bool Resource::is_known() const {
  return std::all_of(inputs.begin(), inputs.end(), [](const Property& p) { return p.value.is_known(); });
}

bool Resource::is_autonamed() const {
  return type && type->autoname == Autoname::Yes && !find_input("name") && !find_input("namePrefix");
}

std::optional<std::uint32_t> Graph::index_of(std::string_view n) const {
  if (program) {
    auto it = program->symbols.find(std::string(n));
    if (it != program->symbols.end() && it->second.kind == SymbolKind::Resource) return it->second.index;
    return std::nullopt;
  }
  for (std::uint32_t i = 0; i < resources.size(); ++i)
    if (resources[i].name == n) return i;
  return std::nullopt;
}

const Resource* Graph::find(std::string_view n) const {
  auto i = index_of(n);
  return i ? &resources[*i] : nullptr;
}

namespace detail {

namespace {

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string m = base::did_you_mean(word, candidates);
  return m.empty() ? std::string() : "did you mean `" + m + "`?";
}

bool any_secret(const Value& v) {
  if (v.secret) return true;
  for (const auto& i : v.list)
    if (any_secret(i)) return true;
  for (const auto& e : v.map)
    if (any_secret(e.value)) return true;
  return false;
}

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string to_base64(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    std::uint32_t n = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                      static_cast<unsigned char>(s[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kB64[(n >> k) & 63];
  }
  if (i < s.size()) {
    std::uint32_t n = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) n |= static_cast<unsigned char>(s[i + 1]) << 8;
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += i + 1 < s.size() ? kB64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> from_base64(std::string_view s) {
  if (s.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      char c = s[i + k];
      const char* p = c == '=' ? nullptr : std::strchr(kB64, c);
      if (c == '=') {
        if (i + 4 != s.size() || k < 2) return std::nullopt;
        ++pad;
      } else if (!p || !c || pad) {
        return std::nullopt;
      }
      n = (n << 6) | (p ? static_cast<std::uint32_t>(p - kB64) : 0);
    }
    out += static_cast<char>((n >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

bool is_get_policy_document(std::string_view token) {
  return token == "aws:iam:getPolicyDocument" || token == "aws:iam/getPolicyDocument:getPolicyDocument";
}

}  // namespace

// Evaluates expressions. Variables are evaluated on first use and remembered.
class Evaluator {
 public:
  Evaluator(const Program& p, const KnownOutputs* known, std::vector<Diagnostic>& diags)
      : p_(p), known_(known), diags_(diags), memo_(p.variables.size()), state_(p.variables.size(), 0) {}

  /// Variables caught in a cycle are never evaluated (the cycle is reported once, elsewhere).
  void block_variable(std::uint32_t i) { state_[i] = 3; }

  std::optional<Value> variable(std::uint32_t i) {
    if (state_[i] == 2) return memo_[i];
    if (state_[i] != 0) return std::nullopt;  // running (a cycle) or blocked
    state_[i] = 1;
    memo_[i] = eval(p_.variables[i].expr);
    state_[i] = 2;
    return memo_[i];
  }

  std::optional<Value> eval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Null: return Value::null(e.span);
      case ExprKind::Bool: return Value::of_bool(e.boolean, e.span);
      case ExprKind::Number: return Value::of_number(e.number, e.span);
      case ExprKind::String: return Value::of_string(e.text, e.span);
      case ExprKind::Ref: return access(e.accesses[0], e.span);
      case ExprKind::Interpolate: return interpolate(e);
      case ExprKind::List: {
        std::vector<Value> items;
        bool ok = true;
        for (const auto& i : e.items) {
          auto v = eval(i);
          if (!v) {
            ok = false;
            continue;
          }
          items.push_back(std::move(*v));
        }
        if (!ok) return std::nullopt;
        return Value::of_list(std::move(items), e.span);
      }
      case ExprKind::Object: {
        std::vector<Entry> entries;
        bool ok = true;
        for (std::size_t i = 0; i < e.items.size(); ++i) {
          auto v = eval(e.items[i]);
          if (!v) {
            ok = false;
            continue;
          }
          entries.push_back({e.keys[i], e.key_spans[i], std::move(*v)});
        }
        if (!ok) return std::nullopt;
        return Value::of_map(std::move(entries), e.span);
      }
      case ExprKind::Invoke: return invoke(e);
      case ExprKind::Join: return join(e);
      case ExprKind::Select: return select(e);
      case ExprKind::Split: return split(e);
      case ExprKind::ToJson: {
        auto v = eval(e.items[0]);
        if (!v) return std::nullopt;
        if (!v->is_known()) return Value::unknown(v->pending_outputs(), e.span);
        Value r = Value::of_string(to_json(*v), e.span);
        r.secret = any_secret(*v);
        return r;
      }
      case ExprKind::ReadFile: return read_file(e);
      case ExprKind::Secret: {
        auto v = eval(e.items[0]);
        if (!v) return std::nullopt;
        v->secret = true;
        return v;
      }
      case ExprKind::ToBase64:
      case ExprKind::FromBase64: {
        auto v = eval(e.items[0]);
        if (!v) return std::nullopt;
        if (v->is_unknown()) return Value::unknown(v->unknowns, e.span);
        const char* name = e.kind == ExprKind::ToBase64 ? "fn::toBase64" : "fn::fromBase64";
        if (!v->is_string()) {
          error(Code::TypeMismatch, v->span,
                std::string("the argument to `") + name + "` must be a string, not " + std::string(describe(v->kind)));
          return std::nullopt;
        }
        if (e.kind == ExprKind::ToBase64) return Value::of_string(to_base64(v->string), e.span);
        auto d = from_base64(v->string);
        if (!d) {
          error(Code::BadArgument, v->span, "`fn::fromBase64`: the argument is not valid base64");
          return std::nullopt;
        }
        return Value::of_string(std::move(*d), e.span);
      }
    }
    return std::nullopt;
  }

  std::optional<Value> access(const Access& a, Span span) {
    auto it = p_.symbols.find(a.root);
    if (it == p_.symbols.end()) {
      if (a.root == "pulumi" && !a.path.empty() && !a.path[0].is_index) {
        const std::string& f = a.path[0].key;
        std::string v = f == "stack"          ? p_.options.stack
                        : f == "project"      ? p_.project
                        : f == "organization" ? p_.options.organization
                        : f == "cwd"          ? cwd()
                                              : std::string();
        if (f != "stack" && f != "project" && f != "organization" && f != "cwd") return std::nullopt;  // reported statically
        return apply_path(Value::of_string(std::move(v), span), a, 1);
      }
      auto c = p_.config_values.find(a.root);  // supplied but undeclared config (`aws:region`)
      if (c == p_.config_values.end()) return std::nullopt;  // reported statically
      Value v = c->second;
      respan(v, span);
      return apply_path(std::move(v), a, 0);
    }
    switch (it->second.kind) {
      case SymbolKind::Config: {
        auto c = p_.config_values.find(a.root);
        if (c == p_.config_values.end()) return std::nullopt;  // missing or ill-typed: reported
        Value v = c->second;
        respan(v, span);
        return apply_path(std::move(v), a, 0);
      }
      case SymbolKind::Variable: {
        auto v = variable(it->second.index);
        if (!v) return std::nullopt;
        return apply_path(*v, a, 0);
      }
      case SymbolKind::Resource: {
        if (a.path.empty() || a.path[0].is_index) return std::nullopt;  // reported statically
        const std::string& prop = a.path[0].key;
        if (known_) {
          if (auto k = known_->find(a.root); k != known_->end()) {
            const Value* pv = k->second.find(prop);
            Value v = pv ? *pv : Value::null();
            respan(v, span);
            return apply_path(std::move(v), a, 1);
          }
        }
        return Value::unknown({{a.root, prop}}, span);
      }
    }
    return std::nullopt;
  }

  void error(Code c, Span s, std::string msg, std::string help = {}) {
    diags_.push_back(make_diag(c, s, std::move(msg), std::move(help)));
  }

 private:
  std::string cwd() const {
    std::error_code ec;
    auto abs = std::filesystem::absolute(p_.base_dir, ec);
    return ec ? p_.base_dir : abs.lexically_normal().string();
  }

  std::optional<Value> apply_path(Value v, const Access& a, std::size_t from) {
    std::string so_far = a.root;
    for (std::size_t i = 0; i < from && i < a.path.size(); ++i)
      so_far += a.path[i].is_index ? "[" + std::to_string(a.path[i].index) + "]" : "." + a.path[i].key;
    for (std::size_t i = from; i < a.path.size(); ++i) {
      if (v.is_unknown()) return v;
      const auto& acc = a.path[i];
      if (acc.is_index) {
        if (v.kind != ValueKind::List) {
          error(Code::BadReference, a.span,
                tick("${" + a.text + "}") + ": " + tick(so_far) + " is " + std::string(describe(v.kind)) +
                    ", not a list");
          return std::nullopt;
        }
        if (acc.index < 0 || static_cast<std::size_t>(acc.index) >= v.list.size()) {
          error(Code::BadReference, a.span,
                tick("${" + a.text + "}") + ": index " + std::to_string(acc.index) + " is out of range (" +
                    tick(so_far) + " has " + std::to_string(v.list.size()) + " elements)");
          return std::nullopt;
        }
        Value next = std::move(v.list[static_cast<std::size_t>(acc.index)]);
        v = std::move(next);
        so_far += "[" + std::to_string(acc.index) + "]";
      } else {
        if (v.kind != ValueKind::Map) {
          error(Code::BadReference, a.span,
                tick("${" + a.text + "}") + ": " + tick(so_far) + " is " + std::string(describe(v.kind)) +
                    " and has no field " + tick(acc.key));
          return std::nullopt;
        }
        Value* f = v.find(acc.key);
        if (!f) {
          std::vector<std::string_view> keys;
          for (const auto& e : v.map) keys.push_back(e.key);
          std::string help = suggest(acc.key, keys);
          std::string all;
          for (auto k : keys) all += (all.empty() ? "`" : ", `") + std::string(k) + "`";
          error(Code::BadReference, a.span, tick("${" + a.text + "}") + ": " + tick(so_far) + " has no field " + tick(acc.key),
                help.empty() && !all.empty() ? "its fields: " + all : help);
          return std::nullopt;
        }
        Value next = std::move(*f);
        v = std::move(next);
        so_far += "." + acc.key;
      }
    }
    return v;
  }

  std::optional<Value> interpolate(const Expr& e) {
    std::string out;
    std::vector<OutputRef> pending;
    bool ok = true;
    bool secret = false;
    for (std::size_t i = 0; i < e.accesses.size(); ++i) {
      out += e.pieces[i];
      auto v = access(e.accesses[i], e.span);
      if (!v) {
        ok = false;
        continue;
      }
      secret = secret || v->secret;
      switch (v->kind) {
        case ValueKind::Unknown: pending.insert(pending.end(), v->unknowns.begin(), v->unknowns.end()); break;
        case ValueKind::String: out += v->string; break;
        case ValueKind::Number: out += format_number(v->number); break;
        case ValueKind::Bool: out += v->boolean ? "true" : "false"; break;
        default:
          error(Code::TypeMismatch, e.accesses[i].span,
                tick("${" + e.accesses[i].text + "}") + " is " + std::string(describe(v->kind)) +
                    "; only strings, numbers and booleans can be interpolated into text",
                v->kind == ValueKind::List ? "use `fn::join` to turn a list into text" : "reference one of its fields");
          ok = false;
      }
    }
    out += e.pieces.back();
    if (!ok) return std::nullopt;
    if (!pending.empty()) return Value::unknown(std::move(pending), e.span);
    Value r = Value::of_string(std::move(out), e.span);
    r.secret = secret;
    return r;
  }

  std::optional<Value> invoke(const Expr& e) {
    if (!is_get_policy_document(e.text)) {
      std::string help = suggest(e.text, {"aws:iam:getPolicyDocument"});
      error(Code::UnknownFunction, e.text_span, "function " + tick(e.text) + " is not supported",
            help.empty() ? "iamforge computes `aws:iam:getPolicyDocument` locally; other invokes need a provider" : help);
      return std::nullopt;
    }
    const auto& fields = policy_document_result_fields();
    bool ret_ok = e.ret.empty() || std::find(fields.begin(), fields.end(), e.ret) != fields.end();
    if (!ret_ok) {
      std::string help = suggest(e.ret, fields);
      error(Code::BadReference, e.ret_span, "getPolicyDocument has no result field " + tick(e.ret),
            help.empty() ? "its results: `json`, `minifiedJson`, `id`" : help);
    }
    auto args = eval(e.items[0]);
    if (!args || !ret_ok) return std::nullopt;
    auto result = get_policy_document(*args, e.span, diags_);
    if (!result) return std::nullopt;
    if (e.ret.empty() || result->is_unknown()) return result;
    Value r = *result->find(e.ret);
    r.span = e.span;
    return r;
  }

  std::optional<Value> join(const Expr& e) {
    auto sep = eval(e.items[0]);
    auto list = eval(e.items[1]);
    if (!sep || !list) return std::nullopt;
    std::vector<OutputRef> pending;
    if (sep->is_unknown()) pending = sep->unknowns;
    if (list->is_unknown()) pending.insert(pending.end(), list->unknowns.begin(), list->unknowns.end());
    std::string s;
    if (sep->is_string()) {
      s = sep->string;
    } else if (!sep->is_null() && !sep->is_unknown()) {
      error(Code::TypeMismatch, sep->span, "the `fn::join` delimiter must be a string, not " + std::string(describe(sep->kind)));
      return std::nullopt;
    }
    if (list->is_unknown()) return Value::unknown(std::move(pending), e.span);
    if (list->kind != ValueKind::List) {
      error(Code::TypeMismatch, list->span,
            "the second argument to `fn::join` must be a list, not " + std::string(describe(list->kind)));
      return std::nullopt;
    }
    std::string out;
    bool ok = true;
    for (std::size_t i = 0; i < list->list.size(); ++i) {
      const Value& item = list->list[i];
      if (item.is_unknown()) {
        pending.insert(pending.end(), item.unknowns.begin(), item.unknowns.end());
        continue;
      }
      if (!item.is_string()) {
        error(Code::TypeMismatch, item.span,
              "`fn::join` joins strings; element " + std::to_string(i) + " is " + std::string(describe(item.kind)));
        ok = false;
        continue;
      }
      if (i) out += s;
      out += item.string;
    }
    if (!ok) return std::nullopt;
    if (!pending.empty()) return Value::unknown(std::move(pending), e.span);
    Value r = Value::of_string(std::move(out), e.span);
    r.secret = any_secret(*list) || sep->secret;
    return r;
  }

  std::optional<Value> split(const Expr& e) {
    auto sep = eval(e.items[0]);
    auto src = eval(e.items[1]);
    if (!sep || !src) return std::nullopt;
    bool ok = true;
    for (const Value* v : {&*sep, &*src}) {
      if (!v->is_string() && !v->is_unknown()) {
        error(Code::TypeMismatch, v->span,
              std::string(v == &*sep ? "the `fn::split` delimiter" : "the string to `fn::split`") + " must be a string, not " +
                  std::string(describe(v->kind)));
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    if (sep->is_unknown() || src->is_unknown()) {
      std::vector<OutputRef> pending = sep->unknowns;
      pending.insert(pending.end(), src->unknowns.begin(), src->unknowns.end());
      return Value::unknown(std::move(pending), e.span);
    }
    std::vector<Value> parts;
    const std::string& s = src->string;
    const std::string& d = sep->string;
    if (d.empty()) {
      // Go's strings.Split with an empty separator splits after each UTF-8 sequence.
      for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        parts.push_back(Value::of_string(s.substr(i, len), e.span));
        i += len;
      }
    } else {
      std::size_t start = 0;
      for (;;) {
        std::size_t p = s.find(d, start);
        parts.push_back(Value::of_string(s.substr(start, p == std::string::npos ? std::string::npos : p - start), e.span));
        if (p == std::string::npos) break;
        start = p + d.size();
      }
    }
    Value r = Value::of_list(std::move(parts), e.span);
    return r;
  }

  std::optional<Value> select(const Expr& e) {
    auto index = eval(e.items[0]);
    auto list = eval(e.items[1]);
    if (!index || !list) return std::nullopt;
    if (index->is_unknown() || list->is_unknown()) {
      std::vector<OutputRef> pending = index->unknowns;
      pending.insert(pending.end(), list->unknowns.begin(), list->unknowns.end());
      return Value::unknown(std::move(pending), e.span);
    }
    if (index->kind != ValueKind::Number) {
      error(Code::TypeMismatch, index->span, "the `fn::select` index must be a number, not " + std::string(describe(index->kind)));
      return std::nullopt;
    }
    if (index->number < 0 || index->number != std::trunc(index->number)) {
      error(Code::BadArgument, index->span,
            "the `fn::select` index must be a non-negative integer, not " + format_number(index->number));
      return std::nullopt;
    }
    if (list->kind != ValueKind::List) {
      error(Code::TypeMismatch, list->span,
            "the second argument to `fn::select` must be a list, not " + std::string(describe(list->kind)));
      return std::nullopt;
    }
    auto i = static_cast<std::size_t>(index->number);
    if (i >= list->list.size()) {
      error(Code::BadArgument, index->span,
            "`fn::select` index " + std::to_string(i) + " is out of range for a list of " +
                std::to_string(list->list.size()) + " elements");
      return std::nullopt;
    }
    return list->list[i];
  }

  std::optional<Value> read_file(const Expr& e) {
    auto path = eval(e.items[0]);
    if (!path) return std::nullopt;
    if (path->is_unknown()) return Value::unknown(path->unknowns, e.span);
    if (!path->is_string()) {
      error(Code::TypeMismatch, path->span,
            "the argument to `fn::readFile` must be a path string, not " + std::string(describe(path->kind)));
      return std::nullopt;
    }
    namespace fs = std::filesystem;
    fs::path p(path->string);
    bool constant = e.items[0].kind == ExprKind::String;
    fs::path full;
    if (p.is_absolute()) {
      // Pulumi: an absolute path is allowed only when written as a constant (it is then reviewable).
      if (!constant) {
        error(Code::ReadFile, path->span,
              "`fn::readFile`: computed absolute path " + tick(path->string) + " is not allowed",
              "write the path as a constant, or make it relative to the project directory");
        return std::nullopt;
      }
      full = p.lexically_normal();
    } else {
      fs::path rel = p.lexically_normal();
      if (!rel.empty() && *rel.begin() == "..") {
        error(Code::ReadFile, path->span, "`fn::readFile`: " + tick(path->string) + " leaves the project directory",
              "files read by a stack must live under the directory of the stack file");
        return std::nullopt;
      }
      full = fs::path(p_.base_dir) / rel;
    }
    std::string text, err;
    bool ok = p_.options.read_file ? p_.options.read_file(full.string(), text, err) : base::read_file(full.string(), text, err);
    if (!ok) {
      if (!err.empty()) err[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(err[0])));
      error(Code::ReadFile, path->span, "`fn::readFile`: cannot read " + tick(path->string) + (err.empty() ? "" : ": " + err));
      return std::nullopt;
    }
    Value r = Value::of_string(std::move(text), e.span);
    return r;
  }

  const Program& p_;
  const KnownOutputs* known_;
  std::vector<Diagnostic>& diags_;
  std::vector<std::optional<Value>> memo_;
  std::vector<std::uint8_t> state_;
};

namespace {

// ---- static reference checks and the dependency graph --------------------------------------------

void collect_accesses(const Expr& e, std::vector<const Access*>& out) {
  for (const auto& a : e.accesses) out.push_back(&a);
  for (const auto& i : e.items) collect_accesses(i, out);
}

struct Edge {
  std::uint32_t to;
  Span span;
};

// Node ids: variables first (0..V-1), then resources (V..V+R-1).
struct DepGraph {
  std::uint32_t variables = 0;
  std::vector<std::vector<Edge>> edges;
  std::vector<std::string> names;
  std::vector<Span> spans;
};

class Analyzer {
 public:
  Analyzer(Program& p, std::vector<Diagnostic>& diags) : p_(p), diags_(diags) {}

  void build_symbols() {
    auto add = [&](const std::string& name, Span span, SymbolKind kind, std::uint32_t index) {
      auto [it, inserted] = p_.symbols.emplace(name, Symbol{kind, index});
      if (!inserted) {
        static const char* kinds[] = {"config key", "variable", "resource"};
        diags_.push_back(make_diag(Code::DuplicateName, span,
                                   "the name " + tick(name) + " is already used by a " +
                                       kinds[static_cast<int>(it->second.kind)],
                                   "config keys, variables and resources share one namespace; rename one"));
      }
    };
    for (std::uint32_t i = 0; i < p_.configs.size(); ++i) add(p_.configs[i].name, p_.configs[i].span, SymbolKind::Config, i);
    for (std::uint32_t i = 0; i < p_.variables.size(); ++i)
      add(p_.variables[i].name, p_.variables[i].span, SymbolKind::Variable, i);
    for (std::uint32_t i = 0; i < p_.resources.size(); ++i)
      add(p_.resources[i].name, p_.resources[i].name_span, SymbolKind::Resource, i);
  }

  DepGraph build_graph() {
    DepGraph g;
    g.variables = static_cast<std::uint32_t>(p_.variables.size());
    std::size_t n = p_.variables.size() + p_.resources.size();
    g.edges.resize(n);
    for (const auto& v : p_.variables) {
      g.names.push_back(v.name);
      g.spans.push_back(v.span);
    }
    for (const auto& r : p_.resources) {
      g.names.push_back(r.name);
      g.spans.push_back(r.name_span);
    }
    std::vector<const Access*> acc;
    for (std::uint32_t i = 0; i < p_.variables.size(); ++i) {
      acc.clear();
      collect_accesses(p_.variables[i].expr, acc);
      for (const Access* a : acc) edge(g, i, *a);
    }
    for (std::uint32_t r = 0; r < p_.resources.size(); ++r) {
      acc.clear();
      for (const auto& pd : p_.resources[r].properties) collect_accesses(pd.expr, acc);
      for (const auto& e : p_.resources[r].untyped) collect_accesses(e, acc);
      std::uint32_t node = g.variables + r;
      for (const Access* a : acc) edge(g, node, *a);
      for (const auto& d : p_.resources[r].depends_on) {
        auto it = p_.symbols.find(d.root);
        if (it == p_.symbols.end() || it->second.kind != SymbolKind::Resource) {
          std::vector<std::string_view> names;
          for (const auto& res : p_.resources) names.push_back(res.name);
          std::string help = suggest(d.root, names);
          diags_.push_back(make_diag(Code::BadReference, d.span,
                                     it == p_.symbols.end() ? "`dependsOn` names " + tick(d.root) + ", which is not a resource"
                                                            : "`dependsOn` names " + tick(d.root) + ", a " +
                                                                  (it->second.kind == SymbolKind::Config ? "config key" : "variable") +
                                                                  "; only resources can be waited for",
                                     help));
          continue;
        }
        g.edges[node].push_back({g.variables + it->second.index, d.span});
      }
    }
    for (std::uint32_t o = 0; o < p_.outputs.size(); ++o) {
      acc.clear();
      collect_accesses(p_.outputs[o].expr, acc);
      for (const Access* a : acc) check_access(*a);
    }
    return g;
  }

 private:
  std::vector<std::string_view> all_names() const {
    std::vector<std::string_view> r;
    for (const auto& [name, sym] : p_.symbols) r.push_back(name);
    for (const auto& [name, v] : p_.config_values) r.push_back(name);
    std::sort(r.begin(), r.end());  // deterministic did-you-mean on ties
    r.erase(std::unique(r.begin(), r.end()), r.end());
    return r;
  }

  // Checks a reference's root (and for resources, the output). Returns the symbol it names, if any.
  std::optional<Symbol> check_access(const Access& a) {
    std::string shown = tick("${" + a.text + "}");
    auto it = p_.symbols.find(a.root);
    if (it == p_.symbols.end()) {
      if (a.root == "pulumi") {
        static const std::vector<std::string_view> kFields = {"stack", "project", "organization", "cwd"};
        if (a.path.empty() || a.path[0].is_index ||
            std::find(kFields.begin(), kFields.end(), a.path[0].key) == kFields.end()) {
          std::string f = a.path.empty() || a.path[0].is_index ? "" : a.path[0].key;
          std::string help = suggest(f, kFields);
          diags_.push_back(make_diag(Code::BadReference, a.span, shown + ": `pulumi` has no field " + tick(f),
                                     help.empty() ? "use `${pulumi.stack}`, `${pulumi.project}`, `${pulumi.organization}` or `${pulumi.cwd}`" : help));
        }
        return std::nullopt;
      }
      if (p_.config_values.count(a.root)) return std::nullopt;
      std::string help = suggest(a.root, all_names());
      if (help.empty() && a.root.find(':') != std::string::npos)
        help = "to write an IAM policy variable, escape it as `$${" + a.text +
               "}` (or `&{" + a.text + "}` inside getPolicyDocument)";
      diags_.push_back(make_diag(Code::BadReference, a.span,
                                 "unknown reference " + shown + ": no config key, variable or resource is named " +
                                     tick(a.root),
                                 help));
      return std::nullopt;
    }
    if (it->second.kind == SymbolKind::Resource) {
      const ResourceDecl& r = p_.resources[it->second.index];
      if (a.path.empty()) {
        diags_.push_back(make_diag(Code::TypeMismatch, a.span,
                                   shown + " refers to the resource itself, not to a value",
                                   "use one of its outputs, e.g. `${" + r.name + ".arn}` or `${" + r.name + ".name}`"));
        return std::nullopt;
      }
      if (a.path[0].is_index) {
        diags_.push_back(make_diag(Code::BadReference, a.span, shown + ": a resource cannot be indexed",
                                   "name an output, e.g. `${" + r.name + ".arn}`"));
        return std::nullopt;
      }
      if (r.type && !r.type->has_output(a.path[0].key)) {
        std::string help = suggest(a.path[0].key, r.type->output_names());
        std::string all;
        for (auto o : r.type->output_names()) all += (all.empty() ? "`" : ", `") + std::string(o) + "`";
        diags_.push_back(make_diag(Code::BadReference, a.span,
                                   shown + ": " + std::string(r.type->token) + " has no output " + tick(a.path[0].key),
                                   help.empty() ? "its outputs: " + all : help));
        return std::nullopt;
      }
    }
    return it->second;
  }

  void edge(DepGraph& g, std::uint32_t from, const Access& a) {
    auto sym = check_access(a);
    if (!sym) return;
    if (sym->kind == SymbolKind::Variable) g.edges[from].push_back({sym->index, a.span});
    if (sym->kind == SymbolKind::Resource) g.edges[from].push_back({g.variables + sym->index, a.span});
  }

  Program& p_;
  std::vector<Diagnostic>& diags_;
};

// Tarjan's strongly connected components, iteratively (a 10,000-resource chain must not overflow the stack).
std::vector<std::vector<std::uint32_t>> cycles(const DepGraph& g) {
  const auto n = static_cast<std::uint32_t>(g.edges.size());
  std::vector<std::int64_t> index(n, -1), low(n, 0);
  std::vector<char> on_stack(n, 0);
  std::vector<std::uint32_t> stack;
  std::vector<std::vector<std::uint32_t>> result;
  std::int64_t counter = 0;
  struct Frame {
    std::uint32_t node;
    std::size_t edge;
  };
  std::vector<Frame> call;
  for (std::uint32_t s = 0; s < n; ++s) {
    if (index[s] != -1) continue;
    call.push_back({s, 0});
    index[s] = low[s] = counter++;
    stack.push_back(s);
    on_stack[s] = 1;
    while (!call.empty()) {
      Frame& f = call.back();
      if (f.edge < g.edges[f.node].size()) {
        std::uint32_t w = g.edges[f.node][f.edge++].to;
        if (index[w] == -1) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = 1;
          call.push_back({w, 0});
        } else if (on_stack[w]) {
          low[f.node] = std::min(low[f.node], index[w]);
        }
        continue;
      }
      std::uint32_t v = f.node;
      call.pop_back();
      if (!call.empty()) low[call.back().node] = std::min(low[call.back().node], low[v]);
      if (low[v] == index[v]) {
        std::vector<std::uint32_t> comp;
        for (;;) {
          std::uint32_t w = stack.back();
          stack.pop_back();
          on_stack[w] = 0;
          comp.push_back(w);
          if (w == v) break;
        }
        bool self_loop = false;
        for (const auto& e : g.edges[v]) self_loop = self_loop || e.to == v;
        if (comp.size() > 1 || self_loop) result.push_back(std::move(comp));
      }
    }
  }
  return result;
}

// One cycle inside a strongly connected component, as a path from its first-declared node back to itself.
Diagnostic describe_cycle(const DepGraph& g, std::vector<std::uint32_t> comp) {
  std::set<std::uint32_t> members(comp.begin(), comp.end());
  std::uint32_t start = *std::min_element(comp.begin(), comp.end(), [&](std::uint32_t a, std::uint32_t b) {
    return g.spans[a].begin < g.spans[b].begin;
  });
  // Breadth-first from `start` to `start`, within the component: the shortest cycle through it.
  std::map<std::uint32_t, std::pair<std::uint32_t, Span>> parent;
  std::queue<std::uint32_t> q;
  q.push(start);
  Span closing{};
  std::uint32_t last = start;
  bool found = false;
  while (!q.empty() && !found) {
    std::uint32_t v = q.front();
    q.pop();
    for (const auto& e : g.edges[v]) {
      if (!members.count(e.to)) continue;
      if (e.to == start) {
        last = v;
        closing = e.span;
        found = true;
        break;
      }
      if (parent.count(e.to)) continue;
      parent[e.to] = {v, e.span};
      q.push(e.to);
    }
  }
  std::vector<std::uint32_t> path{start};
  for (std::uint32_t v = last; v != start; v = parent[v].first) path.insert(path.begin() + 1, v);
  // The first hop's reference is where the loop is reported.
  Span at = path.size() > 1 ? parent[path[1]].second : closing;
  std::string chain;
  for (std::uint32_t v : path) chain += tick(g.names[v]) + " -> ";
  chain += tick(g.names[start]);
  auto kind = [&](std::uint32_t v) { return v < g.variables ? "variable" : "resource"; };
  return make_diag(Code::Cycle, at, "dependency cycle: " + chain,
                   std::string("a ") + kind(start) + " cannot depend on itself, directly or through others; remove one reference");
}

// ---- resources ----------------------------------------------------------------------------------

std::optional<Value> coerce(const PropertySchema& s, Value v, const std::string& where, std::vector<Diagnostic>& diags) {
  if (v.is_unknown() || v.is_null()) return v;
  auto mismatch = [&](const Value& at, std::string help = {}) {
    diags.push_back(make_diag(Code::TypeMismatch, at.span,
                              tick(where) + " must be " +
                                  (s.type == ValueType::Integer ? std::string("an ") : std::string("a ")) +
                                  std::string(to_string(s.type)) + ", not " + std::string(describe(at.kind)),
                              std::move(help)));
    return std::nullopt;
  };
  switch (s.type) {
    case ValueType::String:
      if (v.is_string()) return v;
      if (v.kind == ValueKind::Number || v.kind == ValueKind::Bool)
        return mismatch(v, "quote it to make it a string: \"" + (v.kind == ValueKind::Number ? format_number(v.number)
                                                                                             : std::string(v.boolean ? "true" : "false")) + "\"");
      return mismatch(v);
    case ValueType::Integer:
      if (v.kind == ValueKind::Number && v.number == std::trunc(v.number)) return v;
      return mismatch(v, v.is_string() ? "write the number without quotes" : "");
    case ValueType::Boolean:
      if (v.kind == ValueKind::Bool) return v;
      return mismatch(v, v.is_string() && (v.string == "true" || v.string == "false") ? "write it without quotes" : "");
    case ValueType::StringList: {
      if (v.kind != ValueKind::List) return mismatch(v, v.is_string() ? "write `[" + v.string + "]`" : "");
      bool ok = true;
      for (const auto& i : v.list) {
        if (i.is_string() || i.is_unknown()) continue;
        diags.push_back(make_diag(Code::TypeMismatch, i.span,
                                  tick(where) + " holds strings; found " + std::string(describe(i.kind))));
        ok = false;
      }
      if (!ok) return std::nullopt;
      return v;
    }
    case ValueType::StringMap: {
      if (v.kind != ValueKind::Map) return mismatch(v);
      bool ok = true;
      for (const auto& e : v.map) {
        if (e.value.is_string() || e.value.is_unknown()) continue;
        diags.push_back(make_diag(Code::TypeMismatch, e.value.span,
                                  tick(where + "." + e.key) + " must be a string, not " + std::string(describe(e.value.kind)),
                                  e.value.kind == ValueKind::Number || e.value.kind == ValueKind::Bool ? "quote it" : ""));
        ok = false;
      }
      if (!ok) return std::nullopt;
      return v;
    }
    case ValueType::PolicyDocument:
      if (v.is_string()) return v;
      if (v.kind == ValueKind::Map) {
        // A document written as YAML is sent as its JSON, exactly as fn::toJSON would render it.
        if (!v.is_known()) return Value::unknown(v.pending_outputs(), v.span);
        Value r = Value::of_string(to_json(v), v.span);
        r.secret = any_secret(v);
        return r;
      }
      return mismatch(v, "write the document as a mapping, or as JSON text (`fn::toJSON`, `fn::readFile`)");
  }
  return v;
}

// Policy findings are shared by every property that uses the same document (one variable, many
// policies): each finding is reported once, naming every property it concerns.
class PolicyChecker {
 public:
  explicit PolicyChecker(const catalog::Catalog& cat) : cat_(cat) {}

  void check(const Value& v, policy::PolicyType type, const std::string& where) {
    std::string key;
    key.push_back(static_cast<char>('0' + static_cast<int>(type)));
    key += v.string;
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, policy::check(v.string, type, policy::Owner::Customer, cat_)).first;
    for (const auto& d : it->second) {
      std::string fkey = d.code + '\x1f' + std::to_string(v.span.begin) + '\x1f' + std::to_string(v.span.end) + '\x1f' + d.message;
      auto [f, inserted] = findings_.try_emplace(fkey);
      if (inserted) {
        f->second.d = d;
        f->second.d.span = v.span;
        order_.push_back(fkey);
      }
      if (std::find(f->second.wheres.begin(), f->second.wheres.end(), where) == f->second.wheres.end())
        f->second.wheres.push_back(where);
    }
  }

  void flush(std::vector<Diagnostic>& out) {
    for (const auto& key : order_) {
      Finding& f = findings_[key];
      std::string wheres;
      for (std::size_t i = 0; i < f.wheres.size(); ++i) wheres += (i ? ", " : "") + tick(f.wheres[i]);
      Diagnostic d = f.d;
      if (d.severity == Severity::Error) {
        d.message = wheres + ": " + f.d.message + " (" + f.d.code + ")";
        d.code = std::string(to_string(Code::PolicyError));
      } else {
        d.message = wheres + ": " + f.d.message;
      }
      out.push_back(std::move(d));
    }
    findings_.clear();
    order_.clear();
  }

 private:
  struct Finding {
    Diagnostic d;
    std::vector<std::string> wheres;
  };
  const catalog::Catalog& cat_;
  std::unordered_map<std::string, std::vector<Diagnostic>> cache_;
  std::unordered_map<std::string, Finding> findings_;
  std::vector<std::string> order_;
};

// Evaluates a resource's properties into `out.inputs`. With `previous`, only values that were
// unknown there and are known now are checked (the rest was checked when first known).
void evaluate_resource(Evaluator& ev, const ResourceDecl& decl, Resource& out, const Resource* previous,
                       PolicyChecker& policies, std::vector<Diagnostic>& diags) {
  out.inputs.clear();
  for (const auto& pd : decl.properties) {
    std::string where = decl.name + "." + std::string(pd.schema->name);
    auto v = ev.eval(pd.expr);
    if (!v) continue;
    auto c = coerce(*pd.schema, std::move(*v), where, diags);
    if (!c || c->is_null()) continue;
    out.inputs.push_back({pd.schema, std::move(*c), pd.key_span});
    const Value& val = out.inputs.back().value;
    if (previous) {
      const Property* old = previous->find_input(pd.schema->name);
      if (old && old->value.is_known()) continue;
    }
    check_value(pd.schema->check, val, where, diags);
    if (auto type = policy_type(pd.schema->document); type && val.is_string()) policies.check(val, *type, where);
  }
}

std::vector<std::uint32_t> topological_order(const std::vector<Resource>& resources, const std::vector<char>& cyclic) {
  const auto n = static_cast<std::uint32_t>(resources.size());
  std::vector<std::uint32_t> indegree(n, 0);
  std::vector<std::vector<std::uint32_t>> dependents(n);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t d : resources[i].dependencies) {
      if (d == i) continue;
      ++indegree[i];
      dependents[d].push_back(i);
    }
  // Min-heap on the source index: among ready resources, the first written goes first.
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> ready;
  for (std::uint32_t i = 0; i < n; ++i)
    if (indegree[i] == 0 && !cyclic[i]) ready.push(i);
  std::vector<std::uint32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    std::uint32_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (std::uint32_t d : dependents[i])
      if (--indegree[d] == 0 && !cyclic[d]) ready.push(d);
  }
  return order;
}

void split_diagnostics(std::vector<Diagnostic>& all, std::vector<Diagnostic>& errors, std::vector<Diagnostic>& warnings) {
  for (auto& d : all) (d.severity == Severity::Error ? errors : warnings).push_back(std::move(d));
  base::sort_by_position(errors);
  base::sort_by_position(warnings);
}

const catalog::Catalog& catalog_of(const Program& p) {
  return p.options.catalog ? *p.options.catalog : catalog::Catalog::builtin();
}

}  // namespace

}  // namespace detail

LoadResult load(const base::SourceFile& file, const LoadOptions& options) {
  using namespace detail;
  LoadResult result;
  std::vector<Diagnostic> diags;
  auto program = std::make_shared<Program>();
  Program& p = *program;
  p.options = options;
  std::filesystem::path dir = std::filesystem::path(file.path()).parent_path();
  p.base_dir = dir.empty() ? "." : dir.string();

  YamlResult y = parse_yaml(file.text());
  diags.insert(diags.end(), y.diagnostics.begin(), y.diagnostics.end());
  bool syntax_failed = std::any_of(y.diagnostics.begin(), y.diagnostics.end(),
                                   [](const Diagnostic& d) { return d.code == to_string(Code::YamlSyntax); });
  if (!syntax_failed) parse_program(y.root, file.text(), p, diags);
  resolve_config(p, diags);

  Analyzer analyzer(p, diags);
  analyzer.build_symbols();
  DepGraph g = analyzer.build_graph();

  const auto V = static_cast<std::uint32_t>(p.variables.size());
  const auto R = static_cast<std::uint32_t>(p.resources.size());
  std::vector<char> cyclic(V + R, 0);
  for (auto& comp : cycles(g)) {
    for (std::uint32_t v : comp) cyclic[v] = 1;
    diags.push_back(describe_cycle(g, std::move(comp)));
  }

  // Resource -> resources it waits for, directly or through variables.
  std::vector<std::vector<std::uint32_t>> var_deps(V);
  std::vector<char> var_done(V, 0);
  std::function<const std::vector<std::uint32_t>&(std::uint32_t)> deps_of_var = [&](std::uint32_t v) -> const std::vector<std::uint32_t>& {
    if (var_done[v]) return var_deps[v];
    var_done[v] = 1;  // INVARIANT: cyclic variables are never followed, so this terminates
    std::vector<std::uint32_t> r;
    for (const auto& e : g.edges[v]) {
      if (cyclic[e.to]) continue;
      if (e.to >= V) {
        r.push_back(e.to - V);
      } else {
        const auto& inner = deps_of_var(e.to);
        r.insert(r.end(), inner.begin(), inner.end());
      }
    }
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
    var_deps[v] = std::move(r);
    return var_deps[v];
  };

  Evaluator ev(p, nullptr, diags);
  for (std::uint32_t v = 0; v < V; ++v)
    if (cyclic[v]) ev.block_variable(v);
  // Every variable is evaluated, used or not (as Pulumi does), so its errors are reported.
  for (std::uint32_t v = 0; v < V; ++v)
    if (!cyclic[v]) ev.variable(v);

  Graph& graph = result.graph;
  graph.project = p.project;
  graph.description = p.description;
  graph.stack = options.stack;
  graph.resources.resize(R);
  PolicyChecker policies(catalog_of(p));
  for (std::uint32_t r = 0; r < R; ++r) {
    const ResourceDecl& decl = p.resources[r];
    Resource& res = graph.resources[r];
    res.name = decl.name;
    res.name_span = decl.name_span;
    res.type = decl.type;
    res.type_span = decl.type_span;
    res.options = decl.options;
    std::vector<std::uint32_t> deps;
    for (const auto& e : g.edges[V + r]) {
      if (cyclic[e.to] && cyclic[V + r]) continue;
      if (e.to >= V) {
        deps.push_back(e.to - V);
      } else if (!cyclic[e.to]) {
        const auto& inner = deps_of_var(e.to);
        deps.insert(deps.end(), inner.begin(), inner.end());
      }
    }
    for (const auto& d : decl.depends_on) {
      auto it = p.symbols.find(d.root);
      if (it != p.symbols.end() && it->second.kind == SymbolKind::Resource) {
        res.options.depends_on.push_back(d.root);
        deps.push_back(it->second.index);
      }
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    res.dependencies = std::move(deps);
    if (!decl.type || cyclic[V + r]) continue;

    evaluate_resource(ev, decl, res, nullptr, policies, diags);

    // Static rules: required properties, exclusive ones, and auto-naming.
    for (const auto& ps : decl.type->inputs) {
      if (ps.presence != Presence::Required) continue;
      bool written = std::any_of(decl.properties.begin(), decl.properties.end(),
                                 [&](const PropertyDecl& pd) { return pd.schema == &ps; });
      bool misspelled = std::find(decl.misspelled.begin(), decl.misspelled.end(), ps.name) != decl.misspelled.end();
      if (!written && !misspelled && !decl.has_get)
        diags.push_back(make_diag(Code::MissingProperty, decl.properties_span,
                                  "resource " + tick(decl.name) + " (" + std::string(decl.type->token) +
                                      ") is missing required property " + tick(ps.name)));
    }
    const PropertyDecl* name = nullptr;
    const PropertyDecl* prefix = nullptr;
    for (const auto& pd : decl.properties) {
      if (pd.schema->name == "name") name = &pd;
      if (pd.schema->name == "namePrefix") prefix = &pd;
    }
    if (name && prefix)
      diags.push_back(make_diag(Code::ConflictingProperties, prefix->key_span,
                                tick(decl.name) + " sets both `name` and `namePrefix`", "keep one of them"));
    if (!name && !prefix) check_autoname(*decl.type, decl.name, decl.name_span, diags);
  }
  policies.flush(diags);

  for (const auto& o : p.outputs) {
    StackOutput out{o.name, o.span, Value::null(o.expr.span)};
    if (auto v = ev.eval(o.expr)) out.value = std::move(*v);
    graph.outputs.push_back(std::move(out));
  }

  graph.order = topological_order(graph.resources, std::vector<char>(cyclic.begin() + V, cyclic.end()));
  graph.program = std::move(program);
  split_diagnostics(diags, result.errors, result.warnings);
  return result;
}

ResolveResult resolve(Graph& graph, const KnownOutputs& known) {
  using namespace detail;
  ResolveResult r;
  if (!graph.program) return r;
  const Program& p = *graph.program;
  std::vector<Diagnostic> diags;
  Evaluator ev(p, &known, diags);
  PolicyChecker policies(catalog_of(p));
  for (std::size_t i = 0; i < graph.resources.size() && i < p.resources.size(); ++i) {
    if (!p.resources[i].type) continue;
    Resource previous = graph.resources[i];
    evaluate_resource(ev, p.resources[i], graph.resources[i], &previous, policies, diags);
  }
  policies.flush(diags);
  for (std::size_t i = 0; i < graph.outputs.size() && i < p.outputs.size(); ++i)
    if (auto v = ev.eval(p.outputs[i].expr)) graph.outputs[i].value = std::move(*v);
  split_diagnostics(diags, r.errors, r.warnings);
  return r;
}

ResolveResult resolve_resource(Graph& graph, std::uint32_t index, const KnownOutputs& known) {
  using namespace detail;
  ResolveResult r;
  if (!graph.program || index >= graph.resources.size()) return r;
  const Program& p = *graph.program;
  if (!p.resources[index].type) return r;
  std::vector<Diagnostic> diags;
  Evaluator ev(p, &known, diags);
  PolicyChecker policies(catalog_of(p));
  Resource previous = graph.resources[index];
  evaluate_resource(ev, p.resources[index], graph.resources[index], &previous, policies, diags);
  policies.flush(diags);
  split_diagnostics(diags, r.errors, r.warnings);
  return r;
}

}  // namespace iamforge::spec
