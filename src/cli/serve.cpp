// `iamforge serve`: the IAM Query API and STS on a local port, over the same local IAM database
// the stack commands use (DIR/local-iam.db).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "commands.hpp"
#include "iamforge/aws/sigv4.hpp"
#include "iamforge/backend/local_backend.hpp"
#include "iamforge/serve/server.hpp"

namespace iamforge::cli {

int run_serve(const ServeOptions& o) {
  // --listen HOST:PORT (or PORT).
  std::string host = "127.0.0.1";
  int port = 0;
  {
    std::string listen = o.listen;
    auto colon = listen.rfind(':');
    std::string port_text = colon == std::string::npos ? listen : listen.substr(colon + 1);
    if (colon != std::string::npos) host = listen.substr(0, colon);
    try {
      std::size_t used = 0;
      port = std::stoi(port_text, &used);
      if (used != port_text.size() || port < 0 || port > 65535) throw std::out_of_range("port");
    } catch (const std::exception&) {
      std::fprintf(stderr, "iamforge serve: error: --listen expects HOST:PORT, got `%s`\n", o.listen.c_str());
      return kExitUsage;
    }
  }
  // Every request's signature is checked with libcrypto, opened here rather than at the first one.
  if (const std::string& why = aws::crypto_error(); !why.empty()) {
    std::fprintf(stderr, "iamforge serve: error: %s\n", why.c_str());
    return kExitFindings;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.data, ec);
  if (ec) {
    std::fprintf(stderr, "iamforge serve: error: cannot create `%s`: %s\n", o.data.c_str(), ec.message().c_str());
    return kExitFindings;
  }
  backend::LocalOptions lo;
  lo.account_id = o.account;
  // Each event-loop thread reads on its own connection; writes share the main one.
  lo.read_connections = o.threads > 0 ? o.threads : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  auto opened = backend::LocalBackend::open((std::filesystem::path(o.data) / "local-iam.db").string(), lo);
  if (!opened.ok()) {
    std::fprintf(stderr, "iamforge serve: error: local IAM: %s\n", backend::to_string(opened.error()).c_str());
    return kExitFindings;
  }
  auto be = std::move(opened).value();

  std::string error;
  auto admin = serve::bootstrap_admin(*be, o.admin_key_file, &error);
  if (!admin) {
    std::fprintf(stderr, "iamforge serve: error: %s\n", error.c_str());
    return kExitFindings;
  }
  if (admin->created && o.admin_key_file.empty())
    std::printf("Administrator access key (shown once; store it now):\n  user: %s\n  AccessKeyId: %s\n  SecretAccessKey: %s\n",
                admin->user_name.c_str(), admin->access_key_id.c_str(), admin->secret_access_key.c_str());
  else if (admin->created)
    std::printf("Administrator access key %s written to %s\n", admin->access_key_id.c_str(), o.admin_key_file.c_str());

  // SIGINT/SIGTERM are handled by one thread (sigwait); every other thread has them blocked, so a
  // signal never interrupts a request half-way: the server stops accepting and drains.
  // A client that goes away mid-reply must not kill the server (write() to a closed socket).
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::ServerOptions so;
  so.host = host;
  so.port = port;
  so.service.enforce = !o.no_enforce;
  so.threads = o.threads;
  so.service.simulate_result_per_resource = o.simulate_per_resource;
  serve::Server server(*be, so);
  if (!server.bind(&error)) {
    std::fprintf(stderr, "iamforge serve: error: %s\n", error.c_str());
    return kExitFindings;
  }
  std::printf("iamforge serve: listening on http://%s:%d (account %s, data %s, policies %s)\n", host.c_str(),
              server.port(), be->account_id().c_str(), o.data.c_str(), o.no_enforce ? "not enforced" : "enforced");
  std::fflush(stdout);

  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "iamforge serve: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
  });
  bool ok = server.run();
  if (!ok) {
    // run() returned without a signal (socket failure): wake the watcher so it can be joined.
    pthread_kill(watcher.native_handle(), SIGTERM);
  }
  watcher.join();
  std::fprintf(stderr, "iamforge serve: stopped\n");
  return ok ? kExitOk : kExitFindings;
}

}  // namespace iamforge::cli
