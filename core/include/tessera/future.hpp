#pragma once
// A handle on a task running on the cluster now (distributed.Future).

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "tessera/delayed.hpp"
#include "tessera/executor.hpp"

namespace tessera {

/// The eventual result of a submitted task.
template <class T>
class Future {
 public:
  Future(std::shared_ptr<Computation> computation, std::size_t output, std::string key)
      : computation_(std::move(computation)), output_(output), key_(std::move(key)) {}

  /// Waits for the task and returns its value; throws its TaskError when it failed (ClosedError
  /// when the cluster was closed before it ran).
  T result() const {
    computation_->wait_output(output_);
    if (auto error = computation_->output_error(output_)) std::rethrow_exception(error);
    return detail::value_as<T>(computation_->output(output_));
  }
  /// True when the task finished, failed or was cancelled.
  bool done() const { return computation_->output_done(output_); }
  /// Waits for the task; returns its TaskError (or ClosedError), or null when it succeeded.
  std::exception_ptr exception() const {
    computation_->wait_output(output_);
    return computation_->output_error(output_);
  }
  /// "pending", "finished" or "error", as Dask's Future.status.
  std::string status() const {
    if (!done()) return "pending";
    return computation_->output_error(output_) ? "error" : "finished";
  }
  /// The task key.
  const std::string& key() const noexcept { return key_; }

 private:
  std::shared_ptr<Computation> computation_;
  std::size_t output_;
  std::string key_;
};

}  // namespace tessera
