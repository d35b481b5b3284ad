// iamforge: command-line entry point. Parses flags (CLI11) and dispatches to the commands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "iamforge/catalog/catalog.hpp"

namespace iamforge::cli {

int run(int argc, char** argv, const EmbeddedStack* program) {
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
    sto.program = program;
    auto stack_flags = [&sto](CLI::App* c) {
      c->add_option("-f,--file", sto.file, "stack file (default Pulumi.yaml)");
      c->add_option("--stack,-s", sto.stack, "stack name (default dev)");
      c->add_option("--target", sto.target,
                    "where the IAM lives: local (.iamforge/local-iam.db, default) or aws (the IAM Query API)")
          ->check(CLI::IsMember({"local", "aws"}));
      c->add_option("--endpoint-url", sto.endpoint_url, "with --target aws: IAM endpoint (else as the AWS CLI finds it)");
      c->add_option("--region", sto.region, "with --target aws: region (else as the AWS CLI finds it)");
      c->add_option("--profile", sto.profile, "with --target aws: profile of ~/.aws/credentials and ~/.aws/config");
    };
    auto config_flag = [&sto](CLI::App* c) {
      c->add_option("--config,-c", sto.config, "config value key=value (repeatable; over Pulumi.<stack>.yaml)");
    };
    auto* plan = app.add_subcommand("plan", "Show what apply would change (exit 0; with --detailed-exitcode 2 if changes)");
    plan->alias("preview");
    stack_flags(plan);
    config_flag(plan);
    plan->add_option("--format", sto.format, "output format")->check(CLI::IsMember({"human", "json"}));
    plan->add_flag("--detailed-exitcode", sto.detailed_exitcode, "exit 2 when changes are pending");
    plan->add_flag("--refresh", sto.refresh, "read the target first and record drift (as refresh does)");
    auto* apply = app.add_subcommand("apply", "Create, update and delete resources to match the stack file");
    apply->alias("up");
    stack_flags(apply);
    config_flag(apply);
    apply->add_flag("--yes,-y", sto.yes, "do not ask for confirmation");
    apply->add_flag("--refresh", sto.refresh, "read the target first and record drift (as refresh does)");
    apply->add_option("--parallel,-p", sto.parallel, "resources worked on at once (default 10)")
        ->check(CLI::Range(1, 64));
    apply->add_option("--format", sto.format, "output format")->check(CLI::IsMember({"human", "json"}));
    auto* output = app.add_subcommand("output", "Print the stack's outputs");
    stack_flags(output);
    output->add_option("name", sto.output_name, "one output");
    output->add_option("--format", sto.format, "output format")->check(CLI::IsMember({"human", "json"}));
    auto* destroy = app.add_subcommand("destroy", "Delete every resource of the stack");
    stack_flags(destroy);
    config_flag(destroy);
    destroy->add_flag("--yes,-y", sto.yes, "do not ask for confirmation");
    auto* refresh = app.add_subcommand("refresh", "Read every resource from the target and record drift in state");
    stack_flags(refresh);
    refresh->add_option("--format", sto.format, "output format")->check(CLI::IsMember({"human", "json"}));
    refresh->add_flag("--detailed-exitcode", sto.detailed_exitcode, "exit 2 when drift was found");
    auto* import = app.add_subcommand("import", "Adopt an existing resource: import TYPE LOGICAL_NAME ID");
    stack_flags(import);
    config_flag(import);
    import->add_option("args", sto.import_args, "TYPE LOGICAL_NAME ID (ID in pulumi-aws's import format)")
        ->required()->expected(3);
    auto* history = app.add_subcommand("history", "Every apply, destroy, refresh and import of the stack");
    stack_flags(history);
    history->add_option("--format", sto.format, "output format")->check(CLI::IsMember({"human", "json"}));

    LocalQuotaOptions lqo;
    auto* local = app.add_subcommand("local", "The embedded local IAM's settings");
    local->require_subcommand(1);
    auto* quota = local->add_subcommand("quota", "Show the account quotas, or raise them with NAME=VALUE (kept)");
    quota->add_option("assignments", lqo.assignments, "e.g. RolesPerAccount=5000");
    quota->add_option("--data", lqo.data, "directory of the local IAM (default .iamforge)");
    quota->add_option("--format", lqo.format, "output format")->check(CLI::IsMember({"human", "json"}));

    ServeOptions svo;
    auto* serve = app.add_subcommand("serve", "Serve the IAM Query API and STS on the local IAM (SigV4, policies enforced)");
    serve->add_option("--listen", svo.listen, "HOST:PORT to listen on (port 0: any free port, printed)");
    serve->add_option("--data", svo.data, "directory of the local IAM (default .iamforge)");
    serve->add_option("--account", svo.account, "account id of a new local IAM (default 123456789012)");
    serve->add_option("--admin-key-file", svo.admin_key_file, "administrator key JSON: read, or written (0600) when missing");
    serve->add_flag("--no-enforce", svo.no_enforce, "authenticate but do not authorize (moto's behaviour)");
    serve->add_flag("--simulate-per-resource", svo.simulate_per_resource,
                    "Simulate APIs: one EvaluationResult per (action, resource), AWS's older model");
    serve->add_option("--threads", svo.threads, "event-loop worker threads (default: max(2, cores))")->check(CLI::Range(1, 256));

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
    if (refresh->parsed()) return run_refresh(sto);
    if (import->parsed()) return run_import(sto);
    if (history->parsed()) return run_history(sto);
    if (serve->parsed()) return run_serve(svo);
    if (quota->parsed()) return run_local_quota(lqo);
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

}  // namespace iamforge::cli
