#pragma once
// Test fixture shared by the tests against moto's server: starts `moto_server -H 127.0.0.1 -p PORT`
// on a free loopback port (its own process group), waits (bounded) until it answers an IAM call,
// and stops it at the end. When moto_server is missing or does not come up, skip_reason() says why
// and the tests skip loudly.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "iamforge/aws/aws_backend.hpp"

namespace iamforge::aws::motofixture {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 0;
  }
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

class MotoServer : public ::testing::Environment {
 public:
  void SetUp() override {
    // IAMFORGE_TEST_IAM_ENDPOINT points the suite at another IAM endpoint instead (e.g. `iamforge
    // serve`), with IAMFORGE_TEST_IAM_ACCESS_KEY_ID / _SECRET_ACCESS_KEY: a conformance run.
    if (const char* external = std::getenv("IAMFORGE_TEST_IAM_ENDPOINT"); external && *external) {
      endpoint_ = external;
      const char* id = std::getenv("IAMFORGE_TEST_IAM_ACCESS_KEY_ID");
      const char* secret = std::getenv("IAMFORGE_TEST_IAM_SECRET_ACCESS_KEY");
      if (id && secret) key_ = Credentials{id, secret, ""};
      std::cerr << "# NOTE: running against IAMFORGE_TEST_IAM_ENDPOINT=" << endpoint_ << ", not moto_server\n";
      return;
    }
    std::string exe = find_on_path("moto_server");
    if (exe.empty()) {
      skip_reason_ = "moto_server is not on PATH: install it with `python3 -m pip install 'moto[server]'` (make setup)";
      return;
    }
    port_ = free_port();
    log_ = (fs::temp_directory_path() / ("iamforge_moto_" + std::to_string(::getpid()) + ".log")).string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      // moto goes when the test process goes, however it ends (crash, SIGPIPE, timeout kill).
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(1);
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      std::string port = std::to_string(port_);
      ::execl(exe.c_str(), "moto_server", "-H", "127.0.0.1", "-p", port.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
    endpoint_ = "http://127.0.0.1:" + std::to_string(port_);
    // Wait (bounded) until it answers an IAM call.
    auto backend = open();
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        skip_reason_ = "moto_server exited at startup (see " + log_ + ")";
        return;
      }
      if (backend && backend->list_roles({"/", "", 1}).ok()) return;
      std::this_thread::sleep_for(200ms);
    }
    skip_reason_ = "moto_server did not answer within 60 s (see " + log_ + ")";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);  // its own process group: the shim and the server
      bool gone = false;
      for (int i = 0; i < 50 && !gone; ++i) {
        gone = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
        if (!gone) std::this_thread::sleep_for(100ms);
      }
      if (!gone) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    // The log is kept only when moto did not come up (skip_reason() names it).
    if (!log_.empty() && skip_reason_.empty()) {
      std::error_code ec;
      fs::remove(log_, ec);
    }
  }

  std::unique_ptr<AwsBackend> open(ClientOptions o = {}) const {
    o.endpoint_url = endpoint_;
    if (!o.credentials) o.credentials = key_;
    o.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    o.connect_timeout = 2s;
    o.request_timeout = 20s;
    o.retry.max_attempts = 2;
    o.retry.consistency_attempts = 1;
    auto b = open_aws_backend(o);
    if (!b) return nullptr;
    return std::move(b.value());
  }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& endpoint() const { return endpoint_; }
  const Credentials& key() const { return key_; }

 private:
  pid_t pid_ = -1;
  Credentials key_{"AKIAMOTOTESTKEY00001", "motoSecretKeyThatIsNeverPrinted0000000", ""};
  int port_ = 0;
  std::string endpoint_, log_, skip_reason_;
};

/// Prints the loud banner and skips the current test when moto is not available.
#define IAMFORGE_REQUIRE_MOTO(server)                                                                    \
  do {                                                                                                   \
    if (!(server)->skip_reason().empty()) {                                                              \
      std::cerr << "\n################################################################################\n" \
                << "# SKIPPED: tests against moto's server need moto_server.\n# " << (server)->skip_reason() \
                << "\n################################################################################\n";  \
      GTEST_SKIP() << (server)->skip_reason();                                                           \
    }                                                                                                    \
  } while (0)

}  // namespace iamforge::aws::motofixture
