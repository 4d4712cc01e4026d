#pragma once
// tessera::progress, as distributed.progress: blocks, drawing a progress bar, until the given
// work is done.
//
//   ts::NDArray m = ts::progress((x + x.T()).mean(0));   // computes, returns the result
//   auto futures = client.map(f, values);
//   ts::progress(futures);                               // waits for the futures

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/delayed.hpp"
#include "tessera/diagnostics/progress_bar.hpp"
#include "tessera/future.hpp"

namespace tessera {

/// Computes `array` drawing a bar of its tasks and returns the result, as array.compute() does
/// (a failed task's TaskError is thrown after the bar shows "Failed").
NDArray progress(const Array& array, diagnostics::ProgressBarOptions options = {});

/// Computes `value` drawing a bar of its tasks and returns the result, as value.compute() does.
template <class T>
T progress(const Delayed<T>& value, diagnostics::ProgressBarOptions options = {}) {
  options.this_thread_only = true;
  diagnostics::ProgressBar bar(options);
  return value.compute();
}

namespace detail {
/// Draws a bar of `total` items until `count()` ({finished, failed}) says all are finished.
void wait_with_progress(std::size_t total,
                        const std::function<std::pair<std::size_t, std::size_t>()>& count,
                        const diagnostics::ProgressBarOptions& options);
}  // namespace detail

/// Waits until every future finished, drawing a bar of how many have. Like
/// distributed.progress it does not throw for failed futures (their result() does); the bar
/// ends with "Failed" when any failed.
template <class T>
void progress(const std::vector<Future<T>>& futures,
              const diagnostics::ProgressBarOptions& options = {}) {
  detail::wait_with_progress(
      futures.size(),
      [&futures] {
        std::size_t finished = 0, failed = 0;
        for (const auto& future : futures)
          if (future.done()) {
            ++finished;
            failed += future.status() == "error";
          }
        return std::pair{finished, failed};
      },
      options);
}

/// Waits for one future, drawing a bar; see the overload for several.
template <class T>
void progress(const Future<T>& future, const diagnostics::ProgressBarOptions& options = {}) {
  progress(std::vector<Future<T>>{future}, options);
}

}  // namespace tessera
