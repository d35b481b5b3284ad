// Differential: the shared corpus (expected decisions from @cloud-copilot/iam-simulate 0.1.173) and
// our own generated fixtures. Every disagreement must be an adjudicated divergence listed in
// tests/cases/divergences/, with the decision AWS's documentation supports.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "case_runner.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"
#include "iamforge/policy/case_file.hpp"
#include "test_util.hpp"

using namespace iamforge;

namespace {

std::map<std::string, std::string> load_divergences(const std::string& path) {
  std::map<std::string, std::string> m;  // id -> our decision
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string id, sim, ours;
    std::getline(ss, id, '\t');
    std::getline(ss, sim, '\t');
    std::getline(ss, ours, '\t');
    m[id] = ours;
  }
  return m;
}

const std::vector<std::string> kDoubtful = {"wildcard-only-action-with-arn-pattern", "unresolved-policy-variable",
                                            "multivalued-key-without-set-operator", "set-operator-on-single-valued-key",
                                            "empty-multivalued-context-key", "null-on-empty-multivalued"};

void check_file(const std::string& cases, const std::string& divergences, size_t min_cases) {
  auto adjudicated = load_divergences(divergences);
  size_t n = 0, untagged = 0, untagged_agree = 0;
  for (const auto& o : test::run_cases(cases)) {
    ++n;
    ASSERT_TRUE(o.error.empty()) << o.id << ": " << o.error;
    bool tagged = false;
    for (const auto& t : o.tags)
      for (const auto& d : kDoubtful) tagged |= t == d;
    auto it = adjudicated.find(o.id);
    if (it != adjudicated.end()) {
      EXPECT_EQ(o.got, it->second) << o.id << ": adjudicated decision changed";
      EXPECT_NE(o.got, o.expected) << o.id << ": now agrees with the simulator; remove it from " << divergences;
    } else {
      EXPECT_EQ(o.got, o.expected) << o.id << ": new disagreement with the simulator";
    }
    if (!tagged) {
      ++untagged;
      untagged_agree += o.got == o.expected;
    }
  }
  EXPECT_GE(n, min_cases);
  double rate = untagged ? double(untagged_agree) / double(untagged) : 1.0;
  EXPECT_GE(rate, 0.995) << untagged_agree << "/" << untagged;
  std::printf("%s: %zu cases, untagged agreement %zu/%zu (%.2f%%), adjudicated %zu\n", cases.c_str(), n, untagged_agree,
              untagged, 100 * rate, adjudicated.size());
}

// Every policy type's result and the account relation of two verdicts for the same case (the
// callers ASSERT the decision first).
void expect_same_results(const policy::Verdict& a, const policy::Verdict& b, const std::string& id) {
  EXPECT_EQ(a.identity, b.identity) << id;
  EXPECT_EQ(a.resource, b.resource) << id;
  EXPECT_EQ(a.boundary, b.boundary) << id;
  EXPECT_EQ(a.session, b.session) << id;
  EXPECT_EQ(a.scp, b.scp) << id;
  EXPECT_EQ(a.rcp, b.rcp) << id;
  EXPECT_EQ(a.same_account, b.same_account) << id;
}

}  // namespace

TEST(Corpus, VisibleCasesAgreeExceptAdjudicated) {
  check_file(test::data_path("data/corpus/eval-visible.jsonl"), test::data_path("cases/divergences/eval-visible.tsv"), 3000);
}

TEST(Corpus, GeneratedDifferentialCases) {
  std::string path = test::data_path("data/differential/diff-cases.jsonl");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no generated fixtures";
  check_file(path, test::data_path("cases/divergences/diff-cases.tsv"), 5000);
}

