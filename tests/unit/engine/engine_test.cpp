// The engine over the embedded local IAM: plan/apply round trips, crash-safety intents and their
// reconciliation, refresh (drift of each kind), import, protect, retainOnDelete, replacements,
// namePrefix, ignoreChanges, parallel apply and history.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "iamforge/backend/local_backend.hpp"
#include "iamforge/engine/engine.hpp"
#include "iamforge/engine/provider.hpp"
#include "iamforge/spec/stack.hpp"
#include "iamforge/state/store.hpp"

namespace fs = std::filesystem;
using namespace iamforge;

namespace {

constexpr const char* kTrust =
    R"('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')";

std::string policy_doc(const std::string& action) {
  return R"('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" + action +
         R"(","Resource":"arn:aws:s3:::bucket/*"}]}')";
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("iamforge-engine-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = state::Store::open((dir_ / "state.db").string());
    auto be = backend::LocalBackend::open((dir_ / "local-iam.db").string());
    ASSERT_TRUE(be.ok());
    be_ = std::move(be).value();
  }
  void TearDown() override {
    store_.reset();
    be_.reset();
    fs::remove_all(dir_);
  }

  // Loads `text` as the stack file; fails the test on errors.
  spec::Graph load(const std::string& text) {
    source_ = std::make_unique<base::SourceFile>("stack.yaml", text);
    auto r = spec::load(*source_);
    for (const auto& e : r.errors) ADD_FAILURE() << e.code << ": " << e.message;
    return std::move(r.graph);
  }

  engine::Plan plan(const std::string& text) {
    graph_ = load(text);
    return engine::plan(graph_, *store_, "dev", be_.get());
  }

  engine::ApplyResult apply(const std::string& text, int parallel = 4) {
    auto p = plan(text);
    EXPECT_TRUE(p.errors.empty()) << (p.errors.empty() ? "" : p.errors.front().message);
    engine::ApplyOptions o;
    o.parallel = parallel;
    auto r = engine::apply(p, graph_, *store_, *be_, "dev", nullptr, o);
    EXPECT_TRUE(r.ok) << r.error;
    return r;
  }

  void expect_no_changes(const std::string& text) {
    auto p = plan(text);
    EXPECT_TRUE(p.errors.empty());
    for (const auto& c : p.changes)
      EXPECT_EQ(c.action, engine::Action::Same)
          << c.logical_name << " " << engine::to_string(c.action) << (c.diffs.empty() ? "" : " " + c.diffs[0].name);
  }

  const engine::Change* change(const engine::Plan& p, const std::string& name) {
    for (const auto& c : p.changes)
      if (c.logical_name == name) return &c;
    return nullptr;
  }

  std::string physical_name(const std::string& logical) {
    auto r = store_->resource("dev", logical);
    return r ? r->physical_name : "";
  }

  fs::path dir_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<backend::LocalBackend> be_;
  std::unique_ptr<base::SourceFile> source_;
  spec::Graph graph_;
};

std::string seed() {
  return std::string("name: t\nruntime: yaml\nresources:\n") +
         "  role:\n    type: aws:iam:Role\n    properties:\n      assumeRolePolicy: " + kTrust + "\n" +
         "  pol:\n    type: aws:iam:Policy\n    properties:\n      policy: " + policy_doc("s3:GetObject") + "\n" +
         "  att:\n    type: aws:iam:RolePolicyAttachment\n    properties:\n      role: ${role.name}\n"
         "      policyArn: ${pol.arn}\n"
         "  grp:\n    type: aws:iam:Group\n"
         "  gatt:\n    type: aws:iam:GroupPolicyAttachment\n    properties:\n      group: ${grp.name}\n"
         "      policyArn: ${pol.arn}\n"
         "outputs:\n  roleArn: ${role.arn}\n";
}

TEST_F(EngineTest, ApplyThenPlanIsEmpty) {
  auto r = apply(seed());
  EXPECT_EQ(r.operations.size(), 5u);
  EXPECT_TRUE(r.outputs["roleArn"].rfind("arn:aws:iam::", 0) == 0);
  expect_no_changes(seed());
  auto h = store_->history("dev");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].result, "succeeded");
  EXPECT_EQ(h[0].kind, "apply");
  EXPECT_NE(h[0].details.find("create role"), std::string::npos);
}

