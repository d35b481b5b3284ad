// The IAM Query API and STS over the local IAM: authentication (SigV4, src/aws), authorization
// (the policy engine, src/policy), dispatch generated from operations.def, STS sessions and the
// policy simulator.
#include "iamforge/serve/service.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include "iamforge/aws/sigv4.hpp"
#include "iamforge/base/diagnostic.hpp"
#include "iamforge/catalog/catalog.hpp"
#include "iamforge/json/json.hpp"
#include "iamforge/policy/evaluator.hpp"
#include "iamforge/policy/validator.hpp"
#include "iamforge/serve/codec.hpp"

namespace iamforge::serve {

using backend::ApiError;
using backend::ErrorCode;
using backend::Operation;

namespace {

using Clock = std::chrono::system_clock;

// How long cached credentials and compiled identity policies stay valid when another process
// (iamforge apply on the same --data) may change the store behind our back. Our own writes
// invalidate the caches at once.
constexpr auto kCacheTtl = std::chrono::seconds(2);

std::string iso8601(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string random_chars(std::string_view alphabet, std::size_t n) {
  std::random_device rd;
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out += alphabet[rd() % alphabet.size()];
  return out;
}
constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t a = rng(), b = rng();
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
    std::uint64_t& src = i < 16 ? a : b;
    s += kHex[src & 15];
    src >>= 4;
  }
  return s;
}

bool is_read_only(std::string_view action) {
  return action.starts_with("Get") || action.starts_with("List") || action.starts_with("Simulate");
}

// Writes that change nothing but roles (their attributes, tags, trust, identity policies and
// boundaries): they can't change an access key or a user's identity policies (users' policies,
// groups, managed policy documents), so they only invalidate assumed-role sessions' cached
// policies. Every other write invalidates every cache.
bool changes_roles_only(std::string_view action) {
  static constexpr std::string_view kRoleOnly[] = {
      "CreateRole",          "DeleteRole",          "UpdateRole",      "UpdateRoleDescription",
      "UpdateAssumeRolePolicy", "TagRole",          "UntagRole",       "AttachRolePolicy",
      "DetachRolePolicy",    "PutRolePolicy",       "DeleteRolePolicy", "PutRolePermissionsBoundary",
      "DeleteRolePermissionsBoundary"};
  for (auto a : kRoleOnly)
    if (a == action) return true;
  return false;
}

// The name at the end of an IAM ARN's resource (`role/path/name` -> name).
std::string arn_name(std::string_view arn) {
  auto slash = arn.rfind('/');
  return std::string(slash == std::string_view::npos ? std::string_view() : arn.substr(slash + 1));
}
// The resource type of an IAM ARN ("role", "user", "group", ...), or "".
std::string arn_type(std::string_view arn) {
  std::size_t colons = 0, i = 0;
  for (; i < arn.size() && colons < 5; ++i)
    if (arn[i] == ':') ++colons;
  if (colons < 5) return "";
  auto rest = arn.substr(i);
  return std::string(rest.substr(0, rest.find('/')));
}

// A policy loaded for evaluation, with what the simulator reports about its statements.
struct LoadedPolicy {
  std::string id;           // SourcePolicyId
  std::string source_type;  // SourcePolicyType: user | group | role | aws-managed | user-managed | none
  std::string text;
  policy::Policy ast;
  std::unique_ptr<policy::CompiledPolicy> compiled;
};

// Every policy that applies to one principal (identity, boundary), compiled.
struct PolicyBundle {
  std::deque<LoadedPolicy> policies;  // stable addresses; CompiledPolicy names are indexes into it
  std::vector<const policy::CompiledPolicy*> identity;
  std::vector<const policy::CompiledPolicy*> boundaries;
  std::vector<const policy::CompiledPolicy*> session;
  std::uint64_t generation = 0;
  std::uint64_t role_generation = 0;  // checked for sessions' bundles (a role's policies)
  std::chrono::steady_clock::time_point loaded;

  // Adds a document; nullopt, or the policy engine's first error.
  std::optional<std::string> add(std::string id, std::string source_type, std::string text, policy::PolicyType type,
                                 std::vector<const policy::CompiledPolicy*>& into) {
    policy::ParseResult r = policy::parse(text, type);
    if (!r.ok()) {
      for (const auto& d : r.diagnostics)
        if (d.severity == base::Severity::Error) return d.message;
      return std::string("invalid policy");
    }
    auto& p = policies.emplace_back();
    p.id = std::move(id);
    p.source_type = std::move(source_type);
    p.text = std::move(text);
    p.ast = std::move(r.policy);
    p.compiled = std::make_unique<policy::CompiledPolicy>(p.ast, type, std::to_string(policies.size() - 1));
    into.push_back(p.compiled.get());
    return std::nullopt;
  }
  const LoadedPolicy* by_name(const std::string& name) const {
    std::size_t i = 0;
    for (char c : name) {
      if (c < '0' || c > '9') return nullptr;
      i = i * 10 + static_cast<std::size_t>(c - '0');
    }
    return i < policies.size() ? &policies[i] : nullptr;
  }
};

// An AssumeRole session.
struct Session {
  std::string access_key_id;
  std::string secret;
  std::string token;
  std::string role_name;
  std::string role_arn;
  std::string role_id;
  std::string session_name;
  std::vector<std::string> session_policies;  // documents (inline Policy, PolicyArns' defaults)
  Clock::time_point expiration;
  bool chained = false;
};

// One request context key for authorization (several values for a multivalued key).
struct ContextEntry {
  std::string key;
  std::vector<std::string> values;
  bool multivalued = false;
};
using ContextEntries = std::vector<ContextEntry>;

// Who is calling.
struct Caller {
  enum class Kind { User, Session } kind = Kind::User;
  std::string arn;
  std::string user_id;
  std::string name;  // user name, or role name for a session
  std::shared_ptr<const Session> session;
  std::string region;  // of the signature's credential scope (RoleLastUsed's Region)
};

// How often a session's requests update its role's RoleLastUsed in the store (one write per role
// per interval, not one per request; AWS itself reports last use with a delay).
constexpr auto kRoleUseInterval = std::chrono::seconds(60);

// The service of a SigV4 credential "AKID/date/region/service/aws4_request", or "".
std::string credential_service(std::string_view credential) {
  for (int i = 0; i < 3; ++i) {
    auto slash = credential.find('/');
    if (slash == std::string_view::npos) return "";
    credential.remove_prefix(slash + 1);
  }
  return std::string(credential.substr(0, credential.find('/')));
}

std::chrono::seconds::rep epoch_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A stored session as the service keeps it.
std::shared_ptr<const Session> session_from_store(const backend::LocalBackend::StsSession& st) {
  auto s = std::make_shared<Session>();
  s->access_key_id = st.access_key_id;
  s->secret = st.secret_access_key;
  s->token = st.session_token;
  s->role_name = st.role_name;
  s->role_arn = st.role_arn;
  s->role_id = st.role_id;
  s->session_name = st.session_name;
  if (!st.session_policy.empty()) s->session_policies.push_back(st.session_policy);
  s->expiration = Clock::time_point(std::chrono::seconds(st.expiration));
  s->chained = st.chained;
  return s;
}

}  // namespace

