#include <gtest/gtest.h>

#include "tessera/detail/function_name.hpp"

namespace sample {
int calculate_pi(double) {
  return 3;
}
struct Functor {
  int operator()() const { return 1; }
};
}  // namespace sample

TEST(FunctionName, FindsExportedSymbolsAndTypeNames) {
  EXPECT_EQ(tessera::detail::function_name(&sample::calculate_pi), "calculate_pi");
  EXPECT_EQ(tessera::detail::function_name(sample::Functor{}), "Functor");
  EXPECT_EQ(tessera::detail::function_name([] { return 0; }), "lambda");
}
