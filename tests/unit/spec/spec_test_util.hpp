#pragma once
// Helpers for the spec module's tests: load a stack from text, render diagnostics compactly.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/policy/policy.hpp"
#include "iamforge/spec/stack.hpp"

namespace iamforge::spec::test {

inline std::string data_path(const std::string& rel) { return std::string(IAMFORGE_TEST_DATA) + "/" + rel; }
inline std::string source_path(const std::string& rel) { return std::string(IAMFORGE_SOURCE_DIR) + "/" + rel; }

inline std::string slurp(const std::string& path) {
  std::string out, err;
  if (!base::read_file(path, out, err)) throw std::runtime_error("cannot read " + path + ": " + err);
  return out;
}

/// `error[code] line:col: message | help: ...`: the form the error cases under tests/data/stacks/errors expect.
inline std::string line(const base::Diagnostic& d, const base::SourceFile& f) {
  return base::render_compact(d, &f) + (d.help.empty() ? "" : " | help: " + d.help);
}

inline std::vector<std::string> lines(const std::vector<base::Diagnostic>& ds, const base::SourceFile& f) {
  std::vector<std::string> r;
  for (const auto& d : ds) r.push_back(line(d, f));
  return r;
}

/// A stack loaded from text, keeping the source alive for line:col rendering.
struct Loaded {
  base::SourceFile file;
  LoadResult result;
  Loaded(std::string path, std::string text, const LoadOptions& options = {})
      : file(std::move(path), std::move(text)), result(load(file, options)) {}

  const Graph& graph() const { return result.graph; }
  std::vector<std::string> errors() const { return lines(result.errors, file); }
  std::vector<std::string> warnings() const { return lines(result.warnings, file); }
  std::string all_errors() const {
    std::string s;
    for (const auto& l : errors()) s += l + "\n";
    return s;
  }
  const Resource& resource(std::string_view name) const {
    const Resource* r = result.graph.find(name);
    if (!r) throw std::runtime_error("no resource " + std::string(name));
    return *r;
  }
  const Value& input(std::string_view res, std::string_view prop) const {
    const Property* p = resource(res).find_input(prop);
    if (!p) throw std::runtime_error("no input " + std::string(res) + "." + std::string(prop));
    return p->value;
  }
  const Value& output(std::string_view name) const {
    for (const auto& o : result.graph.outputs)
      if (o.name == name) return o.value;
    throw std::runtime_error("no output " + std::string(name));
  }
  /// line:col of a span's start, e.g. "6:5".
  std::string at(base::Span s) const {
    auto lc = file.line_col(s.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }
};

/// The header every small test stack starts with.
inline std::string stack(const std::string& body) { return "name: test\nruntime: yaml\n" + body; }

/// Canonical policy text (policy::print), for comparing documents regardless of layout and order.
inline std::string canonical(const std::string& json, policy::PolicyType type = policy::PolicyType::Identity) {
  auto r = policy::parse(json, type);
  EXPECT_TRUE(r.ok()) << json;
  return policy::print(r.policy);
}

}  // namespace iamforge::spec::test