TEST_F(EngineTest, SequentialAndParallelApplyAgree) {
  std::string text = "name: t\nruntime: yaml\nresources:\n";
  for (int i = 0; i < 20; ++i) {
    const auto n = std::to_string(i);
    text += "  r" + n + ":\n    type: aws:iam:Role\n    properties:\n      assumeRolePolicy: " + kTrust + "\n";
    text += "  p" + n + ":\n    type: aws:iam:Policy\n    properties:\n      policy: " + policy_doc("s3:GetObject") + "\n";
    text += "  a" + n + ":\n    type: aws:iam:RolePolicyAttachment\n    properties:\n      role: ${r" + n +
            ".name}\n      policyArn: ${p" + n + ".arn}\n";
  }
  auto r = apply(text, 8);
  EXPECT_EQ(r.operations.size(), 60u);
  expect_no_changes(text);
  EXPECT_EQ(store_->resources("dev").size(), 60u);
}

TEST_F(EngineTest, ExpectedIdsMatchTheProviders) {
  std::string text = seed() +
                     "  usr:\n    type: aws:iam:User\n"
                     "  mem:\n    type: aws:iam:GroupMembership\n    properties:\n      group: ${grp.name}\n"
                     "      users: [\"${usr.name}\"]\n"
                     "  ugm:\n    type: aws:iam:UserGroupMembership\n    properties:\n      user: ${usr.name}\n"
                     "      groups: [\"${grp.name}\"]\n"
                     "  inl:\n    type: aws:iam:RolePolicy\n    properties:\n      role: ${role.name}\n"
                     "      policy: " + policy_doc("s3:PutObject") + "\n"
                     "  uatt:\n    type: aws:iam:UserPolicyAttachment\n    properties:\n      user: ${usr.name}\n"
                     "      policyArn: ${pol.arn}\n"
                     "  prof:\n    type: aws:iam:InstanceProfile\n    properties:\n      role: ${role.name}\n";
  // `outputs:` must stay last in the file.
  auto pos = text.find("outputs:\n  roleArn: ${role.arn}\n");
  text = text.substr(0, pos) + text.substr(pos + 32) + "outputs:\n  roleArn: ${role.arn}\n";
  apply(text);
  for (const auto& rec : store_->resources("dev")) {
    if (rec.type == "aws:iam:Policy") continue;
    engine::Props outs;
    auto parsed = store_->resource("dev", rec.logical_name);
    ASSERT_TRUE(parsed);
    // The outputs echo the inputs (raw), which is what the engine predicts ids from.
    auto* prov = engine::find_provider(rec.type);
    ASSERT_NE(prov, nullptr);
    auto read = prov->read(*be_, rec.physical_id);
    ASSERT_TRUE(read.ok()) << rec.logical_name;
    EXPECT_TRUE(read->exists) << rec.logical_name;
    EXPECT_EQ(engine::detail::expected_id(rec.type, read->outputs, rec.physical_name), rec.physical_id)
        << rec.logical_name;
  }
  expect_no_changes(text);
}

TEST_F(EngineTest, InterruptedCreateThatHappenedIsAdopted) {
  // What a SIGKILL between the backend call and the state commit leaves: the intent and the role.
  backend::CreateRoleRequest req;
  req.role_name = "role-abc1234";
  req.assume_role_policy_document =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  ASSERT_TRUE(be_->create_role(req).ok());
  auto g = load(seed());
  state::Intent in;
  in.logical_name = "role";
  in.kind = "create";
  in.type = "aws:iam:Role";
  in.physical_id = "role-abc1234";
  in.physical_name = "role-abc1234";
  in.suffix = "abc1234";
  in.inputs_json = std::string(R"({"assumeRolePolicy":)") +
                   R"("{\"Statement\":[{\"Action\":\"sts:AssumeRole\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}],\"Version\":\"2012-10-17\"}"})";
  in.outputs_json = "{}";
  store_->put_intent("dev", in);
  EXPECT_TRUE(engine::needs_reconcile(*store_, "dev"));
  auto rr = engine::reconcile(*store_, *be_, "dev");
  ASSERT_TRUE(rr.ok) << rr.error;
  EXPECT_FALSE(engine::needs_reconcile(*store_, "dev"));
  auto rec = store_->resource("dev", "role");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->physical_name, "role-abc1234");
  EXPECT_EQ(rec->suffix, "abc1234");
  apply(seed());
  EXPECT_EQ(physical_name("role"), "role-abc1234");  // no second role
  auto roles = be_->list_roles({});
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ(roles->roles.size(), 1u);
  expect_no_changes(seed());
}

