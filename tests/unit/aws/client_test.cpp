// AwsBackend over a scripted fake transport: request encoding and signing, reply decoding, error
// envelopes, retries (backoff with jitter, bounds), eventual-consistency retries, pagination, and
// that every operation of operations.def is dispatched with its Action.
#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "iamforge/aws/aws_backend.hpp"

using namespace iamforge::aws;
using namespace iamforge::backend;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSecret = "fakeSECRETfakeSECRETfakeSECRET0123456789";

class FakeTransport final : public Transport {
 public:
  std::deque<HttpResponse> script;
  std::vector<HttpRequest> sent;
  std::string base_url;
  HttpResponse fallback{200, {}, "<X/>", ""};
  std::string broken;  // what unavailable() answers

  std::string unavailable() override { return broken; }

  HttpResponse send(const std::string& url, const HttpRequest& request, std::chrono::milliseconds,
                    std::chrono::milliseconds) override {
    std::lock_guard lock(mu_);
    base_url = url;
    sent.push_back(request);
    if (script.empty()) return fallback;
    HttpResponse r = script.front();
    script.pop_front();
    return r;
  }

 private:
  std::mutex mu_;
};

HttpResponse ok(const std::string& action, const std::string& result_inner) {
  return {200, {}, "<" + action + "Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><" + action + "Result>" +
                       result_inner + "</" + action + "Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></" +
                       action + "Response>", ""};
}
HttpResponse aws_error(long status, const std::string& code, const std::string& message, const char* type = "Sender") {
  return {status, {}, std::string("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>") + type +
                          "</Type><Code>" + code + "</Code><Message>" + message +
                          "</Message></Error><RequestId>x</RequestId></ErrorResponse>", ""};
}

/// The form body as name -> value (decoded).
std::map<std::string, std::string> form(const std::string& body) {
  std::map<std::string, std::string> out;
  std::size_t p = 0;
  while (p <= body.size()) {
    auto amp = body.find('&', p);
    if (amp == std::string::npos) amp = body.size();
    std::string part = body.substr(p, amp - p);
    auto eq = part.find('=');
    out[uri_decode(part.substr(0, eq), true)] = eq == std::string::npos ? "" : uri_decode(part.substr(eq + 1), true);
    p = amp + 1;
  }
  return out;
}

struct Fixture {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<AwsBackend> backend;

  explicit Fixture(std::string endpoint = "http://127.0.0.1:4566") {
    ClientOptions o;
    o.endpoint_url = std::move(endpoint);
    o.credentials = Credentials{"AKIAFAKE", kSecret, ""};
    o.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    o.transport = transport;
    o.retry.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    o.retry.max_attempts = 4;
    o.retry.consistency_attempts = 3;
    auto b = open_aws_backend(o);
    EXPECT_TRUE(b) << (b ? "" : b.error().message);
    backend = std::move(b.value());
  }
};

const std::string kTrust = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