struct Service::Impl {
  backend::LocalBackend& be;
  ServiceOptions options;
  std::string account;
  std::string partition;
  // Bumped by every successful write through the server, except writes that change only roles,
  // which bump `role_generation` (see changes_roles_only). Cached credentials and users' bundles
  // check `generation`; sessions' bundles (a role's policies) check both.
  std::atomic<std::uint64_t> generation{1};
  std::atomic<std::uint64_t> role_generation{1};

  // AssumeRole sessions: the store (LocalBackend's iam_sts_sessions) is the truth, so that they
  // outlive this server; this map caches them by access key id (no SQLite read per request).
  std::mutex sessions_mu;
  std::unordered_map<std::string, std::shared_ptr<const Session>> sessions;  // by access key id
  std::unordered_map<std::string, Clock::time_point> role_use_recorded;      // by role id

  struct CachedCredential {
    backend::LocalBackend::Credential credential;
    std::uint64_t generation = 0;
    std::chrono::steady_clock::time_point loaded;
  };
  std::shared_mutex cache_mu;
  std::unordered_map<std::string, CachedCredential> credentials;                // by access key id
  std::unordered_map<std::string, std::shared_ptr<const PolicyBundle>> bundles;  // "user/x", "role/x"

  Impl(backend::LocalBackend& b, ServiceOptions o) : be(b), options(std::move(o)) {
    account = be.account_id();
    partition = be.partition();
  }

  Clock::time_point now() const { return options.clock ? options.clock() : Clock::now(); }
  bool fresh(std::uint64_t gen, std::chrono::steady_clock::time_point loaded) const {
    return gen == generation.load() && std::chrono::steady_clock::now() - loaded < kCacheTtl;
  }
  std::string iam_arn(std::string_view type, std::string_view path, std::string_view name) const {
    std::string a = "arn:" + partition + ":iam::" + account + ":";
    a += type;
    a += path.empty() ? "/" : path;
    a += name;
    return a;
  }

  HttpReply error(const ApiError& e, std::string_view xmlns, const std::string& request_id) {
    HttpReply r;
    r.status = e.http_status;
    r.request_id = request_id;
    r.body = error_xml(e, xmlns, request_id);
    return r;
  }

  // ---- authentication --------------------------------------------------------------------------

  std::optional<backend::LocalBackend::Credential> credential(const std::string& key_id) {
    {
      std::shared_lock lock(cache_mu);
      auto it = credentials.find(key_id);
      if (it != credentials.end() && fresh(it->second.generation, it->second.loaded)) return it->second.credential;
    }
    std::uint64_t gen = generation.load();
    auto c = be.find_access_key(key_id);
    if (!c) return std::nullopt;
    std::unique_lock lock(cache_mu);
    if (credentials.size() > 10000) credentials.clear();
    credentials[key_id] = CachedCredential{*c, gen, std::chrono::steady_clock::now()};
    return c;
  }

  std::optional<ApiError> authenticate(const HttpRequest& req, Caller& caller) {
    if (const std::string& why = aws::crypto_error(); !why.empty())
      return ApiError(ErrorCode::ServiceFailure, "The server cannot verify signatures: " + why);
    aws::HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    r.query = req.query;
    r.headers = req.headers;
    r.body = req.body;  // copy: the verifier hashes the raw bytes
    aws::VerifyOptions vo;
    vo.max_skew = options.max_skew;
    vo.now = now();
    vo.presigned_fixed_window = true;  // IAM and STS: 15 minutes whatever X-Amz-Expires says
    vo.service = "iam";
    if (auto auth = r.header("Authorization")) {
      auto parsed = aws::parse_authorization(*auth);
      if (parsed.first && parsed.first->service == "sts") vo.service = "sts";
    } else if (auto q = parse_form(req.query)) {
      // Presigned (query-string) form: the scope is in X-Amz-Credential.
      if (auto c = q->find("X-Amz-Credential"); c != q->end() && credential_service(c->second) == "sts")
        vo.service = "sts";
    }
    std::optional<backend::LocalBackend::Credential> user_cred;
    std::shared_ptr<const Session> session;
    bool expired = false;
    std::optional<ApiError> store_error;
    auto lookup = [&](const std::string& key_id) -> std::optional<std::string> {
      if (key_id.starts_with("ASIA")) {
        std::shared_ptr<const Session> found;
        {
          std::lock_guard lock(sessions_mu);
          if (auto it = sessions.find(key_id); it != sessions.end()) found = it->second;
        }
        if (!found) {
          // Not cached: issued before a restart, or by another server on the same store.
          auto stored = be.find_sts_session(key_id);
          if (!stored) {
            store_error = stored.error();
            return std::nullopt;
          }
          if (!stored.value()) return std::nullopt;
          found = session_from_store(*stored.value());
          if (found->expiration > vo.now) {
            std::lock_guard lock(sessions_mu);
            sessions.emplace(key_id, found);
          }
        }
        if (found->expiration <= vo.now) {
          expired = true;
          std::lock_guard lock(sessions_mu);
          sessions.erase(key_id);
          return std::nullopt;
        }
        session = std::move(found);
        return session->secret;
      }
      user_cred = credential(key_id);
      if (!user_cred || user_cred->status != "Active") return std::nullopt;
      return user_cred->secret_access_key;
    };
    auto [verified, err] = aws::verify(r, lookup, vo);
    if (!verified) {
      if (store_error) return store_error;
      if (expired) return ApiError(ErrorCode::ExpiredToken, "The security token included in the request is expired");
      auto code = backend::error_code_from_string(err.code).value_or(ErrorCode::SignatureDoesNotMatch);
      return ApiError(code, err.message);
    }
    caller.region = verified->authorization.region;
    if (session) {
      if (verified->session_token != session->token)
        return ApiError(ErrorCode::InvalidClientTokenId, "The security token included in the request is invalid.");
      caller.kind = Caller::Kind::Session;
      caller.arn = "arn:" + partition + ":sts::" + account + ":assumed-role/" + session->role_name + "/" +
                   session->session_name;
      caller.user_id = session->role_id + ":" + session->session_name;
      caller.name = session->role_name;
      caller.session = session;
      note_role_use(*session, caller.region, vo.now);
      return std::nullopt;
    }
    if (!verified->session_token.empty())
      return ApiError(ErrorCode::InvalidClientTokenId, "The security token included in the request is invalid.");
    caller.kind = Caller::Kind::User;
    caller.arn = user_cred->user.arn;
    caller.user_id = user_cred->user.user_id;
    caller.name = user_cred->user.user_name;
    return std::nullopt;
  }

  // A session's request uses its role (AWS: RoleLastUsed is "the last time the role was used to make
  // an AWS request"): recorded at most once per kRoleUseInterval per role, so that session callers
  // don't pay a store write per request. Failures are not the caller's: ignored.
  void note_role_use(const Session& s, const std::string& region, Clock::time_point t) {
    {
      std::lock_guard lock(sessions_mu);
      auto [it, inserted] = role_use_recorded.try_emplace(s.role_id, t);
      if (!inserted) {
        if (t - it->second < kRoleUseInterval) return;
        it->second = t;
      }
      if (role_use_recorded.size() > 10000) role_use_recorded.clear();
    }
    (void)be.record_role_use(s.role_id, iso8601(t), region);
  }

