#pragma once
/// IAM API errors as values: AWS's error codes (one table, error_codes.def), ApiError and Result<T>.
#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace iamforge::backend {

/// An IAM Query API error code, spelled exactly as AWS sends it in `<Code>`.
enum class ErrorCode : std::uint8_t {
#define IAM_ERROR_CODE(code, http, fault) code,
#include "iamforge/backend/error_codes.def"
#undef IAM_ERROR_CODE
};

/// Who is at fault, as the `<Type>` element of an error body says it.
enum class Fault : std::uint8_t { Sender, Receiver };

/// The code as AWS spells it, e.g. "NoSuchEntity".
std::string_view to_string(ErrorCode code);
/// The code for AWS's spelling (exact, case-sensitive), or nullopt for a code not in the table.
std::optional<ErrorCode> error_code_from_string(std::string_view text);
/// The HTTP status AWS answers with for `code` (e.g. 404 for NoSuchEntity).
int http_status_of(ErrorCode code);
/// Sender (4xx) or Receiver (5xx), for the error body's `<Type>`.
Fault fault_of(ErrorCode code);
/// "Sender" or "Receiver".
std::string_view to_string(Fault fault);

/// One failed IAM call: AWS's code, AWS's message text, and the HTTP status that goes with the code.
struct ApiError {
  ErrorCode code = ErrorCode::ServiceFailure;
  std::string message;  ///< AWS's text, e.g. "The role with name ml-team cannot be found."
  int http_status = 500;

  ApiError() = default;
  /// An error whose HTTP status comes from the table in error_codes.def.
  ApiError(ErrorCode c, std::string msg) : code(c), message(std::move(msg)), http_status(http_status_of(c)) {}
  bool operator==(const ApiError&) const = default;
};

/// "NoSuchEntity: The role with name x cannot be found." (for logs and the CLI).
std::string to_string(const ApiError& error);

/// The value of a successful IAM call, or the ApiError it failed with.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit by design
  Result(ApiError error) : v_(std::in_place_index<1>, std::move(error)) {}   // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// The value. INVARIANT: ok().
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error. INVARIANT: !ok().
  const ApiError& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

/// Success with no value, or the ApiError the call failed with.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(ApiError error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  /// The error. INVARIANT: !ok().
  const ApiError& error() const { assert(!ok()); return *error_; }

 private:
  std::optional<ApiError> error_;
};

/// Result of a call that returns nothing on success.
using Status = Result<void>;

}  // namespace iamforge::backend
