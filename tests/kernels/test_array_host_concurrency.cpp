// Several scheduler-like threads evaluating and reducing at once (and racing to initialize
// Kokkos) get exactly the serial results. Run under ThreadSanitizer in CI. Besides random
// programs, x + x.T over boxes whose reductions use every per-thread buffer of host::reduce: bands
// of lines wider than a tile, outputs of several segments, folds of many outputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "program_reference.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {
namespace {

struct Job {
  testing::Case c;
  bool reduced[kMaxDims] = {};
  ReduceOp op = ReduceOp::sum;
};

struct Result {
  std::vector<double> values;
  std::vector<Partial> partials;
};

Result run(const Job& job) {
  Result r;
  r.values.resize(testing::box_size(job.c.box, job.c.program.ndim));
  host::evaluate({}, job.c.program, job.c.box, DType::float64, r.values.data());
  r.partials.resize(testing::kept_size(job.c.box, job.c.program.ndim, job.reduced));
  host::reduce({}, job.c.program, job.c.box, job.reduced, job.op, r.partials.data());
  return r;
}

bool same(const Result& a, const Result& b) {
  if (a.values.size() != b.values.size() || a.partials.size() != b.partials.size()) return false;
  for (std::size_t k = 0; k < a.values.size(); ++k)
    if (!testing::same_value(a.values[k], b.values[k])) return false;
  for (std::size_t k = 0; k < a.partials.size(); ++k) {
    const Partial &p = a.partials[k], &q = b.partials[k];
    if (!testing::same_value(p.value, q.value) || p.count != q.count ||
        !testing::same_value(p.mean, q.mean) || !testing::same_value(p.m2, q.m2))
      return false;
  }
  return true;
}

// x + x.T, x a uniform 1000 x 1000 array, over a rows x cols box.
testing::Case x_plus_xt(std::int64_t rows, std::int64_t cols) {
  testing::Case c;
  c.program = testing::x_plus_xt_program(1000, 11);
  c.box.lo[0] = 3;
  c.box.hi[0] = 3 + rows;
  c.box.lo[1] = 5;
  c.box.hi[1] = 5 + cols;
  c.description = "x + x.T over " + std::to_string(rows) + " x " + std::to_string(cols);
  return c;
}

TEST(ArrayHostConcurrency, FourThreadsMatchSerial) {
  constexpr int kThreads = 4;
  testing::CaseGenerator gen(4242);
  std::vector<Job> jobs(kThreads * 8);
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    jobs[j].c = gen.next(30000);
    for (int d = 0; d < jobs[j].c.program.ndim; ++d) jobs[j].reduced[d] = gen.uniform_int(0, 1);
    jobs[j].op = static_cast<ReduceOp>(j % 7);
  }
  for (int axes = 0; axes < 4; ++axes) {
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::moments}) {
      Job job;
      job.c = x_plus_xt(axes % 2 ? 40 : 90, 700);
      job.reduced[0] = (axes & 1) != 0;
      job.reduced[1] = (axes & 2) != 0;
      job.op = op;
      jobs.push_back(std::move(job));
    }
  }
  std::vector<Result> got(jobs.size());
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < kThreads; ++t) {
      workers.emplace_back([&, t] {
        for (std::size_t j = t; j < jobs.size(); j += kThreads) got[j] = run(jobs[j]);
      });
    }
  }
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    EXPECT_TRUE(same(got[j], run(jobs[j]))) << "job " << j << ": " << jobs[j].c.description;
  }
}

}  // namespace
}  // namespace tessera::kernels
