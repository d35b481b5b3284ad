// `iamforge simulate`: one request from flags, or a JSON Lines file of cases (streamed).
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <memory>
#include <thread>
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

// One block of input lines, decided by a worker; output and tallies are merged in input order.
struct Block {
  std::vector<std::string> lines;
  size_t first_lineno = 0;
  std::string out, disagreements;
  size_t cases = 0, errors = 0, compared = 0, agree = 0;
};

void decide_block(Block& b, bool check_expected) {
  std::string id, err;
  size_t lineno = b.first_lineno;
  for (const std::string& line : b.lines) {
    ++lineno;
    if (line.empty() || line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++b.cases;
    json::ParseResult j = json::parse(line);
    std::optional<policy::Case> c;
    id.clear();
    if (!j.ok()) {
      err = "line " + std::to_string(lineno) + ": " + (j.diagnostics.empty() ? "invalid JSON" : j.diagnostics[0].message);
    } else {
      c = policy::case_from_json(j.value, id, err, policy::ActionIndex::Skip);  // each case is decided once
    }
    b.out += "{\"id\":";
    if (id.empty()) b.out += "null"; else base::append_json_string(b.out, id);
    if (!c) {
      ++b.errors;
      b.out += ",\"error\":";
      base::append_json_string(b.out, err);
      b.out += "}\n";
      continue;
    }
    policy::Verdict v = policy::evaluate(c->set, c->request, policy::Explain::No);
    std::string_view d = policy::to_string(v.decision);
    b.out += ",\"decision\":\"";
    b.out += d;
    b.out += "\"}\n";
    if (check_expected && !c->expected.empty()) {
      ++b.compared;
      if (c->expected == d) ++b.agree;
      else b.disagreements += "disagree " + c->id + ": expected " + c->expected + ", got " + std::string(d) + "\n";
    }
  }
  b.lines.clear();
  b.lines.shrink_to_fit();
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
  // Streaming with bounded memory: blocks of kBlock lines, at most 2 x jobs blocks in flight,
  // written in input order.
  constexpr size_t kBlock = 64;
  const size_t jobs = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::deque<std::pair<std::unique_ptr<Block>, std::future<void>>> inflight;
  size_t cases = 0, errors = 0, compared = 0, agree = 0, lineno = 0;
  auto retire = [&] {
    auto& [blk, fut] = inflight.front();
    fut.get();
    std::fwrite(blk->out.data(), 1, blk->out.size(), stdout);
    if (!blk->disagreements.empty()) std::fputs(blk->disagreements.c_str(), stderr);
    cases += blk->cases;
    errors += blk->errors;
    compared += blk->compared;
    agree += blk->agree;
    inflight.pop_front();
  };
  bool eof = false;
  while (!eof) {
    auto blk = std::make_unique<Block>();
    blk->first_lineno = lineno;
    std::string line;
    while (blk->lines.size() < kBlock) {
      if (!std::getline(*in, line)) {
        eof = true;
        break;
      }
      ++lineno;
      blk->lines.push_back(std::move(line));
    }
    if (blk->lines.empty()) break;
    Block* raw = blk.get();
    bool check = o.check_expected;
    auto fut = jobs == 1 ? (decide_block(*raw, check), std::async(std::launch::deferred, [] {}))
                         : std::async(std::launch::async, [raw, check] { decide_block(*raw, check); });
    inflight.emplace_back(std::move(blk), std::move(fut));
    if (inflight.size() >= 2 * jobs) retire();
  }
  while (!inflight.empty()) retire();
  std::fflush(stdout);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "cases: %zu, errors: %zu, seconds: %.3f, decisions/s: %.0f, jobs: %zu\n", cases, errors, secs,
               secs > 0 ? static_cast<double>(cases) / secs : 0.0, jobs);
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
