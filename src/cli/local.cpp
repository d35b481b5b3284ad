// `iamforge local quota`: the embedded local IAM's account quotas (AWS's defaults until raised, as
// an account owner raises them with Service Quotas).
#include <charconv>
#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "iamforge/backend/local_backend.hpp"

namespace iamforge::cli {

int run_local_quota(const LocalQuotaOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.data, ec);
  auto opened = backend::LocalBackend::open((std::filesystem::path(o.data) / "local-iam.db").string());
  if (!opened.ok()) {
    std::fprintf(stderr, "iamforge: error: local IAM: %s\n", backend::to_string(opened.error()).c_str());
    return kExitFindings;
  }
  auto& iam = *opened.value();
  for (const auto& a : o.assignments) {
    const auto eq = a.find('=');
    int value = 0;
    const char* begin = a.data() + (eq == std::string::npos ? a.size() : eq + 1);
    auto [end, err] = std::from_chars(begin, a.data() + a.size(), value);
    if (eq == std::string::npos || err != std::errc() || end != a.data() + a.size()) {
      std::fprintf(stderr, "iamforge: error: expected NAME=NUMBER, got `%s`\n", a.c_str());
      return kExitUsage;
    }
    if (auto s = iam.set_quota(std::string_view(a).substr(0, eq), value); !s.ok()) {
      std::fprintf(stderr, "iamforge: error: %s\n", backend::to_string(s.error()).c_str());
      return kExitUsage;
    }
  }
  const auto quotas = iam.adjustable_quotas();
  if (o.format == "json") {
    std::printf("{");
    for (std::size_t i = 0; i < quotas.size(); ++i)
      std::printf("%s\"%s\":%d", i ? "," : "", quotas[i].first.c_str(), quotas[i].second);
    std::printf("}\n");
  } else {
    for (const auto& [name, value] : quotas) std::printf("%-28s %d\n", name.c_str(), value);
  }
  return kExitOk;
}

}  // namespace iamforge::cli
