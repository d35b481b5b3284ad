#pragma once
// JSON written the way Go's encoding/json writes it, because the strings we produce must match what
// Pulumi (fn::toJSON) and pulumi-aws (getPolicyDocument) produce: a plan that diffs policy text
// against state, or a user comparing with `pulumi preview`, sees the same bytes.
#include <string>
#include <string_view>

namespace iamforge::spec::detail {

/// A JSON string literal as Go escapes it: `"`, `\`, control characters, and (HTML-safe) `<`, `>`,
/// `&`, U+2028, U+2029 as \uXXXX; invalid UTF-8 bytes become \ufffd.
void append_go_string(std::string& out, std::string_view s);
/// A float64 as Go's encoder writes it: `1`, `1.5`, `1e+21`, `1e-7`.
void append_go_number(std::string& out, double d);

}  // namespace iamforge::spec::detail
