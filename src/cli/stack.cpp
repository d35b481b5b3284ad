// plan / apply / output / destroy: stacks as code on the embedded local IAM (issue 3).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "iamforge/backend/local_backend.hpp"
#include "iamforge/engine/engine.hpp"
#include "iamforge/spec/stack.hpp"
#include "iamforge/state/store.hpp"

namespace fs = std::filesystem;

namespace iamforge::cli {
namespace {

std::string json_str(const std::string& s) { return spec::to_json(spec::Value::of_string(s)); }

fs::path state_dir(const StackOptions& o) {
  auto dir = fs::absolute(o.file).parent_path();
  return dir / ".iamforge";
}

struct Loaded {
  std::unique_ptr<base::SourceFile> source;
  spec::LoadResult result;
};

// Loads the stack file; prints errors and returns false on failure.
bool load_stack(const StackOptions& o, Loaded& out) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "iamforge: error: cannot read stack file %s\n", o.file.c_str());
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  out.source = std::make_unique<base::SourceFile>(o.file, ss.str());
  spec::LoadOptions lo;
  lo.stack = o.stack;
  const auto cfg_path = spec::stack_config_path(o.file, o.stack);
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
  out.result = spec::load(*out.source, lo);
  for (const auto& d : out.result.warnings) std::fputs(base::render_human(d, out.source.get()).c_str(), stderr);
  for (const auto& d : out.result.errors) std::fputs(base::render_human(d, out.source.get()).c_str(), stderr);
  return out.result.ok();
}

char marker(engine::Action a) {
  switch (a) {
    case engine::Action::Create: return '+';
    case engine::Action::Update: return '~';
    case engine::Action::Replace: return '^';
    case engine::Action::Delete: return '-';
    default: return ' ';
  }
}

void print_plan_human(const engine::Plan& p) {
  for (const auto& c : p.changes) {
    if (c.action == engine::Action::Same) continue;
    std::printf("  %c %s (%s): %s", marker(c.action), c.logical_name.c_str(), c.type.c_str(),
                std::string(engine::to_string(c.action)).c_str());
    if (c.action == engine::Action::Replace) std::printf(" (forced by %s)", c.replace_reason.c_str());
    std::printf("\n");
    if (c.action == engine::Action::Update || c.action == engine::Action::Replace)
      for (const auto& d : c.diffs)
        std::printf("      %s: %s => %s\n", d.name.c_str(), d.before.empty() ? "(none)" : d.before.c_str(),
                    d.after.empty() ? "(none)" : d.after.c_str());
  }
  if (!p.has_changes()) std::printf("No changes.\n");
  std::printf("%s\n", p.summary().c_str());
}

void print_plan_json(const engine::Plan& p) {
  std::string out = "{\"changes\":[";
  bool first = true;
  for (const auto& c : p.changes) {
    if (c.action == engine::Action::Same) continue;
    if (!first) out += ",";
    first = false;
    out += "{\"resource\":" + json_str(c.logical_name) + ",\"type\":" + json_str(c.type) +
           ",\"action\":" + json_str(std::string(engine::to_string(c.action)));
    if (!c.replace_reason.empty()) out += ",\"replaceReason\":" + json_str(c.replace_reason);
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
         ",\"delete\":" + std::to_string(p.count(engine::Action::Delete)) + "}}";
  std::printf("%s\n", out.c_str());
}

std::unique_ptr<backend::LocalBackend> open_backend(const StackOptions& o) {
  auto r = backend::LocalBackend::open((state_dir(o) / "local-iam.db").string());
  if (!r.ok()) {
    std::fprintf(stderr, "iamforge: error: local IAM: %s\n", backend::to_string(r.error()).c_str());
    return nullptr;
  }
  return std::move(r).value();
}

void print_progress(const engine::Change& c, const std::string& status) {
  std::printf("  %s %s (%s)\n", status.c_str(), c.logical_name.c_str(), c.type.c_str());
  std::fflush(stdout);
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

}  // namespace

int run_plan(const StackOptions& o) {
  try {
    Loaded l;
    if (!load_stack(o, l)) return kExitFindings;
    auto store = state::Store::open((state_dir(o) / "state.db").string());
    auto p = engine::plan(l.result.graph, *store, o.stack);
    for (const auto& d : p.errors) std::fputs(base::render_human(d, l.source.get()).c_str(), stderr);
    if (!p.errors.empty()) return kExitFindings;
    if (o.format == "json") print_plan_json(p);
    else print_plan_human(p);
    return o.detailed_exitcode && p.has_changes() ? 2 : kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_apply(const StackOptions& o) {
  try {
    Loaded l;
    if (!load_stack(o, l)) return kExitFindings;
    auto store = state::Store::open((state_dir(o) / "state.db").string());
    state::StackLock lock(*store, o.stack);
    auto p = engine::plan(l.result.graph, *store, o.stack);
    for (const auto& d : p.errors) std::fputs(base::render_human(d, l.source.get()).c_str(), stderr);
    if (!p.errors.empty()) return kExitFindings;
    print_plan_human(p);
    if (p.has_changes()) {
      if (!confirm(o, "apply")) return o.yes || ::isatty(STDIN_FILENO) ? kExitFindings : kExitUsage;
    }
    auto be = open_backend(o);
    if (!be) return kExitFindings;
    auto r = engine::apply(p, l.result.graph, *store, *be, o.stack, print_progress);
    if (!r.ok) {
      std::fprintf(stderr, "iamforge apply: error: %s\n", r.error.c_str());
      return kExitFindings;
    }
    if (!r.outputs.empty()) std::printf("Outputs:\n");
    for (const auto& [k, v] : r.outputs) std::printf("  %s: %s\n", k.c_str(), v.c_str());
    return kExitOk;
  } catch (const state::StateError& e) {
    std::fprintf(stderr, "iamforge: error: %s\n", e.what());
    return kExitFindings;
  }
}

int run_output(const StackOptions& o) {
  try {
    auto store = state::Store::open((state_dir(o) / "state.db").string());
    auto outs = engine::outputs(*store, o.stack);
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
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : outs) {
        if (!first) out += ",";
        first = false;
        out += json_str(k) + ":" + json_str(v);
      }
      std::printf("%s}\n", out.c_str());
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
    auto store = state::Store::open((state_dir(o) / "state.db").string());
    state::StackLock lock(*store, o.stack);
    auto recs = store->resources(o.stack);
    auto n = recs.size();
    // `protect: true` in the stack file refuses destroy of that resource.
    if (fs::exists(o.file)) {
      Loaded l;
      if (!load_stack(o, l)) return kExitFindings;
      for (const auto& r : recs)
        if (const auto* res = l.result.graph.find(r.logical_name); res && res->options.protect) {
          std::fprintf(stderr, "iamforge destroy: error: %s is protected (options.protect); remove the option first\n",
                       r.logical_name.c_str());
          return kExitFindings;
        }
    }
    std::printf("Destroy: %zu to delete\n", n);
    if (n == 0) return kExitOk;
    if (!confirm(o, "destroy")) return o.yes || ::isatty(STDIN_FILENO) ? kExitFindings : kExitUsage;
    auto be = open_backend(o);
    if (!be) return kExitFindings;
    auto r = engine::destroy(*store, *be, o.stack, print_progress);
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

}  // namespace iamforge::cli
