#pragma once
#include <string>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/base/strings.hpp"

namespace iamforge::test {

inline std::string data_path(const std::string& rel) { return std::string(IAMFORGE_TEST_DATA) + "/" + rel; }

inline std::string slurp(const std::string& path) {
  std::string out, err;
  if (!base::read_file(path, out, err)) throw std::runtime_error("cannot read " + path + ": " + err);
  return out;
}

inline std::vector<std::string> codes(const std::vector<base::Diagnostic>& d) {
  std::vector<std::string> r;
  for (const auto& x : d) r.push_back(x.code);
  return r;
}

inline bool has_code(const std::vector<base::Diagnostic>& d, const std::string& code) {
  for (const auto& x : d)
    if (x.code == code) return true;
  return false;
}

}  // namespace iamforge::test
