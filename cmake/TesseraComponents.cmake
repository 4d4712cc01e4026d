# Optional components. Each TESSERA_WITH_<NAME> is AUTO (on when its package is found), ON (its
# package is required) or OFF (never looked for). A library with every one of them OFF needs only
# CMake, a C++20 compiler, Kokkos, fmt and nlohmann-json, plus CUDA where nvcc is found.
#
# Sets TESSERA_HAVE_<NAME> (ON/OFF) for each component, and TESSERA_COMPONENTS: the list of those
# built, as find_package(Tessera COMPONENTS ...) and `tessera info` name them.

find_package(PkgConfig QUIET)

# tessera_component(<NAME> <description> <probe>): runs the probe macro unless the option is OFF;
# the probe sets _found (and may set _why when it is not found).
macro(_tessera_component name description probe)
  set(TESSERA_WITH_${name} AUTO CACHE STRING "${description}: AUTO, ON or OFF")
  set_property(CACHE TESSERA_WITH_${name} PROPERTY STRINGS AUTO ON OFF)
  string(TOUPPER "${TESSERA_WITH_${name}}" _mode)
  if(NOT _mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
    message(FATAL_ERROR "TESSERA_WITH_${name} must be AUTO, ON or OFF, got '${TESSERA_WITH_${name}}'")
  endif()
  set(TESSERA_HAVE_${name} OFF)
  set(_why "off (TESSERA_WITH_${name}=${TESSERA_WITH_${name}})")
  if(NOT _mode MATCHES "^(OFF|FALSE|NO|0)$")
    set(_found OFF)
    set(_why "")
    cmake_language(CALL ${probe})
    if(_found)
      set(TESSERA_HAVE_${name} ON)
      set(_why "")
    elseif(_mode STREQUAL "AUTO")
      set(_why "off (not found: ${_why})")
    else()
      message(FATAL_ERROR "TESSERA_WITH_${name}=${TESSERA_WITH_${name}} but ${_why} was not found")
    endif()
  endif()
  string(TOLOWER "${name}" _lower)
  if(TESSERA_HAVE_${name})
    list(APPEND TESSERA_COMPONENTS ${_lower})
    list(APPEND _tessera_summary "  ${_lower}: ON")
  else()
    list(APPEND _tessera_summary "  ${_lower}: ${_why}")
  endif()
endmacro()

macro(_tessera_probe_pkg prefix)  # pkg-config modules in ARGN into PkgConfig::<prefix>
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${ARGN})
  endif()
  set(_found ${${prefix}_FOUND})
  string(REPLACE ";" ", " _why "${ARGN} (pkg-config)")
endmacro()

macro(_tessera_probe_graphviz)
  _tessera_probe_pkg(GRAPHVIZ libgvc libcgraph)
endmacro()
macro(_tessera_probe_hwloc)
  _tessera_probe_pkg(HWLOC hwloc)
endmacro()
macro(_tessera_probe_lz4)
  _tessera_probe_pkg(LZ4 liblz4)
endmacro()
# The dashboard: cpp-httplib for its HTTP module (Debian ships a pkg-config file only; its Cflags
# carry the feature macros the library was built with) and prometheus-cpp for /metrics.
macro(_tessera_probe_dashboard)
  _tessera_probe_pkg(HTTPLIB cpp-httplib)
  find_package(prometheus-cpp CONFIG QUIET)
  if(NOT TARGET prometheus-cpp::core)
    set(_found OFF)
    set(_why "prometheus-cpp (CMake package)")
  elseif(NOT _found)
    set(_why "cpp-httplib (pkg-config)")
  endif()
endmacro()

# Many processes: Open MPI (libopenmpi-dev, openmpi-bin), through CMake's FindMPI.
macro(_tessera_probe_mpi)
  set(MPI_CXX_SKIP_MPICXX ON)  # the C API only: the C++ bindings are deprecated and unused
  find_package(MPI COMPONENTS CXX QUIET)
  set(_found ${MPI_CXX_FOUND})
  set(_why "MPI (libopenmpi-dev)")
endmacro()

set(TESSERA_ALL_COMPONENTS cuda dashboard graphviz hwloc lz4 mpi)
set(TESSERA_COMPONENTS "")
set(_tessera_summary "")
if(TESSERA_HAVE_CUDA)
  list(APPEND TESSERA_COMPONENTS cuda)
  list(APPEND _tessera_summary "  cuda: ON (sm_${CMAKE_CUDA_ARCHITECTURES})")
else()
  list(APPEND _tessera_summary "  cuda: off (TESSERA_CUDA=${TESSERA_CUDA}, nvcc ${CMAKE_CUDA_COMPILER})")
endif()
_tessera_component(DASHBOARD "The web dashboard and /metrics (cpp-httplib, prometheus-cpp)" _tessera_probe_dashboard)
_tessera_component(GRAPHVIZ "visualize() renders with libgvc (else a dot program on PATH)" _tessera_probe_graphviz)
_tessera_component(HWLOC "Topology from hwloc (else sysfs)" _tessera_probe_hwloc)
_tessera_component(LZ4 "LZ4-compressed spill files (else uncompressed)" _tessera_probe_lz4)
_tessera_component(MPI "MPICluster over Open MPI (tessera::mpi)" _tessera_probe_mpi)

option(TESSERA_BUILD_TOOLS "Build the tessera command-line tool (needs CLI11)" ON)
if(TESSERA_BUILD_TOOLS)
  find_package(CLI11 CONFIG REQUIRED)
endif()
list(APPEND _tessera_summary "  tools: ${TESSERA_BUILD_TOOLS}")

string(REPLACE ";" "\n" _tessera_summary "${_tessera_summary}")
message(STATUS "Tessera components:\n${_tessera_summary}")
