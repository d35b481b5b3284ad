// Signature Version 4 (reference §7) over OpenSSL's libcrypto.
//
// libcrypto is opened with dlopen the first time a hash is needed (base/dynlib.hpp), as libcurl and
// libmicrohttpd are: statically linked, its tables (nid_objs, param_group_list...) put ~20,000
// pointer relocations in the executable, and the loader dirtied ~80 pages of .data.rel.ro for them
// at every start of every command, though only SigV4 hashes. The header is still the one the build
// found, so every call below is typed as evp.h declares it.
#include "iamforge/aws/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>  // explicit_bzero

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

#include "iamforge/base/dynlib.hpp"

namespace iamforge::aws {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

/// Trims and collapses runs of whitespace (including folded line breaks) into one space.
std::string canonical_header_value(std::string_view v) {
  v = trim(v);
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// RFC 3986 §5.2.4 remove_dot_segments, plus collapsing of empty segments ('//').
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> out;
  bool trailing = !path.empty() && path.back() == '/';
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(pos, next - pos);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing = true;
    } else if (seg == ".") {
      trailing = true;
    } else if (!seg.empty()) {
      out.push_back(seg);
      trailing = false;
    }
    pos = next + 1;
  }
  if (!path.empty() && path.back() == '/') trailing = true;
  std::string result;
  for (auto seg : out) {
    result += '/';
    result += seg;
  }
  if (result.empty()) return "/";
  if (trailing) result += '/';
  return result;
}

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