  // ---- identity policies -----------------------------------------------------------------------

  // The default version's document of a managed policy.
  std::optional<std::string> managed_document(const std::string& arn) {
    auto p = be.get_policy({arn});
    if (!p) return std::nullopt;
    auto v = be.get_policy_version({arn, p->default_version_id});
    if (!v || !v->document) return std::nullopt;
    return *v->document;
  }

  template <class ListReq, class ListCall, class GetCall>
  void load_inline(PolicyBundle& b, const std::string& owner, const std::string& source_type, ListCall&& list,
                   GetCall&& get) {
    ListReq lr;
    lr.max_items = 1000;
    for (;;) {
      auto names = list(lr);
      if (!names) return;
      for (const auto& n : names->policy_names)
        if (auto doc = get(n)) (void)b.add(owner + "/" + n, source_type, std::move(*doc), policy::PolicyType::Inline, b.identity);
      if (!names->is_truncated) return;
      lr.marker = names->marker;
    }
  }

  template <class ListReq, class ListCall>
  void load_attached(PolicyBundle& b, ListCall&& list) {
    ListReq lr;
    lr.max_items = 1000;
    for (;;) {
      auto attached = list(lr);
      if (!attached) return;
      for (const auto& a : attached->attached_policies)
        if (auto doc = managed_document(a.policy_arn))
          (void)b.add(a.policy_arn, a.policy_arn.find(":iam::aws:") != std::string::npos ? "aws-managed" : "user-managed",
                      std::move(*doc), policy::PolicyType::Identity, b.identity);
      if (!attached->is_truncated) return;
      lr.marker = attached->marker;
    }
  }

  void load_boundary(PolicyBundle& b, const std::optional<backend::AttachedPermissionsBoundary>& boundary) {
    if (!boundary) return;
    if (auto doc = managed_document(boundary->permissions_boundary_arn))
      (void)b.add(boundary->permissions_boundary_arn, "permission-boundary", std::move(*doc), policy::PolicyType::Boundary,
                  b.boundaries);
  }

  void load_group(PolicyBundle& b, const std::string& group) {
    load_inline<backend::ListGroupPoliciesRequest>(
        b, group, "group",
        [&](backend::ListGroupPoliciesRequest& r) {
          r.group_name = group;
          return be.list_group_policies(r);
        },
        [&](const std::string& n) -> std::optional<std::string> {
          auto p = be.get_group_policy({group, n});
          return p ? std::optional<std::string>(p->policy_document) : std::nullopt;
        });
    load_attached<backend::ListAttachedGroupPoliciesRequest>(b, [&](backend::ListAttachedGroupPoliciesRequest& r) {
      r.group_name = group;
      return be.list_attached_group_policies(r);
    });
  }

  // Identity policies and boundary of a user (with its groups'), or nullopt if it doesn't exist.
  std::optional<ApiError> load_user(PolicyBundle& b, const std::string& user) {
    auto u = be.get_user({user});
    if (!u) return u.error();
    load_inline<backend::ListUserPoliciesRequest>(
        b, user, "user",
        [&](backend::ListUserPoliciesRequest& r) {
          r.user_name = user;
          return be.list_user_policies(r);
        },
        [&](const std::string& n) -> std::optional<std::string> {
          auto p = be.get_user_policy({user, n});
          return p ? std::optional<std::string>(p->policy_document) : std::nullopt;
        });
    load_attached<backend::ListAttachedUserPoliciesRequest>(b, [&](backend::ListAttachedUserPoliciesRequest& r) {
      r.user_name = user;
      return be.list_attached_user_policies(r);
    });
    backend::ListGroupsForUserRequest gr{user, "", 1000};
    for (;;) {
      auto groups = be.list_groups_for_user(gr);
      if (!groups) break;
      for (const auto& g : groups->groups) load_group(b, g.group_name);
      if (!groups->is_truncated) break;
      gr.marker = groups->marker;
    }
    load_boundary(b, u->permissions_boundary);
    return std::nullopt;
  }

  std::optional<ApiError> load_role(PolicyBundle& b, const std::string& role) {
    auto r = be.get_role({role});
    if (!r) return r.error();
    load_inline<backend::ListRolePoliciesRequest>(
        b, role, "role",
        [&](backend::ListRolePoliciesRequest& lr) {
          lr.role_name = role;
          return be.list_role_policies(lr);
        },
        [&](const std::string& n) -> std::optional<std::string> {
          auto p = be.get_role_policy({role, n});
          return p ? std::optional<std::string>(p->policy_document) : std::nullopt;
        });
    load_attached<backend::ListAttachedRolePoliciesRequest>(b, [&](backend::ListAttachedRolePoliciesRequest& lr) {
      lr.role_name = role;
      return be.list_attached_role_policies(lr);
    });
    load_boundary(b, r->permissions_boundary);
    return std::nullopt;
  }

  // The caller's bundle, cached until our next write (or kCacheTtl for other processes' writes).
  std::shared_ptr<const PolicyBundle> bundle_for(const Caller& caller) {
    std::string key = caller.kind == Caller::Kind::User ? "user/" + caller.name : "session/" + caller.session->access_key_id;
    {
      std::shared_lock lock(cache_mu);
      auto it = bundles.find(key);
      if (it != bundles.end() && fresh(it->second->generation, it->second->loaded) &&
          (caller.kind == Caller::Kind::User || it->second->role_generation == role_generation.load()))
        return it->second;
    }
    auto b = std::make_shared<PolicyBundle>();
    b->generation = generation.load();
    b->role_generation = role_generation.load();
    b->loaded = std::chrono::steady_clock::now();
    if (caller.kind == Caller::Kind::User) {
      (void)load_user(*b, caller.name);
    } else {
      (void)load_role(*b, caller.name);
      for (std::size_t i = 0; i < caller.session->session_policies.size(); ++i)
        (void)b->add("session-policy-" + std::to_string(i + 1), "none", caller.session->session_policies[i],
                     policy::PolicyType::Session, b->session);
    }
    std::unique_lock lock(cache_mu);
    if (bundles.size() > 10000) bundles.clear();
    bundles[key] = b;
    return b;
  }

  // ---- authorization ---------------------------------------------------------------------------

