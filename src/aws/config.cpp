// Credentials, region and endpoint resolution (the AWS CLI's order).
#include "iamforge/aws/config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace iamforge::aws {

namespace {

using backend::ApiError;
using backend::ErrorCode;
using Ini = std::map<std::string, std::map<std::string, std::string>>;

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return s;
}

std::string expand_home(const std::string& path, const std::string& home) {
  if (!path.empty() && path[0] == '~' && (path.size() == 1 || path[1] == '/')) return home + path.substr(1);
  return path;
}

const std::string* find(const Ini& ini, const std::string& section, const std::string& key) {
  auto s = ini.find(section);
  if (s == ini.end()) return nullptr;
  auto k = s->second.find(key);
  if (k == s->second.end() || k->second.empty()) return nullptr;
  return &k->second;
}

/// The default endpoint and signing region of IAM for a region's partition (reference §6.1).
std::pair<std::string, std::string> default_endpoint(const std::string& region) {
  if (region.rfind("cn-", 0) == 0) return {"https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"};
  if (region.rfind("us-gov-", 0) == 0) return {"https://iam.us-gov.amazonaws.com", "us-gov-west-1"};
  return {"https://iam.amazonaws.com", "us-east-1"};
}

}  // namespace

std::optional<Ini> read_ini_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Ini ini;
  std::string section, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    bool indented = line[0] == ' ' || line[0] == '\t';
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = trim(std::string_view(t).substr(1, t.size() - 2));
      ini[section];
      continue;
    }
    if (indented || section.empty()) continue;  // sub-section values (e.g. s3 = ...) and stray lines
    auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    ini[section][lower(trim(std::string_view(t).substr(0, eq)))] = trim(std::string_view(t).substr(eq + 1));
  }
  return ini;
}

