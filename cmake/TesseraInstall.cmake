# `cmake --install` puts headers, static libraries, the CLI and TesseraConfig.cmake under the
# prefix, so an outside project can find_package(Tessera [COMPONENTS cuda dashboard ...]) and link
# tessera::tessera. Export names equal the build tree's aliases (tessera::core, ...).
include(CMakePackageConfigHelpers)

set(_tessera_targets tessera tessera_core tessera_diagnostics tessera_scheduler tessera_kernels_common
                     tessera_kernels_host)
if(TESSERA_HAVE_CUDA)
  list(APPEND _tessera_targets tessera_kernels_cuda)
endif()
if(TESSERA_HAVE_MPI)
  list(APPEND _tessera_targets tessera_mpi)
  set_target_properties(tessera_mpi PROPERTIES EXPORT_NAME mpi)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/scheduler/mpi/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
set_target_properties(tessera PROPERTIES EXPORT_NAME tessera)
install(TARGETS ${_tessera_targets} EXPORT TesseraTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The dashboard's HTTP module is loaded at run time, not linked: not part of the export set.
if(TESSERA_HAVE_DASHBOARD)
  install(TARGETS tessera_dashboard_http LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/tessera)
endif()
# array_kernels.hpp is for backends built with the project (host, CUDA, a test's simulated
# device): it speaks in the kernels' programs, which are not installed.
foreach(dir core/include scheduler/include scheduler/diagnostics/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          PATTERN array_kernels.hpp EXCLUDE)
endforeach()
# Of the kernels, a user's code sees the element types alone (tessera/dtype.hpp includes them);
# programs, Philox and the host and CUDA entry points are the library's own.
install(FILES ${PROJECT_SOURCE_DIR}/kernels/common/include/tessera/kernels/dtype.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera/kernels)

set(TESSERA_CONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)
install(EXPORT TesseraTargets NAMESPACE tessera:: DESTINATION ${TESSERA_CONFIG_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/TesseraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/TesseraConfig.cmake INSTALL_DESTINATION ${TESSERA_CONFIG_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/TesseraConfig.cmake ${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/TesseraFindKokkos.cmake
        DESTINATION ${TESSERA_CONFIG_DIR})
