# tessera_find_kokkos(<target> [IMPORTED]): makes <target>, an interface target that links Kokkos.
# Used by the build (tessera_kokkos) and, installed beside TesseraConfig.cmake, by users' projects
# (tessera::kokkos, IMPORTED), so Kokkos is found again on the user's machine, never by a path
# recorded at build time.
#
# A site's own Kokkos (3.4 .. 4.x, any backend) is used when its config works. Debian's 3.4.1 ships
# a KokkosConfig.cmake that points at a non-existent /usr/lib/include; there we take the KokkosCore
# package's library and add the real include dir <prefix>/include/trilinos ourselves (as SYSTEM,
# so its warnings stay out of ours). System files are never edited.
macro(tessera_find_kokkos target)
  if("${ARGN}" STREQUAL "IMPORTED")
    add_library(${target} INTERFACE IMPORTED)
  else()
    add_library(${target} INTERFACE)
  endif()
  find_package(KokkosCore CONFIG QUIET)
  if(TARGET trilinos_kokkoscore)
    get_target_property(_tessera_kokkos_lib trilinos_kokkoscore IMPORTED_LOCATION_NONE)
    if(NOT _tessera_kokkos_lib)
      find_library(_tessera_kokkos_lib trilinos_kokkoscore REQUIRED)
    endif()
    # <prefix>/lib/<multiarch>/libtrilinos_kokkoscore.so -> <prefix>/include/trilinos
    get_filename_component(_tessera_kokkos_prefix "${_tessera_kokkos_lib}" DIRECTORY)
    find_path(TESSERA_KOKKOS_INCLUDE_DIR Kokkos_Core.hpp
      HINTS ${_tessera_kokkos_prefix}/../../include/trilinos ${_tessera_kokkos_prefix}/../include/trilinos
      PATHS /usr/include/trilinos ${KokkosCore_INCLUDE_DIRS} REQUIRED)
    target_link_libraries(${target} INTERFACE ${_tessera_kokkos_lib} ${CMAKE_DL_LIBS})
    target_include_directories(${target} SYSTEM INTERFACE ${TESSERA_KOKKOS_INCLUDE_DIR})
    set(TESSERA_KOKKOS_FLAVOUR "Debian KokkosCore (${_tessera_kokkos_lib})")
  else()
    find_package(Kokkos CONFIG REQUIRED)
    target_link_libraries(${target} INTERFACE Kokkos::kokkos)
    set(TESSERA_KOKKOS_FLAVOUR "Kokkos ${Kokkos_VERSION}")
  endif()
endmacro()
