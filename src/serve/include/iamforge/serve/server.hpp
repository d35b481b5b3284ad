#pragma once
/// `iamforge serve`: the Service behind an HTTP/1.1 server (libmicrohttpd, epoll), and the bootstrap
/// administrator's access key.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "iamforge/backend/local_backend.hpp"
#include "iamforge/serve/service.hpp"

namespace iamforge::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0: the kernel picks a free port (see Server::port())
  int threads = 0;  ///< event-loop worker threads; 0: max(2, cores)
  ServiceOptions service;
};

/// An HTTP server answering the IAM Query API and STS on one port.
class Server {
 public:
  Server(backend::LocalBackend& backend, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the listening socket and starts the workers (requests are served from here on).
  /// False (with `error`) when the address can't be bound.
  bool bind(std::string* error);
  /// The bound port (after bind()).
  int port() const;
  /// Serves until stop() is called (from any thread or a signal-watching thread).
  bool run();
  /// Stops accepting, finishes the requests in flight and makes run() return.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The administrator's access key, as `aws iam create-access-key` prints it.
struct AdminKey {
  std::string user_name;
  std::string access_key_id;
  std::string secret_access_key;
  bool created = false;  ///< made just now (print it once when there's no key file)
};

/// Ensures the bootstrap administrator (user kAdminUserName with an inline AdministratorAccess
/// policy) exists. With `key_file`: reads the key from it when it exists (and checks that the
/// store has it), else creates a key and writes the file (mode 0600) as JSON shaped like
/// `aws iam create-access-key`'s reply. Without: creates a key only when the administrator is new.
/// Returns the key (empty id when none was created or read), or an error message.
std::optional<AdminKey> bootstrap_admin(backend::LocalBackend& backend, const std::string& key_file, std::string* error);

}  // namespace iamforge::serve
