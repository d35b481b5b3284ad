// The service without HTTP: signed requests in, AWS's XML out. Authentication failures,
// authorization (AccessDenied's message), dispatch, STS sessions and the simulator.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <random>
#include <thread>

#include "iamforge/aws/sigv4.hpp"
#include "iamforge/serve/server.hpp"
#include "iamforge/serve/service.hpp"
#include "iamforge/serve/wire.hpp"

using namespace iamforge;
using namespace iamforge::serve;

namespace {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("iamforge-serve-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto r = backend::LocalBackend::open((dir_ / "local-iam.db").string());
    ASSERT_TRUE(r.ok());
    be_ = std::move(r).value();
    std::string error;
    auto admin = bootstrap_admin(*be_, "", &error);
    ASSERT_TRUE(admin) << error;
    ASSERT_TRUE(admin->created);
    admin_ = {admin->access_key_id, admin->secret_access_key, ""};
    service_ = std::make_unique<Service>(*be_);
  }
  void reopen_service(ServiceOptions options) { service_ = std::make_unique<Service>(*be_, std::move(options)); }
  void TearDown() override {
    service_.reset();
    be_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpReply call(const std::string& body, const aws::Credentials& creds, const std::string& service = "iam",
                 const std::string& amz_date = "") {
    aws::HttpRequest r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Host", "127.0.0.1:1234"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = body;
    aws::SigningParams sp;
    sp.region = "eu-west-3";  // any region is accepted
    sp.service = service;
    sp.amz_date = amz_date;
    aws::sign(r, creds, sp);
    HttpRequest h;
    h.method = r.method;
    h.path = r.path;
    h.query = r.query;
    h.headers = r.headers;
    h.body = r.body;
    return service_->handle(h);
  }
  HttpReply iam(const std::string& params) { return call("Version=2010-05-08&" + params, admin_); }

  static std::string between(const std::string& s, const std::string& open, const std::string& close) {
    auto a = s.find(open);
    if (a == std::string::npos) return "";
    a += open.size();
    return s.substr(a, s.find(close, a) - a);
  }

  std::filesystem::path dir_;
  std::unique_ptr<backend::LocalBackend> be_;
  std::unique_ptr<Service> service_;
  aws::Credentials admin_;
};

std::string iso8601_for_test(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const std::string kTrust = uri_encode(
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]})");
const std::string kReadRoles =
    uri_encode(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetRole","iam:ListRoles"],"Resource":"*"}]})");

}  // namespace

TEST_F(ServiceTest, CreateAndGetRole) {
  auto r = iam("Action=CreateRole&RoleName=app&Path=%2Fteam%2F&AssumeRolePolicyDocument=" + kTrust +
               "&Tags.member.1.Key=env&Tags.member.1.Value=dev");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateRoleResult><Role>"),
            std::string::npos);
  EXPECT_NE(r.body.find("<Arn>arn:aws:iam::123456789012:role/team/app</Arn>"), std::string::npos);
  EXPECT_NE(r.body.find("<AssumeRolePolicyDocument>%7B%22Version%22"), std::string::npos);
  EXPECT_NE(r.body.find("<RequestId>" + r.request_id + "</RequestId>"), std::string::npos);
  auto g = iam("Action=GetRole&RoleName=app");
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_NE(g.body.find("<Key>env</Key>"), std::string::npos);
  auto missing = iam("Action=GetRole&RoleName=nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("<Code>NoSuchEntity</Code>"), std::string::npos);
  auto dup = iam("Action=CreateRole&RoleName=app&AssumeRolePolicyDocument=" + kTrust);
  EXPECT_EQ(dup.status, 409);
}

TEST_F(ServiceTest, UnknownActionAndBadInput) {
  auto r = iam("Action=FlyToTheMoon");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>InvalidAction</Code>"), std::string::npos);
  auto v = call("Action=GetRole&Version=2013-10-15&RoleName=x", admin_);
  EXPECT_NE(v.body.find("Could not find operation GetRole for version 2013-10-15"), std::string::npos);
  auto missing = iam("Action=CreateRole&RoleName=x");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("<Code>ValidationError</Code>"), std::string::npos);
  auto bad_form = iam("Action=GetRole&RoleName=%ZZ");
  EXPECT_EQ(bad_form.status, 400);
  auto bad_doc = iam("Action=CreatePolicy&PolicyName=p&PolicyDocument=" + uri_encode("{\"Statement\": 3}"));
  EXPECT_EQ(bad_doc.status, 400);
  EXPECT_NE(bad_doc.body.find("<Code>MalformedPolicyDocument</Code>"), std::string::npos);
}

