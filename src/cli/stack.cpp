// plan / apply / output / destroy / refresh / import / history: stacks as code on the embedded
// local IAM (issue 3).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "iamforge/aws/aws_backend.hpp"
#include "iamforge/backend/local_backend.hpp"
#include "iamforge/engine/engine.hpp"
#include "iamforge/spec/stack.hpp"
#include "iamforge/state/store.hpp"

namespace fs = std::filesystem;

namespace iamforge::cli {
namespace {

std::string json_str(const std::string& s) { return spec::to_json(spec::Value::of_string(s)); }

fs::path state_dir(const StackOptions& o) {
  // An SDK program keeps its state where it runs, as `iamforge` does beside Pulumi.yaml.
  auto dir = o.program ? fs::current_path() : fs::absolute(o.file).parent_path();
  return dir / ".iamforge";
}

struct Loaded {
  std::unique_ptr<base::SourceFile> source;
  spec::LoadResult result;
};

// Loads the stack file (with Pulumi.<stack>.yaml and --config); prints errors and returns false on failure.
bool load_stack(const StackOptions& o, Loaded& out) {
  if (o.program) {
    out.source = std::make_unique<base::SourceFile>(o.program->path, o.program->text);
  } else {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "iamforge: error: cannot read stack file %s\n", o.file.c_str());
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    out.source = std::make_unique<base::SourceFile>(o.file, ss.str());
  }
  spec::LoadOptions lo;
  lo.stack = o.stack;
  const auto cfg_path = spec::stack_config_path(o.program ? "Pulumi.yaml" : o.file, o.stack);
  if (fs::exists(cfg_path)) {
    std::ifstream cin(cfg_path, std::ios::binary);
    std::stringstream cs;
    cs << cin.rdbuf();
    base::SourceFile cfg_file(cfg_path, cs.str());
    auto cfg = spec::read_stack_config(cfg_file);
    for (const auto& d : cfg.diagnostics) std::fputs(base::render_human(d, &cfg_file).c_str(), stderr);
    if (!cfg.ok()) return false;
    lo.config = cfg.values;
  }
  for (const auto& a : o.config) {
    std::string error;
    if (!spec::apply_config_assignment(a, lo.config, error)) {
      std::fprintf(stderr, "iamforge: error: --config %s: %s\n", a.c_str(), error.c_str());
      return false;
    }
  }
  out.result = spec::load(*out.source, lo);
  // For an SDK program, each diagnostic also names the C++ line that declared what it is about.
  auto show = [&](const base::Diagnostic& d) {
    std::string text = base::render_human(d, out.source.get());
    if (o.program && o.program->origin && d.span.end != 0)
      if (auto where = o.program->origin(out.source->line_col(d.span.begin).line); !where.empty())
        text += "  = note: declared at " + where + "\n";
    std::fputs(text.c_str(), stderr);
  };
  for (const auto& d : out.result.warnings) show(d);
  for (const auto& d : out.result.errors) show(d);
  return out.result.ok();
}

char marker(const engine::Change& c) {
  switch (c.action) {
    case engine::Action::Create: return '+';
    case engine::Action::Update: return '~';
    case engine::Action::Replace: return c.delete_before_replace ? '-' : '+';
    case engine::Action::Delete: return '-';
    case engine::Action::Import: return '=';
    default: return ' ';
  }
}

void print_diffs(const engine::Change& c) {
  for (const auto& d : c.diffs)
    std::printf("      %s: %s => %s\n", d.name.c_str(), d.before.empty() ? "(none)" : d.before.c_str(),
                d.after.empty() ? "(none)" : d.after.c_str());
}

void print_plan_human(const engine::Plan& p) {
  for (const auto& c : p.changes) {
    if (c.action == engine::Action::Same) continue;
    std::printf("  %c %s (%s): %s", marker(c), c.logical_name.c_str(), c.type.c_str(),
                std::string(engine::to_string(c.action)).c_str());
    if (c.action == engine::Action::Replace)
      std::printf(" (forced by %s%s)", c.replace_reason.c_str(),
                  c.delete_before_replace ? "; delete before create" : "; create before delete");
    if (c.action == engine::Action::Import) std::printf(" %s", c.import_id.c_str());
    if (c.pending_seq) std::printf(" (replaced copy left by an earlier apply)");
    if (c.retain) std::printf(" (retainOnDelete: forgotten, not deleted)");
    std::printf("\n");
    if (c.action == engine::Action::Update || c.action == engine::Action::Replace || c.action == engine::Action::Import)
      print_diffs(c);
  }
  if (!p.has_changes()) std::printf("No changes.\n");
  std::printf("%s\n", p.summary().c_str());
}

std::string plan_json(const engine::Plan& p) {
  std::string out = "{\"changes\":[";
  bool first = true;
  for (const auto& c : p.changes) {
    if (c.action == engine::Action::Same) continue;
    if (!first) out += ",";
    first = false;
    out += "{\"resource\":" + json_str(c.logical_name) + ",\"type\":" + json_str(c.type) +
           ",\"action\":" + json_str(std::string(engine::to_string(c.action)));
    if (!c.replace_reason.empty()) {
      out += ",\"replaceReason\":" + json_str(c.replace_reason);
      out += std::string(",\"deleteBeforeReplace\":") + (c.delete_before_replace ? "true" : "false");
    }
    if (!c.import_id.empty()) out += ",\"importId\":" + json_str(c.import_id);
    if (c.pending_seq) out += ",\"replacedCopy\":true";
    if (c.retain) out += ",\"retain\":true";
    out += ",\"properties\":[";
    for (size_t i = 0; i < c.diffs.size(); ++i) {
      if (i) out += ",";
      out += "{\"name\":" + json_str(c.diffs[i].name) + ",\"before\":" + json_str(c.diffs[i].before) +
             ",\"after\":" + json_str(c.diffs[i].after) + "}";
    }
    out += "]}";
  }
  out += "],\"summary\":{\"create\":" + std::to_string(p.count(engine::Action::Create)) +
         ",\"update\":" + std::to_string(p.count(engine::Action::Update)) +
         ",\"replace\":" + std::to_string(p.count(engine::Action::Replace)) +
         ",\"delete\":" + std::to_string(p.count(engine::Action::Delete)) +
         ",\"import\":" + std::to_string(p.count(engine::Action::Import)) + "}}";
  return out;
}

std::string map_json(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ",";
    first = false;
    out += json_str(k) + ":" + json_str(v);
  }
  return out + "}";
}