TEST_F(EngineTest, InterruptedCreateThatDidNotHappenKeepsItsName) {
  state::Intent in;
  in.logical_name = "role";
  in.kind = "create";
  in.type = "aws:iam:Role";
  in.physical_id = "role-zzz9999";
  in.physical_name = "role-zzz9999";
  in.suffix = "zzz9999";
  in.inputs_json = "{}";
  in.outputs_json = "{}";
  store_->put_intent("dev", in);
  auto rr = engine::reconcile(*store_, *be_, "dev");
  ASSERT_TRUE(rr.ok) << rr.error;
  EXPECT_FALSE(store_->resource("dev", "role"));
  apply(seed());
  EXPECT_EQ(physical_name("role"), "role-zzz9999");  // the retried create reused the suffix
  EXPECT_FALSE(engine::needs_reconcile(*store_, "dev"));
  EXPECT_TRUE(store_->intents("dev").empty());
}

TEST_F(EngineTest, InterruptedPolicyCreateIsFoundByName) {
  apply(seed());
  // A second policy whose create happened but whose record did not: found by name (its ARN holds the account).
  backend::CreatePolicyRequest req;
  req.policy_name = "pol2-aaaaaaa";
  req.policy_document = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
  ASSERT_TRUE(be_->create_policy(req).ok());
  state::Intent in;
  in.logical_name = "pol2";
  in.kind = "create";
  in.type = "aws:iam:Policy";
  in.physical_name = "pol2-aaaaaaa";
  in.suffix = "aaaaaaa";
  in.inputs_json = "{}";
  in.outputs_json = "{}";
  store_->put_intent("dev", in);
  auto rr = engine::reconcile(*store_, *be_, "dev");
  ASSERT_TRUE(rr.ok) << rr.error;
  auto rec = store_->resource("dev", "pol2");
  ASSERT_TRUE(rec);
  EXPECT_NE(rec->physical_id.find(":policy/pol2-aaaaaaa"), std::string::npos);
}

TEST_F(EngineTest, InterruptedDeleteIsReadBack) {
  apply(seed());
  auto rec = store_->resource("dev", "gatt");
  ASSERT_TRUE(rec);
  ASSERT_TRUE(be_->detach_group_policy({physical_name("grp"), store_->resource("dev", "pol")->physical_id}).ok());
  state::Intent in;
  in.logical_name = "gatt";
  in.kind = "delete";
  in.type = rec->type;
  in.physical_id = rec->physical_id;
  in.outputs_json = rec->outputs_json;
  store_->put_intent("dev", in);
  auto rr = engine::reconcile(*store_, *be_, "dev");
  ASSERT_TRUE(rr.ok) << rr.error;
  EXPECT_FALSE(store_->resource("dev", "gatt"));
  auto p = plan(seed());
  ASSERT_NE(change(p, "gatt"), nullptr);
  EXPECT_EQ(change(p, "gatt")->action, engine::Action::Create);
}