TEST_F(ServiceTest, AuthenticationFailures) {
  HttpRequest unsigned_req;
  unsigned_req.headers = {{"Host", "127.0.0.1:1234"}};
  unsigned_req.body = "Action=ListRoles&Version=2010-05-08";
  auto r = service_->handle(unsigned_req);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos);

  auto unknown = call("Action=ListRoles&Version=2010-05-08", {"AKIAAAAAAAAAAAAAAAAA", "x", ""});
  EXPECT_EQ(unknown.status, 403);
  EXPECT_NE(unknown.body.find("<Code>InvalidClientTokenId</Code>"), std::string::npos);

  auto wrong_secret = call("Action=ListRoles&Version=2010-05-08", {admin_.access_key_id, "wrong", ""});
  EXPECT_EQ(wrong_secret.status, 403);
  EXPECT_NE(wrong_secret.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);

  auto old = call("Action=ListRoles&Version=2010-05-08", admin_, "iam", "20200101T000000Z");
  EXPECT_EQ(old.status, 403);
  EXPECT_NE(old.body.find("Signature expired"), std::string::npos);

  HttpRequest garbage;
  garbage.headers = {{"Host", "h"}, {"Authorization", "AWS4-HMAC-SHA256 nonsense"}, {"X-Amz-Date", "20250101T000000Z"}};
  auto g = service_->handle(garbage);
  EXPECT_EQ(g.status, 400);
  EXPECT_NE(g.body.find("<Code>IncompleteSignature</Code>"), std::string::npos);
}

TEST_F(ServiceTest, AccessDeniedForALimitedUserAndAccessKeys) {
  ASSERT_EQ(iam("Action=CreateUser&UserName=bob").status, 200);
  ASSERT_EQ(iam("Action=PutUserPolicy&UserName=bob&PolicyName=read&PolicyDocument=" + kReadRoles).status, 200);
  auto key = iam("Action=CreateAccessKey&UserName=bob");
  ASSERT_EQ(key.status, 200) << key.body;
  aws::Credentials bob{between(key.body, "<AccessKeyId>", "<"), between(key.body, "<SecretAccessKey>", "<"), ""};
  ASSERT_EQ(bob.access_key_id.size(), 20u) << key.body;
  ASSERT_EQ(bob.secret_access_key.size(), 40u);

  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", bob).status, 200);
  auto denied = call("Version=2010-05-08&Action=CreateRole&RoleName=x&AssumeRolePolicyDocument=" + kTrust, bob);
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("<Code>AccessDenied</Code>"), std::string::npos);
  EXPECT_NE(denied.body.find("User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateRole on "
                             "resource: arn:aws:iam::123456789012:role/x because no identity-based policy allows the "
                             "iam:CreateRole action"),
            std::string::npos)
      << denied.body;
  // The caller's own identity.
  auto who = call("Action=GetCallerIdentity&Version=2011-06-15", bob, "sts");
  EXPECT_EQ(who.status, 200) << who.body;
  EXPECT_NE(who.body.find("<Arn>arn:aws:iam::123456789012:user/bob</Arn>"), std::string::npos);
  EXPECT_NE(who.body.find("xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""), std::string::npos);
  // Granting takes effect on the next call (our own writes invalidate the cache).
  ASSERT_EQ(iam("Action=PutUserPolicy&UserName=bob&PolicyName=all&PolicyDocument=" +
                uri_encode(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]})"))
                .status,
            200);
  EXPECT_EQ(call("Version=2010-05-08&Action=CreateRole&RoleName=x&AssumeRolePolicyDocument=" + kTrust, bob).status, 200);
  // A deactivated key stops working.
  ASSERT_EQ(iam("Action=UpdateAccessKey&UserName=bob&Status=Inactive&AccessKeyId=" + bob.access_key_id).status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", bob).status, 403);
}

TEST_F(ServiceTest, AssumeRoleSessionWithSessionPolicy) {
  ASSERT_EQ(iam("Action=CreateRole&RoleName=deployer&AssumeRolePolicyDocument=" + kTrust).status, 200);
  ASSERT_EQ(iam("Action=PutRolePolicy&RoleName=deployer&PolicyName=p&PolicyDocument=" +
                uri_encode(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]})"))
                .status,
            200);
  auto a = call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdeployer"
                "&RoleSessionName=ci&Policy=" + kReadRoles,
                admin_, "sts");
  ASSERT_EQ(a.status, 200) << a.body;
  aws::Credentials s{between(a.body, "<AccessKeyId>", "<"), between(a.body, "<SecretAccessKey>", "<"),
                     between(a.body, "<SessionToken>", "<")};
  EXPECT_EQ(s.access_key_id.substr(0, 4), "ASIA");
  auto who = call("Action=GetCallerIdentity&Version=2011-06-15", s, "sts");
  EXPECT_NE(who.body.find("<Arn>arn:aws:sts::123456789012:assumed-role/deployer/ci</Arn>"), std::string::npos) << who.body;
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", s).status, 200);
  auto denied = call("Version=2010-05-08&Action=DeleteRole&RoleName=deployer", s);
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("because no session policy allows the iam:DeleteRole action"), std::string::npos) << denied.body;
  // Without the token the session key is not accepted.
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", {s.access_key_id, s.secret_access_key, ""}).status, 403);
}

