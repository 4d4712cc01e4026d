// BoxGrid, the index enumeration the GPU kernels use, and a CPU emulation of cuda::reduce's
// decomposition (threads striding over segments of each output's reduced elements, segments
// combined in order) against the reference reduction.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "program_reference.hpp"
#include "tessera/kernels/box_grid.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels {
namespace {

TEST(BoxGrid, KeptAndReducedCoverTheBoxOnce) {
  Box box;
  const std::int64_t lo[] = {2, 0, 5, 1}, hi[] = {5, 2, 9, 4};
  for (int d = 0; d < 4; ++d) {
    box.lo[d] = lo[d];
    box.hi[d] = hi[d];
  }
  const bool reduced[kMaxDims] = {true, false, true, false};
  const BoxGrid kept = box_grid(4, box, reduced, false);
  const BoxGrid folded = box_grid(4, box, reduced, true);
  EXPECT_EQ(kept.size, 2 * 3);
  EXPECT_EQ(folded.size, 3 * 4);
  std::set<std::vector<std::int64_t>> seen;
  for (std::int64_t o = 0; o < kept.size; ++o) {
    for (std::int64_t j = 0; j < folded.size; ++j) {
      std::vector<std::int64_t> idx(4, -1);
      kept.place(o, idx.data());
      folded.place(j, idx.data());
      for (int d = 0; d < 4; ++d) {
        ASSERT_GE(idx[d], lo[d]);
        ASSERT_LT(idx[d], hi[d]);
      }
      // Kept position o is the row-major index over the kept axes (1, 3).
      EXPECT_EQ(o, (idx[1] - 0) * 3 + (idx[3] - 1));
      seen.insert(idx);
    }
  }
  EXPECT_EQ(seen.size(), 72u);
  EXPECT_EQ(box_grid(4, box, nullptr, true).size, 72);
  EXPECT_EQ(box_grid(4, box, nullptr, false).size, 1);
}

// cuda::reduce's plan, run on the CPU: `threads` threads per block, segments of `segment`
// elements.
std::vector<Partial> emulate_gpu_reduce(const Program& p, const Box& box, const bool* reduced,
                                        ReduceOp op, std::int64_t threads, std::int64_t segment) {
  const BoxGrid kept = box_grid(p.ndim, box, reduced, false);
  const BoxGrid folded = box_grid(p.ndim, box, reduced, true);
  const std::int64_t segments = (folded.size + segment - 1) / segment;
  std::vector<Partial> out(kept.size, identity(op));
  for (std::int64_t o = 0; o < kept.size; ++o) {
    for (std::int64_t s = 0; s < segments; ++s) {
      const std::int64_t end = std::min(folded.size, (s + 1) * segment);
      Partial block = identity(op);
      for (std::int64_t t = 0; t < threads; ++t) {
        std::int64_t idx[kMaxDims];
        kept.place(o, idx);
        Partial mine = identity(op);
        for (std::int64_t j = s * segment + t; j < end; j += threads) {
          folded.place(j, idx);
          accumulate(mine, evaluate_element(p, idx), op);
        }
        block = combine(block, mine, op);
      }
      out[o] = combine(out[o], block, op);
    }
  }
  return out;
}

TEST(BoxGrid, GpuReducePlanMatchesReference) {
  testing::CaseGenerator gen(8080);
  for (int i = 0; i < 60; ++i) {
    const testing::Case c = gen.next(4000);
    bool reduced[kMaxDims] = {};
    for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::moments, ReduceOp::max, ReduceOp::any}) {
      const auto ref = testing::reference_reduce(c.program, c.box, reduced, op);
      const auto got = emulate_gpu_reduce(c.program, c.box, reduced, op, 8, 40);
      ASSERT_EQ(got.size(), ref.partials.size());
      for (std::size_t k = 0; k < got.size(); ++k) {
        std::string why;
        ASSERT_TRUE(testing::partial_matches(got[k], ref, k, op, why))
            << c.description << ", output " << k << ": " << why;
      }
    }
  }
}

}  // namespace
}  // namespace tessera::kernels
