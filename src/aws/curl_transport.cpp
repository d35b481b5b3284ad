// libcurl transport: one easy handle per concurrent call, pooled for connection reuse.
#include <curl/curl.h>

#include <cstdlib>
#include <mutex>

#include "iamforge/aws/transport.hpp"

namespace iamforge::aws {

namespace {

std::once_flag g_curl_init;

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
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    // CURLOPT_NOPROXY replaces the environment's no_proxy: keep it and add loopback.
    for (const char* var : {"no_proxy", "NO_PROXY"})
      if (const char* v = std::getenv(var); v && *v) {
        no_proxy_ = v;
        break;
      }
    if (no_proxy_ != "*") no_proxy_ += std::string(no_proxy_.empty() ? "" : ",") + "localhost,127.0.0.1,::1";
  }
  ~CurlTransport() override {
    for (CURL* h : pool_) curl_easy_cleanup(h);
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse send(const std::string& base_url, const HttpRequest& request, std::chrono::milliseconds connect_timeout,
                    std::chrono::milliseconds total_timeout) override {
    CURL* h = acquire();
    HttpResponse out;
    if (!h) {
      out.error = "curl_easy_init failed";
      return out;
    }
    std::string url = base_url + (request.path.empty() ? "/" : request.path);
    if (!request.query.empty()) url += "?" + request.query;
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &out.headers);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "iamforge/0.1");
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    // Proxies come from the environment (http_proxy, https_proxy) as for the AWS CLI; loopback
    // endpoints (moto, `iamforge serve`) never go through one.
    curl_easy_setopt(h, CURLOPT_NOPROXY, no_proxy_.c_str());
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
      out.error = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : std::string());
      out.status = 0;
    } else {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);
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
    return curl_easy_init();
  }
  void release(CURL* h, bool healthy) {
    if (!healthy) {
      curl_easy_cleanup(h);
      return;
    }
    std::lock_guard lock(mu_);
    if (pool_.size() < 16) {
      pool_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

  std::mutex mu_;
  std::vector<CURL*> pool_;
  std::string no_proxy_;
};

}  // namespace

std::shared_ptr<Transport> make_curl_transport() { return std::make_shared<CurlTransport>(); }

}  // namespace iamforge::aws
