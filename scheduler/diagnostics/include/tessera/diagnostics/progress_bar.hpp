#pragma once
// A terminal progress bar for every computation while it lives (dask.diagnostics.ProgressBar):
//
//   { tessera::diagnostics::ProgressBar bar;  x.compute(); }
//   [########################################] | 100% Completed |  1.2s
//
// Computations that overlap share one bar: its total grows as they join, it never moves
// backwards, and it ends (100%, or "Failed" where any task failed) when the last one finishes.

#include <iosfwd>
#include <memory>
#include <thread>

namespace tessera::diagnostics {

class Subscription;

/// How a progress bar draws.
struct ProgressBarOptions {
  double minimum = 0;  ///< seconds a computation runs before the bar shows (none if shorter)
  int width = 40;      ///< characters between the brackets
  double dt = 0.1;     ///< seconds between redraws
  std::ostream* out = nullptr;  ///< where to draw; null means std::cerr
  /// Follow only computations submitted from the thread that made the bar (tessera::progress).
  bool this_thread_only = false;
};

/// Draws a progress bar for each computation started while it lives (RAII).
class ProgressBar {
 public:
  /// Starts listening and the redraw thread.
  explicit ProgressBar(ProgressBarOptions options = {});
  /// Stops listening, ends a half-drawn line, and joins the redraw thread.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Seconds the last finished computation (or overlapping group) took; 0 before any.
  double last_duration() const;

  class State;  // the bus subscriber; public so the implementation can name it

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Subscription> subscription_;
  std::thread redraw_;
};

}  // namespace tessera::diagnostics
