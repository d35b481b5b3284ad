// iamforge: command-line entry point. Parses flags (CLI11) and dispatches to the commands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "iamforge/catalog/catalog.hpp"

using namespace iamforge::cli;

int main(int argc, char** argv) {
  try {
    CLI::App app{"iamforge: AWS IAM as code — parse, validate and evaluate IAM policies exactly as AWS does"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("iamforge 0.1.0"));

    ValidateOptions vo;
    auto* validate = app.add_subcommand("validate", "Validate IAM policy documents (exit 0: no errors, 1: errors)");
    validate->add_option("files", vo.files, "policy JSON files ('-' for stdin)")->required();
    validate->add_option("--type,-t", vo.type, "policy type")
        ->check(CLI::IsMember({"identity", "managed", "inline", "resource", "trust", "boundary", "session", "scp", "rcp"}));
    validate->add_option("--format", vo.format, "output format")->check(CLI::IsMember({"human", "json", "compact"}));
    validate->add_option("--fail-on", vo.fail_on, "lowest severity that makes the exit code 1")
        ->check(CLI::IsMember({"error", "security-warning", "warning", "suggestion"}));
    validate->add_flag("--aws-managed", vo.aws_managed, "the files are AWS managed policies (no customer size quota)");

    FmtOptions fo;
    auto* fmt = app.add_subcommand("fmt", "Print policies in canonical form");
    fmt->add_option("files", fo.files, "policy JSON files ('-' for stdin)")->required();
    fmt->add_option("--type,-t", fo.type, "policy type")
        ->check(CLI::IsMember({"identity", "managed", "inline", "resource", "trust", "boundary", "session", "scp", "rcp"}));
    fmt->add_flag("--check", fo.check, "exit 1 if a file is not already canonical; print nothing");

    SimulateOptions so;
    auto* sim = app.add_subcommand("simulate", "Decide a request (or a file of cases) as AWS would, and explain why");
    sim->add_option("--policy,-p", so.policies, "identity policy file (repeatable)");
    sim->add_option("--resource-policy", so.resource_policy, "resource-based (or trust) policy file");
    sim->add_option("--boundary", so.boundary, "permissions boundary file");
    sim->add_option("--session-policy", so.session_policy, "session policy file");
    sim->add_option("--scp", so.scps, "SCP level: FILE[,FILE...] (repeat per level, root first)");
    sim->add_option("--rcp", so.rcps, "RCP level: FILE[,FILE...] (repeat per level, root first)");
    sim->add_option("--principal", so.principal, "caller ARN (or a service principal)");
    sim->add_option("--action,-a", so.action, "action, e.g. s3:GetObject");
    sim->add_option("--resource,-r", so.resource, "resource ARN (default *)");
    sim->add_option("--resource-account", so.resource_account, "account owning the resource (default: from the ARN)");
    sim->add_option("--context,-c", so.context, "context key=value (repeat a key for a multivalued key; key=[] for empty)");
    sim->add_option("--format", so.format, "output format")->check(CLI::IsMember({"human", "json"}));
    sim->add_option("--cases", so.cases, "JSON Lines file of cases ('-' for stdin): one decision per line on stdout");
    sim->add_option("--jobs,-j", so.jobs, "with --cases: worker threads (default: one per core)");
    sim->add_flag("--check", so.check_expected, "with --cases: compare with each case's \"expected\" and report disagreements on stderr");

    StackOptions sto;
    auto stack_flags = [&sto](CLI::App* c) {
      c->add_option("-f,--file", sto.file, "stack file (default Pulumi.yaml)");
      c->add_option("--stack,-s", sto.stack, "stack name (default dev)");
    };
    auto* plan = app.add_subcommand("plan", "Show what apply would change (exit 0; with --detailed-exitcode 2 if changes)");
    plan->alias("preview");
    stack_flags(plan);
    plan->add_option("--format", sto.format, "output format")->check(CLI::IsMember({"human", "json"}));
    plan->add_flag("--detailed-exitcode", sto.detailed_exitcode, "exit 2 when changes are pending");
    auto* apply = app.add_subcommand("apply", "Create, update and delete resources to match the stack file");
    apply->alias("up");
    stack_flags(apply);
    apply->add_flag("--yes,-y", sto.yes, "do not ask for confirmation");
    auto* output = app.add_subcommand("output", "Print the stack's outputs");
    stack_flags(output);
    output->add_option("name", sto.output_name, "one output");
    output->add_option("--format", sto.format, "output format")->check(CLI::IsMember({"human", "json"}));
    auto* destroy = app.add_subcommand("destroy", "Delete every resource of the stack");
    stack_flags(destroy);
    destroy->add_flag("--yes,-y", sto.yes, "do not ask for confirmation");

    auto* cat = app.add_subcommand("catalog", "Show the embedded AWS action catalog's source and size");

    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int rc = app.exit(e);
      return rc == 0 ? kExitOk : kExitUsage;
    }
    if (validate->parsed()) return run_validate(vo);
    if (fmt->parsed()) return run_fmt(fo);
    if (sim->parsed()) {
      if (so.cases.empty() && so.action.empty()) {
        std::fprintf(stderr, "iamforge simulate: error: --action is required (or --cases FILE)\n");
        return kExitUsage;
      }
      return run_simulate(so);
    }
    if (plan->parsed()) return run_plan(sto);
    if (apply->parsed()) return run_apply(sto);
    if (output->parsed()) return run_output(sto);
    if (destroy->parsed()) return run_destroy(sto);
    if (cat->parsed()) {
      const auto& c = iamforge::catalog::Catalog::builtin();
      std::printf("source: %.*s\ndate: %.*s\nservices: %zu\nactions: %zu\nresource types: %zu\ncondition keys: %zu\n",
                  static_cast<int>(c.source().size()), c.source().data(), static_cast<int>(c.date().size()),
                  c.date().data(), c.services().size(), c.actions().size(), c.resource_types().size(),
                  c.condition_keys().size());
      return kExitOk;
    }
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iamforge: internal error: %s\n", e.what());
    return kExitInternal;
  }
}
