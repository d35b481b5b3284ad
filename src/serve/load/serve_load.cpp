// iamforge-serve-load: a small signed-request load generator for `iamforge serve` (or any IAM
// Query API endpoint). N threads, one keep-alive connection each, every request SigV4-signed.
// HTTP/1.1 over a plain blocking socket (one write per request, Content-Length replies), so that
// the generator, which shares the machine's cores with the server, spends as little as it can.
// Mixed workload: 80% reads (GetRole, ListRoles, GetUser, ListAttachedRolePolicies), 20% writes
// (CreateRole, AttachRolePolicy, DetachRolePolicy, DeleteRole). Prints requests/s and latency
// percentiles.
//   iamforge-serve-load --endpoint http://127.0.0.1:PORT --key AKIA.. --secret .. [--threads 8] [--seconds 10]
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <strings.h>
#include <string>
#include <string_view>
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

// One kept-alive HTTP/1.1 connection; post() returns the reply's status, or -1 on a broken
// connection (after which it reconnects on the next call).
class Connection {
 public:
  Connection(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int post(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
    if (fd_ < 0 && !connect()) return -1;
    out_.clear();
    out_ += "POST / HTTP/1.1\r\n";
    for (const auto& [k, v] : headers) out_ += k + ": " + v + "\r\n";
    out_ += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out_ += body;
    for (std::size_t done = 0; done < out_.size();) {
      ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return fail();
      done += static_cast<std::size_t>(n);
    }
    // Headers, then Content-Length bytes of body.
    std::size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return fail();
    int status = in_.size() > 12 ? std::atoi(in_.c_str() + 9) : -1;
    bool keep_alive = in_.compare(0, 8, "HTTP/1.1") == 0, chunked = false, sized = false;
    std::size_t length = 0;
    for (std::size_t p = in_.find("\r\n") + 2; p < end;) {
      std::size_t eol = std::min(in_.find("\r\n", p), end);
      std::string_view line(in_.data() + p, eol - p);
      auto is = [&](std::string_view name) { return line.size() > name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0; };
      if (is("content-length:")) sized = true, length = std::strtoull(line.data() + 15, nullptr, 10);
      if (is("transfer-encoding:") && line.find("chunked") != std::string_view::npos) chunked = true;
      if (is("connection:")) keep_alive = line.find("close") == std::string_view::npos;
      p = eol + 2;
    }
    in_.erase(0, end + 4);
    if (chunked) {  // size CRLF data CRLF ... 0 CRLF CRLF
      for (;;) {
        std::size_t eol;
        while ((eol = in_.find("\r\n")) == std::string::npos)
          if (!fill()) return fail();
        std::size_t n = std::strtoull(in_.c_str(), nullptr, 16);
        while (in_.size() < eol + 2 + n + 2)
          if (!fill()) return fail();
        in_.erase(0, eol + 2 + n + 2);
        if (n == 0) break;
      }
    } else if (sized) {
      while (in_.size() < length)
        if (!fill()) return fail();
      in_.erase(0, length);
    } else {  // the body runs to the end of the connection
      while (fill()) in_.clear();
      keep_alive = false;
    }
    if (!keep_alive) close();
    return status;
  }

 private:
  bool connect() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res) != 0 || !res) return false;
    fd_ = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd_ >= 0 && ::connect(fd_, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    if (!ok) return fail() == 0;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    in_.clear();
    return true;
  }
  bool fill() {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  int fail() {
    close();
    return -1;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string host_;
  int port_;
  int fd_ = -1;
  std::string out_, in_;
};

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
  if (const std::string& why = iamforge::aws::crypto_error(); !why.empty()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], why.c_str());
    return 1;
  }
  iamforge::aws::Credentials creds{o.key, o.secret, ""};
  const std::string content_type = "application/x-www-form-urlencoded; charset=utf-8";

  auto send = [&](Connection& cli, const std::string& body) -> int {
    iamforge::aws::HttpRequest r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Host", hostport}, {"Content-Type", content_type}};
    r.body = body;
    iamforge::aws::SigningParams sp;
    iamforge::aws::sign(r, creds, sp);
    return cli.post(r.headers, r.body);
  };

  // Setup: one policy and one role per thread to attach to.
  {
    Connection cli(host, port);
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
      Connection cli(host, port);
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
