#include "tessera/default_cluster.hpp"

#include "tessera/local_cluster.hpp"

namespace tessera::detail {

bool register_default_cluster() {
  static const bool registered = [] {
    // Like Dask without a Client: compute() still runs in parallel, on a cluster sized by the
    // hardware, started on first use and kept for the life of the process.
    set_default_executor_factory([] {
      static auto* cluster = new LocalCluster(ClusterOptions{.dashboard_address = ""});
      return cluster->executor();
    });
    return true;
  }();
  return registered;
}

}  // namespace tessera::detail
