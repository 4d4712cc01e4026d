#pragma once
// The errors compute() can raise.

#include <exception>
#include <stdexcept>
#include <string>

namespace tessera {

/// A task raised: carries the task key, the worker it ran on and the original exception.
class TaskError : public std::runtime_error {
 public:
  TaskError(std::string key, std::string worker, std::string message, std::exception_ptr original);
  const std::string& key() const noexcept { return key_; }
  const std::string& worker() const noexcept { return worker_; }
  /// The message of the exception the task threw.
  const std::string& original_message() const noexcept { return message_; }
  /// The exception the task threw, for std::rethrow_exception.
  std::exception_ptr original() const noexcept { return original_; }

 private:
  std::string key_, worker_, message_;
  std::exception_ptr original_;
};

/// The cluster or client was used after close().
class ClosedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A wait the cluster bounds ran out: an exchange between ranks that stopped progressing
/// (MPIClusterOptions::exchange_timeout). The message names the ranks and tasks involved.
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tessera
