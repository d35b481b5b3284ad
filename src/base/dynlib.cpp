#include "iamforge/base/dynlib.hpp"

#include <dlfcn.h>

namespace iamforge::base {

void* open_library(std::initializer_list<const char*> sonames, std::string* error) {
  std::string reasons;
  for (const char* name : sonames) {
    if (void* h = ::dlopen(name, RTLD_NOW | RTLD_LOCAL)) return h;
    const char* why = ::dlerror();
    if (!reasons.empty()) reasons += "; ";
    reasons += why ? why : name;
  }
  if (error) *error = "cannot load " + std::string(sonames.size() ? *sonames.begin() : "library") + ": " + reasons;
  return nullptr;
}

void* library_symbol(void* library, const char* soname, const char* name, std::string* error) {
  ::dlerror();
  void* p = library ? ::dlsym(library, name) : nullptr;
  if (!p && error) *error = std::string(soname) + " has no symbol " + name + " (too old a version?)";
  return p;
}

}  // namespace iamforge::base
