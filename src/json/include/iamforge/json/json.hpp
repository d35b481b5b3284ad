#pragma once
/// JSON values that remember where they came from (byte spans), for diagnostics.
///
/// Written by hand rather than taken from simdjson/RapidJSON because policy diagnostics need a span
/// on every key and value, duplicate-key detection (IAM rejects repeated keys; libraries keep the
/// last one silently), a hard nesting limit, and UTF-8 validation with a position.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/base/diagnostic.hpp"

namespace iamforge::json {

enum class Kind : std::uint8_t { Null, Bool, Number, String, Array, Object };
std::string_view to_string(Kind k);

struct Member;

/// A parsed JSON value. Numbers keep their source text (IAM compares condition values as strings).
struct Value {
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;               ///< String: decoded value; Number: source text; Bool: "true"/"false"
  std::vector<Value> items;       ///< Array
  std::vector<Member> members;    ///< Object, in source order
  base::Span span;

  bool is_string() const { return kind == Kind::String; }
  bool is_object() const { return kind == Kind::Object; }
  bool is_array() const { return kind == Kind::Array; }
  /// First member named exactly `key`, or null.
  const Value* find(std::string_view key) const;
};

struct Member {
  std::string key;
  base::Span key_span;
  Value value;
};

struct ParseOptions {
  std::uint32_t max_depth = 64;   ///< deeper documents are rejected (json.too-deep)
};

/// Result of parsing: the value (Null on a syntax error) and every diagnostic.
struct ParseResult {
  Value value;
  std::vector<base::Diagnostic> diagnostics;
  bool ok() const { return !base::has_error(diagnostics); }
};

/// Parses one JSON document. Errors: json.syntax, json.empty, json.too-deep, json.invalid-utf8,
/// json.duplicate-key (the last is reported but parsing goes on).
ParseResult parse(std::string_view text, const ParseOptions& options = {});

class Document;

/// A read-only view of one value of a Document (cheap to copy: a document and an index). A default
/// Node is "absent" (what find() returns for a missing key): it converts to false and has Kind::Null.
class Node {
 public:
  Node() = default;
  explicit operator bool() const { return doc_ != nullptr; }
  Kind kind() const;
  bool boolean() const;
  /// String: decoded value; Number: source text; Bool: "true"/"false"; else empty. Valid while the
  /// document and its source text live.
  std::string_view text() const;
  base::Span span() const;
  bool is_string() const { return kind() == Kind::String; }
  bool is_object() const { return kind() == Kind::Object; }
  bool is_array() const { return kind() == Kind::Array; }
  bool is_null() const { return kind() == Kind::Null; }
  /// Items of an array or members of an object.
  std::uint32_t size() const;
  bool empty() const { return size() == 0; }
  /// For a member of an object: its key (decoded) and the key's span; else empty.
  std::string_view key() const;
  base::Span key_span() const;
  /// First member named exactly `key`, or an absent Node.
  Node find(std::string_view key) const;

  /// Children in source order (array items, or object members: each child's key() is its name).
  class iterator {
   public:
    using value_type = Node;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    Node operator*() const { return Node(doc_, i_); }
    iterator& operator++();
    iterator operator++(int) { iterator t = *this; ++*this; return t; }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
   private:
    friend class Node;
    iterator(const Document* d, std::uint32_t i) : doc_(d), i_(i) {}
    const Document* doc_ = nullptr;
    std::uint32_t i_ = 0;
  };
  iterator begin() const;
  iterator end() const;

 private:
  friend class Document;
  Node(const Document* d, std::uint32_t i) : doc_(d), i_(i) {}
  const Document* doc_ = nullptr;
  std::uint32_t i_ = 0;
};

/// The same grammar and diagnostics as parse(), into one flat array of nodes in source order (a
/// "tape") instead of a tree of Values: strings are views into the source text (or, when they have
/// escapes, into one decoded buffer), so parsing allocates nothing per node, a Document reused for
/// many texts allocates nothing once warm, and dropping it is O(1). For hot paths (batch cases,
/// policy text); parse() builds its Value tree from this tape.
class Document {
 public:
  /// Parses `text` (which must outlive the document's use) replacing any previous content; returns
  /// false on a syntax error (the root is then absent). Diagnostics are appended to `diagnostics`.
  bool parse(std::string_view text, std::vector<base::Diagnostic>& diagnostics, const ParseOptions& options = {});
  /// Views `v` as a document (strings are views into `v`, which must outlive the document's use).
  void assign(const Value& v);
  /// The root value, or an absent Node when empty or after a syntax error.
  Node root() const { return slots_.empty() ? Node() : Node(this, 0); }
  /// Converts to the Value tree.
  static Value to_value(Node n);

 private:
  friend class Node;
  friend class DocumentParser;
  struct Slot {
    const char* text = nullptr;  ///< decoded string / number or literal text
    const char* key = nullptr;   ///< member key (children of an object)
    std::uint32_t text_len = 0, key_len = 0;
    base::Span span, key_span;
    std::uint32_t next = 0;      ///< index of the first slot after this value's subtree
    std::uint32_t count = 0;     ///< items / members
    Kind kind = Kind::Null;
    bool boolean = false;
  };
  void add_value(const Value& v);
  std::vector<Slot> slots_;
  std::string decoded_;  ///< strings with escapes or non-ASCII (see Parser::string)
};

inline Kind Node::kind() const { return doc_ ? doc_->slots_[i_].kind : Kind::Null; }
inline bool Node::boolean() const { return doc_ && doc_->slots_[i_].boolean; }
inline std::string_view Node::text() const {
  if (!doc_) return {};
  const auto& s = doc_->slots_[i_];
  return {s.text, s.text_len};
}
inline base::Span Node::span() const { return doc_ ? doc_->slots_[i_].span : base::Span{}; }
inline std::uint32_t Node::size() const { return doc_ ? doc_->slots_[i_].count : 0; }
inline std::string_view Node::key() const {
  if (!doc_) return {};
  const auto& s = doc_->slots_[i_];
  return {s.key, s.key_len};
}
inline base::Span Node::key_span() const { return doc_ ? doc_->slots_[i_].key_span : base::Span{}; }
inline Node::iterator& Node::iterator::operator++() {
  i_ = doc_->slots_[i_].next;
  return *this;
}
inline Node::iterator Node::begin() const {
  if (!doc_) return {};
  return iterator(doc_, doc_->slots_[i_].count ? i_ + 1 : doc_->slots_[i_].next);
}
inline Node::iterator Node::end() const { return doc_ ? iterator(doc_, doc_->slots_[i_].next) : iterator(); }
inline Node Node::find(std::string_view key) const {
  if (!is_object()) return {};
  for (Node m : *this)
    if (m.key() == key) return m;
  return {};
}

/// Serializes compactly (no spaces), members in source order.
void write(std::string& out, const Value& v);
std::string write(const Value& v);

}  // namespace iamforge::json
