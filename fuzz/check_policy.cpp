// policy_fuzz: the policy grammar, validator and canonical printer on arbitrary bytes.
#include <string_view>

#include "checks.hpp"
#include "iamforge/base/diagnostic.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"
#include "iamforge/policy/evaluator.hpp"
#include "iamforge/policy/policy.hpp"
#include "iamforge/policy/validator.hpp"

namespace iamforge::fuzz {

namespace {

constexpr policy::PolicyType kTypes[] = {policy::PolicyType::Identity, policy::PolicyType::Inline,
                                         policy::PolicyType::Resource, policy::PolicyType::Trust,
                                         policy::PolicyType::Boundary, policy::PolicyType::Session,
                                         policy::PolicyType::Scp,      policy::PolicyType::Rcp};

std::string show(std::string_view s) { return base::json_string(s.substr(0, 4000)); }

std::string errors(const std::vector<base::Diagnostic>& d) {
  std::string s;
  for (const auto& x : d)
    if (x.severity == base::Severity::Error) s += "  " + x.code + ": " + x.message + "\n";
  return s;
}

// The compiled form of a parsed policy evaluates a few requests without crashing.
void evaluate_compiled(const policy::Policy& p, policy::PolicyType type) {
  policy::CompiledPolicy cp(p, type, "fuzz");
  policy::PolicySet set;
  switch (type) {
    case policy::PolicyType::Resource: case policy::PolicyType::Trust: set.resource = &cp; break;
    case policy::PolicyType::Boundary: set.boundaries.push_back(&cp); break;
    case policy::PolicyType::Session: set.session.push_back(&cp); break;
    case policy::PolicyType::Scp: set.scp_levels.push_back({&cp}); break;
    case policy::PolicyType::Rcp: set.rcp_levels.push_back({&cp}); break;
    default: set.identity.push_back(&cp); break;
  }
  policy::Request req;
  req.principal = "arn:aws:sts::111122223333:assumed-role/DataSci/s1";
  req.action = "s3:GetObject";
  req.resource = "arn:aws:s3:::data/train/x.csv";
  req.context.set("aws:username", "alice");
  req.context.set("aws:TagKeys", {"a", "b"}, true);
  (void)policy::evaluate(set, req, policy::Explain::Yes);
  req.resource = "*";
  req.principal = "";
  (void)policy::evaluate(set, req, policy::Explain::No);
}

// Every field of every diagnostic, one per line, in order.
std::string all(const std::vector<base::Diagnostic>& d) {
  std::string s;
  for (const auto& x : d)
    s += "  " + x.code + " " + std::to_string(static_cast<int>(x.severity)) + " " + std::to_string(x.span.begin) + "-" +
         std::to_string(x.span.end) + ": " + x.message + " | " + x.help + "\n";
  return s;
}

// Twin: the batch's pruned parse (parse_for_action) reports exactly what the full parse reports,
// for an action that some statements can match and others cannot.
void check_pruned_parse(std::string_view text, policy::PolicyType type) {
  json::Document doc;
  std::vector<base::Diagnostic> json_diags;
  if (!doc.parse(text, json_diags)) return;  // a JSON error: neither parse runs
  for (std::string_view action : {"s3:GetObject", "ec2:RunInstances"}) {
    policy::ParseResult full = policy::parse(doc.root(), type);
    policy::ParseResult pruned = policy::parse_for_action(doc.root(), type, action);
    std::string a = all(full.diagnostics), b = all(pruned.diagnostics);
    if (a != b)
      fail("parse_for_action and parse report different diagnostics",
           "type: " + std::string(policy::to_string(type)) + "\naction: " + std::string(action) + "\ninput: " + show(text) +
               "\nparse:\n" + a + "parse_for_action:\n" + b);
    if (pruned.policy.statements.empty() != full.policy.statements.empty())
      fail("parse_for_action and parse disagree on whether the policy has statements",
           "action: " + std::string(action) + "\ninput: " + show(text));
  }
}

}  // namespace

int check_policy_fuzz(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  base::SourceFile src("policy.json", std::string(text));
  for (policy::PolicyType type : kTypes) {
    // Parse + validate never crash; every diagnostic renders.
    for (const auto& d : policy::check(text, type)) (void)base::render_human(d, &src);
    check_pruned_parse(text, type);

    policy::ParseResult r = policy::parse(text, type);
    if (!r.ok()) continue;
    evaluate_compiled(r.policy, type);
    // Twin: the canonical printer. parse(print(p)) is ok and structurally equal; print is idempotent.
    std::string printed = policy::print(r.policy);
    policy::ParseResult again = policy::parse(printed, type);
    std::string ctx = "type: " + std::string(policy::to_string(type)) + "\ninput: " + show(text) + "\nprinted:\n" + printed;
    if (!again.ok()) fail("parse(print(p)) has errors", ctx + "\nerrors:\n" + errors(again.diagnostics));
    if (!policy::structurally_equal(r.policy, again.policy)) fail("parse(print(p)) != p", ctx);
    std::string reprinted = policy::print(again.policy);
    if (reprinted != printed) fail("print is not idempotent", ctx + "\nreprinted:\n" + reprinted);
    std::string compact = policy::print_compact(r.policy);
    policy::ParseResult from_compact = policy::parse(compact, type);
    if (!from_compact.ok() || !policy::structurally_equal(r.policy, from_compact.policy))
      fail("parse(print_compact(p)) != p", ctx + "\ncompact: " + compact);
  }
  return 0;
}

}  // namespace iamforge::fuzz
