#include "tessera/diagnostics/progress_bar.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <unordered_set>

#include "tessera/diagnostics/bus.hpp"
#include "tessera/diagnostics/progress_line.hpp"

namespace tessera::diagnostics {

class ProgressBar::State final : public Subscriber {
 public:
  explicit State(ProgressBarOptions options)
      : options_(options),
        out_(options.out ? *options.out : std::cerr),
        owner_(std::this_thread::get_id()) {}

  void run_submitted(const RunRecord& record) override {
    // The scheduler publishes a submission on the submitting thread, so this identifies the
    // computations of the bar's own thread.
    if (options_.this_thread_only && std::this_thread::get_id() != owner_) return;
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (active_.empty()) {
      start_ = Clock::now();
      total_ = done_ = 0;
      shown_ = 0;
      failed_ = false;
    }
    active_.insert(record.run);
    total_ += record.tasks;
  }

  void task_finished(const TaskRecord& record) override {
    std::lock_guard lock(mutex_);
    if (active_.contains(record.run)) done_ += record.count;
  }

  bool needs_exact_times() const override { return false; }  // it only counts tasks

  void run_finished(const RunRecord& record) override {
    std::lock_guard lock(mutex_);
    if (stopping_ || !active_.erase(record.run)) return;
    failed_ = failed_ || record.failed;
    if (!active_.empty()) return;
    // The last overlapping computation finished: draw the final line here, on the publishing
    // thread, so that it is on screen before compute() returns.
    last_duration_ = elapsed();
    if (last_duration_ < options_.minimum) return;
    draw(failed_ ? progress() : 1.0, failed_);
    out_ << '\n' << std::flush;
    drawn_ = false;
  }

  void redraw_loop() {
    const auto dt = std::chrono::duration<double>(std::max(options_.dt, 0.001));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, dt);
      if (!stopping_ && !active_.empty() && elapsed() >= options_.minimum) draw(progress(), false);
    }
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (drawn_) out_ << '\n' << std::flush;  // leave the terminal on a fresh line
    drawn_ = false;
    wake_.notify_all();
  }

  double last_duration() const {
    std::lock_guard lock(mutex_);
    return last_duration_;
  }

 private:
  using Clock = std::chrono::steady_clock;

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  // Never lower than what was drawn: a computation joining later adds to the total.
  double progress() {
    const double now = total_ ? double(done_) / double(total_) : 0.0;
    shown_ = std::max(shown_, now);
    return shown_;
  }

  void draw(double fraction, bool failed) {
    out_ << '\r' << format_progress_line(fraction, elapsed(), options_.width, failed) << std::flush;
    drawn_ = true;
  }

  const ProgressBarOptions options_;
  std::ostream& out_;
  const std::thread::id owner_;
  mutable std::mutex mutex_;  // guards everything below and the stream
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unordered_set<std::uint64_t> active_;  // runs of the bar now on screen
  std::size_t total_ = 0, done_ = 0;
  bool failed_ = false;
  Clock::time_point start_;
  double shown_ = 0;
  bool drawn_ = false;  // a line without its newline is on screen
  double last_duration_ = 0;
};

ProgressBar::ProgressBar(ProgressBarOptions options)
    : state_(std::make_shared<State>(options)),
      subscription_(std::make_unique<Subscription>(state_)),
      redraw_([state = state_] { state->redraw_loop(); }) {}

ProgressBar::~ProgressBar() {
  subscription_.reset();
  state_->stop();  // also silences events still in flight from an older bus snapshot
  redraw_.join();
}

double ProgressBar::last_duration() const {
  return state_->last_duration();
}

}  // namespace tessera::diagnostics