TEST(AwsClient, CreateRoleRequestIsFormEncodedSignedAndDecoded) {
  Fixture f;
  f.transport->script.push_back(ok("CreateRole",
      "<Role><Path>/app/</Path><RoleName>S3 Access</RoleName><RoleId>AROAEXAMPLE</RoleId>"
      "<Arn>arn:aws:iam::123456789012:role/app/S3Access</Arn><CreateDate>2024-05-08T23:34:01.123456+00:00</CreateDate>"
      "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22a%2Bb%22%3A%22x%20y%22%7D</AssumeRolePolicyDocument>"
      "<Description>d</Description><MaxSessionDuration>7200</MaxSessionDuration>"
      "<PermissionsBoundary><PermissionsBoundaryType>PermissionsBoundaryPolicy</PermissionsBoundaryType>"
      "<PermissionsBoundaryArn>arn:aws:iam::123456789012:policy/b</PermissionsBoundaryArn></PermissionsBoundary>"
      "<Tags><member><Key>env</Key><Value>dev</Value></member><member><Key>team</Key><Value>a&amp;b</Value></member></Tags></Role>"));
  CreateRoleRequest req;
  req.role_name = "S3 Access";
  req.assume_role_policy_document = kTrust;
  req.path = "/app/";
  req.max_session_duration = 7200;
  req.tags = {{"env", "dev"}, {"team", "a&b"}};
  auto role = f.backend->create_role(req);
  ASSERT_TRUE(role) << role.error().message;
  EXPECT_EQ(role->role_name, "S3 Access");
  EXPECT_EQ(role->create_date, "2024-05-08T23:34:01Z");
  EXPECT_EQ(role->assume_role_policy_document, R"({"Version":"2012-10-17","a+b":"x y"})");
  EXPECT_EQ(role->description, "d");
  EXPECT_EQ(role->max_session_duration, 7200);
  ASSERT_TRUE(role->permissions_boundary);
  EXPECT_EQ(role->permissions_boundary->permissions_boundary_arn, "arn:aws:iam::123456789012:policy/b");
  EXPECT_EQ(role->tags, (std::vector<Tag>{{"env", "dev"}, {"team", "a&b"}}));

  ASSERT_EQ(f.transport->sent.size(), 1u);
  const HttpRequest& sent = f.transport->sent[0];
  EXPECT_EQ(f.transport->base_url, "http://127.0.0.1:4566");
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, "/");
  EXPECT_EQ(sent.header("Host"), "127.0.0.1:4566");
  EXPECT_EQ(sent.header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(sent.body.rfind("Action=CreateRole&Version=2010-05-08&", 0), 0u) << sent.body;
  auto params = form(sent.body);
  EXPECT_EQ(params["RoleName"], "S3 Access");
  EXPECT_EQ(params["AssumeRolePolicyDocument"], kTrust);
  EXPECT_EQ(params["Path"], "/app/");
  EXPECT_EQ(params["MaxSessionDuration"], "7200");
  EXPECT_EQ(params["Tags.member.1.Key"], "env");
  EXPECT_EQ(params["Tags.member.2.Value"], "a&b");
  EXPECT_FALSE(params.contains("Description"));
  EXPECT_EQ(sent.body.find(' '), std::string::npos);  // spaces are %20

  // The signature verifies with the same secret (service iam; custom endpoint: the client's region).
  VerifyOptions vo;
  vo.region = "us-east-1";
  auto [v, err] = verify(sent, [](const std::string&) -> std::optional<std::string> { return kSecret; }, vo);
  EXPECT_TRUE(v) << err.code << ": " << err.message;
  for (const auto& [k, val] : sent.headers) EXPECT_EQ(val.find(kSecret), std::string::npos) << k;
}

// GetRole's RoleLastUsed: an empty element for a role never used, LastUsedDate and Region after.
TEST(AwsClient, GetRoleReadsRoleLastUsed) {
  Fixture f;
  f.transport->script = {
      ok("GetRole", "<Role><RoleName>a</RoleName><RoleLastUsed/></Role>"),
      ok("GetRole", "<Role><RoleName>b</RoleName><RoleLastUsed><LastUsedDate>2026-11-27T10:00:00Z</LastUsedDate>"
                    "<Region>eu-west-1</Region></RoleLastUsed></Role>"),
      ok("GetRole", "<Role><RoleName>c</RoleName></Role>")};
  auto a = f.backend->get_role({"a"});
  ASSERT_TRUE(a && a->role_last_used);
  EXPECT_FALSE(a->role_last_used->last_used_date);
  auto b = f.backend->get_role({"b"});
  ASSERT_TRUE(b && b->role_last_used);
  EXPECT_EQ(b->role_last_used->last_used_date, "2026-11-27T10:00:00Z");
  EXPECT_EQ(b->role_last_used->region, "eu-west-1");
  auto c = f.backend->get_role({"c"});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->role_last_used);
}

