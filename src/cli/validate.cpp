// `iamforge validate` and `iamforge fmt`.
#include <cstdio>

#include "commands.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/policy/validator.hpp"

namespace iamforge::cli {

namespace {

int severity_rank(base::Severity s) {
  switch (s) {
    case base::Severity::Error: return 0;
    case base::Severity::SecurityWarning: return 1;
    case base::Severity::Warning: return 2;
    case base::Severity::Suggestion: return 3;
  }
  return 0;
}

int threshold(const std::string& fail_on) {
  if (fail_on == "security-warning") return 1;
  if (fail_on == "warning") return 2;
  if (fail_on == "suggestion") return 3;
  return 0;
}

}  // namespace

int run_validate(const ValidateOptions& o) {
  policy::PolicyType type = *policy::policy_type_from_string(o.type);
  int limit = threshold(o.fail_on);
  bool failed = false;
  std::string json_out = "{\"files\":[";
  size_t counts[4] = {0, 0, 0, 0};
  for (size_t fi = 0; fi < o.files.size(); ++fi) {
    const std::string& path = o.files[fi];
    std::string text, err;
    std::vector<base::Diagnostic> diags;
    bool readable = base::read_file(path, text, err);
    if (!readable) {
      diags.push_back({"io.unreadable", base::Severity::Error, "cannot read `" + path + "`: " + err, {0, 0}, {}});
    } else {
      diags = policy::check(text, type, o.aws_managed ? policy::Owner::Aws : policy::Owner::Customer);
    }
    base::SourceFile src(path == "-" ? "<stdin>" : path, std::move(text));
    const base::SourceFile* sp = readable ? &src : nullptr;
    for (const auto& d : diags) {
      ++counts[severity_rank(d.severity)];
      if (severity_rank(d.severity) <= limit) failed = true;
    }
    if (o.format == "json") {
      if (fi) json_out += ",";
      json_out += "{\"file\":" + base::json_string(src.path()) + ",\"diagnostics\":[";
      for (size_t i = 0; i < diags.size(); ++i) json_out += (i ? "," : "") + base::render_json(diags[i], sp);
      json_out += "]}";
    } else {
      for (const auto& d : diags) {
        std::string line = o.format == "compact" ? (src.path() + ": " + base::render_compact(d, sp) + "\n")
                                                 : base::render_human(d, sp) + "\n";
        if (!readable && o.format != "compact") line = src.path() + ": " + line;
        std::fputs(line.c_str(), stdout);
      }
    }
  }
  if (o.format == "json") {
    json_out += "],\"summary\":{\"errors\":" + std::to_string(counts[0]) + ",\"security_warnings\":" +
                std::to_string(counts[1]) + ",\"warnings\":" + std::to_string(counts[2]) +
                ",\"suggestions\":" + std::to_string(counts[3]) + "},\"ok\":" + (failed ? "false" : "true") + "}\n";
    std::fputs(json_out.c_str(), stdout);
  } else {
    std::fprintf(stderr, "%zu file(s): %zu error(s), %zu security warning(s), %zu warning(s), %zu suggestion(s)\n",
                 o.files.size(), counts[0], counts[1], counts[2], counts[3]);
  }
  return failed ? kExitFindings : kExitOk;
}

int run_fmt(const FmtOptions& o) {
  policy::PolicyType type = *policy::policy_type_from_string(o.type);
  int rc = kExitOk;
  for (const auto& path : o.files) {
    std::string text, err;
    if (!base::read_file(path, text, err)) {
      std::fprintf(stderr, "%s: error[io.unreadable]: cannot read: %s\n", path.c_str(), err.c_str());
      rc = kExitFindings;
      continue;
    }
    policy::ParseResult r = policy::parse(text, type);
    if (!r.ok()) {
      base::SourceFile src(path, text);
      for (const auto& d : r.diagnostics)
        if (d.severity == base::Severity::Error) std::fputs((base::render_human(d, &src) + "\n").c_str(), stderr);
      rc = kExitFindings;
      continue;
    }
    std::string out = policy::print(r.policy);
    if (o.check) {
      if (out != text) {
        std::fprintf(stderr, "%s: not in canonical form\n", path.c_str());
        rc = kExitFindings;
      }
    } else {
      std::fputs(out.c_str(), stdout);
    }
  }
  return rc;
}

}  // namespace iamforge::cli