TEST_F(EngineTest, RefreshFindsDriftOfEachKind) {
  std::string text = seed();
  auto pos = text.find("outputs:");
  text.insert(pos,
              "  usr:\n    type: aws:iam:User\n  usr2:\n    type: aws:iam:User\n"
              "  mem:\n    type: aws:iam:GroupMembership\n    properties:\n      group: ${grp.name}\n"
              "      users: [\"${usr.name}\"]\n");
  apply(text);
  // A policy edited out of band, an attachment removed, a user added to the exclusive membership,
  // a role deleted (after its attachment is gone).
  const auto pol_arn = store_->resource("dev", "pol")->physical_id;
  ASSERT_TRUE(be_->create_policy_version(
                     {pol_arn,
                      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})",
                      true})
                  .ok());
  ASSERT_TRUE(be_->detach_group_policy({physical_name("grp"), pol_arn}).ok());
  ASSERT_TRUE(be_->add_user_to_group({physical_name("grp"), physical_name("usr2")}).ok());
  ASSERT_TRUE(be_->detach_role_policy({physical_name("role"), pol_arn}).ok());
  ASSERT_TRUE(be_->delete_role({physical_name("role")}).ok());

  auto r = engine::refresh(*store_, *be_, "dev");
  ASSERT_TRUE(r.ok) << r.error;
  std::map<std::string, const engine::Drift*> by;
  for (const auto& d : r.drift) by[d.logical_name] = &d;
  ASSERT_TRUE(by.count("pol"));
  EXPECT_FALSE(by["pol"]->deleted);
  ASSERT_FALSE(by["pol"]->diffs.empty());
  EXPECT_EQ(by["pol"]->diffs[0].name, "policy");
  ASSERT_TRUE(by.count("gatt"));
  EXPECT_TRUE(by["gatt"]->deleted);
  ASSERT_TRUE(by.count("role"));
  EXPECT_TRUE(by["role"]->deleted);
  ASSERT_TRUE(by.count("att"));
  EXPECT_TRUE(by["att"]->deleted);
  ASSERT_TRUE(by.count("mem"));
  ASSERT_FALSE(by["mem"]->diffs.empty());
  EXPECT_EQ(by["mem"]->diffs[0].name, "users");

  // The plan puts it all back; after apply nothing is left to do.
  auto p = plan(text);
  EXPECT_EQ(change(p, "pol")->action, engine::Action::Update);
  EXPECT_EQ(change(p, "gatt")->action, engine::Action::Create);
  EXPECT_EQ(change(p, "role")->action, engine::Action::Create);
  EXPECT_EQ(change(p, "mem")->action, engine::Action::Update);
  apply(text);
  expect_no_changes(text);
  auto again = engine::refresh(*store_, *be_, "dev");
  ASSERT_TRUE(again.ok);
  EXPECT_TRUE(again.drift.empty()) << again.drift.front().logical_name;
}

// An attachment or inline policy added by hand to a role, group or user the stack manages is
// drift too: the entity now grants more than the stack declares. No resource of the stack owns it,
// so refresh reports it (and records it in history) rather than changing state.
TEST_F(EngineTest, RefreshReportsWhatWasAttachedByHand) {
  apply(seed());
  auto json_doc = [](const std::string& action) {  // policy_doc() without its YAML quotes
    auto d = policy_doc(action);
    return d.substr(1, d.size() - 2);
  };
  auto extra = be_->create_policy({.policy_name = "extra", .policy_document = json_doc("s3:PutObject")});
  ASSERT_TRUE(extra.ok());
  ASSERT_TRUE(be_->attach_role_policy({physical_name("role"), extra->arn}).ok());
  ASSERT_TRUE(be_->put_group_policy({physical_name("grp"), "by-hand", json_doc("s3:DeleteObject")}).ok());

  auto r = engine::refresh(*store_, *be_, "dev");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.drift.empty());
  ASSERT_EQ(r.unmanaged.size(), 2u);
  EXPECT_EQ(r.unmanaged[0].logical_name, "role");
  EXPECT_EQ(r.unmanaged[0].what, "managed policy " + extra->arn);
  EXPECT_EQ(r.unmanaged[1].logical_name, "grp");
  EXPECT_EQ(r.unmanaged[1].what, "inline policy by-hand");
  bool recorded = false;
  for (const auto& h : store_->history("dev"))
    recorded = recorded || h.details.find("unmanaged role: managed policy " + extra->arn) != std::string::npos;
  EXPECT_TRUE(recorded);

  // Once the stack declares it, it is no longer reported.
  ASSERT_TRUE(be_->delete_group_policy({physical_name("grp"), "by-hand"}).ok());
  ASSERT_TRUE(be_->detach_role_policy({physical_name("role"), extra->arn}).ok());
  auto clean = engine::refresh(*store_, *be_, "dev");
  EXPECT_TRUE(clean.unmanaged.empty());
}

