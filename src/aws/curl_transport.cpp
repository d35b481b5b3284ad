// libcurl transport: one easy handle per concurrent call, pooled for connection reuse.
//
// libcurl is opened with dlopen at the first request (base/dynlib.hpp): linked, it and the
// libraries behind it cost every iamforge command most of 4 ms of start-up. The header is still
// the one the build found, so every call below is typed as curl.h declares it.
#include <curl/curl.h>

#include <cstdlib>
#include <mutex>

#include "iamforge/aws/transport.hpp"
#include "iamforge/base/dynlib.hpp"

namespace iamforge::aws {

namespace {

// The libcurl functions this transport calls, resolved once.
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
  std::string error;  // why loading failed; empty when every pointer is set

  bool ok() const { return error.empty(); }
};

// Opens libcurl and calls curl_global_init, once per process (thread-safe static initialization).
const CurlApi& curl_api() {
  static const CurlApi api = [] {
    CurlApi a;
    constexpr const char* kSoname = "libcurl.so.4";
    void* lib = base::open_library({kSoname, "libcurl-gnutls.so.4", "libcurl-nss.so.4"}, &a.error);
    if (!lib) return a;
    bool all = base::bind_symbol(lib, kSoname, "curl_global_init", a.global_init, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_easy_init", a.easy_init, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_easy_cleanup", a.easy_cleanup, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_easy_setopt", a.easy_setopt, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_easy_perform", a.easy_perform, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_easy_getinfo", a.easy_getinfo, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_easy_strerror", a.easy_strerror, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_slist_append", a.slist_append, &a.error) &&
               base::bind_symbol(lib, kSoname, "curl_slist_free_all", a.slist_free_all, &a.error);
    if (!all) return a;
    if (CURLcode rc = a.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK)
      a.error = std::string("curl_global_init failed: ") + a.easy_strerror(rc);
    return a;
  }();
  return api;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto trim = [](std::string_view s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
      while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
      return std::string(s);
    };
    static_cast<std::vector<std::pair<std::string, std::string>>*>(user)->emplace_back(
        trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * n;
}

class CurlTransport final : public Transport {
 public:
  CurlTransport() {
    // CURLOPT_NOPROXY replaces the environment's no_proxy: keep it and add loopback.
    for (const char* var : {"no_proxy", "NO_PROXY"})
      if (const char* v = std::getenv(var); v && *v) {
        no_proxy_ = v;
        break;
      }
    if (no_proxy_ != "*") no_proxy_ += std::string(no_proxy_.empty() ? "" : ",") + "localhost,127.0.0.1,::1";
  }
  ~CurlTransport() override {
    for (CURL* h : pool_) curl_api().easy_cleanup(h);
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  std::string unavailable() override { return curl_api().error; }

  HttpResponse send(const std::string& base_url, const HttpRequest& request, std::chrono::milliseconds connect_timeout,
                    std::chrono::milliseconds total_timeout) override {
    HttpResponse out;
    const CurlApi& api = curl_api();
    if (!api.ok()) {
      out.error = api.error;
      return out;
    }
    CURL* h = acquire();
    if (!h) {
      out.error = "curl_easy_init failed";
      return out;
    }
    std::string url = base_url + (request.path.empty() ? "/" : request.path);
    if (!request.query.empty()) url += "?" + request.query;
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) headers = api.slist_append(headers, (k + ": " + v).c_str());
    headers = api.slist_append(headers, "Expect:");  // no 100-continue round trip
    char errbuf[CURL_ERROR_SIZE] = {0};
    api.easy_setopt(h, CURLOPT_URL, url.c_str());
    api.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "POST" || !request.body.empty()) {
      api.easy_setopt(h, CURLOPT_POST, 1L);
      api.easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      api.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else {
      api.easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    api.easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    api.easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
    api.easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    api.easy_setopt(h, CURLOPT_HEADERDATA, &out.headers);
    api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
    api.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
    api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    api.easy_setopt(h, CURLOPT_USERAGENT, "iamforge/0.1");
    api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    // Proxies come from the environment (http_proxy, https_proxy) as for the AWS CLI; loopback
    // endpoints (moto, `iamforge serve`) never go through one.
    api.easy_setopt(h, CURLOPT_NOPROXY, no_proxy_.c_str());
    CURLcode rc = api.easy_perform(h);
    if (rc != CURLE_OK) {
      out.error = std::string(api.easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : std::string());
      out.status = 0;
    } else {
      api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
    }
    api.easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    api.easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    api.slist_free_all(headers);
    release(h, rc == CURLE_OK);
    return out;
  }

 private:
  CURL* acquire() {
    {
      std::lock_guard lock(mu_);
      if (!pool_.empty()) {
        CURL* h = pool_.back();
        pool_.pop_back();
        return h;
      }
    }
    return curl_api().easy_init();
  }
  void release(CURL* h, bool healthy) {
    if (!healthy) {
      curl_api().easy_cleanup(h);
      return;
    }
    std::lock_guard lock(mu_);
    if (pool_.size() < 16) {
      pool_.push_back(h);
      return;
    }
    curl_api().easy_cleanup(h);
  }

  std::mutex mu_;
  std::vector<CURL*> pool_;
  std::string no_proxy_;
};

}  // namespace

std::shared_ptr<Transport> make_curl_transport() { return std::make_shared<CurlTransport>(); }

}  // namespace iamforge::aws
