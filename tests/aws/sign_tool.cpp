// Signs requests described on stdin with iamforge's SigV4 and prints the Authorization headers,
// for tests/aws/botocore_compare.py. Input, one request per block separated by a line "%%":
//   access_key_id \n secret \n session_token (may be empty) \n region \n service \n amz_date \n
//   method \n path \n query \n header count N \n N lines "Name: value" \n body (rest of the block)
// Output: one line per request: the Authorization header value.
#include <iostream>
#include <sstream>
#include <string>

#include "iamforge/aws/sigv4.hpp"

int main() {
  std::stringstream all;
  all << std::cin.rdbuf();
  std::string input = all.str();
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t end = input.find("\n%%\n", pos);
    std::string block = input.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? input.size() : end + 4;
    std::istringstream in(block);
    iamforge::aws::Credentials c;
    iamforge::aws::SigningParams p;
    iamforge::aws::HttpRequest r;
    std::string count;
    std::getline(in, c.access_key_id);
    std::getline(in, c.secret_access_key);
    std::getline(in, c.session_token);
    std::getline(in, p.region);
    std::getline(in, p.service);
    std::getline(in, p.amz_date);
    std::getline(in, r.method);
    std::getline(in, r.path);
    std::getline(in, r.query);
    std::getline(in, count);
    r.headers.clear();
    for (int i = 0, n = std::stoi(count); i < n; ++i) {
      std::string line;
      std::getline(in, line);
      auto colon = line.find(": ");
      r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    std::ostringstream body;
    body << in.rdbuf();
    r.body = body.str();
    auto result = iamforge::aws::sign(r, c, p);
    std::cout << result.authorization << "\n";
  }
  return 0;
}