TEST_F(EngineTest, ImportOptionAdoptsAndShowsTheDiff) {
  backend::CreateGroupRequest req;
  req.group_name = "existing-team";
  ASSERT_TRUE(be_->create_group(req).ok());
  std::string text =
      "name: t\nruntime: yaml\nresources:\n  team:\n    type: aws:iam:Group\n    properties:\n"
      "      name: existing-team\n    options:\n      import: existing-team\n";
  auto p = plan(text);
  ASSERT_TRUE(p.errors.empty()) << p.errors.front().message;
  ASSERT_EQ(p.changes.size(), 1u);
  EXPECT_EQ(p.changes[0].action, engine::Action::Import);
  EXPECT_EQ(p.summary(), "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 1 to import");
  apply(text);
  expect_no_changes(text);
  auto groups = be_->list_groups({});
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(groups->groups.size(), 1u);
  // Importing something that does not exist is a plan error.
  auto bad = plan(
      "name: t\nruntime: yaml\nresources:\n  other:\n    type: aws:iam:Group\n    options:\n      import: nope\n");
  ASSERT_FALSE(bad.errors.empty());
  EXPECT_EQ(bad.errors[0].code, "engine.import");
}

TEST_F(EngineTest, ImportCommandRecordsTheResource) {
  backend::CreateUserRequest req;
  req.user_name = "alice";
  ASSERT_TRUE(be_->create_user(req).ok());
  auto r = engine::import_resource(*store_, *be_, "dev", "aws:iam:User", "alice", "alice", nullptr);
  ASSERT_TRUE(r.ok) << r.error;
  auto rec = store_->resource("dev", "alice");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->physical_id, "alice");
  EXPECT_EQ(r.inputs["name"], "alice");
  // The declaration the import prints, pasted into the stack: nothing to do.
  std::string text = "name: t\nruntime: yaml\nresources:\n  alice:\n    type: aws:iam:User\n    properties:\n";
  for (const auto& [k, v] : r.inputs) text += "      " + k + ": " + v + "\n";
  expect_no_changes(text);
  auto again = engine::import_resource(*store_, *be_, "dev", "aws:iam:User", "alice", "alice", nullptr);
  EXPECT_FALSE(again.ok);
  auto missing = engine::import_resource(*store_, *be_, "dev", "aws:iam:User", "bob", "bob", nullptr);
  EXPECT_FALSE(missing.ok);
}

TEST_F(EngineTest, ProtectRefusesDeleteAndDestroy) {
  std::string text = "name: t\nruntime: yaml\nresources:\n  g:\n    type: aws:iam:Group\n    options:\n"
                     "      protect: true\n";
  apply(text);
  auto p = plan("name: t\nruntime: yaml\nresources: {}\n");
  ASSERT_FALSE(p.errors.empty());
  EXPECT_EQ(p.errors[0].code, "engine.protected");
  auto d = engine::destroy(*store_, *be_, "dev", nullptr);
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.error.find("protected"), std::string::npos);
  EXPECT_TRUE(store_->resource("dev", "g"));
  // Removing the option (applied) lets destroy go.
  apply("name: t\nruntime: yaml\nresources:\n  g:\n    type: aws:iam:Group\n");
  d = engine::destroy(*store_, *be_, "dev", nullptr);
  EXPECT_TRUE(d.ok) << d.error;
}

TEST_F(EngineTest, RetainOnDeleteOnlyForgets) {
  apply("name: t\nruntime: yaml\nresources:\n  g:\n    type: aws:iam:Group\n    options:\n      retainOnDelete: true\n");
  const auto name = physical_name("g");
  apply("name: t\nruntime: yaml\nresources: {}\n");
  EXPECT_FALSE(store_->resource("dev", "g"));
  EXPECT_TRUE(be_->get_group({name, "", std::nullopt}).ok());
}

