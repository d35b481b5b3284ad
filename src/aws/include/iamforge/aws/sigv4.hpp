#pragma once
/// AWS Signature Version 4 (reference §7): signing of requests (header and query/presigned form)
/// and server-side verification. Hashes and HMACs come from OpenSSL's libcrypto, opened with dlopen
/// at first use (see crypto_error()).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iamforge::aws {

/// An access key, optionally temporary (with a session token). The secret never appears in any
/// string this library produces other than the HMAC inputs.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty for long-term keys
  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

/// An HTTP request as the signer sees it. `path` and `query` are the raw request-target parts
/// (before and after '?', as they go on the wire); headers keep their order and spelling.
struct HttpRequest {
  std::string method = "POST";
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  /// Replaces every `name` header (case-insensitive) by one with `value`.
  void set_header(std::string_view name, std::string value);
};

/// How to sign.
struct SigningParams {
  std::string region = "us-east-1";
  std::string service = "iam";
  std::string amz_date;              ///< "20150830T123600Z"; the current UTC time when empty
  bool normalize_path = true;        ///< RFC 3986 dot-segment removal and '//' collapsing
  bool sign_body = false;            ///< add and sign `x-amz-content-sha256` (S3 style)
  bool omit_session_token = false;   ///< add the token header after signing (not signed)
  int expires_seconds = 3600;        ///< query (presigned) signing only
};

/// The pieces of one signature, for tests and diagnostics (never contains the secret).
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      ///< 64 lower-case hex digits
  std::string authorization;  ///< header form only
};

// ---- primitives ----------------------------------------------------------------------------

/// Empty when libcrypto (libcrypto.so.3, opened with dlopen the first time it is needed) is usable;
/// otherwise why not, in one line. Every hash below needs it: callers that sign or verify check
/// this once and report the reason, since a hash without it stops the process.
const std::string& crypto_error();
/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
/// Raw HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Lower-case hex of raw bytes.
std::string hex(std::string_view bytes);
/// Compares without an early exit (the time depends only on the lengths).
bool constant_time_equal(std::string_view a, std::string_view b);
/// RFC 3986 percent-encoding: unreserved (A-Z a-z 0-9 - _ . ~) kept, everything else %XX upper
/// case; '/' kept when `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash = false);
/// Percent-decoding; `plus_is_space` for form values.
std::string uri_decode(std::string_view s, bool plus_is_space = false);
/// "YYYYMMDDTHHMMSSZ" for a time point.
std::string format_amz_date(std::chrono::system_clock::time_point t);
/// Parses "YYYYMMDDTHHMMSSZ"; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s);

// ---- building blocks (reference §7.1) --------------------------------------------------------

/// The canonical URI of a raw path (normalized when asked, each byte outside unreserved and '/'
/// percent-encoded once).
std::string canonical_uri(std::string_view raw_path, bool normalize);
/// The canonical query string of a raw query (decoded, re-encoded, sorted).
std::string canonical_query(std::string_view raw_query);
/// Lower-case, sorted, ';'-joined names of all headers of `request`.
std::string signed_headers_of(const HttpRequest& request);
/// The canonical request over the headers named in `signed_headers` (';'-separated lower case).
std::string canonical_request(const HttpRequest& request, std::string_view signed_headers,
                              std::string_view payload_hash, bool normalize_path);
/// "YYYYMMDD/region/service/aws4_request".
std::string credential_scope(std::string_view date8, std::string_view region, std::string_view service);
/// The string to sign.
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
/// kSigning = HMAC chain over date, region, service, "aws4_request" (raw bytes).
std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service);

// ---- signing ---------------------------------------------------------------------------------

/// Signs `request` in place (header form): adds X-Amz-Date, X-Amz-Security-Token when the
/// credentials have a token, X-Amz-Content-SHA256 when `sign_body`, and Authorization. Signs every
/// header the request carries when called (so add Host and Content-Type first).
SigningResult sign(HttpRequest& request, const Credentials& credentials, const SigningParams& params);

/// Signs `request` in place by query parameters (presigned form): X-Amz-Algorithm, -Credential,
/// -Date, -Expires, -SignedHeaders, (-Security-Token) and finally -Signature are appended to the query.
SigningResult presign(HttpRequest& request, const Credentials& credentials, const SigningParams& params);

