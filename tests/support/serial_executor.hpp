#pragma once
// A one-thread executor for testing core without the scheduler: runs tasks in graph order.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "tessera/errors.hpp"
#include "tessera/executor.hpp"

namespace tessera::test_support {

class SerialComputation final : public Computation {
 public:
  explicit SerialComputation(Graph graph)
      : graph_(std::move(graph)), values_(graph_.size()), errors_(graph_.size()) {
    for (std::uint32_t i = 0; i < graph_.size(); ++i) {
      std::vector<const Value*> inputs;
      for (std::uint32_t d : graph_.dependencies(i)) {
        if (errors_[d]) errors_[i] = errors_[d];
        inputs.push_back(&values_[d]);
      }
      if (errors_[i]) continue;
      try {
        values_[i] = graph_.tasks[i]->function(Backend::host)(inputs, TaskContext{});
      } catch (const std::exception& e) {
        errors_[i] = std::make_exception_ptr(
            TaskError(graph_.tasks[i]->key(), "serial", e.what(), std::current_exception()));
      }
    }
  }
  void wait() override {}
  bool done() const override { return true; }
  void wait_output(std::size_t) override {}
  bool output_done(std::size_t) const override { return true; }
  std::exception_ptr output_error(std::size_t k) const override {
    return errors_[graph_.outputs[k]];
  }
  const Value& output(std::size_t k) const override { return values_[graph_.outputs[k]]; }
  std::size_t output_count() const override { return graph_.outputs.size(); }

 private:
  Graph graph_;
  std::vector<Value> values_;
  std::vector<std::exception_ptr> errors_;
};

class SerialExecutor final : public Executor {
 public:
  std::shared_ptr<Computation> submit(Graph graph) override {
    ++submitted;
    return std::make_shared<SerialComputation>(std::move(graph));
  }
  int submitted = 0;
};

/// A fixture whose arrays and delayed values compute on a SerialExecutor for each test.
struct OnSerialExecutor : ::testing::Test {
  std::shared_ptr<SerialExecutor> executor = std::make_shared<SerialExecutor>();
  void SetUp() override { detail::push_executor(executor); }
  void TearDown() override { detail::remove_executor(executor.get()); }
};

}  // namespace tessera::test_support