// Batch mode shares compiled policies between cases whose documents are byte-identical. A shared
// policy must decide exactly as a freshly compiled one: same decision, per-type results, deciding
// statements (policy names included) and missing keys, for every visible case; and the cache must hit.
TEST(Corpus, PolicyCacheGivesIdenticalVerdicts) {
  std::ifstream in(test::data_path("data/corpus/eval-visible.jsonl"));
  ASSERT_TRUE(in);
  policy::PolicyCache cache(64);  // small: eviction is exercised too
  std::string line, id, err;
  size_t n = 0;
  while (std::getline(in, line)) {
    json::ParseResult j = json::parse(line);
    ASSERT_TRUE(j.ok());
    for (policy::ActionIndex index : {policy::ActionIndex::Skip, policy::ActionIndex::Build}) {
      auto fresh = policy::case_from_json(j.value, id, err, index);
      auto shared = policy::case_from_json(j.value, line, id, err, index, &cache);
      ASSERT_TRUE(fresh && shared) << id << ": " << err;
      EXPECT_TRUE(shared->owned.empty());
      for (policy::Explain ex : {policy::Explain::No, policy::Explain::Yes}) {
        policy::Verdict a = policy::evaluate(fresh->set, fresh->request, ex);
        policy::Verdict b = policy::evaluate(shared->set, shared->request, ex);
        ASSERT_EQ(a.decision, b.decision) << id;
        expect_same_results(a, b, id);
        EXPECT_EQ(a.reason, b.reason) << id;
        EXPECT_EQ(a.missing_context_keys, b.missing_context_keys) << id;
        ASSERT_EQ(a.deciding.size(), b.deciding.size()) << id;
        for (size_t k = 0; k < a.deciding.size(); ++k) {
          EXPECT_EQ(a.deciding[k].policy, b.deciding[k].policy) << id;
          EXPECT_EQ(a.deciding[k].index, b.deciding[k].index) << id;
          EXPECT_EQ(a.deciding[k].sid, b.deciding[k].sid) << id;
        }
      }
    }
    ++n;
  }
  EXPECT_EQ(n, 3000u);
  EXPECT_GT(cache.hits(), 1000u) << "hits " << cache.hits() << ", misses " << cache.misses();
  EXPECT_LE(cache.size(), 64u);
}

// One cache serves every batch worker: concurrent decoding through it decides as fresh compiles do.
TEST(Corpus, PolicyCacheIsSharedSafelyBetweenThreads) {
  std::vector<std::string> lines;
  {
    std::ifstream in(test::data_path("data/corpus/eval-visible.jsonl"));
    std::string line;
    while (lines.size() < 600 && std::getline(in, line)) lines.push_back(line);
  }
  policy::PolicyCache cache(128);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      std::string id, err;
      for (size_t i = static_cast<size_t>(w) % 2; i < lines.size(); i += 2) {  // threads overlap pairwise
        json::ParseResult j = json::parse(lines[i]);
        auto fresh = policy::case_from_json(j.value, id, err, policy::ActionIndex::Skip);
        auto shared = policy::case_from_json(j.value, lines[i], id, err, policy::ActionIndex::Skip, &cache);
        if (!fresh || !shared ||
            policy::evaluate(fresh->set, fresh->request, policy::Explain::No).decision !=
                policy::evaluate(shared->set, shared->request, policy::Explain::No).decision)
          ++mismatches[static_cast<size_t>(w)];
      }
    });
  for (auto& t : workers) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
  EXPECT_GT(cache.hits(), 0u);
}

// The same policy text under a different type or name is a different entry (a hit must be exact).
TEST(Corpus, PolicyCacheKeysOnTypeAndName) {
  const std::string line =
      R"({"id":"k","identityPolicies":[{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}},)"
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}],)"
      R"("request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}})";
  json::ParseResult j = json::parse(line);
  ASSERT_TRUE(j.ok());
  policy::PolicyCache cache;
  std::string id, err;
  auto c = policy::case_from_json(j.value, line, id, err, policy::ActionIndex::Skip, &cache);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(cache.hits(), 0u);  // identical bytes, but names identityPolicies[0] and [1] differ
  ASSERT_EQ(c->set.identity.size(), 2u);
  EXPECT_EQ(c->set.identity[0]->name(), "identityPolicies[0]");
  EXPECT_EQ(c->set.identity[1]->name(), "identityPolicies[1]");
  auto again = policy::case_from_json(j.value, line, id, err, policy::ActionIndex::Skip, &cache);
  ASSERT_TRUE(again);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(again->set.identity[0], c->set.identity[0]);
  auto built = policy::case_from_json(j.value, line, id, err, policy::ActionIndex::Build, &cache);
  ASSERT_TRUE(built);
  EXPECT_EQ(cache.hits(), 2u);  // another action index: compiled anew
  EXPECT_EQ(policy::evaluate(built->set, built->request).decision, policy::Decision::Allowed);
}

