#pragma once
// Running tasks to the end: submit, wait for every task, throw the first failure. What compute(),
// persist(), to_npy() and the delayed compute() functions all do with their graphs.

#include <memory>
#include <vector>

#include "tessera/executor.hpp"
#include "tessera/task.hpp"

namespace tessera {

/// Runs `outputs` and every task they depend on on `executor` and waits for all of them; throws
/// the error of the first output that failed (a TaskError; a ClosedError when the cluster was
/// closed under it). The returned computation holds the outputs' values, in order.
std::shared_ptr<Computation> run_graph(Executor& executor, std::vector<TaskPtr> outputs);

/// The same on the current executor (the newest open Client, else a default local cluster).
std::shared_ptr<Computation> run_graph(std::vector<TaskPtr> outputs);

}  // namespace tessera
