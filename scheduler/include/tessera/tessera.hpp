#pragma once
// Everything a user needs: #include <tessera/tessera.hpp>, namespace ts = tessera;

#include "tessera/array.hpp"
#include "tessera/array_io.hpp"
#include "tessera/build_info.hpp"
#include "tessera/bytes.hpp"
#include "tessera/client.hpp"
#include "tessera/cluster_options.hpp"
#include "tessera/default_cluster.hpp"
#include "tessera/delayed.hpp"
#include "tessera/diagnostics/performance_report.hpp"
#include "tessera/diagnostics/progress_bar.hpp"
#include "tessera/diagnostics/trace.hpp"
#include "tessera/errors.hpp"
#include "tessera/future.hpp"
#include "tessera/hardware.hpp"
#include "tessera/local_cluster.hpp"
#include "tessera/npy.hpp"
#include "tessera/progress.hpp"
#include "tessera/random.hpp"
#include "tessera/visualize.hpp"

namespace tessera::detail {
// Every program that includes this header can compute() without creating a Client first.
inline const bool default_cluster_registered = register_default_cluster();
}  // namespace tessera::detail