TEST(AwsClient, PolicyDocumentsAreUrlDecodedUnlessSentRaw) {
  Fixture f;
  f.transport->script = {
      ok("GetPolicyVersion", "<PolicyVersion><Document>%7B%22a%22%3A%22b%2520c%2Bd%20%C3%BC%22%7D</Document><VersionId>v1</VersionId>"
                             "<IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>"),
      // moto sends GetPolicyVersion's Document unencoded: a literal "%20" must survive.
      ok("GetPolicyVersion", "<PolicyVersion><Document>\n {\"a\":\"b%20c+d\"}</Document><VersionId>v1</VersionId></PolicyVersion>"),
      ok("GetUserPolicy", "<UserName>u</UserName><PolicyName>p</PolicyName><PolicyDocument>%7B%7D</PolicyDocument>")};
  auto a = f.backend->get_policy_version({"arn", "v1"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->document, std::string(R"({"a":"b%20c+d )") + "\xC3\xBC\"}");
  EXPECT_TRUE(a->is_default_version);
  auto b = f.backend->get_policy_version({"arn", "v1"});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->document, "\n {\"a\":\"b%20c+d\"}");
  EXPECT_FALSE(b->is_default_version);
  auto c = f.backend->get_user_policy({"u", "p"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_name, "u");
  EXPECT_EQ(c->policy_document, "{}");
}

TEST(AwsClient, ListParametersAndEmptyRequiredLists) {
  Fixture f;
  (void)f.backend->untag_role({"r", {"a", "b"}});
  (void)f.backend->tag_policy({"arn:aws:iam::1:policy/p", {}});
  (void)f.backend->list_policies({PolicyScopeType::Local, true, "/x/", PolicyUsageType::PermissionsBoundary, "", 10});
  (void)f.backend->create_policy_version({"arn:aws:iam::1:policy/p", "{}", true});
  ASSERT_EQ(f.transport->sent.size(), 4u);
  auto untag = form(f.transport->sent[0].body);
  EXPECT_EQ(untag["TagKeys.member.1"], "a");
  EXPECT_EQ(untag["TagKeys.member.2"], "b");
  auto tag = form(f.transport->sent[1].body);
  EXPECT_TRUE(tag.contains("Tags"));  // botocore sends an empty list as `Tags=`
  EXPECT_EQ(tag["Tags"], "");
  auto list = form(f.transport->sent[2].body);
  EXPECT_EQ(list["Scope"], "Local");
  EXPECT_EQ(list["OnlyAttached"], "true");
  EXPECT_EQ(list["PathPrefix"], "/x/");
  EXPECT_EQ(list["PolicyUsageFilter"], "PermissionsBoundary");
  EXPECT_EQ(list["MaxItems"], "10");
  EXPECT_EQ(form(f.transport->sent[3].body)["SetAsDefault"], "true");
}

TEST(AwsClient, ErrorEnvelopesBecomeApiErrors) {
  Fixture f;
  f.transport->script.push_back(aws_error(404, "NoSuchEntity", "The role with name ghost cannot be found."));
  auto r = f.backend->get_role({"ghost"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::NoSuchEntity);
  EXPECT_EQ(r.error().message, "The role with name ghost cannot be found.");
  EXPECT_EQ(r.error().http_status, 404);
  EXPECT_EQ(f.transport->sent.size(), 1u);  // never retried

  // <Errors><Error> wrapper (botocore accepts it too) and a code outside the table.
  ApiError e = parse_error_reply(400, "<Response><Errors><Error><Code>OptInRequired</Code><Message>m</Message></Error></Errors></Response>");
  EXPECT_EQ(e.code, ErrorCode::InvalidInput);
  EXPECT_EQ(e.message, "OptInRequired: m");
  EXPECT_EQ(parse_error_reply(400, "<ErrorResponse><Error><Code>ThrottlingException</Code><Message>slow</Message></Error></ErrorResponse>").code,
            ErrorCode::Throttling);
  ApiError html = parse_error_reply(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(html.code, ErrorCode::ServiceFailure);
  EXPECT_EQ(html.http_status, 502);
  EXPECT_NE(html.message.find("502"), std::string::npos);
}

TEST(AwsClient, RetriesThrottlingServerErrorsAndConnectionErrorsWithJitteredBackoff) {
  Fixture f;
  f.transport->script = {aws_error(400, "Throttling", "Rate exceeded"), aws_error(503, "ServiceUnavailable", "busy", "Receiver"),
                         HttpResponse{0, {}, "", "Couldn't connect to server"},
                         ok("GetGroup", "<Group><GroupName>g</GroupName></Group><Users/><IsTruncated>false</IsTruncated>")};
  auto g = f.backend->get_group({"g", "", std::nullopt});
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->group.group_name, "g");
  EXPECT_EQ(f.transport->sent.size(), 4u);
  ASSERT_EQ(f.sleeps.size(), 3u);
  // Full jitter: each delay within [0, min(cap, base * 2^n)].
  EXPECT_LE(f.sleeps[0], 100ms);
  EXPECT_LE(f.sleeps[1], 200ms);
  EXPECT_LE(f.sleeps[2], 400ms);
  EXPECT_EQ(f.backend->stats().retries, 3u);
  // Each attempt is signed afresh.
  for (const auto& r : f.transport->sent) EXPECT_TRUE(r.header("Authorization"));
}

TEST(AwsClient, RetriesAreBounded) {
  Fixture f;
  for (int i = 0; i < 10; ++i) f.transport->script.push_back(aws_error(500, "ServiceFailure", "down", "Receiver"));
  auto r = f.backend->delete_role({"r"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ServiceFailure);
  EXPECT_EQ(f.transport->sent.size(), 4u);  // max_attempts

  Fixture c;
  c.transport->script = {HttpResponse{0, {}, "", "Connection refused"}, HttpResponse{0, {}, "", "Connection refused"},
                         HttpResponse{0, {}, "", "Connection refused"}, HttpResponse{0, {}, "", "Connection refused"}};
  auto r2 = c.backend->delete_role({"r"});
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("Connection refused"), std::string::npos);
  EXPECT_NE(r2.error().message.find("127.0.0.1:4566"), std::string::npos);
  EXPECT_EQ(r2.error().message.find(kSecret), std::string::npos);
}

// A transport that cannot work at all (libcurl missing) is not a network failure: one clear error
// at once, no request sent, no backoff.
TEST(AwsClient, AnUnusableTransportFailsAtOnceWithoutRetrying) {
  Fixture f;
  f.transport->broken = "cannot load libcurl.so.4: libcurl.so.4: cannot open shared object file";
  auto r = f.backend->delete_role({"r"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::ServiceFailure);
  EXPECT_NE(r.error().message.find("cannot load libcurl.so.4"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("127.0.0.1:4566"), std::string::npos);
  EXPECT_TRUE(f.transport->sent.empty());
  EXPECT_TRUE(f.sleeps.empty());
}

TEST(AwsClient, RetriesEventualConsistencyErrorsBounded) {
  Fixture f;
  f.transport->script = {aws_error(400, "MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"arn:aws:iam::1:role/new\""),
                         ok("CreateRole", "<Role><RoleName>r</RoleName></Role>")};
  auto r = f.backend->create_role({"r", kTrust});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(f.backend->stats().consistency_retries, 1u);
  EXPECT_LE(f.sleeps.at(0), 1000ms);

  Fixture g;
  for (int i = 0; i < 5; ++i) g.transport->script.push_back(aws_error(400, "MalformedPolicyDocument", "Invalid principal in policy"));
  auto r2 = g.backend->update_assume_role_policy({"r", kTrust});
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::MalformedPolicyDocument);
  EXPECT_EQ(g.transport->sent.size(), 3u);  // consistency_attempts

  Fixture h;  // other malformed documents are the caller's fault: no retry
  h.transport->script = {aws_error(400, "MalformedPolicyDocument", "Syntax errors in policy.")};
  EXPECT_FALSE(h.backend->put_role_policy({"r", "p", "{"}));
  EXPECT_EQ(h.transport->sent.size(), 1u);
}

TEST(AwsClient, PaginationFollowsMarkersForCompleteListsOnly) {
  Fixture f;
  f.transport->script = {ok("ListRoles", "<Roles><member><RoleName>a</RoleName></member><member><RoleName>b</RoleName></member></Roles>"
                                         "<IsTruncated>true</IsTruncated><Marker>m1</Marker>"),
                         ok("ListRoles", "<Roles><member><RoleName>c</RoleName></member></Roles><IsTruncated>true</IsTruncated><Marker>m2</Marker>"),
                         ok("ListRoles", "<Roles><member><RoleName>d</RoleName></member></Roles><IsTruncated>false</IsTruncated>")};
  auto all = f.backend->list_roles({});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->roles.size(), 4u);
  EXPECT_EQ(all->roles[3].role_name, "d");
  EXPECT_FALSE(all->is_truncated);
  EXPECT_TRUE(all->marker.empty());
  ASSERT_EQ(f.transport->sent.size(), 3u);
  EXPECT_FALSE(form(f.transport->sent[0].body).contains("Marker"));
  EXPECT_EQ(form(f.transport->sent[1].body)["Marker"], "m1");
  EXPECT_EQ(form(f.transport->sent[2].body)["Marker"], "m2");

  Fixture g;
  g.transport->script = {ok("ListRoles", "<Roles><member><RoleName>a</RoleName></member></Roles><IsTruncated>true</IsTruncated><Marker>m1</Marker>")};
  auto page = g.backend->list_roles({"/", "", 1});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->roles.size(), 1u);
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->marker, "m1");
  EXPECT_EQ(g.transport->sent.size(), 1u);
}

