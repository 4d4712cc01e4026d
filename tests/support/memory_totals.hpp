#pragma once
// A cluster's stored and spilled bytes, summed over what Executor::workers() reports: the
// cluster-wide counts that spilling tests check, read through the public interface as a
// program (or the dashboard) reads them. Every chunk a cluster stores has the worker that made it
// as its owner, so the sums are the whole store's.

#include <cstdint>

#include "tessera/executor.hpp"

namespace tessera::test_support {

struct MemoryTotals {
  std::uint64_t stored = 0;         ///< bytes of stored chunks in host memory now
  std::uint64_t spilled = 0;        ///< bytes of stored chunks on disk now
  std::uint64_t spilled_total = 0;  ///< bytes ever spilled to disk
};

inline MemoryTotals memory_totals(const Executor& executor) {
  MemoryTotals totals;
  for (const WorkerInfo& worker : executor.workers()) {
    totals.stored += worker.stored;
    totals.spilled += worker.spilled;
    totals.spilled_total += worker.spilled_total;
  }
  return totals;
}

}  // namespace tessera::test_support
