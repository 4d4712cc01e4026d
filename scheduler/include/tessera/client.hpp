#pragma once
// The user's handle on a cluster (distributed.Client): becomes the default for compute(),
// submits functions as futures.

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tessera/delayed.hpp"
#include "tessera/future.hpp"
#include "tessera/local_cluster.hpp"

namespace tessera {

class MPICluster;

class Client {
 public:
  /// Connects to a running cluster and makes it the default for compute().
  explicit Client(LocalCluster& cluster);
  /// Connects to this rank's part of an MPI cluster (defined in tessera::mpi): compute() then
  /// runs each task on its owner rank and returns results on every rank.
  explicit Client(MPICluster& cluster);
  /// Starts its own LocalCluster with `options`; close() or shutdown() stops it.
  explicit Client(ClusterOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Disconnects; compute() falls back to the previous client. Idempotent.
  void close();
  /// Closes the client and the cluster it is connected to (as Dask's Client.shutdown).
  void shutdown();
  /// "running" or "closed".
  std::string status() const;
  /// The executor compute() uses through this client; throws ClosedError after close().
  std::shared_ptr<Executor> executor() const;
  /// The cluster this client talks to (this rank's workers, for an MPICluster).
  const LocalCluster& cluster() const { return cluster_; }

  /// Runs f(args...) on the cluster now; Delayed arguments become dependencies.
  template <class F, class... Args>
  auto submit(F&& function, Args&&... args) {
    auto task = delayed(std::forward<F>(function))(std::forward<Args>(args)...);
    using T = typename decltype(task)::value_type;
    return Future<T>(executor()->submit(build_graph({task.node()})), 0, task.key());
  }

  /// Runs f(v) for every v in `values` as one batch of independent tasks.
  template <class F, class Range>
  auto map(F&& function, const Range& values) {
    auto wrapped = delayed(std::forward<F>(function));
    using T = typename decltype(wrapped(*std::begin(values)))::value_type;
    std::vector<TaskPtr> nodes;
    for (const auto& value : values) nodes.push_back(wrapped(value).node());
    auto computation = executor()->submit(build_graph(nodes));
    std::vector<Future<T>> futures;
    futures.reserve(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k)
      futures.emplace_back(computation, k, nodes[k]->key());
    return futures;
  }

  /// Waits for every future and returns their values in order; throws the first TaskError.
  template <class T>
  std::vector<T> gather(const std::vector<Future<T>>& futures) const {
    std::vector<T> values;
    values.reserve(futures.size());
    for (const auto& future : futures) values.push_back(future.result());
    return values;
  }

  /// Prints the client and its cluster's information block.
  friend std::ostream& operator<<(std::ostream& out, const Client& client);

 private:
  /// The cluster the client started (and stops), or a view sharing the state of the one it was
  /// given: never a pointer to the user's LocalCluster object, which may be moved or destroyed
  /// while the client lives.
  LocalCluster cluster_;
  bool closed_ = false;
  /// What compute() runs on: the cluster's scheduler, or an MPICluster's executor over it.
  std::shared_ptr<Executor> executor_;
  detail::ClusterState& state() const;
};

}  // namespace tessera