TEST_F(EngineTest, ReplacementCreatesBeforeDeletingWhenAutoNamed) {
  apply(seed());
  const auto old_name = physical_name("role");
  std::string moved = seed();
  moved.insert(moved.find("      assumeRolePolicy"), "      path: /moved/\n");
  auto p = plan(moved);
  ASSERT_EQ(change(p, "role")->action, engine::Action::Replace);
  EXPECT_EQ(change(p, "role")->replace_reason, "path");
  EXPECT_FALSE(change(p, "role")->delete_before_replace);
  apply(moved);
  EXPECT_NE(physical_name("role"), old_name);
  EXPECT_FALSE(be_->get_role({old_name}).ok());
  EXPECT_TRUE(store_->pending_deletes("dev").empty());
  expect_no_changes(moved);
  auto roles = be_->list_roles({});
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ(roles->roles.size(), 1u);
}

TEST_F(EngineTest, DeleteBeforeReplaceWithFixedName) {
  std::string text = "name: t\nruntime: yaml\nresources:\n  g:\n    type: aws:iam:InstanceProfile\n    properties:\n"
                     "      name: prof\n";
  apply(text);
  std::string moved = text + "      path: /x/\n";
  auto p = plan(moved);
  ASSERT_EQ(change(p, "g")->action, engine::Action::Replace);
  EXPECT_TRUE(change(p, "g")->delete_before_replace);
  apply(moved);
  expect_no_changes(moved);
}

TEST_F(EngineTest, NamePrefixGetsAStableSuffix) {
  std::string text = std::string("name: t\nruntime: yaml\nresources:\n  r:\n    type: aws:iam:Role\n    properties:\n") +
                     "      namePrefix: ml-\n      assumeRolePolicy: " + kTrust + "\n";
  apply(text);
  const auto name = physical_name("r");
  EXPECT_EQ(name.rfind("ml-", 0), 0u);
  EXPECT_EQ(name.size(), 3u + 26u);
  expect_no_changes(text);
  EXPECT_EQ(physical_name("r"), name);
}

TEST_F(EngineTest, IgnoreChangesIsNoDiff) {
  std::string base = std::string("name: t\nruntime: yaml\nresources:\n  r:\n    type: aws:iam:Role\n    properties:\n") +
                     "      description: one\n      assumeRolePolicy: " + kTrust + "\n";
  apply(base + "    options:\n      ignoreChanges: [description]\n");
  std::string changed = base;
  changed.replace(changed.find("one"), 3, "two");
  expect_no_changes(changed + "    options:\n      ignoreChanges: [description]\n");
  auto p = plan(changed);
  ASSERT_EQ(change(p, "r")->action, engine::Action::Update);
}

TEST_F(EngineTest, StatementOrderIsNoDiff) {
  std::string two = std::string("name: t\nruntime: yaml\nresources:\n  p:\n    type: aws:iam:Policy\n    properties:\n") +
                    R"(      policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}')" +
                    "\n";
  apply(two);
  std::string swapped = std::string("name: t\nruntime: yaml\nresources:\n  p:\n    type: aws:iam:Policy\n    properties:\n") +
                        R"(      policy: '{"Statement":[{"Resource":"*","Action":"iam:*","Effect":"Deny"},{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"}],"Version":"2012-10-17"}')" +
                        "\n";
  expect_no_changes(swapped);
}

TEST_F(EngineTest, FailedApplyIsRecordedAndLeavesNoIntent) {
  // A fixed name already taken: EntityAlreadyExists; the failure is in history, no intent is left.
  backend::CreateGroupRequest req;
  req.group_name = "taken";
  ASSERT_TRUE(be_->create_group(req).ok());
  graph_ = load("name: t\nruntime: yaml\nresources:\n  g:\n    type: aws:iam:Group\n    properties:\n      name: taken\n");
  auto p = engine::plan(graph_, *store_, "dev", be_.get());
  auto r = engine::apply(p, graph_, *store_, *be_, "dev", nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("EntityAlreadyExists"), std::string::npos) << r.error;
  EXPECT_FALSE(engine::needs_reconcile(*store_, "dev"));
  auto h = store_->history("dev");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].result.rfind("failed: ", 0), 0u);
}

}  // namespace