// The context's hashed index: many keys (several rehashes), case-insensitive lookups, replacement.
TEST(Corpus, ContextIndexFindsEveryKey) {
  policy::Context ctx;
  for (int i = 0; i < 300; ++i) ctx.set("aws:Key/" + std::to_string(i), std::to_string(i));
  ctx.set("AWS:KEY/7", std::vector<std::string>{"x", "y"}, true);  // replaces, keeps one entry
  EXPECT_EQ(ctx.entries().size(), 300u);
  for (int i = 0; i < 300; ++i) {
    std::string k = "aws:key/" + std::to_string(i);
    const policy::Context::Entry* e = ctx.find_lower(k);
    ASSERT_NE(e, nullptr) << k;
    EXPECT_EQ(ctx.find("AWS:Key/" + std::to_string(i)), e);
    if (i == 7) {
      EXPECT_TRUE(e->multivalued);
      EXPECT_EQ(e->values.size(), 2u);
    } else {
      EXPECT_EQ(e->values.at(0), std::to_string(i));
    }
  }
  EXPECT_EQ(ctx.find_lower("aws:key/300"), nullptr);
  EXPECT_EQ(ctx.find("nope"), nullptr);
  EXPECT_EQ(policy::Context().find("x"), nullptr);
  policy::Context copy = ctx;  // the index holds positions, so copies stay valid
  EXPECT_EQ(copy.find("aws:key/42")->values.at(0), "42");
  // A key longer than set()'s stack buffer, set twice in different cases: one entry.
  std::string long_key = "aws:RequestTag/" + std::string(200, 'Q');
  ctx.set(long_key, "a");
  ctx.set(base::to_lower(long_key), "b");
  EXPECT_EQ(ctx.entries().size(), 301u);
  ASSERT_NE(ctx.find(long_key), nullptr);
  EXPECT_EQ(ctx.find(long_key)->values.at(0), "b");
  EXPECT_EQ(ctx.find_lower(base::to_lower(long_key)), ctx.find(long_key));
  // A key too long for the index's compact copy (65,535 bytes and more): found through the entry.
  std::string huge_key = "aws:RequestTag/" + std::string(70000, 'Z');
  ctx.set(huge_key, "h");
  ctx.set("aws:after-huge", "z");  // the compact copy goes on after it
  ASSERT_NE(ctx.find_lower(base::to_lower(huge_key)), nullptr);
  EXPECT_EQ(ctx.find_lower(base::to_lower(huge_key))->values.at(0), "h");
  EXPECT_EQ(ctx.find(base::to_lower(huge_key)), ctx.find_lower(base::to_lower(huge_key)));
  EXPECT_EQ(ctx.find_lower("aws:after-huge")->values.at(0), "z");
  EXPECT_EQ(ctx.find_lower("aws:requesttag/" + std::string(70000, 'z') + "x"), nullptr);
  // The evaluator's lookup of the huge key: through the entry (no single value in the copy).
  policy::Context::Found f = ctx.find_compact(base::to_lower(huge_key), policy::Context::hash_key(huge_key));
  ASSERT_NE(f.entry, nullptr);
  EXPECT_FALSE(f.has_single);
  EXPECT_EQ(f.entry->values.at(0), "h");
}

