#pragma once
// A read-only XML element tree over expat (Debian's libexpat1-dev), for the Query API's replies.
//
// expat rather than tinyxml2 (used until stop 18) because it is a C library with a static archive:
// a C++ shared library (libtinyxml2.so) loaded libstdc++.so at every start of every command, and
// made linking libstdc++ statically impossible. Namespaces are not processed (names are the tags as
// written, as IAM's replies are read everywhere); entities and character references are decoded.
#include <deque>
#include <string>
#include <string_view>

namespace iamforge::aws::xml {

class Element {
 public:
  std::string_view name() const { return name_; }
  /// The character data directly inside this element, decoded (all of a leaf's text; empty when
  /// there is none).
  const std::string& text() const { return text_; }
  /// The first child element called `name`, or nullptr.
  const Element* first_child(std::string_view name) const;
  /// The next sibling element called `name`, or nullptr.
  const Element* next_sibling(std::string_view name) const;

 private:
  friend class Document;
  std::string name_, text_;
  Element* first_child_ = nullptr;
  Element* last_child_ = nullptr;
  Element* next_ = nullptr;
  Element* parent_ = nullptr;
};

class Document {
 public:
  /// Parses a whole document; false (and no root) when it is not well-formed XML.
  bool parse(std::string_view text);
  const Element* root() const { return root_; }

 private:
  std::deque<Element> elements_;  // stable addresses
  Element* root_ = nullptr;
};

}  // namespace iamforge::aws::xml
