#pragma once
/// The IAM policy language: AST, parser (JSON -> AST with every grammar diagnostic) and the
/// canonical printer (its twin: parse(print(p)) is structurally equal to p).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/json/json.hpp"

namespace iamforge::policy {

/// Which document a policy is; decides grammar rules and size limits.
enum class PolicyType : std::uint8_t {
  Identity,   ///< customer managed identity policy (6,144 chars)
  Inline,     ///< inline identity policy (role limit 10,240 chars)
  Resource,   ///< resource-based policy (S3 bucket, KMS key, SQS, ...)
  Trust,      ///< role trust policy (AssumeRolePolicyDocument, 2,048 chars)
  Boundary,   ///< permissions boundary (a managed policy)
  Session,    ///< session policy (2,048 chars)
  Scp,        ///< service control policy (5,120 chars)
  Rcp,        ///< resource control policy (5,120 chars)
};
std::string_view to_string(PolicyType t);
std::optional<PolicyType> policy_type_from_string(std::string_view s);
/// Identity-like types: Principal forbidden, Resource required.
bool is_identity_like(PolicyType t);

enum class Effect : std::uint8_t { Allow, Deny };
enum class Version : std::uint8_t { Missing, V2008_10_17, V2012_10_17 };

enum class ConditionOp : std::uint8_t {
#define IAM_CONDITION_OP(name, compare, negated, type) name,
#include "iamforge/policy/condition_operators.def"
#undef IAM_CONDITION_OP
};
/// How an operator compares (negated operators share their positive twin's compare).
enum class ConditionCompare : std::uint8_t {
  StringEquals, StringEqualsIgnoreCase, StringLike, NumericEquals, NumericLessThan, NumericLessThanEquals,
  NumericGreaterThan, NumericGreaterThanEquals, DateEquals, DateLessThan, DateLessThanEquals, DateGreaterThan,
  DateGreaterThanEquals, Bool, BinaryEquals, IpAddress, ArnLike, Null
};
/// The value type an operator expects (for validation).
enum class OperatorValueType : std::uint8_t { String, Numeric, Date, Bool, Binary, IpAddress, Arn, Null };
enum class Qualifier : std::uint8_t { None, ForAllValues, ForAnyValue };

std::string_view to_string(ConditionOp op);
std::optional<ConditionOp> condition_op_from_string(std::string_view s);  ///< exact, case-sensitive
ConditionCompare compare_of(ConditionOp op);
bool is_negated(ConditionOp op);
OperatorValueType value_type_of(ConditionOp op);
std::vector<std::string_view> all_condition_op_names();

/// A string from the document with the span it came from.
struct Str {
  std::string value;
  base::Span span;
};

enum class PrincipalKind : std::uint8_t { Wildcard, Aws, Service, Federated, CanonicalUser };
std::string_view to_string(PrincipalKind k);  ///< "*", "AWS", "Service", "Federated", "CanonicalUser"

struct PrincipalValue {
  PrincipalKind kind = PrincipalKind::Wildcard;
  std::string value;  ///< empty for Wildcard
  base::Span span;
};

/// One (operator, key) pair of a Condition block: the unit that evaluates to true/false.
struct Condition {
  ConditionOp op = ConditionOp::StringEquals;
  Qualifier qualifier = Qualifier::None;
  bool if_exists = false;
  std::string op_text;   ///< as written, e.g. "ForAnyValue:StringLikeIfExists"
  base::Span op_span;
  std::string key;       ///< as written
  base::Span key_span;
  std::vector<Str> values;  ///< JSON numbers/bools are kept in their text form
};

struct Statement {
  std::optional<Str> sid;
  Effect effect = Effect::Allow;
  base::Span span;
  base::Span effect_span;
  // Principal / NotPrincipal
  bool has_principal = false;
  bool not_principal = false;
  std::vector<PrincipalValue> principals;
  base::Span principal_span;
  // Action / NotAction
  bool not_action = false;
  std::vector<Str> actions;
  base::Span action_span;
  // Resource / NotResource
  bool has_resource = false;
  bool not_resource = false;
  std::vector<Str> resources;
  base::Span resource_span;
  std::vector<Condition> conditions;
};

struct Policy {
  Version version = Version::Missing;
  base::Span version_span;
  std::optional<Str> id;
  std::vector<Statement> statements;
};

/// A parsed policy and every diagnostic found while parsing (grammar only; see validate()).
struct ParseResult {
  Policy policy;
  std::vector<base::Diagnostic> diagnostics;
  bool ok() const { return !base::has_error(diagnostics); }
};

/// Parses a policy document from text (JSON syntax errors included). Never throws.
ParseResult parse(std::string_view text, PolicyType type);
/// Parses an already-decoded JSON value (used for documents embedded in other JSON).
ParseResult parse(const json::Value& doc, PolicyType type);
/// The same on a node of a json::Document (no Value tree needed; spans are the document's).
ParseResult parse(json::Node doc, PolicyType type);
/// For a policy that will decide requests for one action only (batch cases): the same diagnostics
/// as parse(doc, type), but the policy keeps only the statements that can apply to `action` (a
/// statement whose `Action` patterns all fail action_may_match cannot; NotAction statements can),
/// and at least one statement. A kept statement's `Action` keeps only the patterns that
/// action_may_match `action` (NotAction lists stay whole, and so does a kept statement that cannot
/// apply). Statements left out are parsed for their diagnostics only. An action without a colon
/// prunes nothing.
ParseResult parse_for_action(json::Node doc, PolicyType type, std::string_view action);
/// Could the `Action` pattern `pattern` match `action` (which has a colon)? A glob over the whole
/// "service:name", ASCII case-insensitive, `*` and `?` wildcards anywhere: at least as permissive
/// as the evaluator, which compares the service literally, globs the name, and matches no
/// colon-less pattern but `*` (policy variables are not expanded in actions, by IAM or by the
/// evaluator). A colon-less action is not pruned for (the evaluator takes it as an empty service).
bool action_may_match(std::string_view pattern, std::string_view action);

/// Canonical form: fixed key order, lists deduplicated and sorted, single values as scalars,
/// two-space indentation. Idempotent: print(parse(print(p))) == print(p).
std::string print(const Policy& p);
/// Compact canonical form (no whitespace), for hashing and wire use.
std::string print_compact(const Policy& p);
/// Equality of meaning-bearing fields (spans ignored).
bool structurally_equal(const Policy& a, const Policy& b);


/// True if `text` contains a `${...}` policy variable or escape.
bool has_variables(std::string_view text);

}  // namespace iamforge::policy

#include "iamforge/policy/variables.inc"