// The JSON string scanner's SWAR fast path: specials (quote, backslash, control, non-ASCII) at every
// offset of a string decode exactly as written.
TEST(Corpus, JsonStringsWithSpecialsAtEveryOffset) {
  const std::vector<std::pair<std::string, std::string>> specials = {
      {"\\\"", "\""}, {"\\\\", "\\"}, {"\\n", "\n"}, {"\\u00e9", "\xC3\xA9"}, {"\xC3\xA9", "\xC3\xA9"}, {"~", "~"}, {" ", " "}};
  for (size_t len = 0; len < 20; ++len)
    for (size_t at = 0; at <= len; ++at)
      for (const auto& [raw, decoded] : specials) {
        std::string body(len, 'a'), want(len, 'a');
        body.insert(at, raw);
        want.insert(at, decoded);
        json::ParseResult r = json::parse("\"" + body + "\"");
        ASSERT_TRUE(r.ok()) << body;
        EXPECT_EQ(r.value.text, want) << body;
      }
  for (size_t at = 0; at < 17; ++at) {
    std::string bad(16, 'a');
    bad.insert(at, 1, '\x01');  // a raw control character is an error wherever it is
    EXPECT_FALSE(json::parse("\"" + bad + "\"").ok()) << at;
  }
}

// Batch mode decodes cases from a json::Document and compiles only the statements that can apply to
// the request's action (Prune::ToAction). Decisions must be those of the full policies, for every
// visible and differential case, and for a sample of the same cases with other actions (one written
// in the case's own policy with its wildcards made concrete, case-changed, unrelated, malformed).
TEST(Corpus, PruningToTheActionKeepsEveryDecision) {
  auto decide = [](const std::string& line, policy::Prune prune) {
    json::Document doc;
    std::vector<base::Diagnostic> diags;
    EXPECT_TRUE(doc.parse(line, diags));
    std::string id, err;
    auto c = policy::case_from_json(doc.root(), line, id, err, policy::ActionIndex::Skip, nullptr, prune);
    EXPECT_TRUE(c) << id << ": " << err;
    return c ? policy::evaluate(c->set, c->request, policy::Explain::No).decision : policy::Decision::ImplicitlyDenied;
  };
  size_t n = 0, k = 0, keys_full = 0, keys_pruned = 0;
  for (std::string file : {"data/corpus/eval-visible.jsonl", "data/differential/diff-cases.jsonl"}) {
    std::string path = test::data_path(file);
    if (!std::filesystem::exists(path)) continue;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      ASSERT_EQ(decide(line, policy::Prune::No), decide(line, policy::Prune::ToAction)) << line.substr(0, 100);
      {  // the pruned case's context keeps only what its statements read
        json::Document doc;
        std::vector<base::Diagnostic> diags;
        ASSERT_TRUE(doc.parse(line, diags));
        std::string id, err;
        auto full = policy::case_from_json(doc.root(), line, id, err, policy::ActionIndex::Skip, nullptr, policy::Prune::No);
        auto pruned = policy::case_from_json(doc.root(), line, id, err, policy::ActionIndex::Skip, nullptr, policy::Prune::ToAction);
        ASSERT_TRUE(full && pruned) << id;
        keys_full += full->request.context.entries().size();
        keys_pruned += pruned->request.context.entries().size();
        for (const auto& e : pruned->request.context.entries()) ASSERT_NE(full->request.context.find(e.key), nullptr) << id;
      }
      ++n;
      if (k++ % 4) continue;
      json::Document doc;
      std::vector<base::Diagnostic> diags;
      ASSERT_TRUE(doc.parse(line, diags));
      json::Node act = doc.root().find("request").find("action");
      ASSERT_TRUE(act.is_string());
      std::vector<std::string> actions = {"*", "S3:GETOBJECT", "iam:PassRole", "noColon", "s3:Get:Object", "", "ec2:"};
      for (json::Node list : {doc.root().find("identityPolicies"), doc.root().find("permissionsBoundaries")})
        for (json::Node policy_doc : list)
          for (json::Node st : policy_doc.find("Statement").is_object() ? json::Node() : policy_doc.find("Statement")) {
            json::Node a = st.find("Action");
            std::string pattern(a.is_string() ? a.text() : a.is_array() && !a.empty() ? (*a.begin()).text() : "");
            for (char& ch : pattern)
              if (ch == '*' || ch == '?') ch = 'X';
            actions.push_back(pattern);
            if (actions.size() > 12) break;
          }
      for (const auto& other : actions) {
        std::string edited = line.substr(0, act.span().begin) + base::json_string(other) + line.substr(act.span().end);
        ASSERT_EQ(decide(edited, policy::Prune::No), decide(edited, policy::Prune::ToAction))
            << other << " in " << line.substr(0, 100);
        ++n;
      }
    }
  }
  EXPECT_GT(n, 9000u);
  EXPECT_LT(keys_pruned * 2, keys_full) << "context pruning kept " << keys_pruned << " of " << keys_full << " keys";
}

