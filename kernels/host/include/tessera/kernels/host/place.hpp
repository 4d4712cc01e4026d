// Where a host kernel runs: the process's Kokkos host execution space. Every kernel of a backend
// takes its Place first, as Thrust's algorithms take an execution policy (thrust::host,
// thrust::cuda::par.on(stream)), so kernels::host and kernels::cuda have the same function names
// and parameter lists and code written over backends (typed tests, the array kernels registry)
// names the backend once. The host needs no state to choose its space: Place is empty.
#pragma once

namespace tessera::kernels::host {

struct Place {};

}  // namespace tessera::kernels::host
