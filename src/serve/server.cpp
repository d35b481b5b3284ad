// `iamforge serve`'s HTTP layer and the bootstrap administrator.
//
// HTTP library: GNU libmicrohttpd (Debian's libmicrohttpd-dev). Its epoll mode runs one event loop
// per worker thread (MHD_OPTION_THREAD_POOL_SIZE), so a kept-alive connection costs no thread, a
// request costs about one read and one write, and a slow client holds nothing but its socket (idle
// connections are closed after a timeout). The first version used cpp-httplib, which gives every
// kept-alive connection a blocking worker thread: half of the server's CPU went to the kernel
// (six poll() calls, context switches and socket-name lookups per request; bench/serve/run.sh).
// libmicrohttpd is opened with dlopen when a server binds (base/dynlib.hpp), so the commands that
// never serve do not pay for linking it at start-up; calls are typed as microhttpd.h declares them.
#include "iamforge/serve/server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "iamforge/base/dynlib.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"

namespace iamforge::serve {

namespace {

// One request in flight: made by the URI callback (which sees the raw request target, as SigV4
// signs it), filled by the access handler, freed by the completion callback.
// A declared body larger than this is refused without reading it (see on_request).
constexpr unsigned long long kDiscardLimit = 64ull << 20;

// The libmicrohttpd functions the server calls, resolved once.
struct MhdApi {
  decltype(&MHD_start_daemon) start_daemon = nullptr;
  decltype(&MHD_stop_daemon) stop_daemon = nullptr;
  decltype(&MHD_get_daemon_info) get_daemon_info = nullptr;
  decltype(&MHD_create_response_from_buffer) create_response_from_buffer = nullptr;
  decltype(&MHD_add_response_header) add_response_header = nullptr;
  decltype(&MHD_queue_response) queue_response = nullptr;
  decltype(&MHD_destroy_response) destroy_response = nullptr;
  decltype(&MHD_lookup_connection_value) lookup_connection_value = nullptr;
  decltype(&MHD_get_connection_values_n) get_connection_values_n = nullptr;
  std::string error;  // why loading failed; empty when every pointer is set
};

const MhdApi& mhd() {
  static const MhdApi api = [] {
    MhdApi a;
    constexpr const char* kSoname = "libmicrohttpd.so.12";
    void* lib = base::open_library({kSoname}, &a.error);
    if (!lib) return a;
    (void)(base::bind_symbol(lib, kSoname, "MHD_start_daemon", a.start_daemon, &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_stop_daemon", a.stop_daemon, &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_get_daemon_info", a.get_daemon_info, &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_create_response_from_buffer", a.create_response_from_buffer,
                             &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_add_response_header", a.add_response_header, &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_queue_response", a.queue_response, &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_destroy_response", a.destroy_response, &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_lookup_connection_value", a.lookup_connection_value, &a.error) &&
           base::bind_symbol(lib, kSoname, "MHD_get_connection_values_n", a.get_connection_values_n, &a.error));
    return a;
  }();
  return api;
}

struct Pending {
  std::string target;
  std::string body;
  bool started = false;
  bool too_large = false;
};

}  // namespace

struct Server::Impl {
  backend::LocalBackend& backend;
  ServerOptions options;
  Service service;
  MHD_Daemon* daemon = nullptr;
  int port = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;

  Impl(backend::LocalBackend& b, ServerOptions o) : backend(b), options(std::move(o)), service(b, options.service) {}
  ~Impl() {
    if (daemon) mhd().stop_daemon(daemon);
  }

  static void* on_uri(void*, const char* uri, MHD_Connection*) {
    auto* p = new Pending;
    p->target = uri ? uri : "/";
    return p;
  }

  static void on_completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    delete static_cast<Pending*>(*con_cls);
    *con_cls = nullptr;
  }

  static MHD_Result send(MHD_Connection* connection, HttpReply reply) {
    MHD_Response* res =
        mhd().create_response_from_buffer(reply.body.size(), reply.body.data(), MHD_RESPMEM_MUST_COPY);
    if (!res) return MHD_NO;
    mhd().add_response_header(res, "x-amzn-RequestId", reply.request_id.c_str());
    mhd().add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
    MHD_Result r = mhd().queue_response(connection, static_cast<unsigned>(reply.status), res);
    mhd().destroy_response(res);
    return r;
  }

