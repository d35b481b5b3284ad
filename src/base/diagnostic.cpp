#include "iamforge/base/diagnostic.hpp"

#include <algorithm>

#include "iamforge/base/strings.hpp"

namespace iamforge::base {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::SecurityWarning: return "security-warning";
    case Severity::Warning: return "warning";
    case Severity::Suggestion: return "suggestion";
  }
  return "error";
}

SourceFile::SourceFile(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (std::uint32_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

LineCol SourceFile::line_col(std::uint32_t offset) const {
  if (offset > text_.size()) offset = static_cast<std::uint32_t>(text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  auto line = static_cast<std::uint32_t>(it - line_starts_.begin());
  std::uint32_t start = line_starts_[line - 1];
  std::uint32_t col = 1;
  for (std::uint32_t i = start; i < offset; ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;  // count code points
  return {line, col};
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  std::uint32_t b = line_starts_[line - 1];
  std::uint32_t e = line < line_starts_.size() ? line_starts_[line] - 1 : static_cast<std::uint32_t>(text_.size());
  std::string_view v(text_.data() + b, e - b);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  return v;
}

bool has_error(const std::vector<Diagnostic>& diags) {
  return std::any_of(diags.begin(), diags.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

void sort_by_position(std::vector<Diagnostic>& diags) {
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.begin != b.span.begin) return a.span.begin < b.span.begin;
    return a.code < b.code;
  });
}

namespace {
std::string location(const Diagnostic& d, const SourceFile* src) {
  if (!src) return {};
  LineCol lc = src->line_col(d.span.begin);
  return src->path() + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col);
}
}  // namespace

std::string render_compact(const Diagnostic& d, const SourceFile* src) {
  std::string out(to_string(d.severity));
  out += "[" + d.code + "]";
  if (src) {
    LineCol lc = src->line_col(d.span.begin);
    out += " " + std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }
  out += ": " + d.message;
  return out;
}

std::string render_human(const Diagnostic& d, const SourceFile* src) {
  std::string out(to_string(d.severity));
  out += "[" + d.code + "]: " + d.message + "\n";
  if (src) {
    LineCol lc = src->line_col(d.span.begin);
    std::string num = std::to_string(lc.line);
    std::string pad(num.size(), ' ');
    out += pad + " --> " + location(d, src) + "\n";
    std::string_view line = src->line_text(lc.line);
    // Long lines (minified JSON) are windowed around the span so the caret stays readable.
    std::uint32_t first_col = 1;
    std::string shown(line);
    if (line.size() > 160) {
      std::uint32_t from = lc.col > 60 ? lc.col - 60 : 1;
      // Convert code-point columns to a byte window (ASCII-dominant text; good enough for display).
      size_t b = 0, cp = 1;
      while (b < line.size() && cp < from) { if ((static_cast<unsigned char>(line[b]) & 0xC0) != 0x80) ++cp; ++b; }
      while (b < line.size() && (static_cast<unsigned char>(line[b]) & 0xC0) == 0x80) ++b;
      shown = (from > 1 ? "..." : "") + std::string(line.substr(b, 140)) + (b + 140 < line.size() ? "..." : "");
      first_col = from > 1 ? from - 3 : 1;
    }
    for (auto& c : shown) if (c == '\t') c = ' ';
    out += pad + " |\n" + num + " | " + shown + "\n" + pad + " | ";
    std::uint32_t end_col = lc.col + 1;
    if (d.span.end > d.span.begin) {
      LineCol e = src->line_col(d.span.end);
      end_col = e.line == lc.line ? std::max(e.col, lc.col + 1) : lc.col + 1;
    }
    std::uint32_t width = std::min<std::uint32_t>(end_col - lc.col, 140);
    out += std::string(lc.col - first_col, ' ') + std::string(width, '^') + "\n";
  }
  if (!d.help.empty()) out += std::string(src ? std::to_string(src->line_col(d.span.begin).line).size() : 0, ' ') + " = help: " + d.help + "\n";
  return out;
}

std::string render_json(const Diagnostic& d, const SourceFile* src) {
  std::string out = "{\"code\":";
  append_json_string(out, d.code);
  out += ",\"severity\":";
  append_json_string(out, to_string(d.severity));
  out += ",\"message\":";
  append_json_string(out, d.message);
  if (src) {
    LineCol b = src->line_col(d.span.begin);
    LineCol e = src->line_col(std::max(d.span.end, d.span.begin));
    out += ",\"file\":";
    append_json_string(out, src->path());
    out += ",\"line\":" + std::to_string(b.line) + ",\"column\":" + std::to_string(b.col) +
           ",\"end_line\":" + std::to_string(e.line) + ",\"end_column\":" + std::to_string(e.col);
  }
  if (!d.help.empty()) {
    out += ",\"help\":";
    append_json_string(out, d.help);
  }
  out += "}";
  return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string w = to_lower(word);
  const size_t limit = std::max<size_t>(2, w.size() / 3);
  size_t best = std::string::npos;
  std::string_view best_c;
  std::vector<size_t> prev, cur;
  for (auto c : candidates) {
    // The distance is at least the difference in length: a candidate beyond the limit (or no
    // better than the best so far) cannot be the answer, so skip it before the quadratic part.
    size_t diff = c.size() > w.size() ? c.size() - w.size() : w.size() - c.size();
    if (diff > limit || (best != std::string::npos && diff >= best)) continue;
    prev.resize(c.size() + 1);
    cur.resize(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= w.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (w[i - 1] == ascii_lower(c[j - 1]) ? 0 : 1)});
      std::swap(prev, cur);
    }
    size_t dist = prev[c.size()];
    if (dist < best) { best = dist; best_c = c; }
  }
  if (best == std::string::npos || best > limit) return {};
  return std::string(best_c);
}

}  // namespace iamforge::base