TEST_F(ServiceTest, SimulateCustomPolicy) {
  std::string policy = uri_encode(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"ml"}}},{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]})");
  auto r = iam("Action=SimulateCustomPolicy&PolicyInputList.member.1=" + policy +
               "&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=s3%3ADeleteObject&ActionNames.member.3=s3%3APutObject"
               "&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Ab%2Fk");
  ASSERT_EQ(r.status, 200) << r.body;
  // One result per action; its EvalResourceName is the ARN template of the resource type the
  // resources are of; the resource itself is in ResourceSpecificResults (reference §4.6).
  EXPECT_NE(r.body.find("<EvalActionName>s3:GetObject</EvalActionName>"
                        "<EvalResourceName>arn:${Partition}:s3:::${BucketName}/${ObjectName}</EvalResourceName>"
                        "<EvalDecision>implicitDeny</EvalDecision>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<ResourceSpecificResults><member><EvalResourceName>arn:aws:s3:::b/k</EvalResourceName>"
                        "<EvalResourceDecision>implicitDeny</EvalResourceDecision>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<MissingContextValues><member>aws:PrincipalTag/team</member></MissingContextValues>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<EvalDecision>explicitDeny</EvalDecision><MatchedStatements><member><SourcePolicyId>PolicyInputList.1"),
            std::string::npos)
      << r.body;
  auto with_ctx = iam("Action=SimulateCustomPolicy&PolicyInputList.member.1=" + policy +
                      "&ActionNames.member.1=s3%3AGetObject&ContextEntries.member.1.ContextKeyName=aws%3APrincipalTag%2Fteam"
                      "&ContextEntries.member.1.ContextKeyValues.member.1=ml&ContextEntries.member.1.ContextKeyType=string");
  EXPECT_NE(with_ctx.body.find("<EvalDecision>allowed</EvalDecision>"), std::string::npos) << with_ctx.body;
}

