#pragma once
// Lets compute() run without a Client, on a default local cluster.

namespace tessera::detail {
/// Installs the default-cluster factory (idempotent); <tessera/tessera.hpp> calls it.
bool register_default_cluster();
}  // namespace tessera::detail
