// AwsBackend: every operation of operations.def over the IAM Query API.
//
// XML: a small element tree over expat (xml.hpp; Debian's libexpat1-dev): IAM replies are small
// documents read once, and expat never throws (errors are return codes, as this library reports
// everything as values).
#include "iamforge/aws/aws_backend.hpp"

#include <algorithm>
#include <charconv>
#include <concepts>
#include <ctime>
#include <thread>
#include <type_traits>

#include "iamforge/backend/query_params.hpp"
#include "iamforge/aws/xml.hpp"

namespace iamforge::aws {

using namespace iamforge::backend;  // NOLINT(google-build-using-namespace)
using XMLElement = xml::Element;

namespace {

constexpr std::string_view kApiVersion = "2010-05-08";

// ---- request encoding (awsQuery, reference §6.1) ---------------------------------------------

void put(QueryParams& p, std::string name, std::string value) { p.emplace_back(std::move(name), std::move(value)); }
void put_if(QueryParams& p, std::string name, const std::string& value) {
  if (!value.empty()) put(p, std::move(name), value);
}
void put_if(QueryParams& p, std::string name, const std::optional<std::string>& value) {
  if (value) put(p, std::move(name), *value);
}
void put_if(QueryParams& p, std::string name, const std::optional<int>& value) {
  if (value) put(p, std::move(name), std::to_string(*value));
}
/// Tags.member.N.Key / .Value; an empty list is sent as `Tags=` when required (botocore).
void put_tags(QueryParams& p, const std::vector<Tag>& tags, bool required) {
  if (tags.empty()) {
    if (required) put(p, "Tags", "");
    return;
  }
  for (std::size_t i = 0; i < tags.size(); ++i) {
    std::string prefix = "Tags.member." + std::to_string(i + 1);
    put(p, prefix + ".Key", tags[i].key);
    put(p, prefix + ".Value", tags[i].value);
  }
}
void put_list(QueryParams& p, const std::string& name, const std::vector<std::string>& items) {
  if (items.empty()) {
    put(p, name, "");
    return;
  }
  for (std::size_t i = 0; i < items.size(); ++i) put(p, name + ".member." + std::to_string(i + 1), items[i]);
}
// The parameters of each request type come from backend/query_params.hpp, the list serve's
// decoders use too.
struct Encoder {
  QueryParams& p;
  void required(std::string_view name, const std::string& v) { put(p, std::string(name), v); }
  void optional(std::string_view name, const std::string& v) { put_if(p, std::string(name), v); }
  void optional(std::string_view name, const std::optional<std::string>& v) { put_if(p, std::string(name), v); }
  void optional(std::string_view name, const std::optional<int>& v) { put_if(p, std::string(name), v); }
  void optional(std::string_view name, const bool& v) {
    if (v) put(p, std::string(name), "true");
  }
  void strings(std::string_view name, const std::vector<std::string>& v, bool required) {
    if (!v.empty() || required) put_list(p, std::string(name), v);
  }
  void tags(std::string_view, const std::vector<Tag>& v, bool required) { put_tags(p, v, required); }
  template <class F>
  void choice(std::string_view name, const F& v, Choices<F> values) {
    if constexpr (std::is_same_v<F, std::optional<typename ChoiceOf<F>::type>>) {
      if (v) choice(name, *v, values);
    } else {
      for (const auto& [text, value] : values)
        if (value == v) put(p, std::string(name), std::string(text));
    }
  }
};

template <class R>
void encode(const R& r, QueryParams& p) {
  Encoder e{p};
  query_params(e, r);
}

// ---- reply decoding ---------------------------------------------------------------------------

std::string text(const XMLElement* parent, const char* name) {
  if (!parent) return {};
  const XMLElement* e = parent->first_child(name);
  if (!e) return {};
  return e->text();
}
std::optional<std::string> opt_text(const XMLElement* parent, const char* name) {
  if (!parent) return std::nullopt;
  const XMLElement* e = parent->first_child(name);
  if (!e) return std::nullopt;
  return e->text();
}
int int_of(const XMLElement* parent, const char* name, int fallback) {
  std::string t = text(parent, name);
  int v = fallback;
  if (!t.empty()) std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}
bool bool_of(const XMLElement* parent, const char* name, bool fallback) {
  std::string t = text(parent, name);
  if (t == "true") return true;
  if (t == "false") return false;
  return fallback;
}
/// Policy documents come back URL-encoded (RFC 3986; '+' is not a space, as botocore's unquote).
/// An encoded JSON document cannot begin with a literal '{' (it is "%7B"), so a document that
/// does is taken as sent unencoded (moto's GetPolicyVersion does that) and left alone: decoding it
/// would corrupt a literal "%20" inside it (botocore does corrupt it).
std::string policy_text(const XMLElement* parent, const char* name) {
  std::string t = text(parent, name);
  auto first = t.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && t[first] == '{') return t;
  return uri_decode(t, false);
}

/// AWS sends "2024-05-08T23:34:01Z"; moto and others add fractions and offsets
/// ("2024-05-08T23:34:01.123456+00:00"). Normalized to the first form when UTC.
std::string date_of(const XMLElement* parent, const char* name) {
  std::string t = text(parent, name);
  if (t.size() < 19 || t[4] != '-' || t[10] != 'T') return t;
  std::string_view rest = std::string_view(t).substr(19);
  if (!rest.empty() && rest[0] == '.') {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest.remove_prefix(i);
  }
  if (rest.empty() || rest == "Z" || rest == "+00:00" || rest == "-00:00") return t.substr(0, 19) + "Z";
  return t;
}
template <class F>
void each_member(const XMLElement* parent, const char* list, F&& f) {
  if (!parent) return;
  const XMLElement* l = parent->first_child(list);
  if (!l) return;
  for (const XMLElement* m = l->first_child("member"); m; m = m->next_sibling("member")) f(m);
}
std::vector<Tag> tags_of(const XMLElement* e) {
  std::vector<Tag> out;
  each_member(e, "Tags", [&](const XMLElement* m) { out.push_back({text(m, "Key"), text(m, "Value")}); });
  return out;
}
std::optional<AttachedPermissionsBoundary> boundary_of(const XMLElement* e) {
  const XMLElement* b = e ? e->first_child("PermissionsBoundary") : nullptr;
  if (!b) return std::nullopt;
  AttachedPermissionsBoundary out;
  if (auto t = opt_text(b, "PermissionsBoundaryType"); t && !t->empty()) out.permissions_boundary_type = *t;
  out.permissions_boundary_arn = text(b, "PermissionsBoundaryArn");
  if (out.permissions_boundary_arn.empty()) return std::nullopt;
  return out;
}

void parse(const XMLElement* e, Role& r) {
  r.path = text(e, "Path");
  r.role_name = text(e, "RoleName");
  r.role_id = text(e, "RoleId");
  r.arn = text(e, "Arn");
  r.create_date = date_of(e, "CreateDate");
  r.assume_role_policy_document = policy_text(e, "AssumeRolePolicyDocument");
  r.description = opt_text(e, "Description");
  r.max_session_duration = int_of(e, "MaxSessionDuration", 3600);
  r.permissions_boundary = boundary_of(e);
  r.tags = tags_of(e);
  // GetRole only: empty for a role never used, else LastUsedDate and Region.
  if (const XMLElement* used = e->first_child("RoleLastUsed")) {
    RoleLastUsed u;
    if (opt_text(used, "LastUsedDate")) u.last_used_date = date_of(used, "LastUsedDate");
    u.region = opt_text(used, "Region");
    r.role_last_used = u;
  }
}
void parse(const XMLElement* e, User& u) {
  u.path = text(e, "Path");
  u.user_name = text(e, "UserName");
  u.user_id = text(e, "UserId");
  u.arn = text(e, "Arn");
  u.create_date = date_of(e, "CreateDate");
  u.permissions_boundary = boundary_of(e);
  u.tags = tags_of(e);
}
void parse(const XMLElement* e, Group& g) {
  g.path = text(e, "Path");
  g.group_name = text(e, "GroupName");
  g.group_id = text(e, "GroupId");
  g.arn = text(e, "Arn");
  g.create_date = date_of(e, "CreateDate");
}
void parse(const XMLElement* e, ManagedPolicy& p) {
  p.policy_name = text(e, "PolicyName");
  p.policy_id = text(e, "PolicyId");
  p.arn = text(e, "Arn");
  p.path = text(e, "Path");
  p.default_version_id = text(e, "DefaultVersionId");
  p.attachment_count = int_of(e, "AttachmentCount", 0);
  p.permissions_boundary_usage_count = int_of(e, "PermissionsBoundaryUsageCount", 0);
  p.is_attachable = bool_of(e, "IsAttachable", true);
  p.description = opt_text(e, "Description");
  p.create_date = date_of(e, "CreateDate");
  p.update_date = date_of(e, "UpdateDate");
  p.tags = tags_of(e);
}
void parse(const XMLElement* e, PolicyVersion& v) {
  if (e && e->first_child("Document")) v.document = policy_text(e, "Document");
  v.version_id = text(e, "VersionId");
  v.is_default_version = bool_of(e, "IsDefaultVersion", false);
  v.create_date = date_of(e, "CreateDate");
}
void parse(const XMLElement* e, AttachedPolicy& a) {
  a.policy_name = text(e, "PolicyName");
  a.policy_arn = text(e, "PolicyArn");
}
void parse(const XMLElement* e, InstanceProfile& ip) {
  ip.path = text(e, "Path");
  ip.instance_profile_name = text(e, "InstanceProfileName");
  ip.instance_profile_id = text(e, "InstanceProfileId");
  ip.arn = text(e, "Arn");
  ip.create_date = date_of(e, "CreateDate");
  each_member(e, "Roles", [&](const XMLElement* m) { parse(m, ip.roles.emplace_back()); });
  ip.tags = tags_of(e);
}
void parse(const XMLElement* e, AccessKeyMetadata& k);
template <class T>
std::vector<T> list_of(const XMLElement* result, const char* name) {
  std::vector<T> out;
  each_member(result, name, [&](const XMLElement* m) { parse(m, out.emplace_back()); });
  return out;
}
template <class R>
void page_of(const XMLElement* result, R& r) {
  r.is_truncated = bool_of(result, "IsTruncated", false);
  r.marker = r.is_truncated ? text(result, "Marker") : std::string();
}
/// The entity element under the result, or an error when the reply lacks it.
const XMLElement* child(const XMLElement* result, const char* name) {
  return result ? result->first_child(name) : nullptr;
}

// One decode() per response type (the <ActionResult> element in, the shape out).
bool decode(const XMLElement* result, Role& out) {
  if (auto* e = child(result, "Role")) return parse(e, out), true;
  return false;
}
bool decode(const XMLElement* result, User& out) {
  if (auto* e = child(result, "User")) return parse(e, out), true;
  return false;
}
bool decode(const XMLElement* result, Group& out) {
  if (auto* e = child(result, "Group")) return parse(e, out), true;
  return false;
}
bool decode(const XMLElement* result, ManagedPolicy& out) {
  if (auto* e = child(result, "Policy")) return parse(e, out), true;
  return false;
}
bool decode(const XMLElement* result, PolicyVersion& out) {
  if (auto* e = child(result, "PolicyVersion")) return parse(e, out), true;
  return false;
}
bool decode(const XMLElement* result, InstanceProfile& out) {
  if (auto* e = child(result, "InstanceProfile")) return parse(e, out), true;
  return false;
}
bool decode(const XMLElement* result, ListRolesResponse& out) {
  out.roles = list_of<Role>(result, "Roles");
  page_of(result, out);
  return result != nullptr;
}
bool decode(const XMLElement* result, ListPoliciesResponse& out) {
  out.policies = list_of<ManagedPolicy>(result, "Policies");
  page_of(result, out);
  return result != nullptr;
}
bool decode(const XMLElement* result, ListPolicyVersionsResponse& out) {
  out.versions = list_of<PolicyVersion>(result, "Versions");
  page_of(result, out);
  return result != nullptr;
}
bool decode(const XMLElement* result, ListAttachedPoliciesResponse& out) {
  out.attached_policies = list_of<AttachedPolicy>(result, "AttachedPolicies");
  page_of(result, out);
  return result != nullptr;
}
bool decode(const XMLElement* result, ListInlinePoliciesResponse& out) {
  each_member(result, "PolicyNames", [&](const XMLElement* m) { out.policy_names.emplace_back(m->text()); });
  page_of(result, out);
  return result != nullptr;
}
template <class R>
bool decode_inline(const XMLElement* result, R& out, std::string& owner, const char* owner_name) {
  if (!result) return false;
  owner = text(result, owner_name);
  out.policy_name = text(result, "PolicyName");
  out.policy_document = policy_text(result, "PolicyDocument");
  return true;
}
bool decode(const XMLElement* result, GetRolePolicyResponse& out) { return decode_inline(result, out, out.role_name, "RoleName"); }
bool decode(const XMLElement* result, GetUserPolicyResponse& out) { return decode_inline(result, out, out.user_name, "UserName"); }
bool decode(const XMLElement* result, GetGroupPolicyResponse& out) { return decode_inline(result, out, out.group_name, "GroupName"); }
bool decode(const XMLElement* result, ListUsersResponse& out) {
  out.users = list_of<User>(result, "Users");
  page_of(result, out);
  return result != nullptr;
}
bool decode(const XMLElement* result, GetGroupResponse& out) {
  auto* g = child(result, "Group");
  if (!g) return false;
  parse(g, out.group);
  out.users = list_of<User>(result, "Users");
  page_of(result, out);
  return true;
}
bool decode(const XMLElement* result, ListGroupsResponse& out) {
  out.groups = list_of<Group>(result, "Groups");
  page_of(result, out);
  return result != nullptr;
}
bool decode(const XMLElement* result, ListInstanceProfilesResponse& out) {
  out.instance_profiles = list_of<InstanceProfile>(result, "InstanceProfiles");
  page_of(result, out);
  return result != nullptr;
}

bool decode(const XMLElement* result, AccessKey& out) {
  auto* e = child(result, "AccessKey");
  if (!e) return false;
  out.user_name = text(e, "UserName");
  out.access_key_id = text(e, "AccessKeyId");
  out.status = text(e, "Status");
  out.secret_access_key = text(e, "SecretAccessKey");
  out.create_date = date_of(e, "CreateDate");
  return true;
}
void parse(const XMLElement* e, AccessKeyMetadata& k) {
  k.user_name = text(e, "UserName");
  k.access_key_id = text(e, "AccessKeyId");
  k.status = text(e, "Status");
  k.create_date = date_of(e, "CreateDate");
}
bool decode(const XMLElement* result, ListAccessKeysResponse& out) {
  out.access_key_metadata = list_of<AccessKeyMetadata>(result, "AccessKeyMetadata");
  page_of(result, out);
  return result != nullptr;
}

// Appending a page to the pages before it (auto-pagination).
template <class T>
void append(std::vector<T>& into, std::vector<T>&& from) {
  into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}
void append_page(ListRolesResponse& a, ListRolesResponse&& b) { append(a.roles, std::move(b.roles)); }
void append_page(ListPoliciesResponse& a, ListPoliciesResponse&& b) { append(a.policies, std::move(b.policies)); }
void append_page(ListPolicyVersionsResponse& a, ListPolicyVersionsResponse&& b) { append(a.versions, std::move(b.versions)); }
void append_page(ListAttachedPoliciesResponse& a, ListAttachedPoliciesResponse&& b) {
  append(a.attached_policies, std::move(b.attached_policies));
}
void append_page(ListInlinePoliciesResponse& a, ListInlinePoliciesResponse&& b) { append(a.policy_names, std::move(b.policy_names)); }
void append_page(ListUsersResponse& a, ListUsersResponse&& b) { append(a.users, std::move(b.users)); }
void append_page(ListAccessKeysResponse& a, ListAccessKeysResponse&& b) {
  append(a.access_key_metadata, std::move(b.access_key_metadata));
}
void append_page(GetGroupResponse& a, GetGroupResponse&& b) { append(a.users, std::move(b.users)); }
void append_page(ListGroupsResponse& a, ListGroupsResponse&& b) { append(a.groups, std::move(b.groups)); }
void append_page(ListInstanceProfilesResponse& a, ListInstanceProfilesResponse&& b) {
  append(a.instance_profiles, std::move(b.instance_profiles));
}

template <class Req>
concept PagedRequest = requires(Req r) {
  { r.marker } -> std::convertible_to<std::string>;
  { r.max_items } -> std::convertible_to<std::optional<int>>;
};

std::string form_body(std::string_view action, const QueryParams& params) {
  std::string body = "Action=";
  body += uri_encode(action);
  body += "&Version=";
  body += kApiVersion;
  for (const auto& [k, v] : params) {
    body += '&';
    body += uri_encode(k);
    body += '=';
    body += uri_encode(v);
  }
  return body;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

}  // namespace

// ---- errors ------------------------------------------------------------------------------------

ApiError parse_error_reply(long http_status, std::string_view body) {
  xml::Document doc;
  const XMLElement* error = nullptr;
  if (doc.parse(body)) {
    const XMLElement* root = doc.root();
    error = root->first_child("Error");
    if (!error)
      if (const XMLElement* errors = root->first_child("Errors")) error = errors->first_child("Error");
    if (!error && root->name() == "Error") error = root;
  }
  if (!error) {
    std::string snippet(body.substr(0, 200));
    ApiError e(http_status >= 500 || http_status == 0 ? ErrorCode::ServiceFailure : ErrorCode::InvalidInput,
               "HTTP " + std::to_string(http_status) + " with a reply that is not an AWS error" +
                   (snippet.empty() ? std::string(".") : ": " + snippet));
    e.http_status = static_cast<int>(http_status);
    return e;
  }
  std::string code = text(error, "Code"), message = text(error, "Message");
  std::optional<ErrorCode> known = error_code_from_string(code);
  if (!known) {
    // Other spellings of codes the table has (other AWS protocols, common errors).
    if (code == "ThrottlingException" || code == "RequestLimitExceeded" || code == "TooManyRequestsException" ||
        code == "RequestThrottled" || code == "SlowDown")
      known = ErrorCode::Throttling;
    else if (code == "AccessDeniedException") known = ErrorCode::AccessDenied;
    else if (code == "ValidationException") known = ErrorCode::ValidationError;
    else if (code == "InternalFailure" || code == "InternalError" || code == "ServiceUnavailable") known = ErrorCode::ServiceFailure;
    else if (code == "ExpiredTokenException" || code == "RequestExpired") known = ErrorCode::ExpiredToken;
    else if (code == "UnrecognizedClientException") known = ErrorCode::InvalidClientTokenId;
    else if (code == "InvalidParameterValue" || code == "InvalidParameterCombination" || code == "MissingParameter")
      known = ErrorCode::InvalidInput;
    else if (code == "EntityTemporarilyUnmodifiable") known = ErrorCode::ConcurrentModification;
    // Keep AWS's own code visible when it is not in the table.
    if (!code.empty() && (!known || *known != ErrorCode::Throttling)) message = code + ": " + message;
    if (!known) known = http_status >= 500 ? ErrorCode::ServiceFailure : ErrorCode::InvalidInput;
  }
  ApiError e(*known, std::move(message));
  if (http_status > 0) e.http_status = static_cast<int>(http_status);
  return e;
}

bool is_consistency_error(const ApiError& error) {
  switch (error.code) {
    case ErrorCode::MalformedPolicyDocument:
      // A trust (or resource) policy naming a principal created a moment ago.
      return contains(error.message, "Invalid principal in policy");
    case ErrorCode::ConcurrentModification:
      return true;
    case ErrorCode::InvalidInput:
      return contains(error.message, "EntityTemporarilyUnmodifiable");
    default:
      return false;
  }
}

// ---- the client ----------------------------------------------------------------------------------

namespace client {

AwsBackend::AwsBackend(ResolvedConfig config, ClientOptions options)
    : config_(std::move(config)), options_(std::move(options)), rng_(std::random_device{}()) {
  transport_ = options_.transport ? options_.transport : make_curl_transport();
  const std::string& url = config_.endpoint_url;
  std::size_t host_start = url.find("://") + 3;
  std::size_t path_start = url.find('/', host_start);
  base_url_ = url.substr(0, path_start);
  base_path_ = path_start == std::string::npos ? "/" : url.substr(path_start) + "/";
  host_ = base_url_.substr(host_start);
  // Default ports are left out of Host, as HTTP clients do (the signature covers this value).
  bool https = url.rfind("https://", 0) == 0;
  if ((https && host_.ends_with(":443")) || (!https && host_.ends_with(":80"))) host_ = host_.substr(0, host_.rfind(':'));
}

ClientStats AwsBackend::stats() const { return {requests_.load(), retries_.load(), consistency_retries_.load()}; }

std::chrono::milliseconds AwsBackend::backoff(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds cap) {
  std::int64_t ceiling = base.count();
  for (int i = 0; i < attempt && ceiling < cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<std::int64_t>(ceiling, cap.count());
  std::lock_guard lock(rng_mu_);
  return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(ceiling, 0))(rng_));
}

Result<std::string> AwsBackend::call(std::string_view action, const QueryParams& params) {
  const std::string body = form_body(action, params);
  auto sleep = [&](std::chrono::milliseconds d) {
    if (options_.retry.sleep) options_.retry.sleep(d);
    else std::this_thread::sleep_for(d);
  };
  if (const std::string& why = crypto_error(); !why.empty()) {
    ApiError e(ErrorCode::ServiceFailure, "Cannot sign requests to " + config_.endpoint_url + ": " + why);
    e.http_status = 0;
    return e;
  }
  int transient_failures = 0, consistency_failures = 0;
  for (bool first = true;; first = false) {
    if (!first) ++retries_;
    HttpRequest req;
    req.method = "POST";
    req.path = base_path_;
    req.headers = {{"Host", host_}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    req.body = body;
    SigningParams sp;
    sp.region = config_.signing_region;
    sp.service = "iam";
    sign(req, config_.credentials, sp);  // re-signed per attempt: a long backoff never expires it
    if (std::string why = transport_->unavailable(); !why.empty()) {
      ApiError e(ErrorCode::ServiceFailure, "Cannot send requests to " + config_.endpoint_url + ": " + why);
      e.http_status = 0;
      return e;
    }
    ++requests_;
    HttpResponse resp = transport_->send(base_url_, req, options_.connect_timeout, options_.request_timeout);

    ApiError error;
    bool transient = false;
    if (!resp.error.empty()) {
      error = ApiError(ErrorCode::ServiceFailure, "Could not reach " + config_.endpoint_url + ": " + resp.error);
      error.http_status = 0;
      transient = true;
    } else if (resp.status >= 200 && resp.status < 300) {
      return std::move(resp.body);
    } else {
      error = parse_error_reply(resp.status, resp.body);
      transient = resp.status >= 500 || resp.status == 429 || error.code == ErrorCode::Throttling;
    }
    if (transient) {
      if (++transient_failures >= options_.retry.max_attempts) return error;
      sleep(backoff(transient_failures - 1, options_.retry.base_delay, options_.retry.max_delay));
      continue;
    }
    if (is_consistency_error(error)) {
      if (++consistency_failures >= options_.retry.consistency_attempts) return error;
      ++consistency_retries_;
      sleep(backoff(consistency_failures - 1, options_.retry.consistency_base_delay, options_.retry.consistency_max_delay));
      continue;
    }
    return error;
  }
}

namespace {

/// One call: encode, send, decode the <ActionResult> (or nothing for void operations).
template <class Resp, class Req>
Result<Resp> invoke_once(AwsBackend& self, Operation op, const Req& request, const std::string* marker_override) {
  QueryParams params;
  encode(request, params);
  if (marker_override) {
    if constexpr (PagedRequest<Req>) {
      std::erase_if(params, [](const auto& p) { return p.first == "Marker"; });
      params.emplace_back("Marker", *marker_override);
    }
  }
  std::string_view action = to_string(op);
  auto reply = self.call(action, params);
  if (!reply) return reply.error();
  if constexpr (std::is_void_v<Resp>) {
    return Result<void>();
  } else {
    xml::Document doc;
    if (!doc.parse(*reply))
      return ApiError(ErrorCode::ServiceFailure, std::string("Malformed XML in the ") + std::string(action) + " reply.");
    std::string result_name = std::string(action) + "Result";
    const XMLElement* result = doc.root()->first_child(result_name);
    Resp out{};
    if (!decode(result, out))
      return ApiError(ErrorCode::ServiceFailure, "The " + std::string(action) + " reply has no <" + result_name +
                                                     "> with the expected members.");
    return out;
  }
}

template <class Resp, class Req>
Result<Resp> invoke(AwsBackend& self, Operation op, const Req& request) {
  if constexpr (PagedRequest<Req> && !std::is_void_v<Resp>) {
    if (request.marker.empty() && !request.max_items) {
      // The caller wants the complete list: follow Marker until IsTruncated is false.
      auto first = invoke_once<Resp>(self, op, request, nullptr);
      if (!first) return first;
      Resp all = std::move(first.value());
      for (int pages = 1; all.is_truncated && !all.marker.empty(); ++pages) {
        if (pages >= 10000) return ApiError(ErrorCode::ServiceFailure, "Pagination did not end after 10000 pages.");
        std::string marker = all.marker;
        auto next = invoke_once<Resp>(self, op, request, &marker);
        if (!next) return next.error();
        if (next->marker == marker && next->is_truncated)
          return ApiError(ErrorCode::ServiceFailure, "The endpoint returned the same Marker twice.");
        all.is_truncated = next->is_truncated;
        all.marker = next->marker;
        append_page(all, std::move(next.value()));
      }
      all.is_truncated = false;
      all.marker.clear();
      return all;
    }
  }
  return invoke_once<Resp>(self, op, request, nullptr);
}

}  // namespace

#define IAM_OPERATION(action, method, request_type, response_type)         \
  Result<response_type> AwsBackend::method(const request_type& request) {  \
    return invoke<response_type>(*this, Operation::action, request);       \
  }
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION

}  // namespace client

Result<std::unique_ptr<AwsBackend>> open_aws_backend(const ClientOptions& options) {
  auto config = resolve_config(options);
  if (!config) return config.error();
  return std::make_unique<AwsBackend>(std::move(config.value()), options);
}

Result<std::unique_ptr<Backend>> open_backend(const ClientOptions& options) {
  auto b = open_aws_backend(options);
  if (!b) return b.error();
  return std::unique_ptr<Backend>(std::move(b.value()));
}

}  // namespace iamforge::aws
