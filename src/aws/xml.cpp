#include "iamforge/aws/xml.hpp"

#include <expat.h>

#include <climits>

namespace iamforge::aws::xml {

const Element* Element::first_child(std::string_view name) const {
  for (const Element* c = first_child_; c; c = c->next_)
    if (c->name_ == name) return c;
  return nullptr;
}

const Element* Element::next_sibling(std::string_view name) const {
  for (const Element* c = next_; c; c = c->next_)
    if (c->name_ == name) return c;
  return nullptr;
}

bool Document::parse(std::string_view text) {
  elements_.clear();
  root_ = nullptr;
  if (text.size() > static_cast<std::size_t>(INT_MAX)) return false;
  XML_Parser p = XML_ParserCreate(nullptr);
  if (!p) return false;
  // expat's callbacks, with the document and the open element (a local class: Document's access).
  struct Build {
    Document* doc;
    Element* open;  // the innermost element not closed yet (nullptr outside the root)
  };
  struct Access {
    static void start(void* user, const XML_Char* name, const XML_Char**) {
      auto* b = static_cast<Build*>(user);
      Element& e = b->doc->elements_.emplace_back();
      e.name_ = name;
      e.parent_ = b->open;
      if (Element* parent = b->open) {
        if (parent->last_child_) parent->last_child_->next_ = &e;
        else parent->first_child_ = &e;
        parent->last_child_ = &e;
      } else {
        b->doc->root_ = &e;
      }
      b->open = &e;
    }
    static void end(void* user, const XML_Char*) {
      auto* b = static_cast<Build*>(user);
      b->open = b->open->parent_;
    }
    static void chars(void* user, const XML_Char* s, int len) {
      auto* b = static_cast<Build*>(user);
      if (b->open) b->open->text_.append(s, static_cast<std::size_t>(len));
    }
  };
  Build state{this, nullptr};
  XML_SetUserData(p, &state);
  XML_SetElementHandler(p, &Access::start, &Access::end);
  XML_SetCharacterDataHandler(p, &Access::chars);
  bool ok = XML_Parse(p, text.data(), static_cast<int>(text.size()), XML_TRUE) == XML_STATUS_OK;
  XML_ParserFree(p);
  if (!ok) {
    elements_.clear();
    root_ = nullptr;
  }
  return ok && root_;
}

}  // namespace iamforge::aws::xml
