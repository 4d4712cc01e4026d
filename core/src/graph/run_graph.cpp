#include "tessera/run_graph.hpp"

#include <utility>

#include "tessera/graph.hpp"

namespace tessera {

std::shared_ptr<Computation> run_graph(Executor& executor, std::vector<TaskPtr> outputs) {
  std::shared_ptr<Computation> computation = executor.submit(build_graph(std::move(outputs)));
  computation->wait();
  computation->rethrow_if_failed();
  return computation;
}

std::shared_ptr<Computation> run_graph(std::vector<TaskPtr> outputs) {
  return run_graph(*current_executor(), std::move(outputs));
}

}  // namespace tessera
