// base::open_library / bind_symbol: the lazy loading behind the AWS transport and `iamforge serve`.
#include "iamforge/base/dynlib.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace iamforge::base {
namespace {

TEST(DynLib, MissingLibraryIsAnErrorValueNamingIt) {
  std::string error;
  EXPECT_EQ(open_library({"libiamforge-no-such-lib.so.1", "libiamforge-no-such-lib.so.0"}, &error), nullptr);
  EXPECT_NE(error.find("cannot load libiamforge-no-such-lib.so.1"), std::string::npos) << error;
  EXPECT_NE(error.find("libiamforge-no-such-lib.so.0"), std::string::npos) << error;  // every candidate's reason
}

TEST(DynLib, FirstLoadableCandidateWinsAndSymbolsAreTyped) {
  std::string error;
  void* lib = open_library({"libiamforge-no-such-lib.so.1", "libm.so.6"}, &error);
  ASSERT_NE(lib, nullptr) << error;
  double (*cosine)(double) = nullptr;
  ASSERT_TRUE(bind_symbol(lib, "libm.so.6", "cos", cosine, &error)) << error;
  EXPECT_DOUBLE_EQ(cosine(0.0), 1.0);
}

TEST(DynLib, MissingSymbolIsAnErrorValue) {
  std::string error;
  void* lib = open_library({"libm.so.6"}, &error);
  ASSERT_NE(lib, nullptr) << error;
  int (*f)() = nullptr;
  EXPECT_FALSE(bind_symbol(lib, "libm.so.6", "iamforge_no_such_symbol", f, &error));
  EXPECT_EQ(f, nullptr);
  EXPECT_EQ(error, "libm.so.6 has no symbol iamforge_no_such_symbol (too old a version?)");
}

}  // namespace
}  // namespace iamforge::base
