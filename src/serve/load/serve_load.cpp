// iamforge-serve-load: a small signed-request load generator for `iamforge serve` (or any IAM
// Query API endpoint). N threads, one keep-alive connection each, every request SigV4-signed.
// Mixed workload: 80% reads (GetRole, ListRoles, GetUser, ListAttachedRolePolicies), 20% writes
// (CreateRole, AttachRolePolicy, DetachRolePolicy, DeleteRole). Prints requests/s and latency
// percentiles.
//   iamforge-serve-load --endpoint http://127.0.0.1:PORT --key AKIA.. --secret .. [--threads 8] [--seconds 10]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "iamforge/aws/sigv4.hpp"
#include "iamforge/serve/wire.hpp"

namespace {

struct Options {
  std::string endpoint, key, secret;
  int threads = 8;
  double seconds = 10;
};

const std::string kTrust = iamforge::serve::uri_encode(
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})");

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--endpoint") o.endpoint = v;
    else if (a == "--key") o.key = v;
    else if (a == "--secret") o.secret = v;
    else if (a == "--threads") o.threads = std::stoi(v);
    else if (a == "--seconds") o.seconds = std::stod(v);
  }
  if (o.endpoint.rfind("http://", 0) != 0 || o.key.empty() || o.secret.empty()) {
    std::fprintf(stderr, "usage: %s --endpoint http://HOST:PORT --key ID --secret SECRET [--threads N] [--seconds S]\n", argv[0]);
    return 2;
  }
  std::string hostport = o.endpoint.substr(7);
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  auto colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  int port = std::stoi(hostport.substr(colon + 1));
  iamforge::aws::Credentials creds{o.key, o.secret, ""};
  const std::string content_type = "application/x-www-form-urlencoded; charset=utf-8";

  auto send = [&](httplib::Client& cli, const std::string& body) -> int {
    iamforge::aws::HttpRequest r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Host", hostport}, {"Content-Type", content_type}};
    r.body = body;
    iamforge::aws::SigningParams sp;
    iamforge::aws::sign(r, creds, sp);
    httplib::Headers h;
    for (const auto& [k, v] : r.headers)
      if (k != "Content-Type") h.emplace(k, v);
    auto res = cli.Post("/", h, r.body, content_type.c_str());
    return res ? res->status : -1;
  };

  // Setup: one policy and one role per thread to attach to.
  {
    httplib::Client cli(host, port);
    send(cli, "Action=CreatePolicy&Version=2010-05-08&PolicyName=load-policy&PolicyDocument=" +
                  iamforge::serve::uri_encode(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})"));
    for (int t = 0; t < o.threads; ++t)
      send(cli, "Action=CreateRole&Version=2010-05-08&RoleName=load-" + std::to_string(t) + "&AssumeRolePolicyDocument=" + kTrust);
  }
  std::string policy_arn = "arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fload-policy";

  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(o.threads);
  std::vector<long> errors(o.threads, 0);
  std::vector<std::thread> workers;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < o.threads; ++t) {
    workers.emplace_back([&, t] {
      httplib::Client cli(host, port);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      cli.set_read_timeout(30, 0);
      std::string mine = "load-" + std::to_string(t);
      long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        std::string body;
        int slot = static_cast<int>(n % 10);
        int expect = 200;
        switch (slot) {
          case 0: case 1: case 2: body = "Action=GetRole&Version=2010-05-08&RoleName=" + mine; break;
          case 3: case 4: body = "Action=ListRoles&Version=2010-05-08&MaxItems=20"; break;
          case 5: case 6: body = "Action=GetUser&Version=2010-05-08"; break;
          case 7: body = "Action=ListAttachedRolePolicies&Version=2010-05-08&RoleName=" + mine; break;
          case 8:
            body = (n / 10) % 2 == 0 ? "Action=AttachRolePolicy&Version=2010-05-08&RoleName=" + mine + "&PolicyArn=" + policy_arn
                                     : "Action=DetachRolePolicy&Version=2010-05-08&RoleName=" + mine + "&PolicyArn=" + policy_arn;
            break;
          default: {
            std::string tmp = mine + "-tmp";
            body = (n / 10) % 2 == 0 ? "Action=CreateRole&Version=2010-05-08&RoleName=" + tmp + "&AssumeRolePolicyDocument=" + kTrust
                                     : "Action=DeleteRole&Version=2010-05-08&RoleName=" + tmp;
          }
        }
        auto t0 = std::chrono::steady_clock::now();
        int status = send(cli, body);
        auto t1 = std::chrono::steady_clock::now();
        if (status != expect) ++errors[t];
        latencies[t].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        ++n;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  long errs = 0;
  for (int t = 0; t < o.threads; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    errs += errors[t];
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))]; };
  std::printf("requests: %zu in %.1f s, %d threads (80%% reads, 20%% writes; all SigV4-signed)\n", all.size(), elapsed, o.threads);
  std::printf("throughput: %.0f req/s\n", all.size() / elapsed);
  std::printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", pct(0.5), pct(0.9), pct(0.99), all.empty() ? 0.0 : all.back());
  std::printf("unexpected statuses: %ld\n", errs);
  return 0;
}
