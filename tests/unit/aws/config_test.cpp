// Credentials, region and endpoint resolution in the AWS CLI's order, with an injected environment.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "iamforge/aws/config.hpp"

namespace fs = std::filesystem;
using namespace iamforge::aws;
using iamforge::backend::ErrorCode;

namespace {

constexpr const char* kEnvSecret = "envSECRETenvSECRETenvSECRET0123456789abc";
constexpr const char* kFileSecret = "fileSECRETfileSECRETfileSECRET0123456789";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("iamforge_aws_config_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / ".aws");
    env_["HOME"] = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel) << text;
  }
  ClientOptions options() {
    ClientOptions o;
    o.getenv = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return o;
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, EnvironmentKeysWinOverFilesAndIamSignsInUsEast1) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  env_["AWS_SESSION_TOKEN"] = "tok";
  env_["AWS_REGION"] = "eu-west-3";
  write(".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = x\n");
  auto r = resolve_config(options());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIAENV");
  EXPECT_EQ(r->credentials.session_token, "tok");
  EXPECT_EQ(r->region, "eu-west-3");
  EXPECT_EQ(r->endpoint_url, "https://iam.amazonaws.com");
  EXPECT_EQ(r->signing_region, "us-east-1");  // IAM's global endpoint
  EXPECT_FALSE(r->custom_endpoint);
}

TEST_F(ConfigTest, ProfileFromCredentialsAndConfigFiles) {
  env_["AWS_PROFILE"] = "dev";
  write(".aws/credentials",
        "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n"
        "[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=" + std::string(kFileSecret) + "\n");
  write(".aws/config", "[profile dev]\nregion = ap-south-1\ns3 =\n  max_concurrent_requests = 2\n");
  auto r = resolve_config(options());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIADEV");
  EXPECT_EQ(r->credentials.secret_access_key, kFileSecret);
  EXPECT_EQ(r->profile, "dev");
  EXPECT_EQ(r->region, "ap-south-1");
  EXPECT_NE(r->credentials_source.find("[dev]"), std::string::npos);
}

TEST_F(ConfigTest, KeysInTheConfigFileAndCustomFileLocations) {
  fs::create_directories(dir_ / "elsewhere");
  write("elsewhere/cfg", "[profile ci]\naws_access_key_id = AKIACI\naws_secret_access_key = s\nregion = us-west-2\n"
                         "endpoint_url = http://localhost:4566/\n");
  env_["AWS_CONFIG_FILE"] = (dir_ / "elsewhere/cfg").string();
  env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "elsewhere/none").string();
  ClientOptions o = options();
  o.profile = "ci";
  auto r = resolve_config(o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIACI");
  EXPECT_EQ(r->endpoint_url, "http://localhost:4566");
  EXPECT_TRUE(r->custom_endpoint);
  EXPECT_EQ(r->signing_region, "us-west-2");  // botocore signs custom endpoints with the client region
}

TEST_F(ConfigTest, ExplicitProfileSkipsEnvironmentKeys) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  write(".aws/credentials", "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = o\n");
  ClientOptions o = options();
  o.profile = "ops";
  auto r = resolve_config(o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "AKIAOPS");
}

TEST_F(ConfigTest, EndpointPrecedence) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  env_["AWS_ENDPOINT_URL"] = "http://generic:1";
  auto r = resolve_config(options());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint_url, "http://generic:1");
  env_["AWS_ENDPOINT_URL_IAM"] = "http://iam-specific:2";
  r = resolve_config(options());
  EXPECT_EQ(r->endpoint_url, "http://iam-specific:2");
  ClientOptions o = options();
  o.endpoint_url = "http://flag:3/";
  r = resolve_config(o);
  EXPECT_EQ(r->endpoint_url, "http://flag:3");
  env_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  r = resolve_config(options());
  EXPECT_EQ(r->endpoint_url, "https://iam.amazonaws.com");
  o.endpoint_url = "ftp://nope";
  r = resolve_config(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
}

TEST_F(ConfigTest, PartitionEndpoints) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  env_["AWS_DEFAULT_REGION"] = "cn-northwest-1";
  auto r = resolve_config(options());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint_url, "https://iam.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(r->signing_region, "cn-north-1");
  env_["AWS_DEFAULT_REGION"] = "us-gov-east-1";
  r = resolve_config(options());
  EXPECT_EQ(r->endpoint_url, "https://iam.us-gov.amazonaws.com");
  EXPECT_EQ(r->signing_region, "us-gov-west-1");
}

TEST_F(ConfigTest, NoCredentialsNamesEveryPlaceLooked) {
  auto r = resolve_config(options());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::MissingAuthenticationToken);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("AWS_ACCESS_KEY_ID"), std::string::npos) << m;
  EXPECT_NE(m.find((dir_ / ".aws/credentials").string()), std::string::npos) << m;
  EXPECT_NE(m.find((dir_ / ".aws/config").string()), std::string::npos) << m;
  EXPECT_NE(m.find("'default'"), std::string::npos) << m;
}

TEST_F(ConfigTest, ErrorsNeverContainSecrets) {
  // A secret without its key id, in the environment and in a file: both are errors, neither prints it.
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  auto r = resolve_config(options());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find(kEnvSecret), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  env_.erase("AWS_SECRET_ACCESS_KEY");
  write(".aws/credentials", "[default]\naws_secret_access_key = " + std::string(kFileSecret) + "\n");
  r = resolve_config(options());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find(kFileSecret), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("aws_access_key_id"), std::string::npos) << r.error().message;
}

TEST_F(ConfigTest, UnknownNamedProfileIsAnError) {
  env_["AWS_PROFILE"] = "ghost";
  auto r = resolve_config(options());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(r.error().message.find("ghost"), std::string::npos);
}

TEST_F(ConfigTest, ExplicitCredentialsWin) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env_["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
  ClientOptions o = options();
  o.credentials = Credentials{"AKIAEXPLICIT", "s", ""};
  auto r = resolve_config(o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->credentials.access_key_id, "AKIAEXPLICIT");
}

}  // namespace
