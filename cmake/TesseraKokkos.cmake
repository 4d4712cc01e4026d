# Provides the target tessera_kokkos (see TesseraFindKokkos.cmake).
include(TesseraFindKokkos)
tessera_find_kokkos(tessera_kokkos)
message(STATUS "Tessera: Kokkos from ${TESSERA_KOKKOS_FLAVOUR}")
