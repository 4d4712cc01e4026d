// The seed's serial baseline: one call of calculate_pi, timed.
#include <cstdio>
#include <cstdlib>

#include "calculate_pi.hpp"

int main(int argc, char** argv) {
  const double size_in_bytes = argc > 1 ? std::atof(argv[1]) : 1e9;
  double pi = 0;
  const double seconds = examples::seconds_of([&] { pi = examples::calculate_pi(size_in_bytes); });
  std::printf("Wall time: %.3f s\n", seconds);
  return pi > 0 ? 0 : 1;
}
