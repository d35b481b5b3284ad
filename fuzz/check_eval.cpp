// eval_fuzz: a structured generator turns the fuzz bytes into a small case (policies of every type
// and one request, drawn from small vocabularies chosen to collide: actions and ARNs with wildcards,
// policy variables, condition operators with qualifiers and IfExists, principals of every kind);
// the evaluator and the naive oracle must decide it the same way.
//
// The case is written in the corpus's JSON Lines format and decoded by the same readers the tests
// use (policy::case_from_json, oracle::policies_from_case), so a failure dump is a ready-made case
// line for tests/cases/.
#include <map>
#include <string_view>

#include "checks.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"
#include "iamforge/policy/case_file.hpp"
#include "oracle.hpp"

namespace iamforge::fuzz {

namespace {

// Reads choices from the fuzz input; 0 once it is exhausted (so generation always ends).
class Bytes {
 public:
  Bytes(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  unsigned byte() { return i_ < n_ ? d_[i_++] : 0u; }
  /// A number in [0, n).
  std::size_t below(std::size_t n) { return n ? byte() % n : 0; }
  /// True with roughly `percent` % probability.
  bool chance(unsigned percent) { return byte() * 100u < percent * 256u; }
  template <std::size_t N>
  const char* pick(const char* const (&a)[N]) {
    return a[below(N)];
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

const char* const kPrincipals[] = {
    "arn:aws:sts::111122223333:assumed-role/DataSci/s1",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/dev/bob",
    "arn:aws:sts::111122223333:assumed-role/Admin/s2",
    "arn:aws:sts::444455556666:assumed-role/Partner/p1",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:sts::111122223333:federated-user/fred",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::111122223333:role/DataSci",
    "arn:aws-cn:sts::111122223333:assumed-role/DataSci/s1",
    "s3.amazonaws.com",
    "ec2.amazonaws.com",
    "",
    "*",
    "anonymous",
};

const char* const kActions[] = {
    "s3:GetObject",   "s3:PutObject",          "s3:ListAllMyBuckets", "s3:ListBucket", "kms:Decrypt",
    "kms:ListKeys",   "sts:AssumeRole",        "sts:GetCallerIdentity", "iam:PassRole", "ec2:RunInstances",
    "ec2:DescribeInstances", "S3:getobject",   "lambda:InvokeFunction",
    "s3:GetObjectX",  "custom:DoThing",        "s3GetObject",  // not in the catalog
};

const char* const kResources[] = {
    "*",
    "arn:aws:s3:::data/train/x.csv",
    "arn:aws:s3:::data",
    "arn:aws:s3:::Data/Train/x.csv",
    "arn:aws:s3:::alice/notes.txt",
    "arn:aws:s3:::data/a*b",
    "arn:aws:kms:us-east-1:111122223333:key/k1",
    "arn:aws:kms:us-east-1:444455556666:key/k2",
    "arn:aws:kms:us-east-1:111122223333:alias/a",
    "arn:aws:iam::111122223333:role/DataSci",
    "arn:aws:iam::111122223333:role/ml/DataSci",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:logs:us-east-1:111122223333:log-group:/a:b",
    "arn:aws:lambda:us-west-2:444455556666:function:f",
};

const char* const kResourceAccounts[] = {"", "111122223333", "444455556666"};

const char* const kActionPatterns[] = {
    "*",           "s3:*",         "s3:Get*",        "s3:?etObject",   "S3:GETOBJECT",  "s3:Get*ct",
    "s3:List*",    "kms:*",        "kms:Decrypt",    "sts:AssumeRole", "sts:*",         "iam:PassRole",
    "ec2:*Instances", "ec2:Describe*", "lambda:Invoke?unction", "*:*", "s3",          "sts:GetCallerIdentity",
    "kms:List*",   "s3:*Object",
    "**",          "s3:**",        "s3:get*",        "KMS:*CRYPT",     "*:GetObject",   "s3:GetObject*",
    "custom:*",    ":GetObject",   "s3:",
};

const char* const kResourcePatterns[] = {
    "*",
    "arn:aws:s3:::data/*",
    "arn:aws:s3:::data",
    "arn:aws:s3:::*",
    "arn:aws:s3:::data/train/*",
    "arn:aws:s3:::Data/*",
    "arn:aws:s3:::${aws:username}/*",
    "arn:aws:s3:::data/${aws:PrincipalTag/team, 'train'}/*",
    "arn:aws:s3:::data/a${*}b",
    "arn:aws:s3:::data/a*b",
    "arn:aws:s3:::${aws:missing}",
    "arn:aws:s3:::${aws:PrincipalTag/team}*",
    "arn:aws:s3:::data/tr?in/*",
    "arn:aws:kms:*:111122223333:key/*",
    "arn:aws:kms:us-east-1:111122223333:*",
    "arn:aws:*:*:*:*",
    "arn:aws:*:us-east-1:*:*",
    "arn:aws:s3*",
    "arn:aws:kms",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:iam::*:role/ml/*",
    "arn:aws:ec2:us-east-?:111122223333:instance/*",
    "arn:aws:ec2:*:*:*",
    "arn:aws:logs:*:*:log-group:/a:*",
    "arn:aws:lambda:*:*:*",
    "arn:AWS:S3:::data/*",
    "arn:aws:s3:::data/train/x.csv",
    "arn:aws:iam::${aws:PrincipalAccount}:role/*",
};

struct PrincipalChoice {
  const char* kind;  // "*" for the bare string "*"
  const char* value;
};
const PrincipalChoice kPrincipalValues[] = {
    {"*", ""},
    {"AWS", "*"},
    {"AWS", "111122223333"},
    {"AWS", "444455556666"},
    {"AWS", "arn:aws:iam::111122223333:root"},
    {"AWS", "arn:aws:iam::444455556666:root"},
    {"AWS", "arn:aws:iam::111122223333:user/alice"},
    {"AWS", "arn:aws:iam::111122223333:user/dev/bob"},
    {"AWS", "arn:aws:iam::111122223333:role/DataSci"},
    {"AWS", "arn:aws:iam::111122223333:role/ml/DataSci"},
    {"AWS", "arn:aws:iam::111122223333:role/datasci"},
    {"AWS", "arn:aws-cn:iam::111122223333:role/DataSci"},
    {"AWS", "arn:aws:sts::111122223333:assumed-role/DataSci/s1"},
    {"AWS", "arn:aws:iam::111122223333:user/fred"},
    {"AWS", "arn:aws:sts::111122223333:federated-user/fred"},
    {"AWS", "arn:aws:iam::444455556666:user/carol"},
    {"AWS", "arn:aws:sts::444455556666:assumed-role/Partner/p1"},
    {"AWS", "arn:aws:iam::111122223333:role/DataSci"},
    {"Service", "s3.amazonaws.com"},
    {"Service", "ec2.amazonaws.com"},
    {"Federated", "cognito-identity.amazonaws.com"},
    {"CanonicalUser", "79a59df900b949e55d96a1e698fbaced"},
};

const char* const kOperators[] = {
    "StringEquals",        "StringNotEquals",           "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike",          "StringNotLike",             "NumericEquals",          "NumericNotEquals",
    "NumericLessThan",     "NumericLessThanEquals",     "NumericGreaterThan",     "NumericGreaterThanEquals",
    "DateEquals",          "DateNotEquals",             "DateLessThan",           "DateLessThanEquals",
    "DateGreaterThan",     "DateGreaterThanEquals",     "Bool",                   "BinaryEquals",
    "IpAddress",           "NotIpAddress",              "ArnEquals",              "ArnLike",
    "ArnNotEquals",        "ArnNotLike",                "Null",
};

const char* const kKeys[] = {
    "aws:username",     "aws:PrincipalTag/team", "aws:SourceIp",  "aws:CurrentTime",  "aws:MultiFactorAuthAge",
    "aws:SecureTransport", "aws:TagKeys",        "aws:PrincipalArn", "s3:prefix",     "aws:userid",
    "kms:EncryptionContext:project", "AWS:USERNAME", "aws:RequestedRegion", "aws:missing", "aws:SourceArn",
    "aws:PrincipalAccount",
};

const char* const kConditionValues[] = {
    "alice", "Alice", "red", "r?d", "r*", "*", "", "10.1.0.0/16", "10.1.2.3", "10.0.0.0/8", "2001:db8::/32",
    "2001:db8::1", "::ffff:10.1.2.3", "10.1.2.3/33", "2025-01-01T00:00:00Z", "2025-06-01T12:00:00+02:00", "2025-06-01",
    "1735689600", "2025", "2025-02-31T00:00:00Z", "2025-01-01T00:00:00.5Z", "10", "3.5", "-1", "1e3", "10abc",
    "true", "FALSE", "yes", "arn:aws:iam::111122223333:role/DataSci", "arn:aws:iam::*:role/*",
    "arn:aws:iam::111122223333:*", "arn:aws:sts::111122223333:assumed-role/*", "aGVsbG8=", "aGVsbG8", "hello",
    "${aws:username}", "${aws:PrincipalTag/team, 'red'}", "a${*}b", "a${?}", "${aws:missing}",
    "${aws:missing, 'x*'}", "x${$}", "team/", "train", "us-east-1", "${aws:username}*", "111122223333",
};

const char* const kContextValues[] = {
    "alice", "Alice", "red", "R?d", "10.1.2.3", "10.2.0.1", "2001:db8::1", "::ffff:10.1.2.3", "2025-01-01T00:00:00Z",
    "2025-03-01T00:00:00Z", "1735689600", "1735689601", "2025", "10", "3.5", "5", "1e3", "true", "false", "TRUE",
    "arn:aws:iam::111122223333:role/DataSci", "arn:aws:sts::111122223333:assumed-role/DataSci/s1", "a*b", "a?", "",
    "aGVsbG8=", "hello", "${aws:username}", "team/", "train", "x$", "us-east-1", "111122223333", "2025-01-01T00:00:00.5Z",
};

std::string q(std::string_view s) { return base::json_string(s); }

std::string string_list(const std::vector<std::string>& v) {
  if (v.size() == 1) return q(v[0]);
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + q(v[i]);
  return out + "]";
}

template <std::size_t N>
std::vector<std::string> some(Bytes& b, const char* const (&vocab)[N], std::size_t max) {
  std::vector<std::string> v;
  std::size_t n = 1 + b.below(max);
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(b.pick(vocab));
  return v;
}

enum class Kind { Identity, Resource, Scp, Rcp };

std::string principal_element(Bytes& b) {
  std::size_t n = 1 + b.below(3);
  std::map<std::string, std::vector<std::string>> by_kind;
  for (std::size_t i = 0; i < n; ++i) {
    const PrincipalChoice& c = kPrincipalValues[b.below(std::size(kPrincipalValues))];
    if (std::string_view(c.kind) == "*") {
      if (n == 1) return "\"*\"";
      continue;
    }
    by_kind[c.kind].emplace_back(c.value);
  }
  if (by_kind.empty()) return "\"*\"";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : by_kind) {
    out += (first ? "" : ",") + q(k) + ":" + string_list(v);
    first = false;
  }
  return out + "}";
}

std::string condition_block(Bytes& b) {
  std::map<std::string, std::map<std::string, std::vector<std::string>>> block;
  std::size_t n = 1 + b.below(2);
  for (std::size_t i = 0; i < n; ++i) {
    std::string op = b.pick(kOperators);
    bool is_null = op == "Null";
    std::size_t qual = b.below(8);
    std::string text = qual == 0 ? "ForAllValues:" : qual == 1 ? "ForAnyValue:" : "";
    text += op;
    if (!is_null && b.chance(20)) text += "IfExists";
    std::vector<std::string> values;
    if (is_null) values.emplace_back(b.chance(50) ? "true" : "false");
    else values = some(b, kConditionValues, 3);
    auto& vals = block[text][b.pick(kKeys)];
    vals.insert(vals.end(), values.begin(), values.end());
  }
  std::string out = "{";
  bool f1 = true;
  for (const auto& [op, keys] : block) {
    out += (f1 ? "" : ",") + q(op) + ":{";
    f1 = false;
    bool f2 = true;
    for (const auto& [k, v] : keys) {
      out += (f2 ? "" : ",") + q(k) + ":" + string_list(v);
      f2 = false;
    }
    out += "}";
  }
  return out + "}";
}

std::string statement(Bytes& b, Kind kind) {
  bool deny = b.chance(30);
  std::string out = std::string("{\"Effect\":") + (deny ? "\"Deny\"" : "\"Allow\"");
  if (kind == Kind::Resource || kind == Kind::Rcp) {
    bool not_principal = kind == Kind::Resource && b.chance(15);
    out += std::string(",\"") + (not_principal ? "NotPrincipal" : "Principal") + "\":" + principal_element(b);
  }
  out += std::string(",\"") + (b.chance(15) ? "NotAction" : "Action") + "\":" + string_list(some(b, kActionPatterns, 2));
  if (!(kind == Kind::Resource && b.chance(10)))  // resource policies may leave Resource out (trust-style)
    out += std::string(",\"") + (b.chance(15) ? "NotResource" : "Resource") + "\":" +
           string_list(some(b, kResourcePatterns, 2));
  if (b.chance(55)) out += ",\"Condition\":" + condition_block(b);
  return out + "}";
}

std::string policy_doc(Bytes& b, Kind kind) {
  std::size_t version = b.below(10);
  std::string out = "{";
  if (version < 8) out += "\"Version\":\"2012-10-17\",";
  else if (version == 8) out += "\"Version\":\"2008-10-17\",";
  out += "\"Statement\":[";
  std::size_t n = 1 + b.below(3);
  for (std::size_t i = 0; i < n; ++i) out += (i ? "," : "") + statement(b, kind);
  return out + "]}";
}

std::string policy_list(Bytes& b, Kind kind, std::size_t count) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) out += (i ? "," : "") + policy_doc(b, kind);
  return out + "]";
}

std::string levels(Bytes& b, Kind kind, std::size_t count) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) out += (i ? "," : "") + policy_list(b, kind, 1 + b.below(2));
  return out + "]";
}

std::string context(Bytes& b) {
  std::map<std::string, std::string> entries;  // a JSON object: no repeated keys
  std::size_t n = b.below(7);
  for (std::size_t i = 0; i < n; ++i) {
    std::string key = b.pick(kKeys);
    if (b.chance(25)) {
      std::vector<std::string> v;
      for (std::size_t k = b.below(4); k > 0; --k) v.emplace_back(b.pick(kContextValues));
      std::string arr = "[";
      for (std::size_t k = 0; k < v.size(); ++k) arr += (k ? "," : "") + q(v[k]);
      entries[key] = arr + "]";
    } else {
      entries[key] = q(b.pick(kContextValues));
    }
  }
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : entries) {
    out += (first ? "" : ",") + q(k) + ":" + v;
    first = false;
  }
  return out + "}";
}

std::string generate_case(Bytes& b) {
  std::string request = "{\"principal\":" + q(b.pick(kPrincipals)) + ",\"action\":" + q(b.pick(kActions)) +
                        ",\"resource\":" + q(b.pick(kResources)) + ",\"resourceAccount\":" + q(b.pick(kResourceAccounts)) +
                        ",\"context\":" + context(b) + "}";
  std::string out = "{\"id\":\"eval-fuzz\",\"identityPolicies\":" + policy_list(b, Kind::Identity, b.below(3));
  if (b.chance(25)) out += ",\"permissionsBoundaries\":" + policy_list(b, Kind::Identity, 1 + (b.chance(10) ? 1 : 0));
  if (b.chance(20)) out += ",\"sessionPolicies\":" + policy_list(b, Kind::Identity, 1 + (b.chance(20) ? 1 : 0));
  if (b.chance(55)) out += ",\"resourcePolicy\":" + policy_doc(b, Kind::Resource);
  if (b.chance(20)) out += ",\"scps\":" + levels(b, Kind::Scp, 1 + b.below(2));
  if (b.chance(15)) out += ",\"rcps\":" + levels(b, Kind::Rcp, 1 + b.below(2));
  return out + ",\"request\":" + request + "}";
}

}  // namespace

int check_eval_fuzz(const std::uint8_t* data, std::size_t size) {
  Bytes b(data, size);
  std::string line = generate_case(b);
  json::ParseResult j = json::parse(line);
  if (!j.ok()) fail("generated case is not JSON", line);
  std::string id, error;
  std::optional<policy::Case> c = policy::case_from_json(j.value, id, error);
  // The same line decoded as batch `simulate --cases` decodes it: from a json::Document, no action
  // index, statements pruned to the request's action (Prune::ToAction). It must accept and reject
  // the same cases, with the same error, and decide the same way.
  json::Document doc;
  std::vector<base::Diagnostic> doc_diags;
  if (!doc.parse(line, doc_diags)) fail("generated case is not JSON for json::Document", line);
  std::string batch_id, batch_error;
  std::optional<policy::Case> batch = policy::case_from_json(doc.root(), line, batch_id, batch_error,
                                                             policy::ActionIndex::Skip, nullptr, policy::Prune::ToAction);
  if (batch.has_value() != c.has_value() || batch_error != error)
    fail("the batch reader (pruned) and the full reader disagree on the case's validity",
         line + "\nfull: " + (c ? "valid" : error) + "\nbatch: " + (batch ? "valid" : batch_error));
  oracle::OraclePolicies ops;
  std::string oracle_error;
  bool oracle_ok = oracle::policies_from_case(j.value, ops, oracle_error);
  if (!c || !oracle_ok) {
    if (c.has_value() != oracle_ok)
      fail("case readers disagree on whether the case is valid", line + "\nevaluator: " + error + "\noracle: " + oracle_error);
    return 0;  // a generated policy the grammar rejects: nothing to compare
  }
  // The same case compiled without the action index, unpruned.
  std::optional<policy::Case> unindexed = policy::case_from_json(j.value, id, error, policy::ActionIndex::Skip);
  if (!unindexed) fail("case reader fails without the action index", line + "\n" + error);
  policy::Decision fast = policy::evaluate(c->set, c->request, policy::Explain::No).decision;
  policy::Verdict explained = policy::evaluate(c->set, c->request, policy::Explain::Yes);
  policy::Decision no_index = policy::evaluate(unindexed->set, unindexed->request, policy::Explain::No).decision;
  std::string trace;
  policy::Decision pruned = policy::evaluate(batch->set, batch->request, policy::Explain::No).decision;
  policy::Decision naive = oracle::evaluate(ops, c->request, &trace);
  if (fast != naive || explained.decision != fast || no_index != fast || pruned != fast)
    fail("evaluator and oracle disagree",
         "case: " + line + "\nevaluator: " + std::string(policy::to_string(fast)) +
             " (explain mode: " + std::string(policy::to_string(explained.decision)) + ", reason: " + explained.reason +
             "; without action index: " + std::string(policy::to_string(no_index)) +
             "; as the batch decodes it, pruned: " + std::string(policy::to_string(pruned)) +
             ")\noracle:    " + std::string(policy::to_string(naive)) + "\noracle trace:\n" + trace);
  return 0;
}

}  // namespace iamforge::fuzz
