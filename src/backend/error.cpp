// The error-code table (error_codes.def) as lookups.
#include "iamforge/backend/error.hpp"

#include <array>

namespace iamforge::backend {

namespace {
struct CodeInfo {
  std::string_view name;
  int http_status;
  Fault fault;
};
constexpr std::array kCodes = {
#define IAM_ERROR_CODE(code, http, fault) CodeInfo{#code, http, Fault::fault},
#include "iamforge/backend/error_codes.def"
#undef IAM_ERROR_CODE
};
}  // namespace

std::string_view to_string(ErrorCode code) { return kCodes[static_cast<std::size_t>(code)].name; }

std::optional<ErrorCode> error_code_from_string(std::string_view text) {
  for (std::size_t i = 0; i < kCodes.size(); ++i)
    if (kCodes[i].name == text) return static_cast<ErrorCode>(i);
  return std::nullopt;
}

int http_status_of(ErrorCode code) { return kCodes[static_cast<std::size_t>(code)].http_status; }

Fault fault_of(ErrorCode code) { return kCodes[static_cast<std::size_t>(code)].fault; }

std::string_view to_string(Fault fault) { return fault == Fault::Sender ? "Sender" : "Receiver"; }

std::string to_string(const ApiError& error) {
  std::string out(to_string(error.code));
  out += ": ";
  out += error.message;
  return out;
}

}  // namespace iamforge::backend
