// `iamforge simulate`: one request from flags, or a JSON Lines file of cases (streamed).
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/policy/case_file.hpp"
#include "iamforge/policy/evaluator.hpp"
#include "iamforge/policy/validator.hpp"

namespace iamforge::cli {

namespace {

struct Loader {
  std::deque<policy::CompiledPolicy> owned;
  bool ok = true;

  const policy::CompiledPolicy* load(const std::string& path, policy::PolicyType type) {
    std::string text, err;
    if (!base::read_file(path, text, err)) {
      std::fprintf(stderr, "%s: error[io.unreadable]: cannot read: %s\n", path.c_str(), err.c_str());
      ok = false;
      return nullptr;
    }
    auto diags = policy::check(text, type);
    base::SourceFile src(path, text);
    bool bad = false;
    for (const auto& d : diags)
      if (d.severity == base::Severity::Error) {
        std::fputs((base::render_human(d, &src) + "\n").c_str(), stderr);
        bad = true;
      }
    if (bad) {
      ok = false;
      return nullptr;
    }
    policy::ParseResult r = policy::parse(text, type);
    owned.emplace_back(r.policy, type, path);
    return &owned.back();
  }
};

std::string type_results_json(const policy::Verdict& v) {
  std::string s = "{";
  auto add = [&](const char* k, policy::TypeResult r, bool first = false) {
    if (!first) s += ",";
    s += "\"" + std::string(k) + "\":\"" + std::string(policy::to_string(r)) + "\"";
  };
  add("identity", v.identity, true);
  add("resource", v.resource);
  add("boundary", v.boundary);
  add("session", v.session);
  add("scp", v.scp);
  add("rcp", v.rcp);
  return s + "}";
}

std::string verdict_json(const policy::Verdict& v) {
  std::string s = "{\"decision\":\"" + std::string(policy::to_string(v.decision)) + "\",\"reason\":" + base::json_string(v.reason) +
                  ",\"same_account\":" + (v.same_account ? "true" : "false") + ",\"policy_types\":" + type_results_json(v) +
                  ",\"deciding_statements\":[";
  for (size_t i = 0; i < v.deciding.size(); ++i) {
    const auto& r = v.deciding[i];
    s += (i ? "," : "") + std::string("{\"policy\":") + base::json_string(r.policy) + ",\"type\":\"" +
         std::string(policy::to_string(r.type)) + "\",\"index\":" + std::to_string(r.index) +
         ",\"sid\":" + base::json_string(r.sid) + ",\"effect\":\"" + (r.effect == policy::Effect::Allow ? "Allow" : "Deny") + "\"}";
  }
  s += "],\"missing_context_keys\":[";
  for (size_t i = 0; i < v.missing_context_keys.size(); ++i)
    s += (i ? "," : "") + base::json_string(v.missing_context_keys[i]);
  return s + "]}";
}

int run_batch(const SimulateOptions& o) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (o.cases != "-") {
    file.open(o.cases, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "%s: error[io.unreadable]: cannot open the cases file\n", o.cases.c_str());
      return kExitFindings;
    }
    in = &file;
  }
  std::ios::sync_with_stdio(false);
  auto t0 = std::chrono::steady_clock::now();
  std::string line, out, id, err;
  size_t cases = 0, errors = 0, compared = 0, agree = 0, lineno = 0;
  out.reserve(1 << 16);
  while (std::getline(*in, line)) {
    ++lineno;
    if (line.empty() || line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++cases;
    json::ParseResult j = json::parse(line);
    std::optional<policy::Case> c;
    id.clear();
    if (!j.ok()) {
      err = "line " + std::to_string(lineno) + ": " + (j.diagnostics.empty() ? "invalid JSON" : j.diagnostics[0].message);
    } else {
      c = policy::case_from_json(j.value, id, err);
    }
    out += "{\"id\":";
    if (id.empty()) out += "null"; else base::append_json_string(out, id);
    if (!c) {
      ++errors;
      out += ",\"error\":";
      base::append_json_string(out, err);
      out += "}\n";
    } else {
      policy::Verdict v = policy::evaluate(c->set, c->request, policy::Explain::No);
      std::string_view d = policy::to_string(v.decision);
      out += ",\"decision\":\"";
      out += d;
      out += "\"}\n";
      if (o.check_expected && !c->expected.empty()) {
        ++compared;
        if (c->expected == d) ++agree;
        else std::fprintf(stderr, "disagree %s: expected %s, got %.*s\n", c->id.c_str(), c->expected.c_str(),
                          static_cast<int>(d.size()), d.data());
      }
    }
    if (out.size() > (1 << 16) - 512) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "cases: %zu, errors: %zu, seconds: %.3f, decisions/s: %.0f\n", cases, errors, secs,
               secs > 0 ? static_cast<double>(cases) / secs : 0.0);
  if (o.check_expected)
    std::fprintf(stderr, "agreement: %zu/%zu (%.2f%%)\n", agree, compared, compared ? 100.0 * agree / compared : 100.0);
  return kExitOk;
}

}  // namespace