TEST(AwsClient, MalformedRepliesAreErrorsNotCrashes) {
  Fixture f;
  f.transport->script = {HttpResponse{200, {}, "<not xml", ""}, ok("GetRole", ""), HttpResponse{200, {}, "", ""}};
  auto a = f.backend->get_role({"r"});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ErrorCode::ServiceFailure);
  auto b = f.backend->get_role({"r"});
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("GetRoleResult"), std::string::npos) << b.error().message;
  EXPECT_FALSE(f.backend->get_role({"r"}));
}

TEST(AwsClient, EndpointPathAndDefaultPort) {
  Fixture f("https://proxy.example.com:443/iam/");
  (void)f.backend->delete_user({"u"});
  ASSERT_EQ(f.transport->sent.size(), 1u);
  EXPECT_EQ(f.transport->base_url, "https://proxy.example.com:443");
  EXPECT_EQ(f.transport->sent[0].path, "/iam/");
  EXPECT_EQ(f.transport->sent[0].header("Host"), "proxy.example.com");
}

// Every operation in operations.def is dispatched under its own Action (X-macro, as the class is).
TEST(AwsClient, EveryOperationSendsItsAction) {
  Fixture f;
  f.transport->fallback = {200, {}, "<R><Role/><User/><Group/><Policy/><PolicyVersion/><InstanceProfile/><AccessKey/></R>", ""};
  std::size_t n = 0;
#define IAM_OPERATION(action, method, request_type, response_type)                                  \
  {                                                                                                 \
    f.transport->fallback.body = "<" #action "Response><" #action "Result><Role/><User/><Group/><Policy/>" \
                                 "<PolicyVersion/><InstanceProfile/><AccessKey/></" #action "Result></" #action "Response>"; \
    auto r = f.backend->method(request_type{});                                                     \
    EXPECT_TRUE(r.ok()) << #action << ": " << (r.ok() ? "" : r.error().message);                   \
    ASSERT_EQ(f.transport->sent.size(), n + 1) << #action;                                          \
    EXPECT_EQ(form(f.transport->sent.back().body)["Action"], #action);                              \
    ++n;                                                                                            \
  }
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION
  EXPECT_EQ(n, all_operations().size());
}

}  // namespace