// ---- verification (reference §7.2) -----------------------------------------------------------

/// An `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;     ///< scope date, YYYYMMDD
  std::string region;
  std::string service;
  std::string terminator;  ///< "aws4_request"
  std::vector<std::string> signed_headers;  ///< lower case, as listed
  std::string signature;
  std::string scope() const;  ///< "date/region/service/aws4_request"
};

/// Why a verification failed, as AWS would say it (code spelling of error_codes.def).
struct VerifyError {
  std::string code;     ///< IncompleteSignature, MissingAuthenticationToken, SignatureDoesNotMatch, ...
  std::string message;
};

/// Parses the header value; an error names what is malformed (code IncompleteSignature).
std::pair<std::optional<ParsedAuthorization>, VerifyError> parse_authorization(std::string_view value);

/// What the verifier accepts.
struct VerifyOptions {
  std::string service = "iam";              ///< the scope's service must be this
  std::optional<std::string> region;        ///< when set, the scope's region must be this
  std::chrono::seconds max_skew{15 * 60};   ///< |now - X-Amz-Date| at most this
  std::chrono::system_clock::time_point now{};  ///< the current time when zero
  bool normalize_path = true;
  /// Presigned requests: false, good for X-Amz-Expires seconds (S3's rule); true, good for
  /// max_skew after X-Amz-Date whatever X-Amz-Expires says (1..604800 still required), as services
  /// other than S3 keep a fixed ~15-minute window (aws-sdk-go #2224; STS presigned
  /// GetCallerIdentity tokens made with X-Amz-Expires=60 are accepted for 15 minutes).
  bool presigned_fixed_window = false;
};

/// The outcome of a successful verification.
struct VerifiedRequest {
  ParsedAuthorization authorization;
  std::string session_token;  ///< X-Amz-Security-Token as received (empty when none); the caller
                              ///< checks that it belongs to the access key
  std::string amz_date;       ///< the request time, YYYYMMDDTHHMMSSZ
  bool presigned = false;     ///< signed in the query string rather than the Authorization header
};

/// Verifies a signed request, header form (Authorization + X-Amz-Date, or the Date header) or
/// query form (X-Amz-Algorithm/-Credential/-Date/-Expires/-SignedHeaders/-Signature): the fields,
/// scope date == request date, service (and region when pinned), clock skew (at most
/// `max_skew`; a presigned request is good until X-Amz-Date + X-Amz-Expires), then the signature
/// recomputed with `secret_for(access_key_id)` (nullopt: unknown key, InvalidClientTokenId) and
/// compared in constant time. The request must be the one received (raw path, raw query, raw
/// body, received header values). Errors carry AWS's codes: MissingAuthenticationToken,
/// IncompleteSignature, InvalidClientTokenId, SignatureDoesNotMatch.
template <class SecretLookup>
std::pair<std::optional<VerifiedRequest>, VerifyError> verify(const HttpRequest& request, SecretLookup&& secret_for,
                                                              const VerifyOptions& options = {});

namespace detail {
/// Steps of verify() before and after the secret lookup (non-template parts).
std::pair<std::optional<VerifiedRequest>, VerifyError> verify_prepare(const HttpRequest& request,
                                                                      const VerifyOptions& options);
VerifyError verify_signature(const HttpRequest& request, const VerifiedRequest& parsed, std::string_view secret,
                             const VerifyOptions& options);
}  // namespace detail

template <class SecretLookup>
std::pair<std::optional<VerifiedRequest>, VerifyError> verify(const HttpRequest& request, SecretLookup&& secret_for,
                                                              const VerifyOptions& options) {
  auto prepared = detail::verify_prepare(request, options);
  if (!prepared.first) return prepared;
  std::optional<std::string> secret = secret_for(prepared.first->authorization.access_key_id);
  if (!secret)
    return {std::nullopt, {"InvalidClientTokenId", "The security token included in the request is invalid."}};
  VerifyError err = detail::verify_signature(request, *prepared.first, *secret, options);
  if (!err.code.empty()) return {std::nullopt, std::move(err)};
  return prepared;
}

}  // namespace iamforge::aws
