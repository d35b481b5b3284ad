// json_fuzz: the hand-written JSON parser on arbitrary bytes.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "checks.hpp"
#include "iamforge/base/diagnostic.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"

namespace iamforge::fuzz {

void fail(const std::string& what, const std::string& details) {
  std::fprintf(stderr, "\n==== iamforge fuzz check failed: %s ====\n%s\n==== end ====\n", what.c_str(), details.c_str());
  std::fflush(stderr);
  std::abort();
}

namespace {

std::string show(std::string_view s) { return base::json_string(s.substr(0, 2000)); }

void check_spans(const json::Value& v, std::size_t size, std::string_view text) {
  if (v.span.begin > v.span.end || v.span.end > size)
    fail("json value span outside the input", "span [" + std::to_string(v.span.begin) + "," + std::to_string(v.span.end) +
                                                  ") in " + std::to_string(size) + " bytes\ninput: " + show(text));
  for (const auto& i : v.items) check_spans(i, size, text);
  for (const auto& m : v.members) {
    if (m.key_span.begin > m.key_span.end || m.key_span.end > size)
      fail("json key span outside the input", "key " + show(m.key) + "\ninput: " + show(text));
    check_spans(m.value, size, text);
  }
}

}  // namespace

int check_json_fuzz(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::uint32_t depth : {64u, 3u}) {
    json::ParseOptions opt;
    opt.max_depth = depth;
    json::ParseResult r = json::parse(text, opt);
    if (r.ok()) check_spans(r.value, size, text);
    // Diagnostics render in every format without reading outside the text.
    base::SourceFile src("input.json", std::string(text));
    for (const auto& d : r.diagnostics) {
      (void)base::render_human(d, &src);
      (void)base::render_compact(d, &src);
      (void)base::render_json(d, &src);
    }
    if (!r.ok()) continue;
    // Twin: write(parse(x)) parses again, to a value that writes the same text.
    std::string once = json::write(r.value);
    json::ParseResult again = json::parse(once, opt);
    if (!again.ok())
      fail("write(parse(x)) does not parse", "input: " + show(text) + "\nwritten: " + show(once) + "\nfirst error: " +
                                                 (again.diagnostics.empty() ? "" : again.diagnostics[0].message));
    std::string twice = json::write(again.value);
    if (twice != once)
      fail("write(parse(write(parse(x)))) != write(parse(x))",
           "input: " + show(text) + "\nonce:  " + show(once) + "\ntwice: " + show(twice));
  }
  return 0;
}

}  // namespace iamforge::fuzz