std::string list_json(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + json_str(v[i]);
  return out + "]";
}

// The state of a stack is kept per target, so that applying a stack to the local IAM and to AWS
// (or to two endpoints) never mixes their records: "dev" for local, "dev@aws ENDPOINT" otherwise.
std::string state_key(const StackOptions& o) {
  if (o.target == "local") return o.stack;
  std::string endpoint = o.endpoint_url;
  for (const char* var : {"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL"})
    if (const char* v = std::getenv(var); endpoint.empty() && v && *v) endpoint = v;
  return o.stack + "@aws" + (endpoint.empty() ? "" : " " + endpoint);
}

std::unique_ptr<backend::Backend> open_backend(const StackOptions& o) {
  if (o.target == "aws") {
    aws::ClientOptions co;
    if (!o.endpoint_url.empty()) co.endpoint_url = o.endpoint_url;
    if (!o.region.empty()) co.region = o.region;
    if (!o.profile.empty()) co.profile = o.profile;
    auto r = aws::open_backend(co);
    if (!r.ok()) {
      std::fprintf(stderr, "iamforge: error: aws target: %s\n", backend::to_string(r.error()).c_str());
      return nullptr;
    }
    return std::move(r).value();
  }
  auto r = backend::LocalBackend::open((state_dir(o) / "local-iam.db").string());
  if (!r.ok()) {
    std::fprintf(stderr, "iamforge: error: local IAM: %s\n", backend::to_string(r.error()).c_str());
    return nullptr;
  }
  return std::move(r).value();
}

bool confirm(const StackOptions& o, const char* what) {
  if (o.yes) return true;
  if (!::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "iamforge %s: error: stdin is not a terminal; pass --yes to proceed without asking\n", what);
    return false;
  }
  std::printf("Do you want to perform this %s? [y/N] ", what);
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "yes";
}

std::unique_ptr<state::Store> open_store(const StackOptions& o) {
  return state::Store::open((state_dir(o) / "state.db").string());
}

// Settles what a killed run left; prints what it did. False (error printed) when it cannot.
bool settle(const StackOptions& o, state::Store& store, backend::Backend& be, bool quiet) {
  auto r = engine::reconcile(store, be, state_key(o));
  if (!quiet)
    for (const auto& n : r.notes) std::printf("  recovered: %s\n", n.c_str());
  if (!r.ok) {
    std::fprintf(stderr, "iamforge: error: engine.reconcile: %s\n", r.error.c_str());
    return false;
  }
  return true;
}

