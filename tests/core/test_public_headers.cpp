// What a user's #include <tessera/tessera.hpp> declares, checked at compile time: the library's
// internals stay out of it. Each check names a stand-in with internal linkage next to where the
// internal would be declared; qualified lookup finds the stand-in only while no public header
// declares the real one (the real one, found first, has no `kStandIn` member).

#include <gtest/gtest.h>

#include "tessera/tessera.hpp"

namespace tessera {
namespace {
struct NpyWriter {
  static constexpr bool kStandIn = true;
};
// Were the real functions declared, these names would not be types and the checks would not
// compile.
struct log_warning {
  static constexpr bool kStandIn = true;
};
struct value_nbytes {
  static constexpr bool kStandIn = true;
};
struct BlockStore {
  static constexpr bool kStandIn = true;
};
}  // namespace
namespace kernels {
namespace {
struct Program {
  static constexpr bool kStandIn = true;
};
}  // namespace
}  // namespace kernels
namespace detail {
namespace {
struct Topology {
  static constexpr bool kStandIn = true;
};
}  // namespace
}  // namespace detail
}  // namespace tessera

namespace {

template <class T>
concept stand_in = T::kStandIn;

// The .npy streaming writer is to_npy's; npy.hpp declares what reads and writes whole files.
static_assert(stand_in<tessera::NpyWriter>, "tessera/npy.hpp declares the internal NpyWriter");
// The logger and the byte count of task results are the library's own.
static_assert(stand_in<tessera::log_warning>, "a public header declares tessera::log_warning");
static_assert(stand_in<tessera::value_nbytes>, "a public header declares tessera::value_nbytes");
// Spilling is the scheduler's memory policy; users and core see the ChunkStore interface.
static_assert(stand_in<tessera::BlockStore>, "a public header declares the scheduler's BlockStore");
// A user naming a dtype gets the element types, not the kernels' program types.
static_assert(stand_in<tessera::kernels::Program>,
              "a public header includes the kernel program types (tessera/kernels/program.hpp)");
// The sysfs and cgroup parsers behind detect_hardware().
static_assert(stand_in<tessera::detail::Topology>,
              "tessera/hardware.hpp declares its sysfs and cgroup parsers");
// An array's expression node is for the lowering; users see operations and results.
template <class A>
concept exposes_node = requires(const A& array) {
  array.node();
};
static_assert(!exposes_node<tessera::Array>, "tessera::Array exposes its expression node");

}  // namespace

// The checks above are the test; this records that the file compiled.
TEST(PublicHeaders, DeclareNoInternals) {
  SUCCEED();
}