  MHD_Result too_large(MHD_Connection* connection) {
    return send(connection, service.error_reply(413, "ValidationError", "Request body too large"));
  }

  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char*, const char* method,
                               const char*, const char* upload_data, size_t* upload_data_size, void** con_cls) {
    auto* self = static_cast<Impl*>(cls);
    auto* p = static_cast<Pending*>(*con_cls);
    if (!p) return MHD_NO;  // the URI callback always makes one
    const std::size_t max_body = self->options.service.max_body;
    if (!p->started) {
      // Headers are in. A declared oversized body is read and dropped, then answered with 413 on a
      // connection that stays usable (clients send the whole body before reading the reply); one
      // far beyond the limit is answered at once and the connection closed.
      p->started = true;
      const char* length = mhd().lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      unsigned long long declared = length ? std::strtoull(length, nullptr, 10) : 0;
      if (declared > max_body) p->too_large = true;
      if (declared > kDiscardLimit) return self->too_large(connection);
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      if (p->body.size() + *upload_data_size > max_body) p->too_large = true;  // chunked: keep reading, drop it
      if (!p->too_large) p->body.append(upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (p->too_large) return self->too_large(connection);
    HttpRequest r;
    r.method = method;
    std::string_view target = p->target;
    auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    mhd().get_connection_values_n(
        connection, MHD_HEADER_KIND,
        [](void* out, MHD_ValueKind, const char* key, size_t key_size, const char* value, size_t value_size) {
          static_cast<HttpRequest*>(out)->headers.emplace_back(std::string(key, key_size),
                                                               std::string(value ? value : "", value ? value_size : 0));
          return MHD_YES;
        },
        &r);
    r.body = std::move(p->body);
    HttpReply reply;
    try {
      reply = self->service.handle(r);
    } catch (const std::exception&) {
      reply = self->service.error_reply(500, "ServiceFailure", "internal error");
    }
    return send(connection, std::move(reply));
  }
};

Server::Server(backend::LocalBackend& backend, ServerOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {}

Server::~Server() = default;

bool Server::bind(std::string* error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(impl_->options.port));
  if (inet_pton(AF_INET, impl_->options.host == "localhost" ? "127.0.0.1" : impl_->options.host.c_str(),
                &addr.sin_addr) != 1) {
    if (error) *error = "cannot listen on " + impl_->options.host + ": not an IPv4 address";
    return false;
  }
  unsigned threads = impl_->options.threads > 0 ? static_cast<unsigned>(impl_->options.threads)
                                                : std::max(2u, std::thread::hardware_concurrency());
  if (const MhdApi& api = mhd(); !api.error.empty()) {
    if (error) *error = api.error;
    return false;
  }
  // Worker threads inherit the caller's signal mask (cli/serve.cpp blocks SIGINT/SIGTERM first).
  impl_->daemon = mhd().start_daemon(
      MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO, 0, nullptr, nullptr, &Impl::on_request, impl_.get(),
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<const sockaddr*>(&addr),  //
      MHD_OPTION_THREAD_POOL_SIZE, threads,                            //
      MHD_OPTION_CONNECTION_TIMEOUT, 10u,  // idle or stalled connections (slow clients) closed after 10 s
      MHD_OPTION_CONNECTION_LIMIT, 10000u,                              //
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,                            //
      MHD_OPTION_URI_LOG_CALLBACK, &Impl::on_uri, nullptr,              //
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed, nullptr,        //
      MHD_OPTION_END);
  if (!impl_->daemon) {
    if (error) *error = "cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port);
    return false;
  }
  const MHD_DaemonInfo* info = mhd().get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  impl_->port = info ? info->port : impl_->options.port;
  return true;
}

int Server::port() const { return impl_->port; }

bool Server::run() {
  if (!impl_->daemon) return false;
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->stopping; });
  lock.unlock();
  // Stops accepting, closes connections and joins the workers; a request being handled finishes
  // first (its store transaction is never cut in half).
  mhd().stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
  return true;
}

void Server::stop() {
  std::lock_guard lock(impl_->mu);
  impl_->stopping = true;
  impl_->cv.notify_all();
}

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
