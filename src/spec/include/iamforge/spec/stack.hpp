#pragma once
/// Stack files (a Pulumi YAML subset, with Pulumi's meanings) -> a validated resource graph.
///
///   auto cfg = spec::read_stack_config(config_file);          // Pulumi.<stack>.yaml, optional
///   spec::LoadOptions opts{.stack = "dev", .config = cfg.values};
///   spec::LoadResult r = spec::load(stack_file, opts);        // every error, before anything runs
///   for (auto i : r.graph.order) { ... r.graph.resources[i] ... }
///   spec::resolve(r.graph, known_outputs);                    // during apply, as outputs arrive
///
/// Errors carry `spec.*` codes (see diagnostic_codes.def) and byte spans into the stack file.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/catalog/catalog.hpp"
#include "iamforge/spec/schema.hpp"
#include "iamforge/spec/value.hpp"

namespace iamforge::spec {

// ---- diagnostic codes ---------------------------------------------------------------------------

/// The spec module's diagnostic codes, generated from diagnostic_codes.def.
enum class Code : std::uint8_t {
#define IAMFORGE_SPEC_CODE(name, code, meaning) name,
#include "iamforge/spec/diagnostic_codes.def"
#undef IAMFORGE_SPEC_CODE
};
/// "spec.yaml-syntax", ...
std::string_view to_string(Code c);
/// A diagnostic code with its one-line meaning (for docs and tests).
struct CodeInfo {
  Code code;
  std::string_view name;
  std::string_view meaning;
};
/// Every code, in the order of diagnostic_codes.def.
std::span<const CodeInfo> diagnostic_codes();

// ---- config -------------------------------------------------------------------------------------

/// Config values supplied by the caller, keyed as written: `key`, `project:key` or `aws:region`.
/// Keys in the project's namespace (`ml-iam:region`) and bare keys (`region`) mean the same entry.
using ConfigValues = std::map<std::string, Value, std::less<>>;

/// The config values of a stack config file, and what was wrong with it.
struct ConfigReadResult {
  ConfigValues values;
  std::vector<base::Diagnostic> diagnostics;   ///< spans refer to the config file
  bool ok() const { return !base::has_error(diagnostics); }
};

/// Reads the `config:` map of a `Pulumi.<stack>.yaml` file. Encrypted (`secure:`) values are
/// reported as spec.unsupported. Never throws.
ConfigReadResult read_stack_config(const base::SourceFile& file);
/// `<directory of stack_file>/Pulumi.<stack>.yaml`.
std::string stack_config_path(std::string_view stack_file, std::string_view stack);
/// Applies one `--config key=value` (the value is a string; typed keys are converted at load).
/// Returns false and sets `error` when there is no `=` or the key is empty.
bool apply_config_assignment(std::string_view assignment, ConfigValues& values, std::string& error);

// ---- loading ------------------------------------------------------------------------------------

/// Reads a file for fn::readFile. `path` is already resolved against the stack's directory.
using FileReader = std::function<bool(const std::string& path, std::string& text, std::string& error)>;

/// What load() needs besides the stack file.
struct LoadOptions {
  std::string stack = "dev";                   ///< `${pulumi.stack}`
  std::string organization = "organization";   ///< `${pulumi.organization}` (Pulumi's value for local backends)
  ConfigValues config;                         ///< Pulumi.<stack>.yaml, then --config on top
  /// fn::readFile; when empty, the filesystem is read. Paths are relative to the stack file's directory.
  FileReader read_file;
  const catalog::Catalog* catalog = nullptr;   ///< policy validation; null means Catalog::builtin()
};

/// Resource options (Pulumi's names and meanings).
struct ResourceOptions {
  std::vector<std::string> depends_on;         ///< logical names (also present in Resource::dependencies)
  bool protect = false;
  std::vector<std::string> ignore_changes;     ///< input property names
  std::optional<std::string> import_id;        ///< adopt the existing resource with this ID
  bool delete_before_replace = false;
  bool retain_on_delete = false;
  base::Span span;                             ///< the `options` mapping, or empty
};

/// One input property of a resource, resolved.
struct Property {
  const PropertySchema* schema = nullptr;
  Value value;           ///< Unknown parts wait for other resources' outputs
  base::Span key_span;   ///< the property's key in the stack file
  /// The property's name, e.g. "assumeRolePolicy".
  std::string_view name() const { return schema->name; }
};

/// One declared resource, resolved as far as known outputs allow.
struct Resource {
  std::string name;                     ///< logical name
  base::Span name_span;
  const ResourceType* type = nullptr;
  base::Span type_span;
  std::vector<Property> inputs;         ///< the properties written, in schema order
  ResourceOptions options;
  /// Resources this one must wait for (references and dependsOn): indices into Graph::resources, sorted.
  std::vector<std::uint32_t> dependencies;

  /// The input named `name`, or null if not written.
  const Property* find_input(std::string_view name) const;
  /// True if every input is known.
  bool is_known() const;
  /// Pulumi auto-naming applies: the type auto-names and neither `name` nor `namePrefix` is written.
  bool is_autonamed() const;
};

/// One entry of `outputs:`, resolved (Unknown until the resources it names exist).
struct StackOutput {
  std::string name;
  base::Span name_span;
  Value value;
};

namespace detail {
struct Program;
}

/// The resolved stack: resources with their inputs, options and dependency edges, a topological
/// order, and the stack outputs.
struct Graph {
  std::string project;                  ///< `name:`
  std::string description;
  std::string stack;
  std::vector<Resource> resources;      ///< source order
  std::vector<std::uint32_t> order;     ///< dependencies first; ties in source order
  std::vector<StackOutput> outputs;     ///< source order

  /// Index of the resource with logical name `name`, or nullopt.
  std::optional<std::uint32_t> index_of(std::string_view name) const;
  const Resource* find(std::string_view name) const;

  /// The parsed expressions, kept so that resolve() can evaluate them again.
  std::shared_ptr<const detail::Program> program;
};

/// The graph and every diagnostic. Errors stop a plan; warnings are shown.
struct LoadResult {
  Graph graph;                             ///< complete only when ok()
  std::vector<base::Diagnostic> errors;    ///< every error, sorted by position
  std::vector<base::Diagnostic> warnings;  ///< policy findings (their `policy.*` codes) and other non-errors, sorted
  bool ok() const { return errors.empty(); }
};

/// Parses, checks and resolves a stack file. Collects every error before returning. Never throws.
LoadResult load(const base::SourceFile& file, const LoadOptions& options = {});

// ---- resolving during apply ---------------------------------------------------------------------

/// Outputs known so far, by logical resource name: a Map value of output name -> value.
using KnownOutputs = std::unordered_map<std::string, Value>;

/// New diagnostics from a resolve: only for values that were unknown before and are known now.
struct ResolveResult {
  std::vector<base::Diagnostic> errors;     ///< e.g. a policy document that became known and is invalid
  std::vector<base::Diagnostic> warnings;
  bool ok() const { return errors.empty(); }
};

/// Evaluates every input and output again with `known` outputs substituted; documents that became
/// known are validated. Outputs missing from `known` stay Unknown.
ResolveResult resolve(Graph& graph, const KnownOutputs& known);
/// The same for one resource (cheaper during apply: only what it needs is evaluated).
ResolveResult resolve_resource(Graph& graph, std::uint32_t index, const KnownOutputs& known);

}  // namespace iamforge::spec
