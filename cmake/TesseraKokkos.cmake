# Provides the target tessera_kokkos.
#
# A site's own Kokkos (3.4 .. 4.x, any backend) is used when its config works. Debian's 3.4.1 ships a
# KokkosConfig.cmake that points at a non-existent /usr/lib/include; there we take the KokkosCore
# package's library and add the real include dir /usr/include/trilinos ourselves (as SYSTEM, so its
# warnings stay out of ours). System files are never edited.
add_library(tessera_kokkos INTERFACE)
find_package(KokkosCore CONFIG QUIET)
if(TARGET trilinos_kokkoscore)
  find_path(TESSERA_KOKKOS_INCLUDE_DIR Kokkos_Core.hpp PATHS /usr/include/trilinos ${KokkosCore_INCLUDE_DIRS} REQUIRED)
  # KokkosCore's imported target carries no usable include dir; copy only its library.
  get_target_property(_kokkos_lib trilinos_kokkoscore IMPORTED_LOCATION_NONE)
  if(NOT _kokkos_lib)
    find_library(_kokkos_lib trilinos_kokkoscore REQUIRED)
  endif()
  target_link_libraries(tessera_kokkos INTERFACE ${_kokkos_lib} ${CMAKE_DL_LIBS})
  target_include_directories(tessera_kokkos SYSTEM INTERFACE ${TESSERA_KOKKOS_INCLUDE_DIR})
  set(TESSERA_KOKKOS_FLAVOUR "Debian KokkosCore (${_kokkos_lib})")
else()
  find_package(Kokkos CONFIG REQUIRED)
  target_link_libraries(tessera_kokkos INTERFACE Kokkos::kokkos)
  set(TESSERA_KOKKOS_FLAVOUR "Kokkos ${Kokkos_VERSION}")
endif()
message(STATUS "Tessera: Kokkos from ${TESSERA_KOKKOS_FLAVOUR}")
