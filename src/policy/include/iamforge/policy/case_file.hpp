#pragma once
/// Authorization cases in the shared corpus's JSON Lines format (one case per line):
/// {"id", "identityPolicies", "permissionsBoundaries"?, "scps"?, "rcps"?, "resourcePolicy"?,
///  "sessionPolicies"?, "request": {"principal","action","resource","resourceAccount","context"}, "expected"?}
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "iamforge/json/json.hpp"
#include "iamforge/policy/evaluator.hpp"

namespace iamforge::policy {

/// One decoded case: its compiled policies, the PolicySet pointing at them, and the request.
struct Case {
  std::string id;
  std::string expected;            ///< empty when the case has none
  std::vector<std::string> tags;
  std::deque<CompiledPolicy> owned;  ///< deque: stable addresses for PolicySet's pointers
  std::vector<std::shared_ptr<const CompiledPolicy>> shared;  ///< policies taken from a PolicyCache
  PolicySet set;
  Request request;
  ActionIndex index = ActionIndex::Build;
};

/// Compiled policies shared by cases whose documents are byte-for-byte identical (batch mode: the
/// same policy text recurs across cases, ~25% of the visible corpus's documents). Keyed by the
/// document's exact source bytes together with everything else compilation depends on (policy type,
/// name, action index), so a hit yields the very policy a fresh compile would have. Bounded (emptied
/// when full; policies in use stay alive through their shared_ptr). Thread-safe: one cache serves
/// every batch worker, so memory does not grow with --jobs.
class PolicyCache {
 public:
  struct Key {
    std::size_t hash = 0;  ///< of `text`, computed once per lookup
    std::string text;
    bool operator==(const Key& o) const { return hash == o.hash && text == o.text; }
  };
  static Key make_key(std::string text);

  explicit PolicyCache(std::size_t max_entries = 512) : max_(max_entries) {}
  /// The cached policy for `key` (counted as a hit), or null (a miss).
  std::shared_ptr<const CompiledPolicy> find(const Key& key);
  void insert(Key key, std::shared_ptr<const CompiledPolicy> p);
  std::size_t hits() const;
  std::size_t misses() const;
  std::size_t size() const;

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return k.hash; }
  };
  mutable std::mutex mu_;
  std::size_t max_;
  std::size_t hits_ = 0, misses_ = 0;
  std::unordered_map<Key, std::shared_ptr<const CompiledPolicy>, KeyHash> map_;
};

/// Decodes a case. On failure returns nullopt and sets `error` (one lowercase line); `id` is
/// filled whenever the line has one, so the caller can report the error against it.
/// `index`: Skip for cases decided once (batch mode), Build for cases decided many times.
std::optional<Case> case_from_json(const json::Value& v, std::string& id, std::string& error,
                                   ActionIndex index = ActionIndex::Build);
/// The same, for a value parsed from `source` (its spans index into it), sharing compiled policies
/// through `cache` (may be null): a document whose source bytes were compiled before, with the same
/// type, name and index, is not parsed or compiled again.
std::optional<Case> case_from_json(const json::Value& v, std::string_view source, std::string& id, std::string& error,
                                   ActionIndex index, PolicyCache* cache);

/// Whether decoding may leave out of the compiled policies the statements that cannot apply to the
/// case's request: an `Action` statement none of whose patterns can match the request's action
/// contributes nothing to the decision, so compiling it is wasted work when the case is decided
/// once and only its decision is wanted (batch mode with Explain::No). Documents are still parsed
/// whole, so every error is reported as without pruning (see policy::parse_for_action). The
/// request's context then keeps only the keys the kept statements can read (CompiledPolicy::
/// context_keys); every context member is still checked. Statement indices in explanations count
/// kept statements only, so callers that explain decisions use Prune::No. Ignored with a
/// PolicyCache (cached policies are shared by cases with other actions).
enum class Prune : std::uint8_t { No, ToAction };

/// The same on a Document's node (the batch path: no Value tree is built).
std::optional<Case> case_from_json(json::Node v, std::string_view source, std::string& id, std::string& error,
                                   ActionIndex index = ActionIndex::Build, PolicyCache* cache = nullptr,
                                   Prune prune = Prune::No);

}  // namespace iamforge::policy
