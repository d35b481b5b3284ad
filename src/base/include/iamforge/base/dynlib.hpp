#pragma once
// Shared libraries loaded at first use. Linked, libcurl (with gnutls, krb5, ldap, ssh2... behind it)
// and libmicrohttpd cost every process about 4 ms of dynamic linking at start-up (`iamforge
// --version` 7.1 -> 2.9 ms), and libcrypto linked statically ~95 page faults of relocations, while
// only the AWS transport, SigV4 and `iamforge serve` use them. They are opened with dlopen the
// first time one of those needs them; every other command starts without.
#include <initializer_list>
#include <string>

namespace iamforge::base {

// dlopen()s the first of `sonames` that loads (RTLD_NOW | RTLD_LOCAL); nullptr and a one-line
// reason in *error when none does.
void* open_library(std::initializer_list<const char*> sonames, std::string* error);

// The address of `name` in `library`; nullptr and a one-line reason in *error when it is missing.
void* library_symbol(void* library, const char* soname, const char* name, std::string* error);

// Fills a function pointer from `library`, typed as the header declares it. Returns false (with
// *error set) when the symbol is missing.
template <class Fn>
bool bind_symbol(void* library, const char* soname, const char* name, Fn*& out, std::string* error) {
  out = reinterpret_cast<Fn*>(library_symbol(library, soname, name, error));
  return out != nullptr;
}

}  // namespace iamforge::base