// Without an explanation the evaluator stops reading a policy type's statements once its result is
// settled (a Deny applies; or an Allow applies and only Allows remain). The decision and every
// policy type's result must be those of the full, explained evaluation, for every case of the
// visible corpus and of the differential set.
TEST(Corpus, UnexplainedVerdictsAreTheExplainedOnes) {
  size_t n = 0;
  for (std::string file : {"data/corpus/eval-visible.jsonl", "data/differential/diff-cases.jsonl"}) {
    std::string path = test::data_path(file);
    if (!std::filesystem::exists(path)) continue;
    std::ifstream in(path);
    std::string line, id, err;
    while (std::getline(in, line)) {
      json::ParseResult j = json::parse(line);
      ASSERT_TRUE(j.ok());
      for (policy::ActionIndex index : {policy::ActionIndex::Skip, policy::ActionIndex::Build}) {
        auto c = policy::case_from_json(j.value, id, err, index);
        ASSERT_TRUE(c) << id << ": " << err;
        policy::Verdict quick = policy::evaluate(c->set, c->request, policy::Explain::No);
        policy::Verdict full = policy::evaluate(c->set, c->request, policy::Explain::Yes);
        ASSERT_EQ(quick.decision, full.decision) << id;
        expect_same_results(quick, full, id);
        ++n;
      }
    }
  }
  EXPECT_GE(n, 6000u);
}

// action_may_match is at least as permissive as the evaluator: whenever a one-statement policy
// allows an action, the pattern "may match" it.
TEST(Corpus, ActionMayMatchCoversTheEvaluator) {
  const std::vector<std::string> patterns = {"*", "s3:*", "S3:Get*", "s3:GetObject", "s3:get?bject", "s3:*Object*",
                                             "s3:*Obj?ct", "s3*", "*:GetObject", "s?:GetObject", "iam:Pass*Role",
                                             "ec2:*Instances", "s3:", ":", "s3:Get*Acl*", "sagemaker:*NotebookInstance*",
                                             "s3:${aws:username}", "**", "s3:**", "s3:Get:*", "*:*"};
  const std::vector<std::string> actions = {"s3:GetObject", "S3:getobject", "s3:GetObjectAcl", "s3:PutObject", "s3:",
                                            "iam:PassRole", "iam:PassSomeRole", "ec2:RunInstances", "ec2:Instances",
                                            "sagemaker:StopNotebookInstance", "s3:Get:Object", "noColon", "", "s3:${aws:username}",
                                            ":", "s4:GetObject"};
  size_t allowed = 0;
  for (const auto& pat : patterns) {
    std::string doc = R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":)" + base::json_string(pat) +
                      R"(,"Resource":"*"}})";
    policy::ParseResult r = policy::parse(doc, policy::PolicyType::Inline);
    ASSERT_TRUE(r.ok()) << pat;
    policy::CompiledPolicy cp(r.policy, policy::PolicyType::Inline, "p", policy::ActionIndex::Skip);
    policy::PolicySet set;
    set.identity.push_back(&cp);
    for (const auto& act : actions) {
      policy::Request req;
      req.principal = "arn:aws:iam::123456789012:user/u";
      req.action = act;
      bool allows = policy::evaluate(set, req, policy::Explain::No).decision == policy::Decision::Allowed;
      allowed += allows;
      if (allows && act.find(':') != std::string::npos) {  // (colon-less actions are never pruned for)
        EXPECT_TRUE(policy::action_may_match(pat, act)) << pat << " vs " << act;
      }
    }
  }
  EXPECT_GT(allowed, 20u);
  EXPECT_FALSE(policy::action_may_match("s3:Put*", "s3:GetObject"));
  EXPECT_FALSE(policy::action_may_match("ec2:*", "s3:GetObject"));
  EXPECT_FALSE(policy::action_may_match("s3:GetObject", "s3:GetObjectAcl"));
  EXPECT_TRUE(policy::action_may_match("S3:GET*ACL", "s3:GetObjectAcl"));
}