int run_simulate(const SimulateOptions& o) {
  if (!o.cases.empty()) return run_batch(o);
  Loader L;
  policy::PolicySet set;
  for (const auto& f : o.policies) set.identity.push_back(L.load(f, policy::PolicyType::Inline));
  if (!o.resource_policy.empty()) set.resource = L.load(o.resource_policy, policy::PolicyType::Resource);
  if (!o.boundary.empty()) set.boundaries.push_back(L.load(o.boundary, policy::PolicyType::Boundary));
  if (!o.session_policy.empty()) set.session.push_back(L.load(o.session_policy, policy::PolicyType::Session));
  auto levels = [&](const std::vector<std::string>& specs, policy::PolicyType t) {
    std::vector<std::vector<const policy::CompiledPolicy*>> out;
    for (const auto& spec : specs) {
      std::vector<const policy::CompiledPolicy*> lv;
      for (auto f : base::split(spec, ',')) lv.push_back(L.load(std::string(f), t));
      out.push_back(std::move(lv));
    }
    return out;
  };
  set.scp_levels = levels(o.scps, policy::PolicyType::Scp);
  set.rcp_levels = levels(o.rcps, policy::PolicyType::Rcp);
  if (!L.ok) return kExitFindings;

  policy::Request req;
  req.principal = o.principal;
  req.action = o.action;
  req.resource = o.resource.empty() ? "*" : o.resource;
  req.resource_account = o.resource_account;
  // Repeated keys make a multivalued key; `key=[]` an empty one; `key=[a,b]` a list.
  std::vector<std::pair<std::string, std::vector<std::string>>> ctx;
  std::vector<bool> multi;
  for (const auto& kv : o.context) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "iamforge simulate: error: --context expects key=value, got `%s`\n", kv.c_str());
      return kExitUsage;
    }
    std::string key = kv.substr(0, eq), val = kv.substr(eq + 1);
    std::vector<std::string> vals;
    bool list = val.size() >= 2 && val.front() == '[' && val.back() == ']';
    if (list) {
      std::string inner = val.substr(1, val.size() - 2);
      if (!inner.empty())
        for (auto p : base::split(inner, ',')) vals.emplace_back(p);
    } else {
      vals.push_back(val);
    }
    bool found = false;
    for (size_t i = 0; i < ctx.size(); ++i)
      if (base::iequals(ctx[i].first, key)) {
        ctx[i].second.insert(ctx[i].second.end(), vals.begin(), vals.end());
        multi[i] = true;
        found = true;
      }
    if (!found) {
      ctx.push_back({key, vals});
      multi.push_back(list);
    }
  }
  for (size_t i = 0; i < ctx.size(); ++i) req.context.set(ctx[i].first, ctx[i].second, multi[i]);

  policy::Verdict v = policy::evaluate(set, req, policy::Explain::Yes);
  if (o.format == "json") {
    std::puts(verdict_json(v).c_str());
    return kExitOk;
  }
  std::printf("decision: %s\n", std::string(policy::to_string(v.decision)).c_str());
  if (!v.reason.empty()) std::printf("reason:   %s\n", v.reason.c_str());
  for (const auto& r : v.deciding)
    std::printf("  %s %s statement #%u%s%s\n", r.effect == policy::Effect::Allow ? "allow" : "deny ",
                std::string(policy::to_string(r.type)).c_str(), r.index, r.sid.empty() ? "" : (" (" + r.sid + ")").c_str(),
                (" in " + r.policy).c_str());
  std::printf("policy types: identity=%s resource=%s boundary=%s session=%s scp=%s rcp=%s\n",
              std::string(policy::to_string(v.identity)).c_str(), std::string(policy::to_string(v.resource)).c_str(),
              std::string(policy::to_string(v.boundary)).c_str(), std::string(policy::to_string(v.session)).c_str(),
              std::string(policy::to_string(v.scp)).c_str(), std::string(policy::to_string(v.rcp)).c_str());
  if (!v.missing_context_keys.empty()) {
    std::string keys;
    for (const auto& k : v.missing_context_keys) keys += (keys.empty() ? "" : ", ") + k;
    std::printf("missing context keys: %s\n", keys.c_str());
  }
  return kExitOk;
}

}  // namespace iamforge::cli