backend::Result<ResolvedConfig> resolve_config(const ClientOptions& options) {
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    std::optional<std::string> v;
    if (options.getenv) {
      v = options.getenv(name);
    } else if (const char* raw = std::getenv(name.c_str())) {
      v = raw;
    }
    if (v && v->empty()) v.reset();
    return v;
  };
  ResolvedConfig out;
  std::string home = env("HOME").value_or("");

  // Profile: --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, "default".
  bool explicit_profile = options.profile.has_value() && !options.profile->empty();
  out.profile = explicit_profile ? *options.profile : env("AWS_PROFILE").value_or(env("AWS_DEFAULT_PROFILE").value_or("default"));
  std::string creds_path = expand_home(env("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), home);
  std::string config_path = expand_home(env("AWS_CONFIG_FILE").value_or("~/.aws/config"), home);
  std::optional<Ini> creds_file = read_ini_file(creds_path);
  std::optional<Ini> config_file = read_ini_file(config_path);
  std::string config_section = out.profile == "default" ? "default" : "profile " + out.profile;
  bool profile_exists = (creds_file && creds_file->contains(out.profile)) ||
                        (config_file && (config_file->contains(config_section) ||
                                         (out.profile == "default" && config_file->contains("profile default"))));
  if (config_file && out.profile == "default" && !config_file->contains("default") && config_file->contains("profile default"))
    config_section = "profile default";
  // The CLI refuses a named profile that exists nowhere (ProfileNotFound), except the implicit default.
  if (out.profile != "default" && !profile_exists)
    return ApiError(ErrorCode::InvalidInput, "The config profile (" + out.profile + ") could not be found in " + creds_path +
                                                 " or " + config_path + ".");
  auto cfg = [&](const std::string& key) -> const std::string* {
    return config_file ? find(*config_file, config_section, key) : nullptr;
  };

  // Credentials: explicit, environment (unless --profile), credentials file, config file.
  std::vector<std::string> looked;
  if (options.credentials && !options.credentials->empty()) {
    out.credentials = *options.credentials;
    out.credentials_source = "explicit options";
  }
  if (out.credentials.empty() && !explicit_profile) {
    auto id = env("AWS_ACCESS_KEY_ID"), secret = env("AWS_SECRET_ACCESS_KEY");
    if (id && secret) {
      out.credentials = {*id, *secret, env("AWS_SESSION_TOKEN").value_or(env("AWS_SECURITY_TOKEN").value_or(""))};
      out.credentials_source = "environment (AWS_ACCESS_KEY_ID)";
    } else if (id || secret) {
      return ApiError(ErrorCode::MissingAuthenticationToken,
                      std::string("Partial credentials found in the environment: ") +
                          (id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                              : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not") + ".");
    } else {
      looked.emplace_back("environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (not set)");
    }
  }
  auto from_ini = [&](const std::optional<Ini>& ini, const std::string& path, const std::string& section,
                      const char* what) -> std::optional<ApiError> {
    if (!out.credentials.empty()) return std::nullopt;
    if (!ini) {
      looked.push_back(std::string(what) + " " + path + " (not found)");
      return std::nullopt;
    }
    const std::string* id = find(*ini, section, "aws_access_key_id");
    const std::string* secret = find(*ini, section, "aws_secret_access_key");
    if (id && secret) {
      const std::string* token = find(*ini, section, "aws_session_token");
      out.credentials = {*id, *secret, token ? *token : ""};
      out.credentials_source = std::string(what) + " " + path + " [" + section + "]";
      return std::nullopt;
    }
    if (id || secret)
      return ApiError(ErrorCode::MissingAuthenticationToken,
                      "Partial credentials found in " + std::string(what) + " " + path + " [" + section + "]: missing " +
                          (id ? "aws_secret_access_key" : "aws_access_key_id") + ".");
    looked.push_back(std::string(what) + " " + path + " (" +
                     (ini->contains(section) ? "no keys in [" + section + "]" : "no [" + section + "] section") + ")");
    return std::nullopt;
  };
  if (auto err = from_ini(creds_file, creds_path, out.profile, "shared credentials file")) return *err;
  if (auto err = from_ini(config_file, config_path, config_section, "config file")) return *err;
  if (out.credentials.empty()) {
    std::string msg = "Unable to locate credentials for profile '" + out.profile + "'. Looked in: ";
    for (std::size_t i = 0; i < looked.size(); ++i) msg += (i ? "; " : "") + looked[i];
    msg += ". (credential_process, SSO and instance metadata are not supported.) Set AWS_ACCESS_KEY_ID and "
           "AWS_SECRET_ACCESS_KEY, or run \"aws configure\".";
    return ApiError(ErrorCode::MissingAuthenticationToken, std::move(msg));
  }

  // Region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region; IAM is global, so none is fine.
  if (options.region && !options.region->empty()) out.region = *options.region;
  else if (auto r = env("AWS_REGION")) out.region = *r;
  else if (auto d = env("AWS_DEFAULT_REGION")) out.region = *d;
  else if (const std::string* c = cfg("region")) out.region = *c;
  else out.region = "us-east-1";

  // Endpoint: --endpoint-url, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, the profile's endpoint_url
  // (the last three unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then IAM's global endpoint.
  bool ignore_configured = lower(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) == "true";
  std::optional<std::string> endpoint;
  if (options.endpoint_url && !options.endpoint_url->empty()) endpoint = options.endpoint_url;
  else if (!ignore_configured) {
    if (auto e = env("AWS_ENDPOINT_URL_IAM")) endpoint = e;
    else if (auto g = env("AWS_ENDPOINT_URL")) endpoint = g;
    else if (const std::string* c = cfg("endpoint_url")) endpoint = *c;
  }
  if (endpoint) {
    std::string e = *endpoint;
    if (e.rfind("http://", 0) != 0 && e.rfind("https://", 0) != 0)
      return ApiError(ErrorCode::InvalidInput, "Invalid endpoint URL '" + e + "': it must start with http:// or https://.");
    while (!e.empty() && e.back() == '/') e.pop_back();
    auto scheme_end = e.find("://") + 3;
    if (e.size() <= scheme_end) return ApiError(ErrorCode::InvalidInput, "Invalid endpoint URL '" + *endpoint + "': no host.");
    out.endpoint_url = e;
    out.custom_endpoint = true;
    // botocore signs requests to a custom endpoint with the client's region (reference §6.1).
    out.signing_region = out.region;
  } else {
    auto [url, signing] = default_endpoint(out.region);
    out.endpoint_url = url;
    out.signing_region = signing;
  }
  return out;
}

}  // namespace iamforge::aws
