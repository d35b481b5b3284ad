// The founding example written with the iamforge C++ SDK: the same stack as stack.yaml (same
// project, logical names and properties, so the two share state and plan identically).
// Built by `make` into build/<preset>/examples/seed/ml-iam; run it like iamforge:
//   ml-iam plan | up --yes | output | destroy --yes   [--stack NAME]
#include "iamforge/sdk/sdk.hpp"

namespace sdk = iamforge::sdk;
using sdk::List;
using sdk::Value;

int main(int argc, char** argv) {
  sdk::Program p("ml-iam", "Managed IAM policies for a machine learning team");

  auto ml_policy_document = p.variable(
      "mlPolicyDocument",
      sdk::invoke("aws:iam:getPolicyDocument",
                  Value::map({{"statements",
                               Value::list({
                                   Value::map({{"effect", "Allow"},
                                               {"actions", Value::list({"s3:ListBucket", "s3:GetObject", "s3:PutObject"})},
                                               {"resources", Value::list({"arn:aws:s3:::ml-datasets-*/*"})}}),
                                   Value::map({{"effect", "Allow"},
                                               {"actions", Value::list({"ec2:RunInstances", "ec2:TerminateInstances"})},
                                               {"resources", Value::list({"*"})}}),
                               })}}),
                  "json"));

  auto role = p.resource(
      "mlTeamRole", "aws:iam:Role",
      {{"assumeRolePolicy",
        sdk::to_json(Value::map({{"Version", "2012-10-17"},
                                 {"Statement", Value::list({Value::map({
                                                   {"Effect", "Allow"},
                                                   {"Principal", Value::map({{"Service", "sagemaker.amazonaws.com"}})},
                                                   {"Action", "sts:AssumeRole"},
                                               })})}}))}});

  auto policy = p.resource("mlPolicy", "aws:iam:Policy",
                           {{"description", "Policy for Machine Learning Team"}, {"policy", ml_policy_document}});

  p.resource("rolePolicyAttachment", "aws:iam:RolePolicyAttachment",
             {{"role", role.out("name")}, {"policyArn", policy.out("arn")}});

  auto group = p.resource("mlTeamGroup", "aws:iam:Group", {});

  p.resource("groupRoleAttachment", "aws:iam:GroupPolicyAttachment",
             {{"group", group.out("name")}, {"policyArn", policy.out("arn")}});

  p.output("ml_team_role_arn", role.out("arn"));
  p.output("ml_policy_arn", policy.out("arn"));

  return sdk::main(p, argc, argv);
}