void print_drift(const engine::RefreshResult& r) {
  for (const auto& d : r.drift) {
    if (d.deleted) {
      std::printf("  - %s (%s): deleted outside the stack\n", d.logical_name.c_str(), d.type.c_str());
      continue;
    }
    std::printf("  ~ %s (%s): drifted\n", d.logical_name.c_str(), d.type.c_str());
    for (const auto& p : d.diffs)
      std::printf("      %s: %s => %s\n", p.name.c_str(), p.before.empty() ? "(none)" : p.before.c_str(),
                  p.after.empty() ? "(none)" : p.after.c_str());
  }
  for (const auto& u : r.unmanaged)
    std::printf("  ! %s (%s): %s attached outside the stack (no resource declares it)\n", u.logical_name.c_str(),
                u.type.c_str(), u.what.c_str());
  std::printf("Refresh: %d read, %zu drifted", r.read, r.drift.size());
  if (!r.unmanaged.empty()) std::printf(", %zu attached outside the stack", r.unmanaged.size());
  std::printf("\n");
}

std::string drift_json(const engine::RefreshResult& r) {
  std::string out = "{\"read\":" + std::to_string(r.read) + ",\"drift\":[";
  for (size_t i = 0; i < r.drift.size(); ++i) {
    const auto& d = r.drift[i];
    if (i) out += ",";
    out += "{\"resource\":" + json_str(d.logical_name) + ",\"type\":" + json_str(d.type) +
           ",\"deleted\":" + (d.deleted ? "true" : "false") + ",\"properties\":[";
    for (size_t j = 0; j < d.diffs.size(); ++j)
      out += std::string(j ? "," : "") + "{\"name\":" + json_str(d.diffs[j].name) +
             ",\"before\":" + json_str(d.diffs[j].before) + ",\"after\":" + json_str(d.diffs[j].after) + "}";
    out += "]}";
  }
  out += "],\"unmanaged\":[";
  for (size_t i = 0; i < r.unmanaged.size(); ++i)
    out += std::string(i ? "," : "") + "{\"resource\":" + json_str(r.unmanaged[i].logical_name) +
           ",\"type\":" + json_str(r.unmanaged[i].type) + ",\"what\":" + json_str(r.unmanaged[i].what) + "}";
  return out + "]}";
}

bool has_imports(const spec::Graph& g) {
  for (const auto& r : g.resources)
    if (r.options.import_id) return true;
  return false;
}

// The shared front of plan and apply: load, reconcile, refresh, plan. Returns an exit code, or -1
// to go on with `plan` filled.
struct Session {
  Loaded loaded;
  std::unique_ptr<state::Store> store;
  std::unique_ptr<backend::Backend> backend;
  std::optional<state::StackLock> lock;
  engine::Plan plan;
  engine::RefreshResult refreshed;
};

int prepare(const StackOptions& o, Session& s, bool take_lock, bool quiet) {
  if (!load_stack(o, s.loaded)) return kExitFindings;
  s.store = open_store(o);
  const bool needs_target =
      o.refresh || engine::needs_reconcile(*s.store, state_key(o)) || has_imports(s.loaded.result.graph);
  if (take_lock || needs_target) s.lock.emplace(*s.store, state_key(o));
  if (needs_target) {
    s.backend = open_backend(o);
    if (!s.backend) return kExitFindings;
    if (!settle(o, *s.store, *s.backend, quiet)) return kExitFindings;
    if (o.refresh) {
      s.refreshed = engine::refresh(*s.store, *s.backend, state_key(o));
      if (!s.refreshed.ok) {
        std::fprintf(stderr, "iamforge: error: engine.refresh: %s\n", s.refreshed.error.c_str());
        return kExitFindings;
      }
      if (!quiet) print_drift(s.refreshed);
    }
  }
  s.plan = engine::plan(s.loaded.result.graph, *s.store, state_key(o), s.backend.get());
  // Errors about resources no longer in the file have no location in it.
  for (const auto& d : s.plan.errors) {
    auto text = base::render_human(d, d.span.end == 0 ? nullptr : s.loaded.source.get());
    if (text.empty() || text.back() != '\n') text += '\n';
    std::fputs(text.c_str(), stderr);
  }
  if (!s.plan.errors.empty()) return kExitFindings;
  return -1;
}

}  // namespace