namespace {

TEST_F(EngineTest, FailureStopsDependentsAndRecordsWhatWasDone) {
  backend::CreateGroupRequest req;
  req.group_name = "taken";
  ASSERT_TRUE(be_->create_group(req).ok());
  std::string text = std::string("name: t\nruntime: yaml\nresources:\n") +
                     "  g:\n    type: aws:iam:Group\n    properties:\n      name: taken\n" +
                     "  p:\n    type: aws:iam:Policy\n    properties:\n      policy: " + policy_doc("s3:GetObject") + "\n" +
                     "  a:\n    type: aws:iam:GroupPolicyAttachment\n    properties:\n      group: ${g.name}\n"
                     "      policyArn: ${p.arn}\n";
  graph_ = load(text);
  auto p = engine::plan(graph_, *store_, "dev", be_.get());
  engine::ApplyOptions o;
  o.parallel = 4;
  auto r = engine::apply(p, graph_, *store_, *be_, "dev", nullptr, o);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(store_->resource("dev", "g"));
  // Independent work already started finishes and is recorded; nothing new starts after a failure.
  if (auto rec = store_->resource("dev", "p")) {
    EXPECT_TRUE(be_->get_policy({rec->physical_id}).ok());
  }
  EXPECT_FALSE(store_->resource("dev", "a"));  // depends on the failure: never started
  EXPECT_FALSE(engine::needs_reconcile(*store_, "dev"));
}

TEST_F(EngineTest, KeptNameIsNotReusedForAnotherNamingMode) {
  // A reserved auto-name suffix is reused only for the same naming (logical name + suffix).
  state::Intent in;
  in.logical_name = "r";
  in.kind = "name";
  in.type = "aws:iam:Group";
  in.physical_name = "other-abc1234";
  in.suffix = "abc1234";
  in.inputs_json = "{}";
  in.outputs_json = "{}";
  store_->put_intent("dev", in);
  apply("name: t\nruntime: yaml\nresources:\n  r:\n    type: aws:iam:Group\n");
  EXPECT_NE(physical_name("r"), "r-abc1234");
  EXPECT_EQ(physical_name("r").rfind("r-", 0), 0u);
  EXPECT_TRUE(store_->intents("dev").empty());
}

}  // namespace

namespace {

TEST_F(EngineTest, InterruptedReplacementAdoptsTheNewCopyAndDeletesTheOld) {
  apply(seed());
  const auto old_name = physical_name("grp");
  // Replacing `grp` (create before delete) was killed after the new group was created.
  backend::CreateGroupRequest req;
  req.group_name = "grp-new0001";
  req.path = "/moved/";
  ASSERT_TRUE(be_->create_group(req).ok());
  state::Intent in;
  in.logical_name = "grp";
  in.kind = "create";
  in.type = "aws:iam:Group";
  in.physical_id = "grp-new0001";
  in.physical_name = "grp-new0001";
  in.suffix = "new0001";
  in.inputs_json = R"({"path":"/moved/"})";
  in.outputs_json = "{}";
  store_->put_intent("dev", in);
  auto rr = engine::reconcile(*store_, *be_, "dev");
  ASSERT_TRUE(rr.ok) << rr.error;
  EXPECT_EQ(physical_name("grp"), "grp-new0001");
  ASSERT_EQ(store_->pending_deletes("dev").size(), 1u);
  std::string moved = seed();
  moved.replace(moved.find("  grp:\n    type: aws:iam:Group\n"), 31,
                "  grp:\n    type: aws:iam:Group\n    properties:\n      path: /moved/\n");
  auto p = plan(moved);
  bool pending_shown = false;
  for (const auto& c : p.changes) pending_shown = pending_shown || (c.action == engine::Action::Delete && c.pending_seq);
  EXPECT_TRUE(pending_shown);
  apply(moved);  // the old group's attachment moves to the new group; the old copy goes last
  EXPECT_TRUE(store_->pending_deletes("dev").empty());
  EXPECT_FALSE(be_->get_group({old_name, "", std::nullopt}).ok());
  expect_no_changes(moved);
}

}  // namespace