// AWS's current model (EvaluationResult, reference §4.6): one EvaluationResult per action whatever
// the number of ResourceArns; its decision is the most restrictive across them (explicitDeny over
// implicitDeny over allowed), and each resource's own decision is in ResourceSpecificResults.
TEST_F(ServiceTest, SimulateGivesOneResultPerActionWithTheMostRestrictiveDecision) {
  std::string policy = uri_encode(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::open/*"},)"
      R"({"Sid":"NoSecrets","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]})");
  std::string base = "Action=SimulateCustomPolicy&PolicyInputList.member.1=" + policy + "&ActionNames.member.1=s3%3AGetObject";
  auto r = iam(base + "&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Aopen%2Fa&ResourceArns.member.2=arn%3Aaws%3As3%3A%3A%3Aother%2Fb"
                      "&ResourceArns.member.3=arn%3Aaws%3As3%3A%3A%3Asecret%2Fc");
  ASSERT_EQ(r.status, 200) << r.body;
  auto count = [&](std::string_view needle) {
    std::size_t n = 0;
    for (auto at = r.body.find(needle); at != std::string::npos; at = r.body.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<EvalActionName>"), 1u) << r.body;
  EXPECT_NE(r.body.find("<EvalDecision>explicitDeny</EvalDecision><MatchedStatements><member><SourcePolicyId>PolicyInputList.1"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<member><EvalResourceName>arn:aws:s3:::open/a</EvalResourceName><EvalResourceDecision>allowed<"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<member><EvalResourceName>arn:aws:s3:::other/b</EvalResourceName><EvalResourceDecision>implicitDeny<"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<member><EvalResourceName>arn:aws:s3:::secret/c</EvalResourceName><EvalResourceDecision>explicitDeny<"),
            std::string::npos)
      << r.body;
  // Without the denied resource: implicitDeny; with only the open one: allowed.
  auto two = iam(base + "&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Aopen%2Fa&ResourceArns.member.2=arn%3Aaws%3As3%3A%3A%3Aother%2Fb");
  EXPECT_NE(two.body.find("</EvalResourceName><EvalDecision>implicitDeny</EvalDecision>"), std::string::npos) << two.body;
  auto one = iam(base + "&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Aopen%2Fa");
  EXPECT_NE(one.body.find("</EvalResourceName><EvalDecision>allowed</EvalDecision>"), std::string::npos) << one.body;
}

// The older model, kept behind ServiceOptions::simulate_result_per_resource: one result per
// (action, resource) pair with the concrete ARN and no ResourceSpecificResults.
TEST_F(ServiceTest, SimulateOlderModelGivesOneResultPerActionAndResource) {
  ServiceOptions o;
  o.simulate_result_per_resource = true;
  reopen_service(o);
  std::string policy = uri_encode(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::open/*"}]})");
  auto r = iam("Action=SimulateCustomPolicy&PolicyInputList.member.1=" + policy + "&ActionNames.member.1=s3%3AGetObject"
               "&ResourceArns.member.1=arn%3Aaws%3As3%3A%3A%3Aopen%2Fa&ResourceArns.member.2=arn%3Aaws%3As3%3A%3A%3Aother%2Fb");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<EvalResourceName>arn:aws:s3:::open/a</EvalResourceName><EvalDecision>allowed</EvalDecision>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<EvalResourceName>arn:aws:s3:::other/b</EvalResourceName><EvalDecision>implicitDeny</EvalDecision>"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("ResourceSpecificResults"), std::string::npos) << r.body;
}

// ListPolicies' PathPrefix (the decoder once ignored it while the client sent it: both now read
// backend/query_params.hpp).
TEST_F(ServiceTest, ListPoliciesHonoursPathPrefix) {
  ASSERT_EQ(iam("Action=CreatePolicy&PolicyName=a&Path=%2Fteam-a%2F&PolicyDocument=" + kReadRoles).status, 200);
  ASSERT_EQ(iam("Action=CreatePolicy&PolicyName=b&Path=%2Fteam-b%2F&PolicyDocument=" + kReadRoles).status, 200);
  auto r = iam("Action=ListPolicies&Scope=Local&PathPrefix=%2Fteam-a%2F");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<PolicyName>a</PolicyName>"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("<PolicyName>b</PolicyName>"), std::string::npos) << r.body;
  auto bad = iam("Action=ListPolicies&Scope=Everything");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("Member must satisfy enum value set: [All, AWS, Local]"), std::string::npos) << bad.body;
}

TEST_F(ServiceTest, SimulatePrincipalPolicyUsesGroupsAndAttachedPolicies) {
  ASSERT_EQ(iam("Action=CreateUser&UserName=carol").status, 200);
  { auto g = iam("Action=CreateGroup&GroupName=devs"); ASSERT_EQ(g.status, 200) << g.body; }
  ASSERT_EQ(iam("Action=AddUserToGroup&GroupName=devs&UserName=carol").status, 200);
  auto p = iam("Action=CreatePolicy&PolicyName=ro&PolicyDocument=" + kReadRoles);
  ASSERT_EQ(p.status, 200);
  ASSERT_EQ(iam("Action=AttachGroupPolicy&GroupName=devs&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fro").status, 200);
  auto r = iam("Action=SimulatePrincipalPolicy&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fcarol"
               "&ActionNames.member.1=iam%3AGetRole&ActionNames.member.2=iam%3ADeleteRole");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<EvalActionName>iam:GetRole</EvalActionName><EvalResourceName>*</EvalResourceName>"
                        "<EvalDecision>allowed</EvalDecision><MatchedStatements><member><SourcePolicyId>"
                        "arn:aws:iam::123456789012:policy/ro</SourcePolicyId><SourcePolicyType>user-managed</SourcePolicyType>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<EvalActionName>iam:DeleteRole</EvalActionName><EvalResourceName>*</EvalResourceName>"
                        "<EvalDecision>implicitDeny</EvalDecision>"),
            std::string::npos);
}

TEST_F(ServiceTest, TrustPolicyNamingTheUserSufficesAndDurationLimits) {
  ASSERT_EQ(iam("Action=CreateUser&UserName=dave").status, 200);
  auto key = iam("Action=CreateAccessKey&UserName=dave");
  aws::Credentials dave{between(key.body, "<AccessKeyId>", "<"), between(key.body, "<SecretAccessKey>", "<"), ""};
  std::string trust = uri_encode(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/dave"},"Action":"sts:AssumeRole"}]})");
  ASSERT_EQ(iam("Action=CreateRole&RoleName=for-dave&AssumeRolePolicyDocument=" + trust).status, 200);
  std::string assume = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ffor-dave&RoleSessionName=s1";
  // Dave has no identity policy, but the trust policy names him: allowed (same account).
  auto ok = call(assume, dave, "sts");
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto too_long = call(assume + "&DurationSeconds=7200", dave, "sts");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("exceeds the MaxSessionDuration set for this role"), std::string::npos) << too_long.body;
  auto other = call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fnope&RoleSessionName=s1",
                    dave, "sts");
  EXPECT_EQ(other.status, 403);
  EXPECT_NE(other.body.find("is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope"),
            std::string::npos);
}

TEST_F(ServiceTest, NoEnforceAuthenticatesButDoesNotAuthorize) {
  ASSERT_EQ(iam("Action=CreateUser&UserName=erin").status, 200);
  auto key = iam("Action=CreateAccessKey&UserName=erin");
  aws::Credentials erin{between(key.body, "<AccessKeyId>", "<"), between(key.body, "<SecretAccessKey>", "<"), ""};
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", erin).status, 403);
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.enforce = false});
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", erin).status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", {erin.access_key_id, "wrong", ""}).status, 403);
}

TEST_F(ServiceTest, ExpiredSessionToken) {
  auto now = std::make_shared<std::chrono::system_clock::time_point>(std::chrono::system_clock::now());
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  ASSERT_EQ(iam("Action=CreateRole&RoleName=short&AssumeRolePolicyDocument=" + kTrust).status, 200);
  auto a = call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fshort"
                "&RoleSessionName=ss&DurationSeconds=900",
                admin_, "sts");
  ASSERT_EQ(a.status, 200) << a.body;
  aws::Credentials s{between(a.body, "<AccessKeyId>", "<"), between(a.body, "<SecretAccessKey>", "<"),
                     between(a.body, "<SessionToken>", "<")};
  *now += std::chrono::seconds(1000);
  auto r = call("Action=GetCallerIdentity&Version=2011-06-15", s, "sts", aws::format_amz_date(*now));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>ExpiredToken</Code>"), std::string::npos) << r.body;
}

TEST_F(ServiceTest, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  const std::vector<std::string> pieces = {"Action=", "CreateRole", "GetRole", "ListRoles", "&", "=", "%", "%2", "%ZZ", "+",
                                           "RoleName", "Tags.member.1.Key", ".member.", "Version=2010-05-08", "\0", "\xff",
                                           "SimulateCustomPolicy", "ActionNames.member.1", "AssumeRole", "PolicyInputList.member.1",
                                           "{", "}", "MaxItems=", "-1", "99999999999", "Marker=zz"};
  for (int i = 0; i < 1500; ++i) {
    std::string body;
    int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) body += pieces[rng() % pieces.size()];
    HttpReply r = (i % 3 == 0) ? iam(body) : call(body, admin_);
    EXPECT_GE(r.status, 200);
    EXPECT_LT(r.status, 600);
    EXPECT_FALSE(r.body.empty());
    if (i % 5 == 0) {  // random headers
      HttpRequest h;
      h.headers = {{"Host", "x"}, {"Authorization", body}, {"X-Amz-Date", body.substr(0, 16)}};
      h.body = body;
      EXPECT_GE(service_->handle(h).status, 400);
    }
  }
}

TEST_F(ServiceTest, GetWithQueryParameters) {
  aws::HttpRequest r;
  r.method = "GET";
  r.path = "/";
  r.query = "Action=ListUsers&Version=2010-05-08&MaxItems=1";
  r.headers = {{"Host", "127.0.0.1:1234"}};
  aws::SigningParams sp;
  aws::sign(r, admin_, sp);
  HttpRequest h;
  h.method = "GET";
  h.path = r.path;
  h.query = r.query;
  h.headers = r.headers;
  auto reply = service_->handle(h);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find("<UserName>iamforge-admin</UserName>"), std::string::npos);
}

TEST_F(ServiceTest, TagConditionsOnResourceAndRequest) {
  ASSERT_EQ(iam("Action=CreateUser&UserName=frank").status, 200);
  auto key = iam("Action=CreateAccessKey&UserName=frank");
  aws::Credentials frank{between(key.body, "<AccessKeyId>", "<"), between(key.body, "<SecretAccessKey>", "<"), ""};
  // Frank may delete roles tagged team=ml, and create roles only when tagging them team=ml.
  ASSERT_EQ(iam("Action=PutUserPolicy&UserName=frank&PolicyName=abac&PolicyDocument=" +
                uri_encode(R"({"Version":"2012-10-17","Statement":[
                  {"Effect":"Allow","Action":"iam:DeleteRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"ml"}}},
                  {"Effect":"Allow","Action":"iam:CreateRole","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"ml"}}}]})"))
                .status,
            200);
  ASSERT_EQ(iam("Action=CreateRole&RoleName=ml-role&AssumeRolePolicyDocument=" + kTrust + "&Tags.member.1.Key=team&Tags.member.1.Value=ml").status, 200);
  ASSERT_EQ(iam("Action=CreateRole&RoleName=web-role&AssumeRolePolicyDocument=" + kTrust + "&Tags.member.1.Key=team&Tags.member.1.Value=web").status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=DeleteRole&RoleName=web-role", frank).status, 403);
  EXPECT_EQ(call("Version=2010-05-08&Action=DeleteRole&RoleName=ml-role", frank).status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=CreateRole&RoleName=x1&AssumeRolePolicyDocument=" + kTrust, frank).status, 403);
  EXPECT_EQ(call("Version=2010-05-08&Action=CreateRole&RoleName=x2&AssumeRolePolicyDocument=" + kTrust +
                     "&Tags.member.1.Key=team&Tags.member.1.Value=ml",
                 frank)
                .status,
            200);
}

TEST_F(ServiceTest, AdminKeyFileIsWrittenOnceThenRead) {
  std::string file = (dir_ / "admin.json").string();
  std::string error;
  auto made = bootstrap_admin(*be_, file, &error);
  ASSERT_TRUE(made) << error;
  EXPECT_TRUE(made->created);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto read = bootstrap_admin(*be_, file, &error);
  ASSERT_TRUE(read) << error;
  EXPECT_FALSE(read->created);
  EXPECT_EQ(read->access_key_id, made->access_key_id);
  EXPECT_EQ(read->secret_access_key, made->secret_access_key);
  // The key works.
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", {read->access_key_id, read->secret_access_key, ""}).status, 200);
  // A key file naming a key this store doesn't have is an error, not a silent new key.
  ASSERT_EQ(iam("Action=DeleteAccessKey&UserName=iamforge-admin&AccessKeyId=" + made->access_key_id).status, 200);
  EXPECT_FALSE(bootstrap_admin(*be_, file, &error));
  EXPECT_NE(error.find("not in this store"), std::string::npos);
}

// The caches (access keys, compiled identity policies): writes through the server invalidate them
// at once, including writes that only touch roles (which must still reach assumed-role sessions);
// writes by another process on the same file are seen within the 2 s TTL.
TEST_F(ServiceTest, CachesInvalidatedByOwnWritesAtOnceAndOtherProcessesWithinTtl) {
  ASSERT_EQ(iam("Action=CreateUser&UserName=carol").status, 200);
  ASSERT_EQ(iam("Action=PutUserPolicy&UserName=carol&PolicyName=read&PolicyDocument=" + kReadRoles).status, 200);
  auto k1 = iam("Action=CreateAccessKey&UserName=carol");
  auto k2 = iam("Action=CreateAccessKey&UserName=carol");
  ASSERT_EQ(k1.status, 200);
  ASSERT_EQ(k2.status, 200);
  aws::Credentials c1{between(k1.body, "<AccessKeyId>", "<"), between(k1.body, "<SecretAccessKey>", "<"), ""};
  aws::Credentials c2{between(k2.body, "<AccessKeyId>", "<"), between(k2.body, "<SecretAccessKey>", "<"), ""};
  ASSERT_EQ(call("Version=2010-05-08&Action=ListRoles", c1).status, 200);  // cached now
  ASSERT_EQ(call("Version=2010-05-08&Action=ListRoles", c2).status, 200);
  // Role-only writes in between (they keep users' caches) ...
  ASSERT_EQ(iam("Action=CreateRole&RoleName=r1&AssumeRolePolicyDocument=" + kTrust).status, 200);
  ASSERT_EQ(call("Version=2010-05-08&Action=GetRole&RoleName=r1", c1).status, 200);
  // ... then a key deleted through the server is refused at once.
  ASSERT_EQ(iam("Action=DeleteAccessKey&UserName=carol&AccessKeyId=" + c1.access_key_id).status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", c1).status, 403);
  // A user's policy removed through the server after role-only writes: denied at once.
  ASSERT_EQ(iam("Action=TagRole&RoleName=r1&Tags.member.1.Key=k&Tags.member.1.Value=v").status, 200);
  ASSERT_EQ(iam("Action=DeleteUserPolicy&UserName=carol&PolicyName=read").status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", c2).status, 403);
  ASSERT_EQ(iam("Action=PutUserPolicy&UserName=carol&PolicyName=read&PolicyDocument=" + kReadRoles).status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", c2).status, 200);

  // A role-only write reaches an assumed-role session's cached policies at once.
  ASSERT_EQ(iam("Action=PutRolePolicy&RoleName=r1&PolicyName=p&PolicyDocument=" + kReadRoles).status, 200);
  auto a = call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr1"
                "&RoleSessionName=ses",
                admin_, "sts");
  ASSERT_EQ(a.status, 200) << a.body;
  aws::Credentials s{between(a.body, "<AccessKeyId>", "<"), between(a.body, "<SecretAccessKey>", "<"),
                     between(a.body, "<SessionToken>", "<")};
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", s).status, 200);  // cached now
  ASSERT_EQ(iam("Action=DeleteRolePolicy&RoleName=r1&PolicyName=p").status, 200);
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", s).status, 403);

  // Another process (a second connection to the same file) deletes a key: refused within the TTL.
  ASSERT_EQ(call("Version=2010-05-08&Action=ListRoles", c2).status, 200);  // cached now
  {
    auto other = backend::LocalBackend::open((dir_ / "local-iam.db").string());
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(other.value()->delete_access_key({"carol", c2.access_key_id}).ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(call("Version=2010-05-08&Action=ListRoles", c2).status, 403);
}

// ---- issue 4's three gaps: sessions in the store, presigned requests, RoleLastUsed ------------

namespace {

// A presigned (query-string) request: `params` go in the query (GET) or stay in the body (POST).
HttpRequest presigned(const std::string& method, const std::string& params, const aws::Credentials& creds,
                      const std::string& service, const std::string& amz_date = "", int expires = 3600,
                      const std::string& region = "eu-west-3") {
  aws::HttpRequest r;
  r.method = method;
  r.path = "/";
  r.headers = {{"Host", "127.0.0.1:1234"}};
  if (method == "GET")
    r.query = params;
  else {
    r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    r.body = params;
  }
  aws::SigningParams sp;
  sp.region = region;
  sp.service = service;
  sp.amz_date = amz_date;
  sp.expires_seconds = expires;
  aws::presign(r, creds, sp);
  HttpRequest h;
  h.method = r.method;
  h.path = r.path;
  h.query = r.query;
  h.headers = r.headers;
  h.body = r.body;
  return h;
}

const std::string kAssumeR1 =
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr1&RoleSessionName=ci";

}  // namespace

// AWS: temporary credentials stay valid until their Expiration whatever happens to the server that
// issued them; a restart of `iamforge serve` (a new Service over a reopened store) keeps them.
TEST_F(ServiceTest, SessionSurvivesARestartAndExpiresAfterIt) {
  auto now = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  ASSERT_EQ(iam("Action=CreateRole&RoleName=r1&AssumeRolePolicyDocument=" + kTrust).status, 200);
  ASSERT_EQ(iam("Action=PutRolePolicy&RoleName=r1&PolicyName=p&PolicyDocument=" + kReadRoles).status, 200);
  auto a = call(kAssumeR1 + "&DurationSeconds=900&Policy=" +
                    uri_encode(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]})"),
                admin_, "sts", aws::format_amz_date(*now));
  ASSERT_EQ(a.status, 200) << a.body;
  aws::Credentials s{between(a.body, "<AccessKeyId>", "<"), between(a.body, "<SecretAccessKey>", "<"),
                     between(a.body, "<SessionToken>", "<")};
  EXPECT_EQ(between(a.body, "<Expiration>", "<"), iso8601_for_test(*now + std::chrono::seconds(900)));

  // Restart: a new service over a reopened store.
  service_.reset();
  be_.reset();
  auto reopened = backend::LocalBackend::open((dir_ / "local-iam.db").string());
  ASSERT_TRUE(reopened.ok());
  be_ = std::move(reopened).value();
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});

  *now += std::chrono::seconds(60);
  auto who = call("Action=GetCallerIdentity&Version=2011-06-15", s, "sts", aws::format_amz_date(*now));
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_NE(who.body.find("<Arn>arn:aws:sts::123456789012:assumed-role/r1/ci</Arn>"), std::string::npos) << who.body;
  // The session policy survived too: GetRole allowed, ListRoles (role policy only) denied.
  EXPECT_EQ(call("Version=2010-05-08&Action=GetRole&RoleName=r1", s, "iam", aws::format_amz_date(*now)).status, 200);
  auto denied = call("Version=2010-05-08&Action=ListRoles", s, "iam", aws::format_amz_date(*now));
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("because no session policy allows the iam:ListRoles action"), std::string::npos) << denied.body;
  // A wrong token for the stored key is refused.
  EXPECT_EQ(call("Action=GetCallerIdentity&Version=2011-06-15", {s.access_key_id, s.secret_access_key, "wrong"}, "sts",
                 aws::format_amz_date(*now))
                .status,
            403);

  // Past its Expiration, after another restart: ExpiredToken, as AWS says it.
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  *now += std::chrono::seconds(900);
  auto r = call("Action=GetCallerIdentity&Version=2011-06-15", s, "sts", aws::format_amz_date(*now));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message>"),
            std::string::npos)
      << r.body;
  // Long-expired sessions are purged by the next AssumeRole; then the key is simply unknown.
  *now += std::chrono::seconds(backend::LocalBackend::kExpiredSessionRetention + 1);
  ASSERT_EQ(call(kAssumeR1, admin_, "sts", aws::format_amz_date(*now)).status, 200);
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  auto gone = call("Action=GetCallerIdentity&Version=2011-06-15", s, "sts", aws::format_amz_date(*now));
  EXPECT_EQ(gone.status, 403);
  EXPECT_NE(gone.body.find("<Code>InvalidClientTokenId</Code>"), std::string::npos) << gone.body;
}

// Presigned (query-string) SigV4: GET with the Action in the query, POST with the form body, STS
// with a session token in the query; good for 15 minutes whatever X-Amz-Expires says (IAM and STS
// keep a fixed window: aws-sdk-go #2224, EKS tokens presigned for 60 s and used for 15 minutes).
TEST_F(ServiceTest, PresignedRequests) {
  auto now = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  std::string date = aws::format_amz_date(*now);

  auto get = service_->handle(presigned("GET", "Action=ListUsers&Version=2010-05-08", admin_, "iam", date));
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_NE(get.body.find("<UserName>iamforge-admin</UserName>"), std::string::npos) << get.body;

  auto post = service_->handle(presigned("POST", "Action=CreateRole&Version=2010-05-08&RoleName=r1&AssumeRolePolicyDocument=" + kTrust,
                                         admin_, "iam", date));
  EXPECT_EQ(post.status, 200) << post.body;
  // Query and body together: the Action in the query, its parameters in the body.
  {
    HttpRequest h = presigned("POST", "RoleName=r1", admin_, "iam", date);
    ASSERT_TRUE(h.query.find("X-Amz-Signature=") != std::string::npos);
    aws::HttpRequest r;
    r.method = "POST";
    r.query = "Action=GetRole&Version=2010-05-08";
    r.headers = {{"Host", "127.0.0.1:1234"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = "RoleName=r1";
    aws::SigningParams sp;
    sp.amz_date = date;
    aws::presign(r, admin_, sp);
    HttpRequest m{r.method, r.path, r.query, r.headers, r.body};
    auto merged = service_->handle(m);
    EXPECT_EQ(merged.status, 200) << merged.body;
    EXPECT_NE(merged.body.find("<RoleName>r1</RoleName>"), std::string::npos) << merged.body;
    // The body is signed (its hash is in the canonical request): a changed body is refused.
    m.body = "RoleName=r2";
    EXPECT_EQ(service_->handle(m).status, 403);
  }

  // STS, signed with a session's credentials (the token travels in the query).
  auto a = call(kAssumeR1, admin_, "sts", date);
  ASSERT_EQ(a.status, 200) << a.body;
  aws::Credentials s{between(a.body, "<AccessKeyId>", "<"), between(a.body, "<SecretAccessKey>", "<"),
                     between(a.body, "<SessionToken>", "<")};
  auto who = service_->handle(presigned("GET", "Action=GetCallerIdentity&Version=2011-06-15", s, "sts", date));
  EXPECT_EQ(who.status, 200) << who.body;
  EXPECT_NE(who.body.find("assumed-role/r1/ci"), std::string::npos) << who.body;

  // Tampering with a signed parameter.
  HttpRequest tampered = presigned("GET", "Action=ListUsers&Version=2010-05-08&MaxItems=1", admin_, "iam", date);
  tampered.query.replace(tampered.query.find("MaxItems=1"), 10, "MaxItems=2");
  auto t = service_->handle(tampered);
  EXPECT_EQ(t.status, 403);
  EXPECT_NE(t.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << t.body;

  // Expiry: X-Amz-Expires=60 is still good after 62 s and until 15 minutes ...
  HttpRequest short_lived = presigned("GET", "Action=ListUsers&Version=2010-05-08", admin_, "iam", date, 60);
  *now += std::chrono::seconds(62);
  EXPECT_EQ(service_->handle(short_lived).status, 200);
  *now += std::chrono::seconds(15 * 60 - 62 + 2);
  auto expired = service_->handle(short_lived);
  EXPECT_EQ(expired.status, 403);
  EXPECT_NE(expired.body.find("<Code>SignatureDoesNotMatch</Code><Message>Signature expired: " + date), std::string::npos)
      << expired.body;
  // ... and X-Amz-Expires=3600 only for AWS's 15 minutes (IAM/STS ignore longer expiries).
  HttpRequest hour = presigned("GET", "Action=ListUsers&Version=2010-05-08", admin_, "iam", aws::format_amz_date(*now), 3600);
  *now += std::chrono::seconds(15 * 60);
  EXPECT_EQ(service_->handle(hour).status, 200);
  *now += std::chrono::seconds(2);
  auto late = service_->handle(hour);
  EXPECT_EQ(late.status, 403);
  EXPECT_NE(late.body.find("Signature expired:"), std::string::npos) << late.body;
  EXPECT_NE(late.body.find("- 15 min.)"), std::string::npos) << late.body;
  // X-Amz-Expires beyond 7 days is malformed.
  HttpRequest week = presigned("GET", "Action=ListUsers&Version=2010-05-08", admin_, "iam", aws::format_amz_date(*now), 604801);
  auto w = service_->handle(week);
  EXPECT_EQ(w.status, 400);
  EXPECT_NE(w.body.find("X-Amz-Expires must be a number of seconds from 1 to 604800"), std::string::npos) << w.body;
}

// AWS: GetRole returns RoleLastUsed ({} for a role never used; LastUsedDate and Region after use);
// ListRoles and CreateRole don't. Use = AssumeRole of the role, and its sessions' requests.
TEST_F(ServiceTest, RoleLastUsedAfterAssumeRole) {
  auto now = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  auto c = iam("Action=CreateRole&RoleName=r1&AssumeRolePolicyDocument=" + kTrust);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.body.find("RoleLastUsed"), std::string::npos) << c.body;
  auto never = iam("Action=GetRole&RoleName=r1");
  ASSERT_EQ(never.status, 200);
  EXPECT_NE(never.body.find("<RoleLastUsed/>"), std::string::npos) << never.body;

  ASSERT_EQ(call(kAssumeR1, admin_, "sts", aws::format_amz_date(*now)).status, 200);  // signed for eu-west-3
  auto used = call("Version=2010-05-08&Action=GetRole&RoleName=r1", admin_, "iam", aws::format_amz_date(*now));
  ASSERT_EQ(used.status, 200);
  EXPECT_NE(used.body.find("<RoleLastUsed><LastUsedDate>" + iso8601_for_test(*now) +
                           "</LastUsedDate><Region>eu-west-3</Region></RoleLastUsed>"),
            std::string::npos)
      << used.body;
  auto list = iam("Action=ListRoles");
  EXPECT_EQ(list.body.find("RoleLastUsed"), std::string::npos) << list.body;

  // Kept in the store: a new service (a restart) still reports it.
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  EXPECT_NE(iam("Action=GetRole&RoleName=r1").body.find("<Region>eu-west-3</Region>"), std::string::npos);
}

// A session's own requests use its role too (AWS: "last used to make an AWS request"), recorded
// with their region at most once a minute per role (no store write per request).
TEST_F(ServiceTest, RoleLastUsedBySessionRequests) {
  auto now = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  service_ = std::make_unique<Service>(*be_, ServiceOptions{.clock = [now] { return *now; }});
  ASSERT_EQ(iam("Action=CreateRole&RoleName=r1&AssumeRolePolicyDocument=" + kTrust).status, 200);
  auto a = call(kAssumeR1, admin_, "sts", aws::format_amz_date(*now));  // eu-west-3
  ASSERT_EQ(a.status, 200) << a.body;
  aws::Credentials s{between(a.body, "<AccessKeyId>", "<"), between(a.body, "<SecretAccessKey>", "<"),
                     between(a.body, "<SessionToken>", "<")};
  auto region_of_last_use = [&] {
    return between(call("Version=2010-05-08&Action=GetRole&RoleName=r1", admin_, "iam", aws::format_amz_date(*now)).body,
                   "<Region>", "<");
  };
  auto who = [&](const std::string& region) {
    return service_->handle(presigned("GET", "Action=GetCallerIdentity&Version=2011-06-15", s, "sts",
                                      aws::format_amz_date(*now), 300, region));
  };
  *now += std::chrono::seconds(30);
  ASSERT_EQ(who("ap-south-1").status, 200);
  EXPECT_EQ(region_of_last_use(), "eu-west-3");  // within a minute of the AssumeRole: not written again
  *now += std::chrono::seconds(31);
  ASSERT_EQ(who("ap-south-1").status, 200);
  EXPECT_EQ(region_of_last_use(), "ap-south-1");
  auto date = between(call("Version=2010-05-08&Action=GetRole&RoleName=r1", admin_, "iam", aws::format_amz_date(*now)).body,
                      "<LastUsedDate>", "<");
  EXPECT_EQ(date, iso8601_for_test(*now));
}
