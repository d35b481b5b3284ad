#pragma once
/// Compiled policies and the evaluator: decides a request as AWS does, and says why.
/// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/policy/policy.hpp"

namespace iamforge::policy {

/// Final decision, named as AWS's policy simulator names it.
enum class Decision : std::uint8_t { Allowed, ExplicitlyDenied, ImplicitlyDenied };
std::string_view to_string(Decision d);

/// The outcome of one policy type (or of a resource policy with its principal-match nuance).
enum class TypeResult : std::uint8_t {
  NotApplicable,      ///< no such policy in the request
  Allowed,
  ImplicitlyDenied,
  ExplicitlyDenied,
  AllowedForAccount,  ///< resource policy: an Allow naming only the caller's account
  DeniedForAccount,   ///< resource policy: a Deny naming only the caller's account
};
std::string_view to_string(TypeResult r);

/// A request context: case-insensitive keys, string values, single- or multi-valued.
class Context {
 public:
  /// Adds or replaces a key. `multivalued` marks a list value (even with 0 or 1 element).
  void set(std::string_view key, std::vector<std::string> values, bool multivalued);
  void set(std::string_view key, std::string value);  ///< single-valued
  /// Room for `n` keys without rebuilding the index (optional; for callers that know the count).
  void reserve(std::size_t n);
  struct Entry {  // (its lowercase key is in the index's compact copy, not here)
    std::uint64_t hash = 0; ///< hash_key(key)
    bool multivalued = false;
    std::vector<std::string> values;
    std::string key;        ///< as given
  };
  /// Case-insensitive FNV-1a hash of a key (equal for keys that differ only in ASCII case).
  static std::uint64_t hash_key(std::string_view key);
  /// Lookup by lowercase key and its hash; null when absent.
  const Entry* find_lower(std::string_view key_lower, std::uint64_t hash) const;
  const Entry* find_lower(std::string_view key_lower) const { return find_lower(key_lower, hash_key(key_lower)); }
  /// Case-insensitive lookup; never allocates.
  const Entry* find(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }
  /// The evaluator's lookup (by lowercase key and hash_key): the entry, and its value when it is
  /// single-valued, read from a compact copy of keys and values (no pointer hops to the entry's
  /// strings). `single` is meaningful only when `has_single`.
  struct Found {
    const Entry* entry = nullptr;
    std::string_view single;
    bool has_single = false;
  };
  Found find_compact(std::string_view key_lower, std::uint64_t hash) const;

 private:
  std::vector<Entry> entries_;
  // Open-addressing index over entries_, built as keys are set (once per request, not per
  // evaluation); size a power of two, at most half full. Conditions look a key up in one or two
  // probes instead of scanning ~20 entries. A slot holds what a lookup compares (part of the hash,
  // where the lowercase key and its single value are in `compact_`), so a probe of an absent key
  // reads only the index and a hit reads one more cache line, not the entry and its strings.
  struct Slot {
    std::uint32_t tag = 0;        // the hash's upper half
    std::uint32_t entry = 0;      // 1 + entry position; 0 = empty
    std::uint32_t at = 0;         // lowercase key, then the single value, in compact_
    std::uint16_t key_len = 0;    // kLong: compare the entry's key (ignoring case) instead
    std::uint16_t value_len = 0;  // kLong: no single value in compact_ (multivalued, long)
  };
  static constexpr std::uint16_t kLong = 0xFFFF;
  std::vector<Slot> index_;
  std::string compact_;
  void reindex(std::size_t room);
  std::size_t probe(std::string_view key_lower, std::uint64_t hash) const;  // slot position (empty if absent)
  void fill(Slot& s, std::size_t entry, std::string_view key_lower);
};

/// One authorization request.
struct Request {
  std::string principal;        ///< caller ARN, a service principal ("ec2.amazonaws.com"), or "" / "*" for anonymous
  std::string action;           ///< "service:Action"
  std::string resource = "*";   ///< concrete ARN, or "*" for actions without resource-level permissions
  std::string resource_account; ///< owner of the resource; empty: taken from the ARN, else the caller's account
  Context context;
};

struct CompiledPolicyImpl;

/// A policy prepared for evaluation: actions resolved once, ARN patterns split once, condition
/// values typed once. Immutable and thread-safe after construction.
/// Whether to index a policy's actions against the catalog: worth it when the policy will decide
/// many requests (a server, a benchmark), not for a one-shot decision (batch cases).
enum class ActionIndex : std::uint8_t { Build, Skip };

class CompiledPolicy {
 public:
  CompiledPolicy(const Policy& p, PolicyType type, std::string name, ActionIndex index = ActionIndex::Build);
  ~CompiledPolicy();
  CompiledPolicy(CompiledPolicy&&) noexcept;
  CompiledPolicy& operator=(CompiledPolicy&&) noexcept;
  const std::string& name() const;
  PolicyType type() const;
  /// Context::hash_key of every request context key the policy can read (its conditions' keys and
  /// its policy variables), ascending and distinct: the request's other keys cannot change what
  /// this policy decides.
  std::span<const std::uint64_t> context_keys() const;
  /// The lengths of those keys, as bits: bit n set when one has n bytes (bit 63: 63 or more). A
  /// key whose length bit is clear is not among them, without hashing it.
  std::uint64_t context_key_lengths() const;
  const CompiledPolicyImpl& impl() const { return *impl_; }

 private:
  struct Deleter {  // the header and its records are one allocation
    void operator()(CompiledPolicyImpl* p) const;
  };
  std::unique_ptr<CompiledPolicyImpl, Deleter> impl_;
};

/// Every policy that applies to one request, by type.
struct PolicySet {
  std::vector<const CompiledPolicy*> identity;
  std::vector<const CompiledPolicy*> boundaries;       ///< at most one in AWS; all must allow
  std::vector<const CompiledPolicy*> session;          ///< session policies; all must allow
  const CompiledPolicy* resource = nullptr;            ///< resource-based (or trust) policy
  std::vector<std::vector<const CompiledPolicy*>> scp_levels;  ///< root first, account last
  std::vector<std::vector<const CompiledPolicy*>> rcp_levels;
};

/// A statement that decided (or contributed to) the result.
struct StatementRef {
  std::string policy;   ///< policy name
  PolicyType type = PolicyType::Identity;
  std::uint32_t index = 0;  ///< 0-based statement index
  std::string sid;
  Effect effect = Effect::Allow;
};

struct Verdict {
  Decision decision = Decision::ImplicitlyDenied;
  std::vector<StatementRef> deciding;     ///< denies when denied; allows when allowed
  TypeResult identity = TypeResult::NotApplicable;
  TypeResult resource = TypeResult::NotApplicable;
  TypeResult boundary = TypeResult::NotApplicable;
  TypeResult session = TypeResult::NotApplicable;
  TypeResult scp = TypeResult::NotApplicable;
  TypeResult rcp = TypeResult::NotApplicable;
  bool same_account = false;
  std::vector<std::string> missing_context_keys;  ///< keys conditions asked for that the request lacked
  std::string reason;                              ///< one sentence: why this decision
};

enum class Explain : std::uint8_t { No, Yes };

/// Decides `request` against `policies`. Never fails; unknown or malformed values simply don't match.
Verdict evaluate(const PolicySet& policies, const Request& request, Explain explain = Explain::Yes);

}  // namespace iamforge::policy
