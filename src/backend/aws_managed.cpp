#include "aws_managed.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
extern const char iamforge_aws_managed_data[];
extern const char iamforge_aws_managed_data_end[];
}

namespace iamforge::backend::detail {
namespace {

struct Index {
  std::vector<AwsManagedPolicy> by_name;
  std::vector<std::string> ids;  // parallel to by_name
  std::unordered_map<std::string, std::size_t> by_path_name;
};

std::string make_id(std::string_view key) {
  // FNV-1a 64 over path + name, spelled in AWS's id alphabet (upper case letters and digits).
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : key) h = (h ^ ch) * 1099511628211ULL;
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id = "ANPA";
  for (int i = 0; i < 17; ++i) {
    id += kAlphabet[h & 31];
    h = (h >> 5) | (h << 59);
    if (i == 12) h ^= 0x9e3779b97f4a7c15ULL;
  }
  return id;
}

Index build() {
  Index index;
  std::string_view data(iamforge_aws_managed_data,
                        static_cast<std::size_t>(iamforge_aws_managed_data_end - iamforge_aws_managed_data));
  std::size_t eol = data.find('\n');
  if (eol == std::string_view::npos || data.substr(0, 26) != "iamforge-managed-policies\t")
    throw std::logic_error("embedded managed-policies.tsv: bad header");
  std::size_t pos = eol + 1;
  while (pos < data.size()) {
    eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    std::string_view line = data.substr(pos, eol - pos);
    pos = eol + 1;
    std::string_view f[7];
    std::size_t n = 0;
    for (std::size_t start = 0; n < 7; ++n) {
      std::size_t tab = n == 6 ? std::string_view::npos : line.find('\t', start);
      f[n] = line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
      if (tab == std::string_view::npos) {
        ++n;
        break;
      }
      start = tab + 1;
    }
    if (n != 7) throw std::logic_error("embedded managed-policies.tsv: bad line");
    // f[2] is the ARN (arn:aws:iam::aws:policy/...): the partition is the caller's, so it is not kept.
    index.by_name.push_back(AwsManagedPolicy{f[0], f[1], f[3], f[4], f[5], f[6]});
  }
  std::sort(index.by_name.begin(), index.by_name.end(), [](const AwsManagedPolicy& a, const AwsManagedPolicy& b) {
    int c = compare_names(a.name, b.name);
    return c != 0 ? c < 0 : a.path < b.path;
  });
  index.ids.reserve(index.by_name.size());
  index.by_path_name.reserve(index.by_name.size());
  for (std::size_t i = 0; i < index.by_name.size(); ++i) {
    std::string key = std::string(index.by_name[i].path) + std::string(index.by_name[i].name);
    index.ids.push_back(make_id(key));
    index.by_path_name.emplace(std::move(key), i);
  }
  return index;
}

const Index& index() {
  static const Index built = build();  // thread-safe, on first use only
  return built;
}

}  // namespace

int compare_names(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    int x = std::tolower(static_cast<unsigned char>(a[i]));
    int y = std::tolower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

const AwsManagedPolicy* find_aws_managed(std::string_view path, std::string_view name) {
  const Index& ix = index();
  auto it = ix.by_path_name.find(std::string(path) + std::string(name));
  return it == ix.by_path_name.end() ? nullptr : &ix.by_name[it->second];
}

std::span<const AwsManagedPolicy> aws_managed_policies() { return index().by_name; }

std::string_view aws_managed_policy_id(const AwsManagedPolicy& p) {
  const Index& ix = index();
  return ix.ids[static_cast<std::size_t>(&p - ix.by_name.data())];
}

}  // namespace iamforge::backend::detail
