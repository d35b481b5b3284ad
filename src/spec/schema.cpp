#include "iamforge/spec/schema.hpp"

#include <array>

namespace iamforge::spec {

namespace {

struct InputRow {
  ResourceKind kind;
  PropertySchema schema;
};
struct OutputRow {
  ResourceKind kind;
  OutputSchema schema;
};

constexpr InputRow kInputs[] = {
#define IAMFORGE_INPUT(kind, name, type, presence, on_change, document, check) \
  {ResourceKind::kind,                                                          \
   {name, ValueType::type, Presence::presence, OnChange::on_change, Document::document, Check::check}},
#include "iamforge/spec/resource_types.def"
};

constexpr OutputRow kOutputs[] = {
#define IAMFORGE_OUTPUT(kind, name, type) {ResourceKind::kind, {name, ValueType::type}},
#include "iamforge/spec/resource_types.def"
};

// Rows are copied into contiguous per-type arrays so each ResourceType can hand out a span.
struct Tables {
  std::vector<PropertySchema> inputs;
  std::vector<OutputSchema> outputs;
  std::vector<ResourceType> types;

  Tables() {
    struct Head {
      ResourceKind kind;
      std::string_view token;
      Autoname autoname;
    };
    constexpr Head heads[] = {
#define IAMFORGE_RESOURCE_TYPE(kind, token, autoname) {ResourceKind::kind, token, Autoname::autoname},
#include "iamforge/spec/resource_types.def"
    };
    std::vector<std::pair<std::size_t, std::size_t>> in_ranges, out_ranges;
    for (const auto& h : heads) {
      std::size_t b = inputs.size();
      for (const auto& r : kInputs)
        if (r.kind == h.kind) inputs.push_back(r.schema);
      in_ranges.emplace_back(b, inputs.size() - b);
      b = outputs.size();
      for (const auto& r : kOutputs)
        if (r.kind == h.kind) outputs.push_back(r.schema);
      out_ranges.emplace_back(b, outputs.size() - b);
    }
    // INVARIANT: the vectors are complete before spans into them are taken.
    for (std::size_t i = 0; i < std::size(heads); ++i) {
      ResourceType t{heads[i].kind, heads[i].token, heads[i].autoname,
                     std::span<const PropertySchema>(inputs.data() + in_ranges[i].first, in_ranges[i].second),
                     std::span<const OutputSchema>(outputs.data() + out_ranges[i].first, out_ranges[i].second)};
      types.push_back(t);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

std::string_view to_string(ValueType t) {
  switch (t) {
    case ValueType::String: return "string";
    case ValueType::Integer: return "integer";
    case ValueType::Boolean: return "boolean";
    case ValueType::StringList: return "list of strings";
    case ValueType::StringMap: return "map of strings";
    case ValueType::PolicyDocument: return "policy document";
  }
  return "value";
}

std::optional<policy::PolicyType> policy_type(Document d) {
  switch (d) {
    case Document::None: return std::nullopt;
    case Document::Trust: return policy::PolicyType::Trust;
    case Document::Identity: return policy::PolicyType::Identity;
    case Document::Inline: return policy::PolicyType::Inline;
  }
  return std::nullopt;
}

const PropertySchema* ResourceType::find_input(std::string_view name) const {
  for (const auto& p : inputs)
    if (p.name == name) return &p;
  return nullptr;
}

bool ResourceType::has_output(std::string_view name) const {
  if (name == "id" || find_input(name)) return true;
  for (const auto& o : computed)
    if (o.name == name) return true;
  return false;
}

std::vector<std::string_view> ResourceType::output_names() const {
  std::vector<std::string_view> r{"id"};
  for (const auto& p : inputs) r.push_back(p.name);
  for (const auto& o : computed) r.push_back(o.name);
  return r;
}

std::vector<std::string_view> ResourceType::input_names() const {
  std::vector<std::string_view> r;
  for (const auto& p : inputs) r.push_back(p.name);
  return r;
}

std::span<const ResourceType> resource_types() { return tables().types; }

const ResourceType* find_resource_type(std::string_view token) {
  for (const auto& t : tables().types)
    if (t.token == token) return &t;
  return nullptr;
}

const ResourceType& resource_type(ResourceKind kind) { return tables().types[static_cast<std::size_t>(kind)]; }

}  // namespace iamforge::spec
