// Built without ENABLE_EXPORTS, as a program outside Tessera's tree is: task keys still carry
// the function's name, because linking Tessera exports the program's symbols for dladdr.
#include <gtest/gtest.h>

#include "tessera/delayed.hpp"

int calculate_pi(int samples) {
  return samples;
}

TEST(TaskNamesInUserProgram, AFunctionOfTheProgramNamesItsTasks) {
  const std::string key = tessera::delayed(calculate_pi)(3).key();
  EXPECT_TRUE(key.starts_with("calculate_pi-")) << key;
}