// parse_for_action reports exactly the diagnostics of parse, keeps the applicable statements in
// order, and never returns an empty policy.
TEST(Corpus, ParseForActionDiagnosticsAreThoseOfParse) {
  const std::vector<std::string> docs = {
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Effect":"Alow","Action":["s3:Put*"],"Resource":"*","Condition":{"StringLikeX":{"a":"b"},"StringEquals":{"k":[]}}},{"Sid":"x","Effect":"Deny","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}]})",
      R"({"Statement":[{"Effect":"Allow","Action":"iam:*","Principal":{"AWS":"arn:aws:iam::1:*"},"Resource":"*"}]})",
      R"({"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]})",
      R"({"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"kms:*","Resource":"*"}]})",
      R"({"Statement":[{"Effect":"Allow","Action":[1, "iam:*"],"Resource":"*"},{"Effect":"Deny","Action":{},"Resource":"*"}]})",
  };
  for (const auto& text : docs) {
    json::Document d;
    std::vector<base::Diagnostic> diags;
    ASSERT_TRUE(d.parse(text, diags));
    for (policy::PolicyType t : {policy::PolicyType::Inline, policy::PolicyType::Resource}) {
      policy::ParseResult full = policy::parse(d.root(), t);
      policy::ParseResult pruned = policy::parse_for_action(d.root(), t, "s3:GetObject");
      ASSERT_EQ(full.diagnostics.size(), pruned.diagnostics.size()) << text;
      for (size_t i = 0; i < full.diagnostics.size(); ++i) {
        EXPECT_EQ(full.diagnostics[i].code, pruned.diagnostics[i].code);
        EXPECT_EQ(full.diagnostics[i].message, pruned.diagnostics[i].message);
        EXPECT_EQ(full.diagnostics[i].span, pruned.diagnostics[i].span);
        EXPECT_EQ(full.diagnostics[i].help, pruned.diagnostics[i].help);
      }
      EXPECT_FALSE(pruned.policy.statements.empty());
      EXPECT_LE(pruned.policy.statements.size(), full.policy.statements.size());
    }
  }
  // The first document keeps its s3 statements (the second and third), in order, with their strings.
  json::Document d;
  std::vector<base::Diagnostic> diags;
  ASSERT_TRUE(d.parse(docs[0], diags));
  policy::ParseResult pruned = policy::parse_for_action(d.root(), policy::PolicyType::Inline, "s3:GetObject");
  ASSERT_EQ(pruned.policy.statements.size(), 1u);  // s3:Put* cannot match s3:GetObject either
  ASSERT_TRUE(pruned.policy.statements[0].sid.has_value());
  EXPECT_EQ(pruned.policy.statements[0].sid->value, "x");
  EXPECT_EQ(pruned.policy.statements[0].resources.at(0).value, "arn:aws:s3:::b/*");
  // Nothing applies: the first statement is kept, complete.
  pruned = policy::parse_for_action(d.root(), policy::PolicyType::Inline, "kms:Decrypt");
  ASSERT_EQ(pruned.policy.statements.size(), 1u);
  EXPECT_EQ(pruned.policy.statements[0].actions.at(0).value, "ec2:*");
  // A colon-less action prunes nothing (the evaluator reads it as an empty service).
  EXPECT_EQ(policy::parse_for_action(d.root(), policy::PolicyType::Inline, "GetObject").policy.statements.size(), 3u);
}

