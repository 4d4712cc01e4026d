#pragma once
// The MPI tags of an Exchange's messages (on the cluster's own communicator).

namespace tessera::detail {

inline constexpr int kValueTag = 1;   // one task's value or error
inline constexpr int kBundleTag = 2;  // several small ones (wire.hpp)
inline constexpr int kReportTag = 3;  // a rank's workers (and tasks), for rank 0
inline constexpr int kQueryTag = 4;   // the watchdog asks how far a rank is with a run
inline constexpr int kStatusTag = 5;  // and hears the answer

}  // namespace tessera::detail
