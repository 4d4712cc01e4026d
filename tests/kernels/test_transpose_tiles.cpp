// The tiled evaluation of transposed buffer leaves (transpose_tiles.hpp), run on the CPU as the
// GPU runs it: every thread of every block of a simulated grid, the stage phase of a tile for all
// threads, then its evaluate phase (the barrier between them). Checked exhaustively on small and
// ragged boxes: every output element is produced exactly once, reads the staged value of the
// right buffer element, and equals host::evaluate bit for bit; reads and writes are coalesced and
// shared-memory accesses free of bank conflicts.
#include "tessera/kernels/transpose_tiles.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "program_reference.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {
namespace {

constexpr std::int64_t kExtents[] = {1, 2, 7, 31, 32, 33, 64, 65, 97};

Box box_2d(std::int64_t lo0, std::int64_t rows, std::int64_t lo1, std::int64_t cols) {
  Box b;
  b.lo[0] = lo0;
  b.hi[0] = lo0 + rows;
  b.lo[1] = lo1;
  b.hi[1] = lo1 + cols;
  return b;
}

// A buffer leaf reading a source array of `src_rows` x `src_cols` (row-major) transposed, with
// steps (step0 along the output's rows, step1 along its columns; negative: reversed), placed so
// that every flat index over `box` is in range.
Instruction transposed_leaf(const void* data, DType dtype, std::int64_t src_cols,
                            std::int64_t step0, std::int64_t step1, const Box& box) {
  Instruction in;
  in.op = Op::load_buffer;
  in.dtype = dtype;
  in.data = data;
  in.map.stride[0] = step0;             // the output's rows run along the source's rows
  in.map.stride[1] = step1 * src_cols;  // its columns jump between source rows
  std::int64_t lowest = 0;
  for (int d = 0; d < 2; ++d) {
    lowest += std::min(in.map.stride[d] * box.lo[d], in.map.stride[d] * (box.hi[d] - 1));
  }
  in.map.offset = 3 - lowest;
  return in;
}

// Flat indices the leaf reads over the box: one past the largest.
std::int64_t reach(const Instruction& in, const Box& box) {
  std::int64_t hi = in.map.offset;
  for (int d = 0; d < 2; ++d) {
    hi += std::max(in.map.stride[d] * box.lo[d], in.map.stride[d] * (box.hi[d] - 1));
  }
  return hi + 1;
}

TEST(TransposeTiles, ChoosesTransposedBufferLeaves) {
  double data[4] = {};
  Program p;
  p.ndim = 2;
  Instruction direct;  // x: contiguous along axis 1
  direct.op = Op::load_buffer;
  direct.data = data;
  direct.map.stride[0] = 100;
  direct.map.stride[1] = 1;
  Instruction t = direct;  // x.T
  t.map.stride[0] = 1;
  t.map.stride[1] = 100;
  Instruction reversed = t;  // x.T[::-1]
  reversed.map.stride[0] = -1;
  Instruction broadcast = t;  // stride 0 along axis 0: not transposed
  broadcast.map.stride[0] = 0;
  Instruction uniform = t;  // a random leaf read transposed: nothing to stage
  uniform.op = Op::load_uniform;
  EXPECT_FALSE(reads_transposed(direct, 2));
  EXPECT_TRUE(reads_transposed(t, 2));
  EXPECT_TRUE(reads_transposed(reversed, 2));
  EXPECT_FALSE(reads_transposed(broadcast, 2));
  EXPECT_FALSE(reads_transposed(uniform, 2));
  EXPECT_FALSE(reads_transposed(t, 3));

  // x + x.T + x.T (shared tile) + reversed + broadcast + uniform.
  for (const Instruction& in : {direct, t, t, reversed, broadcast, uniform}) p.code[p.size++] = in;
  StagedLeaves s = staged_leaves(p);
  EXPECT_EQ(s.count, 2);
  EXPECT_EQ(s.leaf[0], 1);
  EXPECT_EQ(s.leaf[1], 3);
  const int want_slot[] = {-1, 0, 0, 1, -1, -1};
  for (int i = 0; i < p.size; ++i) EXPECT_EQ(s.slot_of[i], want_slot[i]) << "instruction " << i;

  // No more than kTransposeMaxStaged tiles; the rest read directly.
  Program many;
  many.ndim = 2;
  for (int k = 0; k < kTransposeMaxStaged + 2; ++k) {
    Instruction in = t;
    in.map.offset = k;
    many.code[many.size++] = in;
  }
  s = staged_leaves(many);
  EXPECT_EQ(s.count, kTransposeMaxStaged);
  EXPECT_EQ(s.slot_of[kTransposeMaxStaged], -1);
  EXPECT_EQ(s.slot_of[kTransposeMaxStaged + 1], -1);

  many.ndim = 3;
  EXPECT_EQ(staged_leaves(many).count, 0);
}

// Every (tile, thread, pass) of a simulated grid: each box element is staged once and evaluated
// once; the evaluating thread reads the shared slot the staging thread of the same element wrote;
// a warp's 32 threads stage consecutive elements along axis 0 and write consecutive outputs; a
// half-warp's 16 doubles fall in 16 distinct bank pairs in both phases (32 banks of 4 bytes).
TEST(TransposeTiles, EveryElementOnceThroughTheRightSlot) {
  for (std::int64_t rows : kExtents) {
    for (std::int64_t cols : kExtents) {
      const Box box = box_2d(5, rows, 11, cols);
      const TransposeTiles t = transpose_tiles(box);
      const std::string where = std::to_string(rows) + " x " + std::to_string(cols);
      ASSERT_EQ(t.count, ((rows + 31) / 32) * ((cols + 31) / 32)) << where;
      std::vector<int> staged(rows * cols, 0), evaluated(rows * cols, 0);
      for (std::int64_t tile = 0; tile < t.count; ++tile) {
        // Shared slot -> the element (box-relative row-major position) staged there.
        std::vector<std::int64_t> slot(kTransposeTileDoubles, -1);
        for (int ty = 0; ty < kTransposeBlockRows; ++ty) {
          for (int p = 0; p < kTransposePasses; ++p) {
            for (int tx = 0; tx < kTransposeTile; ++tx) {
              const TileElement e = stage_position(t, tile, tx, ty, p);
              if (!e.inside) continue;
              const std::int64_t at = (e.idx[0] - box.lo[0]) * cols + (e.idx[1] - box.lo[1]);
              ASSERT_EQ(e.out, at) << where;
              ASSERT_TRUE(e.idx[0] >= box.lo[0] && e.idx[0] < box.hi[0]) << where;
              ASSERT_TRUE(e.idx[1] >= box.lo[1] && e.idx[1] < box.hi[1]) << where;
              ++staged[at];
              const int s = e.row * kTransposeTilePitch + e.col;
              ASSERT_TRUE(e.row >= 0 && e.row < kTransposeTile && e.col >= 0 &&
                          e.col < kTransposeTile);
              ASSERT_EQ(slot[s], -1) << where << ": slot written twice";
              slot[s] = at;
              if (tx > 0) {  // coalesced: the previous thread staged the element one row up
                const TileElement prev = stage_position(t, tile, tx - 1, ty, p);
                ASSERT_EQ(e.idx[0], prev.idx[0] + 1);
                ASSERT_EQ(e.idx[1], prev.idx[1]);
              }
            }
          }
        }
        for (int ty = 0; ty < kTransposeBlockRows; ++ty) {
          for (int p = 0; p < kTransposePasses; ++p) {
            for (int tx = 0; tx < kTransposeTile; ++tx) {
              const TileElement e = evaluate_position(t, tile, tx, ty, p);
              if (!e.inside) continue;
              ++evaluated[e.out];
              ASSERT_EQ(slot[e.row * kTransposeTilePitch + e.col], e.out) << where;
              ASSERT_EQ(e.out, (e.idx[0] - box.lo[0]) * cols + (e.idx[1] - box.lo[1]));
              if (tx > 0) {  // coalesced: the previous thread wrote the output just before
                ASSERT_EQ(e.out, evaluate_position(t, tile, tx - 1, ty, p).out + 1);
              }
            }
          }
        }
      }
      for (std::int64_t k = 0; k < rows * cols; ++k) {
        ASSERT_EQ(staged[k], 1) << where << " element " << k;
        ASSERT_EQ(evaluated[k], 1) << where << " element " << k;
      }
    }
  }
  // Bank pairs of a half-warp (a full tile, so no thread is masked off).
  const Box box = box_2d(0, 64, 0, 64);
  const TransposeTiles t = transpose_tiles(box);
  for (int ty = 0; ty < kTransposeBlockRows; ++ty) {
    for (int p = 0; p < kTransposePasses; ++p) {
      for (int half = 0; half < 2; ++half) {
        std::set<int> stage_banks, evaluate_banks;
        for (int tx = 16 * half; tx < 16 * half + 16; ++tx) {
          const TileElement s = stage_position(t, 3, tx, ty, p);
          const TileElement e = evaluate_position(t, 3, tx, ty, p);
          stage_banks.insert((2 * (s.row * kTransposeTilePitch + s.col)) % 32);
          evaluate_banks.insert((2 * (e.row * kTransposeTilePitch + e.col)) % 32);
        }
        EXPECT_EQ(stage_banks.size(), 16u);
        EXPECT_EQ(evaluate_banks.size(), 16u);
      }
    }
  }
}

// The simulated kernel: stage_tile for every thread of a tile, then evaluate_tile for every
// thread, over all tiles; shared memory starts as NaN with a payload no leaf produces, so a value
// read before it was staged would show.
std::vector<std::uint8_t> simulate_kernel(const Program& program, const Box& box, DType type) {
  const StagedLeaves staged = staged_leaves(program);
  const TransposeTiles t = transpose_tiles(box);
  std::vector<std::uint8_t> out(t.rows * t.cols * testing::dtype_size(type));
  std::vector<double> shared(std::max(staged.count, 1) * kTransposeTileDoubles);
  double poison;
  const std::uint64_t bits = 0x7ff4dead0000beefull;
  std::memcpy(&poison, &bits, sizeof poison);
  for (std::int64_t tile = 0; tile < t.count; ++tile) {
    std::fill(shared.begin(), shared.end(), poison);
    for (int ty = 0; ty < kTransposeBlockRows; ++ty)
      for (int tx = 0; tx < kTransposeTile; ++tx)
        stage_tile(program, staged, t, tile, tx, ty, shared.data());
    for (int ty = 0; ty < kTransposeBlockRows; ++ty)
      for (int tx = 0; tx < kTransposeTile; ++tx)
        evaluate_tile(program, staged, t, tile, tx, ty, shared.data(), type, out.data());
  }
  return out;
}

struct Buffers {
  std::vector<std::vector<std::uint8_t>> bytes;
  const void* add(DType type, std::int64_t n, std::uint64_t seed) {
    std::vector<std::uint8_t> b(n * testing::dtype_size(type));
    std::uint64_t x = seed;
    for (std::int64_t k = 0; k < n; ++k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const double v = static_cast<double>(static_cast<std::int64_t>(x >> 40) - (1 << 23)) / 4096;
      switch (type) {
        case DType::boolean:
          b[k] = static_cast<std::uint8_t>((x >> 33) % 3);  // 0, 1 and a non-canonical 2
          break;
        case DType::int64: {
          const auto i = static_cast<std::int64_t>(v);
          std::memcpy(&b[8 * k], &i, 8);
          break;
        }
        case DType::float32: {
          const auto f = static_cast<float>(v);
          std::memcpy(&b[4 * k], &f, 4);
          break;
        }
        case DType::float64:
          std::memcpy(&b[8 * k], &v, 8);
          break;
      }
    }
    bytes.push_back(std::move(b));
    return bytes.back().data();
  }
};

void expect_same_as_host(const Program& p, const Box& box, const std::string& what) {
  for (DType type : {DType::float64, DType::float32, DType::int64, DType::boolean}) {
    const std::vector<std::uint8_t> got = simulate_kernel(p, box, type);
    std::vector<std::uint8_t> want(got.size());
    host::evaluate({}, p, box, type, want.data());
    const std::int64_t n = testing::box_size(box, 2);
    ASSERT_EQ(testing::first_mismatch(got.data(), want.data(), n, type), -1)
        << what << ", dtype " << int(type);
    ASSERT_EQ(testing::first_mismatch(got.data(), testing::reference_evaluate(p, box, type).data(),
                                      n, type),
              -1)
        << what << ", dtype " << int(type);
  }
}

// p + p.T of a materialized p, on square, non-square and ragged boxes at offsets.
TEST(TransposeTiles, SimulatedKernelMatchesHostForPPlusPT) {
  for (std::int64_t rows : kExtents) {
    for (std::int64_t cols : {std::int64_t{1}, std::int64_t{33}, std::int64_t{64}, rows}) {
      const Box box = box_2d(2, rows, 3, cols);
      // p is n x n with n covering both extents; the box reads p[2:2+rows, 3:3+cols] and its
      // transpose.
      const std::int64_t n = std::max(box.hi[0], box.hi[1]);
      Buffers buffers;
      const void* data = buffers.add(DType::float64, n * n, rows * 131 + cols);
      Program p;
      p.ndim = 2;
      Instruction x;
      x.op = Op::load_buffer;
      x.dtype = DType::float64;
      x.data = data;
      x.map.stride[0] = n;
      x.map.stride[1] = 1;
      Instruction xt = x;
      xt.map.stride[0] = 1;
      xt.map.stride[1] = n;
      p.code[p.size++] = x;
      p.code[p.size++] = xt;
      p.code[p.size++].op = Op::add;
      ASSERT_EQ(staged_leaves(p).count, 1);
      expect_same_as_host(p, box, std::to_string(rows) + " x " + std::to_string(cols));
    }
  }
}

// Several transposed leaves of every dtype, sliced and reversed (steps of 1 to 3, either sign),
// mixed with direct and generated leaves, more of them than there are shared tiles.
TEST(TransposeTiles, SimulatedKernelMatchesHostForMixedLeaves) {
  int tested = 0;
  for (std::int64_t rows : {1, 7, 33, 65}) {
    for (std::int64_t cols : {1, 31, 32, 97}) {
      const Box box = box_2d(1, rows, 4, cols);
      Buffers buffers;
      Program p;
      p.ndim = 2;
      const DType types[] = {DType::float64, DType::float32, DType::int64,
                             DType::boolean, DType::float64, DType::float32};
      const std::int64_t steps[][2] = {{1, 1}, {-1, 2}, {2, -1}, {3, 3}, {-2, -3}, {1, -1}};
      for (int k = 0; k < 6; ++k) {
        const std::int64_t src_cols = std::abs(steps[k][0]) * (box.hi[0] + 2);
        Instruction in =
            transposed_leaf(nullptr, types[k], src_cols, steps[k][0], steps[k][1], box);
        in.data = buffers.add(types[k], reach(in, box), 97 * k + rows);
        p.code[p.size++] = in;
        if (k > 0) {
          Instruction op;
          op.op = k % 2 ? Op::subtract : Op::multiply;
          p.code[p.size++] = op;
        }
      }
      Instruction u;  // a generated leaf, read transposed: evaluated as usual
      u.op = Op::load_uniform;
      u.seed = 5;
      u.b = 1;
      u.map.stride[0] = 1;
      u.map.stride[1] = 1000;
      p.code[p.size++] = u;
      p.code[p.size++].op = Op::add;
      ASSERT_EQ(staged_leaves(p).count, kTransposeMaxStaged);
      expect_same_as_host(p, box, std::to_string(rows) + " x " + std::to_string(cols));
      ++tested;
    }
  }
  EXPECT_EQ(tested, 16);
}

}  // namespace
}  // namespace tessera::kernels
