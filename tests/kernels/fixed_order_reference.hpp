// Test support: the fixed reduction order of reduce_order.hpp written out the plain way, from its
// description rather than its code: every lane's partial in an array, the tree as the halving-
// stride loop, segments one after another. Exact equality with it is what the Thrust templates
// (run on CPU threads) and the GPU kernels are held to.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "program_reference.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/reduce_order.hpp"

namespace tessera::kernels::testing {

/// The fixed-order partial of the values v[0 .. n).
inline Partial fixed_order_fold(const double* v, std::int64_t n, ReduceOp op) {
  Partial total = identity(op);
  for (std::int64_t first = 0; first < n; first += kReduceSegment) {
    const std::int64_t end = std::min(n, first + kReduceSegment);
    std::vector<Partial> lane(kReduceLanes, identity(op));
    for (std::int64_t j = first; j < end; ++j)
      accumulate(lane[(j - first) % kReduceLanes], v[j], op);
    for (int w = kReduceLanes / 2; w >= 1; w /= 2) {
      for (int l = 0; l < w; ++l) lane[l] = combine(lane[l], lane[l + w], op);
    }
    total = combine(total, lane[0], op);
  }
  return total;
}

/// The fixed-order reduction of the program over the box's axes d with reduced[d], one Partial per
/// output (row-major over the kept axes), each output's elements row-major over the reduced axes.
inline std::vector<Partial> fixed_order_reduce(const Program& program, const Box& box,
                                               const bool* reduced, ReduceOp op) {
  const int nd = program.ndim;
  bool all[kMaxDims];
  for (int d = 0; d < kMaxDims; ++d) all[d] = reduced == nullptr || reduced[d];
  std::vector<std::vector<double>> values(kept_size(box, nd, all));
  // Row-major over the box visits each output's elements row-major over the reduced axes.
  for_each_index(box, nd, [&](const std::int64_t* idx) {
    values[kept_index(box, nd, all, idx)].push_back(evaluate_element(program, idx));
  });
  std::vector<Partial> out;
  out.reserve(values.size());
  for (const std::vector<double>& v : values) {
    out.push_back(fixed_order_fold(v.data(), static_cast<std::int64_t>(v.size()), op));
  }
  return out;
}

/// Whether two partials have the same bits in every field (NaNs of any payload count as equal).
inline bool same_partial(const Partial& a, const Partial& b) {
  return same_value(a.value, b.value) && same_value(a.count, b.count) &&
         same_value(a.mean, b.mean) && same_value(a.m2, b.m2);
}

}  // namespace tessera::kernels::testing