int run_plan(const StackOptions& o) {
  try {
    Session s;
    const bool json = o.format == "json";
    if (int rc = prepare(o, s, false, json); rc >= 0) return rc;
    if (json) {
      std::string out = plan_json(s.plan);
      if (o.refresh) out = out.substr(0, out.size() - 1) + ",\"refresh\":" + drift_json(s.refreshed) + "}";
      std::printf("%s\n", out.c_str());
    } else {
      print_plan_human(s.plan);
    }
    return o.detailed_exitcode && s.plan.has_changes() ? 2 : kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_apply(const StackOptions& o) {
  try {
    Session s;
    const bool json = o.format == "json";
    if (int rc = prepare(o, s, true, json); rc >= 0) return rc;
    if (!json) print_plan_human(s.plan);
    if (s.plan.has_changes()) {
      if (!confirm(o, "apply")) return o.yes || ::isatty(STDIN_FILENO) ? kExitFindings : kExitUsage;
    }
    if (!s.backend) s.backend = open_backend(o);
    if (!s.backend) return kExitFindings;
    const std::size_t total = static_cast<std::size_t>(s.plan.changes.size() - s.plan.count(engine::Action::Same));
    std::size_t done = 0;
    engine::Progress progress = [&](const engine::Change& c, const std::string& status) {
      if (json) return;
      const bool finished = status.find("ing") == std::string::npos;
      if (finished) ++done;
      if (finished)
        std::printf("  [%zu/%zu] %s %s (%s)\n", done, total, status.c_str(), c.logical_name.c_str(), c.type.c_str());
      else
        std::printf("  %s %s (%s)\n", status.c_str(), c.logical_name.c_str(), c.type.c_str());
      std::fflush(stdout);
    };
    engine::ApplyOptions ao;
    ao.parallel = o.parallel;
    auto r = engine::apply(s.plan, s.loaded.result.graph, *s.store, *s.backend, state_key(o), progress, ao);
    if (json) {
      std::printf("{\"plan\":%s,\"ok\":%s,\"error\":%s,\"operations\":%s,\"outputs\":%s}\n", plan_json(s.plan).c_str(),
                  r.ok ? "true" : "false", json_str(r.error).c_str(), list_json(r.operations).c_str(),
                  map_json(r.outputs).c_str());
    }
    if (!r.ok) {
      std::fprintf(stderr, "iamforge apply: error: %s\n", r.error.c_str());
      return kExitFindings;
    }
    if (!json) {
      if (!r.outputs.empty()) std::printf("Outputs:\n");
      for (const auto& [k, v] : r.outputs) std::printf("  %s: %s\n", k.c_str(), v.c_str());
    }
    return kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_output(const StackOptions& o) {
  try {
    auto store = open_store(o);
    auto outs = engine::outputs(*store, state_key(o));
    if (!o.output_name.empty()) {
      auto it = outs.find(o.output_name);
      if (it == outs.end()) {
        std::fprintf(stderr, "iamforge output: error: no output named %s in stack %s\n", o.output_name.c_str(),
                     o.stack.c_str());
        return kExitFindings;
      }
      if (o.format == "json") std::printf("%s\n", json_str(it->second).c_str());
      else std::printf("%s\n", it->second.c_str());
      return kExitOk;
    }
    if (o.format == "json") {
      std::printf("%s\n", map_json(outs).c_str());
    } else {
      for (const auto& [k, v] : outs) std::printf("%s: %s\n", k.c_str(), v.c_str());
    }
    return kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_destroy(const StackOptions& o) {
  try {
    auto store = open_store(o);
    state::StackLock lock(*store, state_key(o));
    // `protect: true` in the stack file (or recorded in state) refuses destroy of that resource.
    if (fs::exists(o.file)) {
      Loaded l;
      if (!load_stack(o, l)) return kExitFindings;
      for (const auto& r : store->resources(state_key(o)))
        if (const auto* res = l.result.graph.find(r.logical_name); res && res->options.protect) {
          std::fprintf(stderr,
                       "iamforge destroy: error: engine.protected: %s is protected (options.protect); remove the "
                       "option and apply first\n",
                       r.logical_name.c_str());
          return kExitFindings;
        }
    }
    std::unique_ptr<backend::Backend> be;
    if (engine::needs_reconcile(*store, state_key(o))) {
      be = open_backend(o);
      if (!be || !settle(o, *store, *be, false)) return kExitFindings;
    }
    auto n = store->resources(state_key(o)).size() + store->pending_deletes(state_key(o)).size();
    std::printf("Destroy: %zu to delete\n", n);
    if (n == 0) return kExitOk;
    if (!confirm(o, "destroy")) return o.yes || ::isatty(STDIN_FILENO) ? kExitFindings : kExitUsage;
    if (!be) be = open_backend(o);
    if (!be) return kExitFindings;
    auto r = engine::destroy(*store, *be, state_key(o), [](const engine::Change& c, const std::string& status) {
      std::printf("  %s %s (%s)\n", status.c_str(), c.logical_name.c_str(), c.type.c_str());
      std::fflush(stdout);
    });
    if (!r.ok) {
      std::fprintf(stderr, "iamforge destroy: error: %s\n", r.error.c_str());
      return kExitFindings;
    }
    return kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_refresh(const StackOptions& o) {
  try {
    auto store = open_store(o);
    state::StackLock lock(*store, state_key(o));
    auto be = open_backend(o);
    if (!be) return kExitFindings;
    const bool json = o.format == "json";
    if (!settle(o, *store, *be, json)) return kExitFindings;
    auto r = engine::refresh(*store, *be, state_key(o));
    if (!r.ok) {
      std::fprintf(stderr, "iamforge refresh: error: %s\n", r.error.c_str());
      return kExitFindings;
    }
    if (json) std::printf("%s\n", drift_json(r).c_str());
    else print_drift(r);
    return o.detailed_exitcode && (!r.drift.empty() || !r.unmanaged.empty()) ? 2 : kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_import(const StackOptions& o) {
  try {
    if (o.import_args.size() != 3) {
      std::fprintf(stderr, "iamforge import: error: usage: iamforge import TYPE LOGICAL_NAME ID\n");
      return kExitUsage;
    }
    const auto& type = o.import_args[0];
    const auto& name = o.import_args[1];
    const auto& id = o.import_args[2];
    Loaded l;
    const spec::Resource* declared = nullptr;
    if (fs::exists(o.file)) {
      if (!load_stack(o, l)) return kExitFindings;
      declared = l.result.graph.find(name);
    }
    auto store = open_store(o);
    state::StackLock lock(*store, state_key(o));
    auto be = open_backend(o);
    if (!be) return kExitFindings;
    if (!settle(o, *store, *be, false)) return kExitFindings;
    auto r = engine::import_resource(*store, *be, state_key(o), type, name, id, declared);
    if (!r.ok) {
      std::fprintf(stderr, "iamforge import: error: engine.import: %s\n", r.error.c_str());
      return kExitFindings;
    }
    std::printf("Imported %s (%s %s)\n", name.c_str(), type.c_str(), id.c_str());
    if (!declared) {
      std::printf("Add it to the stack file:\n  %s:\n    type: %s\n    properties:\n", name.c_str(), type.c_str());
      for (const auto& [k, v] : r.inputs) std::printf("      %s: %s\n", k.c_str(), json_str(v).c_str());
    }
    return kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_history(const StackOptions& o) {
  try {
    auto store = open_store(o);
    auto h = store->history(state_key(o));
    auto held = store->lock(state_key(o));
    auto result_of = [&](const state::HistoryEntry& e) -> std::string {
      if (!e.finished_at.empty()) return e.result;
      if (held && &e == &h.back()) return "running";
      return "interrupted";
    };
    if (o.format == "json") {
      std::string out = "[";
      for (size_t i = 0; i < h.size(); ++i) {
        const auto& e = h[i];
        std::vector<std::string> ops;
        std::istringstream lines(e.details);
        for (std::string line; std::getline(lines, line);)
          if (!line.empty()) ops.push_back(line);
        out += std::string(i ? "," : "") + "{\"id\":" + std::to_string(e.id) + ",\"kind\":" + json_str(e.kind) +
               ",\"startedAt\":" + json_str(e.started_at) + ",\"finishedAt\":" + json_str(e.finished_at) +
               ",\"summary\":" + json_str(e.summary) + ",\"result\":" + json_str(result_of(e)) +
               ",\"operations\":" + list_json(ops) + "}";
      }
      std::printf("%s]\n", out.c_str());
      return kExitOk;
    }
    if (h.empty()) std::printf("No history for stack %s.\n", o.stack.c_str());
    for (const auto& e : h) {
      std::printf("#%lld %s %s  %s  %s\n", static_cast<long long>(e.id), e.started_at.c_str(), e.kind.c_str(),
                  e.summary.c_str(), result_of(e).c_str());
      std::istringstream lines(e.details);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) std::printf("    %s\n", line.c_str());
    }
    return kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

}  // namespace iamforge::cli
