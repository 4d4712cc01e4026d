find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRAPHVIZ REQUIRED IMPORTED_TARGET libgvc libcgraph)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)  # spill-file compression
# Debian's cpp-httplib is a compiled library with a pkg-config file only (no CMake package); its
# Cflags carry the feature macros the library was built with, which the header must see too.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(prometheus-cpp CONFIG REQUIRED)
include(TesseraKokkos)
if(TESSERA_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(TESSERA_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
