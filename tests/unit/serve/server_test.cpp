// The HTTP layer of `iamforge serve` (server.cpp, libmicrohttpd) over real loopback sockets:
// keep-alive, the raw request target handed to SigV4, body limits answered with AWS's envelope,
// HTTP/1.0, slow and broken clients, and stop().
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "iamforge/aws/sigv4.hpp"
#include "iamforge/serve/server.hpp"

using namespace iamforge;
using namespace iamforge::serve;

namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("iamforge-server-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    backend::LocalOptions lo;
    lo.read_connections = 2;
    auto r = backend::LocalBackend::open((dir_ / "local-iam.db").string(), lo);
    ASSERT_TRUE(r.ok());
    be_ = std::move(r).value();
    std::string error;
    auto admin = bootstrap_admin(*be_, "", &error);
    ASSERT_TRUE(admin) << error;
    creds_ = {admin->access_key_id, admin->secret_access_key, ""};
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    server_ = std::make_unique<Server>(*be_, o);
    ASSERT_TRUE(server_->bind(&error)) << error;
    runner_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    if (runner_.joinable()) runner_.join();
    server_.reset();
    be_.reset();
    std::filesystem::remove_all(dir_);
  }

  int connect_socket() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  static void send_all(int fd, const std::string& s) {
    for (std::size_t done = 0; done < s.size();) {
      ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  // One reply (headers + Content-Length body); empty when the server closed the connection.
  static std::string read_reply(int fd) {
    std::string in;
    char buf[8192];
    for (;;) {
      auto end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto cl = in.find("Content-Length: ");
        std::size_t length = cl != std::string::npos && cl < end ? std::stoul(in.substr(cl + 16)) : 0;
        if (in.size() >= end + 4 + length) return in.substr(0, end + 4 + length);
      }
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return in;
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  // A signed IAM POST as raw HTTP/1.1.
  std::string signed_post(const std::string& body, const std::string& target = "/") {
    aws::HttpRequest r;
    r.method = "POST";
    r.path = target.substr(0, target.find('?'));
    if (target.find('?') != std::string::npos) r.query = target.substr(target.find('?') + 1);
    r.headers = {{"Host", "127.0.0.1:" + std::to_string(server_->port())},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = body;
    aws::sign(r, creds_, aws::SigningParams{});
    std::string out = "POST " + target + " HTTP/1.1\r\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    return out + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::filesystem::path dir_;
  std::unique_ptr<backend::LocalBackend> be_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
  aws::Credentials creds_;
};

TEST_F(ServerTest, KeepAliveServesManySignedRequestsOnOneConnection) {
  int fd = connect_socket();
  for (int i = 0; i < 20; ++i) {
    send_all(fd, signed_post("Action=GetUser&Version=2010-05-08"));
    std::string reply = read_reply(fd);
    ASSERT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
    EXPECT_NE(reply.find("<UserName>iamforge-admin</UserName>"), std::string::npos) << reply;
    EXPECT_NE(reply.find("x-amzn-RequestId: "), std::string::npos) << reply;
  }
  ::close(fd);
}

// SigV4 signs the path and query exactly as sent: the server must hand over the raw target
// (percent-escapes and all), or every signed request with an escaped query would fail.
TEST_F(ServerTest, TheRawRequestTargetReachesSignatureVerification) {
  int fd = connect_socket();
  send_all(fd, signed_post("Action=ListRoles&Version=2010-05-08", "/?x=a%2Fb%20c"));
  std::string reply = read_reply(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  ::close(fd);
}

// A body over the limit (1 MiB) gets AWS's error envelope with 413; a declared one is read and
// dropped so the connection stays usable for the next request.
TEST_F(ServerTest, OversizedBodiesGet413AndTheConnectionSurvives) {
  int fd = connect_socket();
  std::string big = "Action=ListRoles&Version=2010-05-08&Pad=" + std::string(2 << 20, 'x');
  send_all(fd, signed_post(big));
  std::string reply = read_reply(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("<ErrorResponse"), std::string::npos) << reply.substr(0, 400);
  send_all(fd, signed_post("Action=GetUser&Version=2010-05-08"));
  EXPECT_EQ(read_reply(fd).rfind("HTTP/1.1 200", 0), 0u);
  ::close(fd);
  // A chunked body that grows past the limit: the same.
  fd = connect_socket();
  send_all(fd, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk(64 << 10, 'y');
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  for (int i = 0; i < 20; ++i) send_all(fd, size + chunk + "\r\n");
  send_all(fd, "0\r\n\r\n");
  reply = read_reply(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 200);
  ::close(fd);
  // One declared far beyond what is worth reading: answered at once, connection closed.
  fd = connect_socket();
  send_all(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\nAction=ListRoles");
  reply = read_reply(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply.substr(0, 300);
  ::close(fd);
}

TEST_F(ServerTest, Http10AndUnsignedRequestsGetAwsErrors) {
  int fd = connect_socket();
  send_all(fd, "POST / HTTP/1.0\r\nContent-Length: 35\r\n\r\nAction=ListRoles&Version=2010-05-08");
  std::string reply = read_reply(fd);
  EXPECT_NE(reply.find(" 403 "), std::string::npos) << reply;
  EXPECT_NE(reply.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos) << reply;
  ::close(fd);
}

// Clients that stall or send garbage hold nobody else up, and the server still stops promptly.
TEST_F(ServerTest, StalledAndBrokenClientsDoNotBlockOthers) {
  std::vector<int> stalled;
  for (int i = 0; i < 8; ++i) {
    int fd = connect_socket();
    send_all(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Le");  // never finished
    stalled.push_back(fd);
  }
  int garbage = connect_socket();
  send_all(garbage, "\x01\x02\x03 GARBAGE\r\n\r\n");
  int fd = connect_socket();
  auto t0 = std::chrono::steady_clock::now();
  send_all(fd, signed_post("Action=GetUser&Version=2010-05-08"));
  EXPECT_EQ(read_reply(fd).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  ::close(fd);
  ::close(garbage);
  for (int s : stalled) ::close(s);
}

}  // namespace
