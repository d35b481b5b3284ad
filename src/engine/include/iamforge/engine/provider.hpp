#pragma once
/// One Provider per resource type: how the engine creates, updates, deletes and reads a resource
/// through the Backend interface (so a second target, AWS's Query API, plugs in unchanged).
/// Properties travel as text: strings as they are, numbers and booleans in their plain form,
/// policy documents, lists and maps as JSON text (what engine's raw_text gives).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/backend/backend.hpp"

namespace iamforge::engine {

/// Property name -> value as text.
using Props = std::map<std::string, std::string, std::less<>>;

/// What a read found.
struct ReadResult {
  bool exists = false;  ///< false: the resource is gone (refresh drops it from state)
  Props inputs;         ///< inputs as the target reports them (documents as JSON text, URL-decoded)
  Props outputs;        ///< outputs, including `id`
};

class Provider {
 public:
  virtual ~Provider() = default;
  /// The type token, e.g. "aws:iam:Role".
  virtual std::string_view type() const = 0;
  /// Creates the resource. `physical_name` is the name chosen by the engine (the `name` input, a
  /// `namePrefix` plus suffix, or the logical name plus suffix); "" for types without names.
  /// Returns the outputs as pulumi-aws has them: every input echoed, `id`, and the computed ones.
  virtual backend::Result<Props> create(backend::Backend& be, const Props& inputs,
                                        const std::string& physical_name) const = 0;
  /// Changes in place the inputs named in `changed` (none of which forces a replacement) to their
  /// values in `inputs`; `old_outputs` are the outputs recorded in state. Returns the new outputs.
  virtual backend::Result<Props> update(backend::Backend& be, const Props& inputs, const Props& old_outputs,
                                        const std::vector<std::string>& changed) const = 0;
  /// Deletes the resource recorded with `outputs`, first removing what IAM requires gone before the
  /// delete (non-default policy versions, ...). A resource already gone is success.
  virtual backend::Status remove(backend::Backend& be, const Props& outputs) const = 0;
  /// Reads the live resource with this `id` (the `id` output; for import, the ID the user gave in
  /// pulumi-aws's import format). A missing resource is `exists == false`, not an error.
  virtual backend::Result<ReadResult> read(backend::Backend& be, const std::string& id) const = 0;
};

/// The provider for a type token, or null when the engine cannot manage that type yet.
const Provider* find_provider(std::string_view type);

}  // namespace iamforge::engine
