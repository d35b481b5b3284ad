#pragma once
/// Diagnostics with source spans, and their three renderings (human, JSON, compact).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iamforge::base {

/// Severity as AWS IAM Access Analyzer names its finding types.
enum class Severity : std::uint8_t { Error, SecurityWarning, Warning, Suggestion };

/// Stable lowercase name: "error", "security-warning", "warning", "suggestion".
std::string_view to_string(Severity s);

/// Half-open byte range [begin, end) into a source text. An empty span at 0 means "whole file".
struct Span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  auto operator<=>(const Span&) const = default;
};

/// One problem found in user input: stable code, severity, one-line message, span, optional help.
struct Diagnostic {
  std::string code;      ///< kebab-case by module, e.g. "policy.unknown-effect"
  Severity severity = Severity::Error;
  std::string message;   ///< lowercase, user input in backticks
  Span span;
  std::string help;      ///< optional, e.g. "did you mean `Allow`?"
};

/// 1-based line and column (column counts UTF-8 code points).
struct LineCol {
  std::uint32_t line = 1;
  std::uint32_t col = 1;
};

/// A named source text with a line index, for spans -> line:col and caret rendering.
class SourceFile {
 public:
  SourceFile(std::string path, std::string text);
  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  LineCol line_col(std::uint32_t offset) const;
  /// The text of 1-based line `line`, without its newline.
  std::string_view line_text(std::uint32_t line) const;

 private:
  std::string path_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

/// True if any diagnostic has Severity::Error.
bool has_error(const std::vector<Diagnostic>& diags);
/// Sort by span start, then code, keeping the order of equal elements.
void sort_by_position(std::vector<Diagnostic>& diags);

/// Human rendering with the source line and a caret underline (src may be null).
std::string render_human(const Diagnostic& d, const SourceFile* src);
/// Compact one-line rendering: `error[code] 7:19: message` (used in test expectations).
std::string render_compact(const Diagnostic& d, const SourceFile* src);
/// JSON object: {"code","severity","message","file","line","column","end_line","end_column","help"}.
std::string render_json(const Diagnostic& d, const SourceFile* src);

/// Closest candidate by edit distance (case-insensitive), or empty if none is close enough.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace iamforge::base