  void base_context(policy::Context& ctx, const Caller& caller) {
    auto t = now();
    ctx.set("aws:CurrentTime", iso8601(t));
    ctx.set("aws:EpochTime", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count()));
    ctx.set("aws:SecureTransport", "false");
    ctx.set("aws:PrincipalAccount", account);
    ctx.set("aws:userid", caller.user_id);
    ctx.set("aws:ViaAWSService", "false");
    if (caller.kind == Caller::Kind::User) {
      ctx.set("aws:username", caller.name);
      ctx.set("aws:PrincipalArn", caller.arn);
      ctx.set("aws:PrincipalType", "User");
    } else {
      ctx.set("aws:PrincipalArn", caller.session->role_arn);
      ctx.set("aws:PrincipalType", "AssumedRole");
    }
  }

  static std::string denial(const Caller& caller, std::string_view action, std::string_view resource,
                            const policy::Verdict& v) {
    // AWS says "User: <arn>" for users and assumed-role sessions alike.
    std::string m = "User: " + caller.arn +
                    " is not authorized to perform: " + std::string(action) + " on resource: " + std::string(resource);
    using policy::TypeResult;
    if (v.decision == policy::Decision::ExplicitlyDenied) {
      if (v.identity == TypeResult::ExplicitlyDenied) return m + " with an explicit deny in an identity-based policy";
      if (v.boundary == TypeResult::ExplicitlyDenied) return m + " with an explicit deny in a permissions boundary";
      if (v.session == TypeResult::ExplicitlyDenied) return m + " with an explicit deny in a session policy";
      if (v.resource == TypeResult::ExplicitlyDenied) return m + " with an explicit deny in a resource-based policy";
      return m + " with an explicit deny";
    }
    if (v.identity != TypeResult::Allowed && v.resource != TypeResult::Allowed)
      return m + " because no identity-based policy allows the " + std::string(action) + " action";
    if (v.boundary == TypeResult::ImplicitlyDenied)
      return m + " because no permissions boundary allows the " + std::string(action) + " action";
    if (v.session == TypeResult::ImplicitlyDenied)
      return m + " because no session policy allows the " + std::string(action) + " action";
    return m;
  }

  std::optional<ApiError> authorize(const Caller& caller, const std::string& action, const std::string& resource,
                                    const ContextEntries& extra = {},
                                    const policy::CompiledPolicy* resource_policy = nullptr) {
    if (!options.enforce) return std::nullopt;
    auto b = bundle_for(caller);
    policy::PolicySet set;
    set.identity = b->identity;
    set.boundaries = b->boundaries;
    set.session = b->session;
    set.resource = resource_policy;
    policy::Request req;
    req.principal = caller.arn;
    req.action = action;
    req.resource = resource;
    // AWS managed policies (arn:PARTITION:iam::aws:policy/...) belong to no customer account: reading
    // or attaching one is decided by the caller's own policies, not as a cross-account request.
    if (resource.find(":iam::aws:policy/") != std::string::npos) req.resource_account = be.account_id();
    base_context(req.context, caller);
    for (const auto& e : extra) req.context.set(e.key, e.values, e.multivalued);
    policy::Verdict v = policy::evaluate(set, req, policy::Explain::No);
    if (v.decision == policy::Decision::Allowed) return std::nullopt;
    return ApiError(ErrorCode::AccessDenied, denial(caller, action, resource, v));
  }

  // The resource an IAM action is authorized on (AWS's Service Authorization Reference).
  // `tags`: the existing entity's tags (for aws:ResourceTag/ and iam:ResourceTag/ conditions).
  // The role or user resource_of read (by the name it asked for), so that GetRole / GetUser answer
  // from that same read instead of a second transaction.
  struct Prefetched {
    std::string name;
    std::optional<backend::Role> role;
    std::optional<backend::User> user;
  };

  std::string entity_arn(std::string_view type, const Params& p, std::string_view name_param, bool creating,
                         std::vector<backend::Tag>& tags, Prefetched* pre = nullptr) {
    auto it = p.find(name_param);
    std::string name = it == p.end() ? "" : it->second;
    std::string path = "/";
    if (creating) {
      if (auto pt = p.find("Path"); pt != p.end() && !pt->second.empty()) path = pt->second;
    } else if (type == "role") {
      if (auto r = be.get_role({name})) {
        tags = r->tags;
        std::string arn = r->arn;
        if (pre) {
          pre->name = name;
          pre->role = std::move(r.value());
        }
        return arn;
      }
    } else if (type == "user") {
      if (auto u = be.get_user({name})) {
        tags = u->tags;
        std::string arn = u->arn;
        if (pre) {
          pre->name = name;
          pre->user = std::move(u.value());
        }
        return arn;
      }
    } else if (type == "group") {
      if (auto g = be.get_group({.group_name = name, .max_items = 1})) return g->group.arn;
    } else if (type == "instance-profile") {
      if (auto ip = be.get_instance_profile({name})) {
        tags = std::move(ip->tags);
        return ip->arn;
      }
    }
    return iam_arn(type, path, name);
  }
  static std::string param(const Params& p, std::string_view name) {
    auto it = p.find(name);
    return it == p.end() ? std::string() : it->second;
  }

  std::string resource_of(Operation op, const Params& p, std::vector<backend::Tag>& tags, Prefetched* pre = nullptr) {
    auto role = [&](bool creating = false) { return entity_arn("role", p, "RoleName", creating, tags, pre); };
    auto user = [&](bool creating = false) { return entity_arn("user", p, "UserName", creating, tags, pre); };
    auto group = [&](bool creating = false) { return entity_arn("group", p, "GroupName", creating, tags); };
    auto profile = [&](bool creating = false) {
      return entity_arn("instance-profile", p, "InstanceProfileName", creating, tags);
    };
    auto policy_arn = [&] {
      std::string arn = param(p, "PolicyArn");
      if (auto pol = be.get_policy({arn})) tags = std::move(pol->tags);
      return arn;
    };
    switch (op) {
      case Operation::CreateRole: return role(true);
      case Operation::GetRole:
      case Operation::UpdateRole:
      case Operation::UpdateRoleDescription:
      case Operation::UpdateAssumeRolePolicy:
      case Operation::DeleteRole:
      case Operation::PutRolePermissionsBoundary:
      case Operation::DeleteRolePermissionsBoundary:
      case Operation::TagRole:
      case Operation::UntagRole:
      case Operation::AttachRolePolicy:
      case Operation::DetachRolePolicy:
      case Operation::ListAttachedRolePolicies:
      case Operation::PutRolePolicy:
      case Operation::GetRolePolicy:
      case Operation::DeleteRolePolicy:
      case Operation::ListRolePolicies:
      case Operation::ListInstanceProfilesForRole: return role();
      case Operation::ListRoles:
      case Operation::ListPolicies:
      case Operation::ListUsers:
      case Operation::ListGroups: return "*";
      case Operation::CreatePolicy: {
        std::string path = param(p, "Path");
        return iam_arn("policy", path.empty() ? "/" : path, param(p, "PolicyName"));
      }
      case Operation::GetPolicy:
      case Operation::DeletePolicy:
      case Operation::TagPolicy:
      case Operation::UntagPolicy:
      case Operation::CreatePolicyVersion:
      case Operation::GetPolicyVersion:
      case Operation::DeletePolicyVersion:
      case Operation::ListPolicyVersions:
      case Operation::SetDefaultPolicyVersion: return policy_arn();
      case Operation::CreateUser: return user(true);
      case Operation::AttachUserPolicy:
      case Operation::DetachUserPolicy:
      case Operation::ListAttachedUserPolicies:
      case Operation::PutUserPolicy:
      case Operation::GetUserPolicy:
      case Operation::DeleteUserPolicy:
      case Operation::ListUserPolicies:
      case Operation::GetUser:
      case Operation::DeleteUser:
      case Operation::TagUser:
      case Operation::UntagUser:
      case Operation::PutUserPermissionsBoundary:
      case Operation::DeleteUserPermissionsBoundary:
      case Operation::CreateAccessKey:
      case Operation::DeleteAccessKey:
      case Operation::ListAccessKeys:
      case Operation::UpdateAccessKey:
      case Operation::UpdateUser:  // AWS: the user's ARN (the new name needs no separate permission here)
      case Operation::ListGroupsForUser: return user();
      case Operation::CreateGroup: return group(true);
      case Operation::AttachGroupPolicy:
      case Operation::DetachGroupPolicy:
      case Operation::ListAttachedGroupPolicies:
      case Operation::PutGroupPolicy:
      case Operation::GetGroupPolicy:
      case Operation::DeleteGroupPolicy:
      case Operation::ListGroupPolicies:
      case Operation::GetGroup:
      case Operation::DeleteGroup:
      case Operation::AddUserToGroup:
      case Operation::RemoveUserFromGroup:
      case Operation::UpdateGroup: return group();
      case Operation::CreateInstanceProfile: return profile(true);
      case Operation::GetInstanceProfile:
      case Operation::DeleteInstanceProfile:
      case Operation::AddRoleToInstanceProfile:
      case Operation::RemoveRoleFromInstanceProfile:
      case Operation::TagInstanceProfile:
      case Operation::UntagInstanceProfile: return profile();
    }
    return "*";
  }

  // Condition keys of the request (iam:PolicyARN, iam:PermissionsBoundary, aws:RequestTag/,
  // aws:TagKeys) and of the resource's tags (aws:ResourceTag/, iam:ResourceTag/).
  static ContextEntries request_context(const Params& p, const std::vector<backend::Tag>& resource_tags) {
    ContextEntries out;
    if (auto it = p.find("PolicyArn"); it != p.end()) out.push_back({"iam:PolicyARN", {it->second}, false});
    if (auto it = p.find("PermissionsBoundary"); it != p.end())
      out.push_back({"iam:PermissionsBoundary", {it->second}, false});
    Decoder d(p);
    std::vector<backend::Tag> request_tags;
    std::vector<std::string> keys;
    d.tags("Tags", request_tags);
    d.strings("TagKeys", keys);
    for (const auto& t : request_tags) {
      out.push_back({"aws:RequestTag/" + t.key, {t.value}, false});
      keys.push_back(t.key);
    }
    if (!keys.empty()) out.push_back({"aws:TagKeys", keys, true});
    for (const auto& t : resource_tags) {
      out.push_back({"aws:ResourceTag/" + t.key, {t.value}, false});
      out.push_back({"iam:ResourceTag/" + t.key, {t.value}, false});
    }
    return out;
  }

  // ---- IAM dispatch ----------------------------------------------------------------------------

  template <class Req, class Resp, class Call>
  HttpReply run(std::string_view action, Operation op, const Params& p, const Caller& caller, const std::string& rid,
                Call&& call) {
    Req req;
    Decoder d(p);
    decode(d, req);
    if (d.error()) return error(*d.error(), kIamNamespace, rid);
    Prefetched pre;
    if (options.enforce) {
      std::vector<backend::Tag> resource_tags;
      std::string resource = resource_of(op, p, resource_tags, &pre);
      if (auto denied = authorize(caller, "iam:" + std::string(action), resource, request_context(p, resource_tags)))
        return error(*denied, kIamNamespace, rid);
    }
    // GetRole / GetUser: the entity the authorization just read (one transaction, not two).
    backend::Result<Resp> result = [&]() -> backend::Result<Resp> {
      if constexpr (std::is_same_v<Req, backend::GetRoleRequest>) {
        if (pre.role && pre.name == req.role_name) return std::move(*pre.role);
      } else if constexpr (std::is_same_v<Req, backend::GetUserRequest>) {
        if (pre.user && pre.name == req.user_name) return std::move(*pre.user);
      }
      return call(req);
    }();
    if (!result.ok()) return error(result.error(), kIamNamespace, rid);
    if (!is_read_only(action)) (changes_roles_only(action) ? role_generation : generation).fetch_add(1);
    Xml x;
    std::string root = std::string(action) + "Response";
    x.open(root, kIamNamespace);
    if constexpr (!std::is_void_v<Resp>) {
      std::string wrapper = std::string(action) + "Result";
      x.open(wrapper);
      encode(x, result.value());
      x.close(wrapper);
    } else if (action == "UpdateRole") {
      // AWS's model gives UpdateRole (alone among the void operations) an empty result element,
      // and botocore insists on finding it.
      x.empty("UpdateRoleResult");
    }
    write_metadata(x, rid);
    x.close(root);
    HttpReply reply;
    reply.request_id = rid;
    reply.body = x.take();
    return reply;
  }

  HttpReply dispatch(Operation op, const Params& p, const Caller& caller, const std::string& rid) {
    using namespace iamforge::backend;
    switch (op) {
#define IAM_OPERATION(action, method, request_type, response_type)                                             \
  case Operation::action:                                                                                      \
    return run<request_type, response_type>(#action, op, p, caller, rid,                                       \
                                            [&](const request_type& r) { return be.method(r); });
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION
    }
    return error(ApiError(ErrorCode::InvalidAction, "unknown operation"), kIamNamespace, rid);
  }

  // ---- STS -------------------------------------------------------------------------------------

  HttpReply sts_reply(std::string_view action, const std::string& rid, const std::function<void(Xml&)>& body) {
    Xml x;
    std::string root = std::string(action) + "Response", wrapper = std::string(action) + "Result";
    x.open(root, kStsNamespace).open(wrapper);
    body(x);
    x.close(wrapper);
    write_metadata(x, rid);
    x.close(root);
    HttpReply r;
    r.request_id = rid;
    r.body = x.take();
    return r;
  }

  // The union of several session policy documents as one document (AWS: inline Policy and
  // PolicyArns together form the session policy).
  static std::string combine_documents(const std::vector<std::string>& docs) {
    std::string statements;
    for (const auto& d : docs) {
      auto j = json::parse(d);
      if (!j.ok()) continue;
      const json::Value* st = j.value.find("Statement");
      if (!st) continue;
      auto add = [&](const json::Value& s) {
        if (!statements.empty()) statements += ",";
        statements += json::write(s);
      };
      if (st->is_array())
        for (const auto& s : st->items) add(s);
      else
        add(*st);
    }
    return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
  }

  HttpReply assume_role(const Params& p, const Caller& caller, const std::string& rid) {
    auto fail = [&](ApiError e) { return error(e, kStsNamespace, rid); };
    std::string role_arn = param(p, "RoleArn"), session_name = param(p, "RoleSessionName");
    if (p.find("RoleArn") == p.end())
      return fail(ApiError(ErrorCode::ValidationError,
                           "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"));
    if (p.find("RoleSessionName") == p.end())
      return fail(ApiError(ErrorCode::ValidationError,
                           "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"));
    if (session_name.size() < 2 || session_name.size() > 64)
      return fail(ApiError(ErrorCode::ValidationError,
                           "1 validation error detected: Value '" + session_name +
                               "' at 'roleSessionName' failed to satisfy constraint: Member must have length " +
                               (session_name.size() < 2 ? "greater than or equal to 2" : "less than or equal to 64")));
    bool name_ok = true;
    for (char c : session_name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_+=,.@-").find(c) != std::string_view::npos))
        name_ok = false;
    if (!name_ok)
      return fail(ApiError(ErrorCode::ValidationError,
                           "1 validation error detected: Value '" + session_name +
                               "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular "
                               "expression pattern: [\\w+=,.@-]*"));
    auto denied = [&] {
      return fail(ApiError(ErrorCode::AccessDenied, "User: " + caller.arn +
                                                        " is not authorized to perform: sts:AssumeRole on resource: " + role_arn));
    };
    auto role = arn_type(role_arn) == "role" ? be.get_role({arn_name(role_arn)}) : backend::Result<backend::Role>(
                                                                                     ApiError(ErrorCode::NoSuchEntity, ""));
    if (!role || role->arn != role_arn) {
      if (options.enforce) return denied();
      return fail(ApiError(ErrorCode::NoSuchEntity, "The role with name " + arn_name(role_arn) + " cannot be found."));
    }
    int duration = 3600;
    if (auto it = p.find("DurationSeconds"); it != p.end()) {
      try {
        std::size_t used = 0;
        duration = std::stoi(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        return fail(ApiError(ErrorCode::ValidationError, "Invalid value '" + it->second + "' for DurationSeconds"));
      }
    }
    if (duration < 900 || duration > 43200)
      return fail(ApiError(ErrorCode::ValidationError,
                           "1 validation error detected: Value '" + std::to_string(duration) +
                               "' at 'durationSeconds' failed to satisfy constraint: Member must have value "
                               "greater than or equal to 900 and less than or equal to 43200"));
    bool chained = caller.kind == Caller::Kind::Session;
    if (chained && duration > 3600)
      return fail(ApiError(ErrorCode::ValidationError,
                           "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."));
    if (duration > role->max_session_duration)
      return fail(ApiError(ErrorCode::ValidationError,
                           "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
    // Session policies.
    std::vector<std::string> docs;
    if (auto it = p.find("Policy"); it != p.end()) {
      for (const auto& d : policy::check(it->second, policy::PolicyType::Session))
        if (d.severity == base::Severity::Error) return fail(ApiError(ErrorCode::MalformedPolicyDocument, d.message));
      docs.push_back(it->second);
    }
    for (int i = 1;; ++i) {
      auto it = p.find("PolicyArns.member." + std::to_string(i) + ".arn");
      if (it == p.end()) break;
      auto doc = managed_document(it->second);
      if (!doc) return fail(ApiError(ErrorCode::NoSuchEntity, "Policy " + it->second + " does not exist or is not attachable."));
      docs.push_back(*doc);
    }
    if (options.enforce) {
      // The caller's identity policies and the role's trust policy (reference §4.4).
      policy::ParseResult trust = policy::parse(role->assume_role_policy_document, policy::PolicyType::Trust);
      policy::CompiledPolicy compiled(trust.policy, policy::PolicyType::Trust, "trust");
      ContextEntries extra{{"sts:RoleSessionName", {session_name}, false}};
      if (auto it = p.find("ExternalId"); it != p.end()) extra.push_back({"sts:ExternalId", {it->second}, false});
      if (auto e = authorize(caller, "sts:AssumeRole", role_arn, extra, &compiled)) return fail(*e);
    }
    auto s = std::make_shared<Session>();
    s->access_key_id = "ASIA" + random_chars(kUpperDigits, 16);
    s->secret = random_chars(kBase64, 40);
    s->token = "IQoJb3JpZ2luX2VjE" + random_chars(kBase64, 200);
    s->role_name = role->role_name;
    s->role_arn = role->arn;
    s->role_id = role->role_id;
    s->session_name = session_name;
    if (!docs.empty()) s->session_policies.push_back(docs.size() == 1 ? docs[0] : combine_documents(docs));
    auto t = std::chrono::time_point_cast<std::chrono::seconds>(now());
    s->expiration = t + std::chrono::seconds(duration);
    s->chained = chained;
    // Stored first (with the role's RoleLastUsed, in one transaction): a session the store didn't
    // take is never handed out.
    backend::LocalBackend::StsSession st;
    st.access_key_id = s->access_key_id;
    st.secret_access_key = s->secret;
    st.session_token = s->token;
    st.role_name = s->role_name;
    st.role_arn = s->role_arn;
    st.role_id = s->role_id;
    st.session_name = s->session_name;
    if (!s->session_policies.empty()) st.session_policy = s->session_policies.front();
    st.expiration = epoch_seconds(s->expiration);
    st.chained = chained;
    if (auto stored = be.store_sts_session(st, iso8601(t), caller.region, epoch_seconds(t)); !stored)
      return fail(stored.error());
    {
      std::lock_guard lock(sessions_mu);
      // Forget expired sessions now and then (the store keeps them; see find_sts_session).
      if (sessions.size() > 1000) {
        for (auto it = sessions.begin(); it != sessions.end();)
          it = it->second->expiration <= t ? sessions.erase(it) : std::next(it);
      }
      sessions[s->access_key_id] = s;
      role_use_recorded[s->role_id] = t;
    }
    std::string assumed_arn = "arn:" + partition + ":sts::" + account + ":assumed-role/" + s->role_name + "/" + session_name;
    return sts_reply("AssumeRole", rid, [&](Xml& x) {
      x.open("Credentials")
          .leaf("AccessKeyId", s->access_key_id)
          .leaf("SecretAccessKey", s->secret)
          .leaf("SessionToken", s->token)
          .leaf("Expiration", iso8601(s->expiration))
          .close("Credentials");
      x.open("AssumedRoleUser")
          .leaf("AssumedRoleId", s->role_id + ":" + session_name)
          .leaf("Arn", assumed_arn)
          .close("AssumedRoleUser");
    });
  }

  // ---- the simulator ---------------------------------------------------------------------------

  struct SimInputs {
    std::vector<std::string> actions, resources;
    std::vector<std::string> policy_inputs, boundary_inputs;
    std::string resource_policy, resource_owner, caller_arn;
    std::vector<std::tuple<std::string, std::vector<std::string>, bool>> context;
    std::optional<int> max_items;
    std::string marker;
  };

  static std::optional<ApiError> read_sim_inputs(const Params& p, SimInputs& in) {
    Decoder d(p);
    d.strings("ActionNames", in.actions, true);
    d.strings("ResourceArns", in.resources);
    d.strings("PolicyInputList", in.policy_inputs);
    d.strings("PermissionsBoundaryPolicyInputList", in.boundary_inputs);
    d.optional("ResourcePolicy", in.resource_policy);
    d.optional("ResourceOwner", in.resource_owner);
    d.optional("CallerArn", in.caller_arn);
    d.optional("Marker", in.marker);
    d.optional_int("MaxItems", in.max_items);
    for (int i = 1;; ++i) {
      std::string prefix = "ContextEntries.member." + std::to_string(i) + ".";
      auto name = p.find(prefix + "ContextKeyName");
      if (name == p.end()) break;
      std::vector<std::string> values;
      d.strings(prefix + "ContextKeyValues", values);
      auto type = p.find(prefix + "ContextKeyType");
      bool multi = type != p.end() && type->second.ends_with("List");
      in.context.emplace_back(name->second, std::move(values), multi);
    }
    if (d.error()) return d.error();
    if (in.actions.empty())
      return ApiError(ErrorCode::ValidationError,
                      "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
    if (in.resources.empty()) in.resources.push_back("*");
    return std::nullopt;
  }

  HttpReply simulate(bool principal, const Params& p, const Caller& caller, const std::string& rid) {
    std::string_view action = principal ? "SimulatePrincipalPolicy" : "SimulateCustomPolicy";
    auto fail = [&](ApiError e) { return error(e, kIamNamespace, rid); };
    SimInputs in;
    if (auto e = read_sim_inputs(p, in)) return fail(*e);
    PolicyBundle b;
    std::string source = param(p, "PolicySourceArn");
    if (principal) {
      if (p.find("PolicySourceArn") == p.end())
        return fail(ApiError(ErrorCode::ValidationError,
                             "1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null"));
      if (auto e = authorize(caller, "iam:SimulatePrincipalPolicy", source)) return fail(*e);
      std::string type = arn_type(source), name = arn_name(source);
      std::optional<ApiError> err;
      if (type == "user")
        err = load_user(b, name);
      else if (type == "role")
        err = load_role(b, name);
      else if (type == "group") {
        auto g = be.get_group({.group_name = name, .max_items = 1});
        if (!g) err = g.error();
        else load_group(b, name);
      } else {
        return fail(ApiError(ErrorCode::InvalidInput, "Invalid ARN: " + source + " is not a user, group or role ARN."));
      }
      if (err) return fail(*err);
    } else {
      if (in.policy_inputs.empty())
        return fail(ApiError(ErrorCode::ValidationError,
                             "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null"));
      if (auto e = authorize(caller, "iam:SimulateCustomPolicy", "*")) return fail(*e);
    }
    for (std::size_t i = 0; i < in.policy_inputs.size(); ++i)
      if (auto e = b.add("PolicyInputList." + std::to_string(i + 1), "none", in.policy_inputs[i], policy::PolicyType::Inline,
                         b.identity))
        return fail(ApiError(ErrorCode::InvalidInput, "PolicyInputList." + std::to_string(i + 1) + ": " + *e));
    if (!in.boundary_inputs.empty()) {
      b.boundaries.clear();  // the input replaces the entity's boundary
      for (std::size_t i = 0; i < in.boundary_inputs.size(); ++i)
        if (auto e = b.add("PermissionsBoundaryPolicyInputList." + std::to_string(i + 1), "none", in.boundary_inputs[i],
                           policy::PolicyType::Boundary, b.boundaries))
          return fail(ApiError(ErrorCode::InvalidInput, "PermissionsBoundaryPolicyInputList." + std::to_string(i + 1) + ": " + *e));
    }
    const policy::CompiledPolicy* resource_policy = nullptr;
    if (!in.resource_policy.empty()) {
      std::vector<const policy::CompiledPolicy*> tmp;
      if (auto e = b.add("ResourcePolicy", "resource", in.resource_policy, policy::PolicyType::Resource, tmp))
        return fail(ApiError(ErrorCode::InvalidInput, "ResourcePolicy: " + *e));
      resource_policy = tmp.front();
    }
    policy::PolicySet set;
    set.identity = b.identity;
    set.boundaries = b.boundaries;
    set.resource = resource_policy;
    std::string principal_arn = !in.caller_arn.empty() ? in.caller_arn
                                : (principal && arn_type(source) != "group") ? source
                                : "arn:" + partition + ":iam::" + account + ":root";

    int max_items = in.max_items.value_or(100);
    if (max_items < 1 || max_items > 1000)
      return fail(ApiError(ErrorCode::ValidationError, "1 validation error detected: Value '" + std::to_string(max_items) +
                                                           "' at 'maxItems' failed to satisfy constraint: Member must have "
                                                           "value less than or equal to 1000 and greater than or equal to 1"));
    std::size_t start = 0;
    if (!in.marker.empty()) {
      try {
        start = std::stoul(in.marker);
      } catch (const std::exception&) {
        return fail(ApiError(ErrorCode::InvalidInput, "Invalid Marker."));
      }
    }
    // AWS's current model: one EvaluationResult per action (ResourceSpecificResults per resource);
    // the older one (a compatibility option): one per (action, resource).
    const bool per_resource = options.simulate_result_per_resource;
    std::size_t total = per_resource ? in.actions.size() * in.resources.size() : in.actions.size();
    auto decide = [&](const std::string& act, const std::string& res) {
      policy::Request req;
      req.principal = principal_arn;
      req.action = act;
      req.resource = res;
      req.resource_account = in.resource_owner;
      for (const auto& [key, values, multi] : in.context) req.context.set(key, values, multi);
      return policy::evaluate(set, req, policy::Explain::Yes);
    };
    const bool has_boundary = !set.boundaries.empty();
    return reply_with(action, rid, [&](Xml& x) {
      std::size_t end = std::min(total, start + static_cast<std::size_t>(max_items));
      if (start >= end) {
        x.empty("EvaluationResults");
      } else {
        x.open("EvaluationResults");
        for (std::size_t k = start; k < end; ++k) {
          if (per_resource) {
            const std::string& act = in.actions[k / in.resources.size()];
            const std::string& res = in.resources[k % in.resources.size()];
            x.open("member").leaf("EvalActionName", act).leaf("EvalResourceName", res);
            write_verdict(x, b, "EvalDecision", decide(act, res), has_boundary);
            x.close("member");
            continue;
          }
          const std::string& act = in.actions[k];
          std::vector<policy::Verdict> verdicts;
          verdicts.reserve(in.resources.size());
          for (const auto& res : in.resources) verdicts.push_back(decide(act, res));
          x.open("member").leaf("EvalActionName", act).leaf("EvalResourceName", resource_template(act, in.resources));
          write_verdict(x, b, "EvalDecision", aggregate(verdicts), has_boundary);
          x.open("ResourceSpecificResults");
          for (std::size_t r = 0; r < verdicts.size(); ++r) {
            x.open("member").leaf("EvalResourceName", in.resources[r]);
            write_verdict(x, b, "EvalResourceDecision", verdicts[r], has_boundary);
            x.close("member");
          }
          x.close("ResourceSpecificResults");
          x.close("member");
        }
        x.close("EvaluationResults");
      }
      x.leaf("IsTruncated", end < total);
      if (end < total) x.leaf("Marker", std::to_string(end));
    });
  }

  // The top-level EvalResourceName of an action's result: `*` when no ResourceArns were given, else
  // the ARN template of the action's resource type that the given resources match (AWS: "an ARN
  // template ... or *", reference §4.6; which type AWS picks when several match is UNCONFIRMED:
  // here the first, in the service authorization reference's order).
  static std::string resource_template(const std::string& act, const std::vector<std::string>& resources) {
    if (resources.size() == 1 && resources[0] == "*") return "*";
    const auto& cat = catalog::Catalog::builtin();
    const catalog::Action* a = cat.find_action(act);
    if (!a) return "*";
    for (const auto& ar : a->resources) {
      const auto& rt = cat.resource_types()[ar.resource_type];
      bool all = true;
      for (const auto& res : resources) all = all && policy::pattern_meets_template(res, rt.arn_pattern);
      if (all) return rt.arn_pattern;
    }
    return "*";
  }

  // The most restrictive decision across resources, with what explains it: the deciding statements
  // of the resources that have that decision, and every missing context key (each list once).
  static policy::Verdict aggregate(const std::vector<policy::Verdict>& verdicts) {
    policy::Verdict out;
    out.decision = policy::Decision::Allowed;
    for (const auto& v : verdicts)
      if (v.decision == policy::Decision::ExplicitlyDenied ||
          (v.decision == policy::Decision::ImplicitlyDenied && out.decision == policy::Decision::Allowed))
        out.decision = v.decision;
    out.boundary = policy::TypeResult::Allowed;
    for (const auto& v : verdicts) {
      if (v.boundary != policy::TypeResult::Allowed) out.boundary = v.boundary;
      for (const auto& k : v.missing_context_keys)
        if (std::find(out.missing_context_keys.begin(), out.missing_context_keys.end(), k) == out.missing_context_keys.end())
          out.missing_context_keys.push_back(k);
      if (v.decision != out.decision) continue;
      for (const auto& ref : v.deciding)
        if (std::find_if(out.deciding.begin(), out.deciding.end(), [&](const auto& o) {
              return o.policy == ref.policy && o.index == ref.index;
            }) == out.deciding.end())
          out.deciding.push_back(ref);
    }
    return out;
  }

  // The decision and its explanation, inside an EvaluationResult or a ResourceSpecificResult.
  static void write_verdict(Xml& x, const PolicyBundle& b, std::string_view decision_element, const policy::Verdict& v,
                            bool has_boundary) {
    std::string_view decision = v.decision == policy::Decision::Allowed            ? "allowed"
                                : v.decision == policy::Decision::ExplicitlyDenied ? "explicitDeny"
                                                                                   : "implicitDeny";
    x.leaf(decision_element, decision);
    bool any = false;
    for (const auto& ref : v.deciding) {
      const LoadedPolicy* lp = b.by_name(ref.policy);
      if (!lp || ref.index >= lp->ast.statements.size()) continue;
      if (!any) x.open("MatchedStatements");
      any = true;
      base::SourceFile src("", lp->text);
      const auto& span = lp->ast.statements[ref.index].span;
      auto begin = src.line_col(span.begin), end = src.line_col(span.end);
      x.open("member")
          .leaf("SourcePolicyId", lp->id)
          .leaf("SourcePolicyType", lp->source_type)
          .open("StartPosition")
          .leaf("Line", static_cast<int>(begin.line))
          .leaf("Column", static_cast<int>(begin.col))
          .close("StartPosition")
          .open("EndPosition")
          .leaf("Line", static_cast<int>(end.line))
          .leaf("Column", static_cast<int>(end.col))
          .close("EndPosition")
          .close("member");
    }
    if (any)
      x.close("MatchedStatements");
    else
      x.empty("MatchedStatements");
    if (v.missing_context_keys.empty()) {
      x.empty("MissingContextValues");
    } else {
      x.open("MissingContextValues");
      for (const auto& k : v.missing_context_keys) x.leaf("member", k);
      x.close("MissingContextValues");
    }
    if (has_boundary)
      x.open("PermissionsBoundaryDecisionDetail")
          .leaf("AllowedByPermissionsBoundary", v.boundary == policy::TypeResult::Allowed)
          .close("PermissionsBoundaryDecisionDetail");
  }

  HttpReply reply_with(std::string_view action, const std::string& rid, const std::function<void(Xml&)>& body) {
    Xml x;
    std::string root = std::string(action) + "Response", wrapper = std::string(action) + "Result";
    x.open(root, kIamNamespace).open(wrapper);
    body(x);
    x.close(wrapper);
    write_metadata(x, rid);
    x.close(root);
    HttpReply r;
    r.request_id = rid;
    r.body = x.take();
    return r;
  }

  // ---- one request -----------------------------------------------------------------------------

  HttpReply handle(const HttpRequest& req, const std::string& rid) {
    auto query = parse_form(req.query);
    std::optional<Params> body;
    if (req.method == "POST") body = parse_form(req.body);
    bool well_formed = query && (req.method != "POST" || body);
    Params p;
    if (query) p = std::move(*query);
    if (body)
      for (auto& [k, v] : *body) p[k] = std::move(v);
    std::string action = param(p, "Action"), version = param(p, "Version");
    bool sts_action = action == "GetCallerIdentity" || action == "AssumeRole";
    std::string_view ns = sts_action ? kStsNamespace : kIamNamespace;

    // Authentication first (reference §7.2): an unsigned request gets the authentication error
    // whatever its body; the signature covers the raw bytes, so a malformed body can be verified.
    Caller caller;
    if (auto e = authenticate(req, caller)) return error(*e, ns, rid);
    if (!well_formed)
      return error(ApiError(ErrorCode::InvalidInput, "The request body or query string is not valid form-encoded data."),
                   ns, rid);

    if (action.empty())
      return error(ApiError(ErrorCode::InvalidAction, "The action or operation requested is invalid. Verify that the "
                                                      "action is typed correctly."),
                   ns, rid);
    if (sts_action && (version.empty() || version == kStsVersion)) {
      if (action == "GetCallerIdentity")
        return sts_reply("GetCallerIdentity", rid, [&](Xml& x) {
          x.leaf("UserId", caller.user_id).leaf("Account", account).leaf("Arn", caller.arn);
        });
      return assume_role(p, caller, rid);
    }
    if (!version.empty() && version != kIamVersion)
      return error(ApiError(ErrorCode::InvalidAction, "Could not find operation " + action + " for version " + version), ns, rid);
    if (action == "SimulatePrincipalPolicy") return simulate(true, p, caller, rid);
    if (action == "SimulateCustomPolicy") return simulate(false, p, caller, rid);
    auto op = backend::operation_from_string(action);
    if (!op)
      return error(ApiError(ErrorCode::InvalidAction, "Could not find operation " + action + " for version " +
                                                          (version.empty() ? std::string(kIamVersion) : version)),
                   ns, rid);
    // AWS: UserName defaults to the caller for these actions.
    if ((*op == Operation::GetUser || *op == Operation::CreateAccessKey || *op == Operation::DeleteAccessKey ||
         *op == Operation::ListAccessKeys || *op == Operation::UpdateAccessKey) &&
        p.find("UserName") == p.end()) {
      if (caller.kind != Caller::Kind::User)
        return error(ApiError(ErrorCode::ValidationError, "Must specify userName when calling with non-User credentials"),
                     ns, rid);
      p["UserName"] = caller.name;
    }
    return dispatch(*op, p, caller, rid);
  }
};

Service::Service(backend::LocalBackend& backend, ServiceOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {}
Service::~Service() = default;

HttpReply Service::handle(const HttpRequest& request) {
  std::string rid = new_request_id();
  try {
    if (request.body.size() > impl_->options.max_body)
      return error_reply(413, "ValidationError", "Request body too large");
    HttpReply r = impl_->handle(request, rid);
    r.request_id = rid;
    return r;
  } catch (const std::exception& e) {
    return impl_->error(ApiError(ErrorCode::ServiceFailure, std::string("internal error: ") + e.what()), kIamNamespace, rid);
  }
}

HttpReply Service::error_reply(int http_status, std::string_view code, std::string message) {
  std::string rid = new_request_id();
  ApiError e(backend::error_code_from_string(code).value_or(ErrorCode::ServiceFailure), std::move(message));
  e.http_status = http_status;
  return impl_->error(e, kIamNamespace, rid);
}

}  // namespace iamforge::serve