void HttpRequest::set_header(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

namespace {

// The libcrypto functions SigV4 calls, resolved once.
struct CryptoApi {
  decltype(&EVP_MD_fetch) md_fetch = nullptr;
  decltype(&EVP_MD_free) md_free = nullptr;
  decltype(&EVP_MD_CTX_new) ctx_new = nullptr;
  decltype(&EVP_MD_CTX_free) ctx_free = nullptr;
  decltype(&EVP_DigestInit_ex2) init = nullptr;
  decltype(&EVP_DigestUpdate) update = nullptr;
  decltype(&EVP_DigestFinal_ex) final = nullptr;
  std::string error;  // why loading failed; empty when every pointer is set
};

// Opens libcrypto once per process (thread-safe static initialization). OpenSSL 3's soname; the
// EVP_MD_fetch/EVP_DigestInit_ex2 API below is 3.0's.
const CryptoApi& crypto_api() {
  static const CryptoApi api = [] {
    CryptoApi a;
    constexpr const char* kSoname = "libcrypto.so.3";
    void* lib = base::open_library({kSoname}, &a.error);
    if (!lib) return a;
    (void)(base::bind_symbol(lib, kSoname, "EVP_MD_fetch", a.md_fetch, &a.error) &&
           base::bind_symbol(lib, kSoname, "EVP_MD_free", a.md_free, &a.error) &&
           base::bind_symbol(lib, kSoname, "EVP_MD_CTX_new", a.ctx_new, &a.error) &&
           base::bind_symbol(lib, kSoname, "EVP_MD_CTX_free", a.ctx_free, &a.error) &&
           base::bind_symbol(lib, kSoname, "EVP_DigestInit_ex2", a.init, &a.error) &&
           base::bind_symbol(lib, kSoname, "EVP_DigestUpdate", a.update, &a.error) &&
           base::bind_symbol(lib, kSoname, "EVP_DigestFinal_ex", a.final, &a.error));
    return a;
  }();
  return api;
}

// Wipes a secret's bytes; the compiler may not drop it as a dead store.
void wipe(void* p, std::size_t n) { explicit_bzero(p, n); }

// SHA-256 through one EVP_MD fetched once and one digest context per thread. OpenSSL 3's one-shot
// SHA256()/HMAC() look the algorithm up by name on every call, which cost more than hashing a
// request (bench/serve/run.sh, callgrind: ~20k instructions per call).
struct Sha256 {
  const CryptoApi& api = crypto_api();
  EVP_MD* md = api.error.empty() ? api.md_fetch(nullptr, "SHA256", nullptr) : nullptr;
  EVP_MD_CTX* ctx = api.error.empty() ? api.ctx_new() : nullptr;
  ~Sha256() {
    if (ctx) api.ctx_free(ctx);
    if (md) api.md_free(md);
  }
  // digest(a || b) into out[32]
  void digest(std::string_view a, std::string_view b, unsigned char* out) {
    unsigned int len = 0;
    if (!md || !ctx || api.init(ctx, md, nullptr) != 1 || api.update(ctx, a.data(), a.size()) != 1 ||
        api.update(ctx, b.data(), b.size()) != 1 || api.final(ctx, out, &len) != 1 || len != SHA256_DIGEST_LENGTH) {
      // Callers check crypto_error() first, so this is allocation failure or a broken OpenSSL:
      // stop rather than produce a wrong signature.
      std::fprintf(stderr, "iamforge: SHA-256 failed%s%s\n", api.error.empty() ? "" : ": ", api.error.c_str());
      std::abort();
    }
  }
};

Sha256& sha256_engine() {
  thread_local Sha256 engine;
  return engine;
}

}  // namespace

const std::string& crypto_error() { return crypto_api().error; }

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256_engine().digest(data, {}, digest);
  return hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// HMAC-SHA256 as RFC 2104 defines it, on the SHA-256 above (checked against RFC 4231's vectors
// and every SigV4 test vector in tests/unit/aws/sigv4_test.cpp).
std::string hmac_sha256(std::string_view key, std::string_view data) {
  constexpr std::size_t kBlock = 64;
  unsigned char k0[kBlock] = {};
  auto& sha = sha256_engine();
  if (key.size() > kBlock)
    sha.digest(key, {}, k0);
  else
    std::memcpy(k0, key.data(), key.size());
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k0[i] ^ 0x36;
  unsigned char inner[SHA256_DIGEST_LENGTH];
  sha.digest(std::string_view(reinterpret_cast<const char*>(pad), kBlock), data, inner);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k0[i] ^ 0x5c;
  unsigned char out[SHA256_DIGEST_LENGTH];
  sha.digest(std::string_view(reinterpret_cast<const char*>(pad), kBlock),
             std::string_view(reinterpret_cast<const char*>(inner), sizeof inner), out);
  wipe(k0, sizeof k0);
  wipe(pad, sizeof pad);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  return diff == 0;
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string uri_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::string format_amz_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(9, 2), mi = num(11, 2), se = num(13, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{se};
}

std::string canonical_uri(std::string_view raw_path, bool normalize) {
  if (raw_path.empty()) return "/";
  std::string path = normalize ? normalize_path(raw_path) : std::string(raw_path);
  return uri_encode(path, /*keep_slash=*/true);
}

std::string canonical_query(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos < raw_query.size()) {
    std::size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view part = raw_query.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    params.emplace_back(uri_encode(uri_decode(name)), uri_encode(uri_decode(value)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string signed_headers_of(const HttpRequest& request) {
  std::vector<std::string> names;
  for (const auto& h : request.headers) names.push_back(to_lower(trim(h.first)));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ';';
    out += n;
  }
  return out;
}

std::string canonical_request(const HttpRequest& request, std::string_view signed_headers,
                              std::string_view payload_hash, bool normalize_path) {
  std::string out = request.method;
  out += '\n';
  out += canonical_uri(request.path, normalize_path);
  out += '\n';
  out += canonical_query(request.query);
  out += '\n';
  std::size_t pos = 0;
  while (pos <= signed_headers.size()) {
    std::size_t semi = signed_headers.find(';', pos);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    std::string_view name = signed_headers.substr(pos, semi - pos);
    pos = semi + 1;
    if (name.empty()) continue;
    std::string joined;
    bool first = true;
    for (const auto& [k, v] : request.headers) {
      if (!iequals(trim(k), name)) continue;
      if (!first) joined += ',';
      joined += canonical_header_value(v);
      first = false;
    }
    out += name;
    out += ':';
    out += joined;
    out += '\n';
  }
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string credential_scope(std::string_view date8, std::string_view region, std::string_view service) {
  std::string out(date8);
  out += '/';
  out += region;
  out += '/';
  out += service;
  out += "/aws4_request";
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view creq) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += sha256_hex(creq);
  return out;
}

namespace {

std::string derive_signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                               std::string_view service) {
  std::string k = "AWS4";
  k += secret;
  std::string k_date = hmac_sha256(k, date8);
  // Wipe the copy of the secret before it goes back to the allocator.
  wipe(k.data(), k.size());
  std::string k_region = hmac_sha256(k_date, region);
  std::string k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

// The signing key depends on the secret, the day, the region and the service only, so a client
// or a server reuses it for a day (AWS's SDKs cache it the same way): four HMACs saved per request.
// A few entries per thread, replaced in turn; a replaced entry's secret and key are wiped.
struct SigningKeyCache {
  struct Entry {
    std::string secret, date8, region, service, key;
  };
  static constexpr std::size_t kSize = 8;
  Entry entries[kSize];
  std::size_t next = 0;
  ~SigningKeyCache() {
    for (auto& e : entries) {
      wipe(e.secret.data(), e.secret.size());
      wipe(e.key.data(), e.key.size());
    }
  }
};

}  // namespace

std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service) {
  thread_local SigningKeyCache cache;
  for (const auto& e : cache.entries)
    if (!e.key.empty() && e.date8 == date8 && e.region == region && e.service == service &&
        constant_time_equal(e.secret, secret))
      return e.key;
  auto& e = cache.entries[cache.next];
  cache.next = (cache.next + 1) % SigningKeyCache::kSize;
  wipe(e.secret.data(), e.secret.size());
  wipe(e.key.data(), e.key.size());
  e.secret.assign(secret);
  e.date8.assign(date8);
  e.region.assign(region);
  e.service.assign(service);
  e.key = derive_signing_key(secret, date8, region, service);
  return e.key;
}

SigningResult sign(HttpRequest& request, const Credentials& credentials, const SigningParams& params) {
  std::string amz_date = params.amz_date.empty() ? format_amz_date(std::chrono::system_clock::now()) : params.amz_date;
  std::string date8 = amz_date.substr(0, 8);
  request.set_header("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty() && !params.omit_session_token)
    request.set_header("X-Amz-Security-Token", credentials.session_token);
  std::string payload_hash = sha256_hex(request.body);
  if (params.sign_body) request.set_header("X-Amz-Content-SHA256", payload_hash);

  SigningResult r;
  std::string signed_headers = signed_headers_of(request);
  std::string scope = credential_scope(date8, params.region, params.service);
  r.canonical_request = canonical_request(request, signed_headers, payload_hash, params.normalize_path);
  r.string_to_sign = string_to_sign(amz_date, scope, r.canonical_request);
  r.signature = hex(hmac_sha256(signing_key(credentials.secret_access_key, date8, params.region, params.service),
                                r.string_to_sign));
  r.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                    ", SignedHeaders=" + signed_headers + ", Signature=" + r.signature;
  request.set_header("Authorization", r.authorization);
  if (!credentials.session_token.empty() && params.omit_session_token)
    request.set_header("X-Amz-Security-Token", credentials.session_token);
  return r;
}

SigningResult presign(HttpRequest& request, const Credentials& credentials, const SigningParams& params) {
  std::string amz_date = params.amz_date.empty() ? format_amz_date(std::chrono::system_clock::now()) : params.amz_date;
  std::string date8 = amz_date.substr(0, 8);
  std::string scope = credential_scope(date8, params.region, params.service);
  std::string signed_headers = signed_headers_of(request);
  auto add = [&](std::string_view name, std::string_view value) {
    if (!request.query.empty()) request.query += '&';
    request.query += name;
    request.query += '=';
    request.query += uri_encode(value);
  };
  add("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  add("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  add("X-Amz-Date", amz_date);
  add("X-Amz-SignedHeaders", signed_headers);
  add("X-Amz-Expires", std::to_string(params.expires_seconds));
  if (!credentials.session_token.empty() && !params.omit_session_token) add("X-Amz-Security-Token", credentials.session_token);

  SigningResult r;
  r.canonical_request = canonical_request(request, signed_headers, sha256_hex(request.body), params.normalize_path);
  r.string_to_sign = string_to_sign(amz_date, scope, r.canonical_request);
  r.signature = hex(hmac_sha256(signing_key(credentials.secret_access_key, date8, params.region, params.service),
                                r.string_to_sign));
  if (!credentials.session_token.empty() && params.omit_session_token) add("X-Amz-Security-Token", credentials.session_token);
  add("X-Amz-Signature", r.signature);
  return r;
}

// ---- verification ----------------------------------------------------------------------------

std::string ParsedAuthorization::scope() const { return credential_scope(date, region, service); }

std::pair<std::optional<ParsedAuthorization>, VerifyError> parse_authorization(std::string_view value) {
  auto fail = [](std::string msg) {
    return std::pair<std::optional<ParsedAuthorization>, VerifyError>{std::nullopt, {"IncompleteSignature", std::move(msg)}};
  };
  value = trim(value);
  constexpr std::string_view kAlg = "AWS4-HMAC-SHA256";
  if (value.substr(0, kAlg.size()) != kAlg || value.size() == kAlg.size() || value[kAlg.size()] != ' ')
    return fail("Authorization header requires the AWS4-HMAC-SHA256 algorithm.");
  value.remove_prefix(kAlg.size());
  std::map<std::string, std::string, std::less<>> fields;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view part = trim(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return fail("Authorization header requires 'key=value' pairs: '" + std::string(part) + "'.");
    std::string key(trim(part.substr(0, eq)));
    if (fields.contains(key)) return fail("Authorization header has a duplicate '" + key + "' parameter.");
    fields.emplace(std::move(key), std::string(trim(part.substr(eq + 1))));
  }
  for (const char* required : {"Credential", "SignedHeaders", "Signature"})
    if (!fields.contains(required))
      return fail(std::string("Authorization header requires '") + required + "' parameter.");
  ParsedAuthorization a;
  // Credential=AKID/date/region/service/aws4_request (the key id itself has no '/').
  std::vector<std::string> parts;
  {
    std::string_view cred = fields.find("Credential")->second;
    std::size_t p = 0;
    while (p <= cred.size()) {
      std::size_t s = cred.find('/', p);
      if (s == std::string_view::npos) s = cred.size();
      parts.emplace_back(cred.substr(p, s - p));
      p = s + 1;
    }
  }
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty() || parts[3].empty())
    return fail("Credential should be scoped to a valid region, service and date: 'ACCESS_KEY/YYYYMMDD/region/service/aws4_request'.");
  if (parts[4] != "aws4_request")
    return fail("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'.");
  a.access_key_id = parts[0];
  a.date = parts[1];
  a.region = parts[2];
  a.service = parts[3];
  a.terminator = parts[4];
  std::string_view sh = fields.find("SignedHeaders")->second;
  std::size_t p = 0;
  while (p <= sh.size()) {
    std::size_t s = sh.find(';', p);
    if (s == std::string_view::npos) s = sh.size();
    if (s > p) a.signed_headers.emplace_back(to_lower(sh.substr(p, s - p)));
    p = s + 1;
  }
  if (a.signed_headers.empty()) return fail("Authorization header has an empty SignedHeaders list.");
  a.signature = fields.find("Signature")->second;
  if (a.signature.size() != 64 ||
      !std::all_of(a.signature.begin(), a.signature.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return fail("Signature must be 64 lower-case hexadecimal digits.");
  return {std::move(a), {}};
}

namespace {

/// "Sun, 30 Aug 2015 12:36:00 GMT" (RFC 7231 IMF-fixdate) as YYYYMMDDTHHMMSSZ, or "".
std::string amz_date_from_http_date(std::string_view v) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string s(trim(v));
  char mon[4] = {0}, zone[4] = {0};
  int day = 0, year = 0, h = 0, m = 0, sec = 0;
  auto comma = s.find(", ");
  if (comma == std::string::npos) return {};
  if (std::sscanf(s.c_str() + comma + 2, "%2d %3s %4d %2d:%2d:%2d %3s", &day, mon, &year, &h, &m, &sec, zone) != 7 ||
      std::string_view(zone) != "GMT")
    return {};
  int month = 0;
  for (int i = 0; i < 12; ++i)
    if (kMonths[i] == mon) month = i + 1;
  if (month == 0) return {};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", year, month, day, h, m, sec);
  std::string out = buf;
  return parse_amz_date(out) ? out : std::string();
}

/// The raw query without its X-Amz-Signature parameter (for presigned requests).
std::string query_without_signature(std::string_view raw) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= raw.size()) {
    std::size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view part = raw.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty() || uri_decode(part.substr(0, part.find('='))) == "X-Amz-Signature") continue;
    if (!out.empty()) out += '&';
    out += part;
  }
  return out;
}

/// The first value of each decoded query parameter.
std::map<std::string, std::string, std::less<>> query_params(std::string_view raw) {
  std::map<std::string, std::string, std::less<>> out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view part = raw.substr(pos, amp - pos);
    pos = amp + 1;
    std::size_t eq = part.find('=');
    out.emplace(uri_decode(part.substr(0, eq)), eq == std::string_view::npos ? "" : uri_decode(part.substr(eq + 1)));
  }
  return out;
}

}  // namespace

namespace detail {

std::pair<std::optional<VerifiedRequest>, VerifyError> verify_prepare(const HttpRequest& request,
                                                                      const VerifyOptions& options) {
  using R = std::pair<std::optional<VerifiedRequest>, VerifyError>;
  auto auth = request.header("Authorization");
  VerifiedRequest v;
  std::optional<std::chrono::seconds> expires;
  if (!auth) {
    // Query (presigned) form: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature.
    auto q = query_params(request.query);
    if (!q.contains("X-Amz-Signature") && !q.contains("X-Amz-Credential"))
      return R{std::nullopt, {"MissingAuthenticationToken", "Request is missing Authentication Token"}};
    for (const char* required : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"})
      if (!q.contains(required))
        return R{std::nullopt, {"IncompleteSignature", std::string("Query-string authentication requires the ") + required + " parameter."}};
    if (q.find("X-Amz-Algorithm")->second != "AWS4-HMAC-SHA256")
      return R{std::nullopt, {"IncompleteSignature", "X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'."}};
    auth = "AWS4-HMAC-SHA256 Credential=" + q.find("X-Amz-Credential")->second + ", SignedHeaders=" +
           q.find("X-Amz-SignedHeaders")->second + ", Signature=" + q.find("X-Amz-Signature")->second;
    v.presigned = true;
    v.amz_date = q.find("X-Amz-Date")->second;
    long secs = 0;
    if (auto e = q.find("X-Amz-Expires"); e != q.end()) {
      char* end = nullptr;
      secs = std::strtol(e->second.c_str(), &end, 10);
      if (e->second.empty() || *end != '\0' || secs < 1 || secs > 604800)
        return R{std::nullopt, {"IncompleteSignature", "X-Amz-Expires must be a number of seconds from 1 to 604800."}};
      expires = std::chrono::seconds(secs);
    }
    if (auto t = q.find("X-Amz-Security-Token"); t != q.end()) v.session_token = t->second;
  } else {
    auto date_header = request.header("X-Amz-Date");
    if (date_header) {
      v.amz_date = std::string(trim(*date_header));
    } else if (auto http_date = request.header("Date")) {
      v.amz_date = amz_date_from_http_date(*http_date);
      if (v.amz_date.empty())
        return R{std::nullopt, {"IncompleteSignature", "The Date header is not an RFC 7231 date: '" + std::string(trim(*http_date)) + "'."}};
    } else {
      return R{std::nullopt, {"IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}};
    }
    v.session_token = request.header("X-Amz-Security-Token").value_or("");
  }
  auto [parsed, perr] = parse_authorization(*auth);
  if (!parsed) return R{std::nullopt, std::move(perr)};
  if (std::find(parsed->signed_headers.begin(), parsed->signed_headers.end(), "host") == parsed->signed_headers.end())
    return R{std::nullopt, {"SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization."}};
  if (!request.header("Host"))
    return R{std::nullopt, {"IncompleteSignature", "The request has no Host header."}};
  for (const auto& name : parsed->signed_headers)
    if (!request.header(name))
      return R{std::nullopt, {"SignatureDoesNotMatch", "Signed header '" + name + "' is missing from the request."}};
  auto when = parse_amz_date(v.amz_date);
  if (!when)
    return R{std::nullopt, {"IncompleteSignature", "X-Amz-Date must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z'."}};
  if (v.amz_date.substr(0, 8) != parsed->date)
    return R{std::nullopt, {"SignatureDoesNotMatch", "Credential should be scoped to a valid date: '" + parsed->date +
                                                         "' does not match the request date '" + v.amz_date.substr(0, 8) + "'."}};
  if (parsed->service != options.service)
    return R{std::nullopt, {"SignatureDoesNotMatch", "Credential should be scoped to correct service: '" + options.service + "'."}};
  if (options.region && parsed->region != *options.region)
    return R{std::nullopt, {"SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '" + parsed->region + "'."}};
  auto now = options.now == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now() : options.now;
  auto now_s = std::chrono::time_point_cast<std::chrono::seconds>(now);
  std::string minutes = std::to_string(options.max_skew.count() / 60);
  if (*when > now && *when - now > options.max_skew)
    return R{std::nullopt, {"SignatureDoesNotMatch", "Signature not yet current: " + v.amz_date + " is still later than " +
                                                         format_amz_date(now_s + options.max_skew) + " (" +
                                                         format_amz_date(now_s) + " + " + minutes + " min.)"}};
  if (expires && !options.presigned_fixed_window) {
    // A presigned request is good from its date for X-Amz-Expires seconds.
    if (now > *when + *expires)
      return R{std::nullopt, {"SignatureDoesNotMatch", "Signature expired: " + v.amz_date + " + " +
                                                           std::to_string(expires->count()) + " s is earlier than " +
                                                           format_amz_date(now_s) + "."}};
  } else if (now > *when && now - *when > options.max_skew) {
    return R{std::nullopt, {"SignatureDoesNotMatch", "Signature expired: " + v.amz_date + " is now earlier than " +
                                                         format_amz_date(now_s - options.max_skew) + " (" +
                                                         format_amz_date(now_s) + " - " + minutes + " min.)"}};
  }
  v.authorization = std::move(*parsed);
  return R{std::move(v), {}};
}

VerifyError verify_signature(const HttpRequest& request, const VerifiedRequest& parsed, std::string_view secret,
                             const VerifyOptions& options) {
  const auto& a = parsed.authorization;
  std::string signed_headers;
  for (const auto& h : a.signed_headers) {
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += h;
  }
  // botocore convention: a signed x-amz-content-sha256 is the payload hash the client used.
  std::string payload_hash = sha256_hex(request.body);
  if (auto declared = request.header("X-Amz-Content-SHA256"); declared && *declared != "UNSIGNED-PAYLOAD" &&
      std::find(a.signed_headers.begin(), a.signed_headers.end(), "x-amz-content-sha256") != a.signed_headers.end()) {
    if (*declared != payload_hash)
      return {"SignatureDoesNotMatch", "The provided 'x-amz-content-sha256' header does not match what was computed."};
  }
  std::string creq;
  if (parsed.presigned) {
    HttpRequest unsigned_request = request;
    unsigned_request.query = query_without_signature(request.query);
    creq = canonical_request(unsigned_request, signed_headers, payload_hash, options.normalize_path);
  } else {
    creq = canonical_request(request, signed_headers, payload_hash, options.normalize_path);
  }
  std::string sts = string_to_sign(parsed.amz_date, a.scope(), creq);
  std::string expected = hex(hmac_sha256(signing_key(secret, a.date, a.region, a.service), sts));
  if (!constant_time_equal(expected, a.signature))
    return {"SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details."};
  return {};
}

}  // namespace detail

}  // namespace iamforge::aws