// A kept statement keeps only the `Action` patterns that can match the action (the others could
// never decide it), with their spans; `NotAction` lists stay whole, since every pattern of one
// takes part in the decision. A wrong-typed entry is still reported.
TEST(Corpus, ParseForActionKeepsOnlyTheActionPatternsThatCanMatch) {
  const std::string text =
      R"({"Statement":[{"Effect":"Allow","Action":["ec2:*","s3:Get*","s3:Put*","S3:GETOBJECT"],"Resource":"*"},)"
      R"({"Effect":"Deny","NotAction":["s3:Put*","ec2:*"],"Resource":"*"},)"
      R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
  json::Document d;
  std::vector<base::Diagnostic> diags;
  ASSERT_TRUE(d.parse(text, diags));
  policy::ParseResult full = policy::parse(d.root(), policy::PolicyType::Inline);
  policy::ParseResult pruned = policy::parse_for_action(d.root(), policy::PolicyType::Inline, "s3:GetObject");
  ASSERT_TRUE(pruned.ok());
  ASSERT_EQ(pruned.policy.statements.size(), 3u);
  const auto& kept = pruned.policy.statements[0].actions;
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].value, "s3:Get*");
  EXPECT_EQ(kept[1].value, "S3:GETOBJECT");
  EXPECT_EQ(kept[0].span, full.policy.statements[0].actions[1].span);
  EXPECT_EQ(kept[1].span, full.policy.statements[0].actions[3].span);
  EXPECT_EQ(pruned.policy.statements[1].actions.size(), 2u);  // NotAction: whole
  EXPECT_EQ(pruned.policy.statements[2].actions.size(), 1u);
  EXPECT_EQ(full.policy.statements[0].actions.size(), 4u);

  // Long lists: the matching pattern is found wherever it is.
  for (size_t at : {0u, 63u, 64u, 66u}) {
    std::string list;
    for (size_t k = 0; k < 70; ++k) list += std::string(k ? "," : "") + (k == at ? "\"s3:Get*\"" : "\"ec2:Run" + std::to_string(k) + "\"");
    std::string doc = R"({"Statement":[{"Effect":"Allow","Action":[)" + list + R"(],"Resource":"*"},{"Effect":"Deny","Action":"kms:*","Resource":"*"}]})";
    ASSERT_TRUE(d.parse(doc, diags));
    pruned = policy::parse_for_action(d.root(), policy::PolicyType::Inline, "s3:GetObject");
    ASSERT_EQ(pruned.policy.statements.size(), 1u) << at;
    ASSERT_EQ(pruned.policy.statements[0].actions.size(), 1u) << at;
    EXPECT_EQ(pruned.policy.statements[0].actions[0].value, "s3:Get*");
  }
  // A lone statement object is kept; its patterns are pruned when one can match, kept when none can.
  ASSERT_TRUE(d.parse(R"({"Statement":{"Effect":"Allow","Action":["ec2:*","s3:Get*"],"Resource":"*"}})", diags));
  EXPECT_EQ(policy::parse_for_action(d.root(), policy::PolicyType::Inline, "s3:GetObject").policy.statements.at(0).actions.size(), 1u);
  EXPECT_EQ(policy::parse_for_action(d.root(), policy::PolicyType::Inline, "kms:Decrypt").policy.statements.at(0).actions.size(), 2u);

  ASSERT_TRUE(d.parse(R"({"Statement":[{"Effect":"Allow","Action":["ec2:*",7,"s3:*"],"Resource":"*"}]})", diags));
  pruned = policy::parse_for_action(d.root(), policy::PolicyType::Inline, "s3:GetObject");
  EXPECT_TRUE(test::has_code(pruned.diagnostics, "policy.wrong-type"));
}
