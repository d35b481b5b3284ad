// `iamforge serve`'s HTTP layer and the bootstrap administrator.
//
// HTTP library: cpp-httplib (Debian's libcpp-httplib-dev, a header plus a shared library). It is
// the smallest packaged HTTP/1.1 server that has what a local IAM endpoint needs: a worker thread
// pool, keep-alive, read/write timeouts (slow clients can't hold a worker forever), a payload size
// limit, and a clean stop(). Boost.Beast or libmicrohttpd would work too, with several times the
// code for the same result; the IAM Query API is one POST route.
#include "iamforge/serve/server.hpp"

#include <httplib.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"

namespace iamforge::serve {

struct Server::Impl {
  backend::LocalBackend& backend;
  ServerOptions options;
  Service service;
  httplib::Server http;
  int port = 0;

  Impl(backend::LocalBackend& b, ServerOptions o) : backend(b), options(std::move(o)), service(b, options.service) {}

  void handle(const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method;
    // The raw request target: SigV4 signs the path and query as they were sent.
    std::string_view target = req.target;
    auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    r.headers.reserve(req.headers.size());
    for (const auto& [k, v] : req.headers) {
      // httplib adds these itself; they were never on the wire.
      if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
      r.headers.emplace_back(k, v);
    }
    r.body = req.body;
    HttpReply reply = service.handle(r);
    res.status = reply.status;
    res.set_header("x-amzn-RequestId", reply.request_id);
    res.set_content(std::move(reply.body), reply.content_type.c_str());
  }
};

Server::Server(backend::LocalBackend& backend, ServerOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {
  auto& http = impl_->http;
  // httplib gives each connection a worker for as long as it is kept alive, and SDKs keep idle
  // connections open: many workers (they mostly sleep), and idle keep-alives closed after 5 s.
  unsigned threads = impl_->options.threads > 0 ? static_cast<unsigned>(impl_->options.threads)
                                                : std::max(64u, 16 * std::thread::hardware_concurrency());
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(5);
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  http.set_payload_max_length(impl_->options.service.max_body);
  http.set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { impl_->handle(req, res); };
  http.Post(".*", handler);
  http.Get(".*", handler);
  // httplib's own failures (payload too large, bad request line, unknown method): AWS's envelope.
  http.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string code = res.status == 413 ? "ValidationError" : res.status == 404 ? "InvalidAction" : "InvalidInput";
    std::string message = res.status == 413   ? "Request body too large"
                          : res.status == 404 ? "The requested resource is not served here"
                                              : "Bad request";
    HttpReply reply = impl_->service.error_reply(res.status, code, message);
    res.set_header("x-amzn-RequestId", reply.request_id);
    res.set_content(reply.body, "text/xml");
  });
  http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    HttpReply reply = impl_->service.error_reply(500, "ServiceFailure", "internal error");
    res.status = 500;
    res.set_content(reply.body, "text/xml");
  });
}

Server::~Server() = default;

bool Server::bind(std::string* error) {
  if (impl_->options.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(impl_->options.host);
  } else {
    impl_->port = impl_->http.bind_to_port(impl_->options.host, impl_->options.port) ? impl_->options.port : -1;
  }
  if (impl_->port <= 0) {
    if (error) *error = "cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port);
    return false;
  }
  return true;
}

int Server::port() const { return impl_->port; }
bool Server::run() { return impl_->http.listen_after_bind(); }
void Server::stop() { impl_->http.stop(); }

// ---------------------------------------------------------------------------------------------

namespace {

std::optional<AdminKey> read_key_file(const std::string& path, std::string* error) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = json::parse(ss.str());
  const json::Value* key = j.ok() ? j.value.find("AccessKey") : nullptr;
  const json::Value* id = key ? key->find("AccessKeyId") : nullptr;
  const json::Value* secret = key ? key->find("SecretAccessKey") : nullptr;
  const json::Value* user = key ? key->find("UserName") : nullptr;
  if (!id || !secret || !id->is_string() || !secret->is_string()) {
    *error = "`" + path + "` is not an access key file ({\"AccessKey\": {\"AccessKeyId\": ..., \"SecretAccessKey\": ...}})";
    return std::nullopt;
  }
  AdminKey k;
  k.access_key_id = id->text;
  k.secret_access_key = secret->text;
  k.user_name = user && user->is_string() ? user->text : kAdminUserName;
  return k;
}

bool write_key_file(const std::string& path, const backend::AccessKey& key, std::string* error) {
  std::string text = "{\n  \"AccessKey\": {\n    \"UserName\": " + base::json_string(key.user_name) +
                     ",\n    \"AccessKeyId\": " + base::json_string(key.access_key_id) +
                     ",\n    \"Status\": " + base::json_string(key.status) +
                     ",\n    \"SecretAccessKey\": " + base::json_string(key.secret_access_key) +
                     ",\n    \"CreateDate\": " + base::json_string(key.create_date) + "\n  }\n}\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create `" + path + "`: " + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot write `" + path + "`: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return true;
}

}  // namespace

std::optional<AdminKey> bootstrap_admin(backend::LocalBackend& be, const std::string& key_file, std::string* error) {
  bool new_admin = false;
  if (!be.get_user({kAdminUserName})) {
    auto u = be.create_user({.user_name = kAdminUserName});
    if (!u && u.error().code != backend::ErrorCode::EntityAlreadyExists) {
      *error = "cannot create the administrator: " + backend::to_string(u.error());
      return std::nullopt;
    }
    new_admin = u.ok();
  }
  // Re-put the administrator's policy every start: the administrator always can do everything.
  if (auto s = be.put_user_policy({kAdminUserName, kAdminPolicyName, kAdminPolicyDocument}); !s) {
    *error = "cannot give the administrator its policy: " + backend::to_string(s.error());
    return std::nullopt;
  }
  if (!key_file.empty()) {
    struct stat st {};
    if (::stat(key_file.c_str(), &st) == 0) {
      auto k = read_key_file(key_file, error);
      if (!k) return std::nullopt;
      auto cred = be.find_access_key(k->access_key_id);
      if (!cred || cred->secret_access_key != k->secret_access_key) {
        *error = "the access key in `" + key_file + "` is not in this store (a key file from another --data?)";
        return std::nullopt;
      }
      k->user_name = cred->user.user_name;
      return k;
    }
  } else if (!new_admin) {
    return AdminKey{};  // an existing administrator keeps its keys; they were printed when made
  }
  auto key = be.create_access_key({kAdminUserName});
  if (!key) {
    *error = "cannot create the administrator's access key: " + backend::to_string(key.error());
    return std::nullopt;
  }
  if (!key_file.empty() && !write_key_file(key_file, *key, error)) {
    (void)be.delete_access_key({kAdminUserName, key->access_key_id});
    return std::nullopt;
  }
  return AdminKey{key->user_name, key->access_key_id, key->secret_access_key, true};
}

}  // namespace iamforge::serve
