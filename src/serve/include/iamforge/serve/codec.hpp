#pragma once
/// The IAM Query API codec: form parameters -> the backend's request structs, and the backend's
/// response structs -> AWS's XML result elements (reference §6.1, §6.3, §6.4).
#include <initializer_list>
#include <optional>
#include <string>

#include "iamforge/backend/backend.hpp"
#include "iamforge/backend/query_params.hpp"
#include "iamforge/serve/wire.hpp"

namespace iamforge::serve {

inline constexpr std::string_view kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
inline constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
inline constexpr std::string_view kIamVersion = "2010-05-08";
inline constexpr std::string_view kStsVersion = "2011-06-15";

/// Reads typed parameters (scalars, `Name.member.N` lists, `Tags.member.N.Key/Value`) and keeps
/// the first problem as AWS's ValidationError.
class Decoder {
 public:
  explicit Decoder(const Params& params) : p_(params) {}
  /// A required string: missing -> "Value null at 'roleName' failed to satisfy constraint: Member must not be null".
  void required(std::string_view name, std::string& out);
  /// An optional string: left as is when absent.
  void optional(std::string_view name, std::string& out);
  void optional(std::string_view name, std::optional<std::string>& out);
  void optional_int(std::string_view name, std::optional<int>& out);
  void optional_bool(std::string_view name, bool& out);
  void optional(std::string_view name, std::optional<int>& out) { optional_int(name, out); }
  void optional(std::string_view name, bool& out) { optional_bool(name, out); }
  /// One of an enumeration's texts; absent: `out` left as is; another text: ValidationError
  /// ("Member must satisfy enum value set: [A, B]").
  template <class F>
  void choice(std::string_view name, F& out, backend::Choices<F> values) {
    std::optional<std::string> text;
    optional(name, text);
    if (!text) return;
    std::string allowed;
    for (const auto& [t, value] : values) {
      if (t == *text) {
        out = value;
        return;
      }
      allowed += (allowed.empty() ? "" : ", ") + std::string(t);
    }
    bad_choice(name, *text, allowed);
  }
  /// `Name.member.N` (1-based, consecutive). `required`: at least the parameter must be present
  /// (botocore sends `Name=` for an empty list).
  void strings(std::string_view name, std::vector<std::string>& out, bool required = false);
  /// `Name.member.N.Key` / `.Value`.
  void tags(std::string_view name, std::vector<backend::Tag>& out, bool required = false);
  /// `Marker` and `MaxItems`.
  template <class R>
  void page(R& r) {
    optional("Marker", r.marker);
    optional_int("MaxItems", r.max_items);
  }
  const std::optional<backend::ApiError>& error() const { return error_; }
  void fail(backend::ApiError e) {
    if (!error_) error_ = std::move(e);
  }
  const Params& params() const { return p_; }

 private:
  void bad_choice(std::string_view name, const std::string& text, const std::string& allowed);
  const Params& p_;
  std::optional<backend::ApiError> error_;
};

/// "roleName" for "RoleName": how AWS's validation messages name a parameter.
std::string member_name(std::string_view param);

// Every request type of operations.def is decoded by its parameter list in
// backend/query_params.hpp, the list AwsBackend encodes with.
template <class R>
  requires requires(Decoder& d, R& r) { backend::query_params(d, r); }
void decode(Decoder& d, R& r) {
  backend::query_params(d, r);
}

/// The members of `<ActionResult>` for each response type (entities as AWS's named element).
void encode(Xml& x, const backend::Role& v);
void encode(Xml& x, const backend::User& v);
void encode(Xml& x, const backend::Group& v);
void encode(Xml& x, const backend::ManagedPolicy& v);
void encode(Xml& x, const backend::PolicyVersion& v);
void encode(Xml& x, const backend::InstanceProfile& v);
void encode(Xml& x, const backend::AccessKey& v);
void encode(Xml& x, const backend::ListRolesResponse& v);
void encode(Xml& x, const backend::ListPoliciesResponse& v);
void encode(Xml& x, const backend::ListPolicyVersionsResponse& v);
void encode(Xml& x, const backend::ListAttachedPoliciesResponse& v);
void encode(Xml& x, const backend::GetRolePolicyResponse& v);
void encode(Xml& x, const backend::GetUserPolicyResponse& v);
void encode(Xml& x, const backend::GetGroupPolicyResponse& v);
void encode(Xml& x, const backend::ListInlinePoliciesResponse& v);
void encode(Xml& x, const backend::ListUsersResponse& v);
void encode(Xml& x, const backend::GetGroupResponse& v);
void encode(Xml& x, const backend::ListGroupsResponse& v);
void encode(Xml& x, const backend::ListInstanceProfilesResponse& v);
void encode(Xml& x, const backend::ListAccessKeysResponse& v);

/// Entity bodies under a given element name (`Role` or `member`).
void write_role(Xml& x, std::string_view element, const backend::Role& v);
void write_user(Xml& x, std::string_view element, const backend::User& v);
void write_group(Xml& x, std::string_view element, const backend::Group& v);

/// AWS's error envelope: `<ErrorResponse xmlns=ns><Error><Type/><Code/><Message/></Error><RequestId/>`.
std::string error_xml(const backend::ApiError& e, std::string_view xmlns, std::string_view request_id);
/// `<ResponseMetadata><RequestId>..</RequestId></ResponseMetadata>`.
void write_metadata(Xml& x, std::string_view request_id);

}  // namespace iamforge::serve
