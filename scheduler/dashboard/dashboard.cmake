# The web dashboard (TESSERA_WITH_DASHBOARD): pages, JSON under api/v1/, Server-Sent Events and
# /metrics. Its own target, tessera_dashboard, an object library whose objects join
# tessera_scheduler (LocalCluster starts it) so that users still link one library; its HTTP
# transport is a module loaded only when a dashboard starts.
#
# Included from scheduler/CMakeLists.txt rather than added as a subdirectory: the embedded assets
# are a generated source, which must come from a custom command in the directory of the target
# that compiles it.
include(TesseraEmbed)
set(_dashboard ${CMAKE_CURRENT_LIST_DIR})
target_include_directories(tessera_scheduler PRIVATE ${_dashboard})  # LocalCluster starts it
target_compile_definitions(tessera_scheduler PRIVATE
  TESSERA_HAVE_DASHBOARD=$<BOOL:${TESSERA_HAVE_DASHBOARD}>)

if(NOT TESSERA_HAVE_DASHBOARD)
  return()
endif()

add_library(tessera_dashboard OBJECT
  ${_dashboard}/answer_request.cpp
  ${_dashboard}/bind_address.cpp
  ${_dashboard}/dashboard_link.cpp
  ${_dashboard}/dashboard_server.cpp
  ${_dashboard}/event_log.cpp
  ${_dashboard}/event_stream.cpp
  ${_dashboard}/http_module_loader.cpp
  ${_dashboard}/json_api.cpp
  ${_dashboard}/metrics.cpp
  ${_dashboard}/routes.cpp
  ${_dashboard}/token_auth.cpp
  ${_dashboard}/worker_snapshot.cpp)
file(GLOB _dashboard_assets CONFIGURE_DEPENDS ${_dashboard}/assets/*)
tessera_embed_files(tessera_dashboard
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/dashboard_assets.cpp
  HEADER ${_dashboard}/dashboard_assets.hpp
  NAMESPACE tessera::dashboard
  FUNCTION dashboard_asset
  BASE_DIR ${_dashboard}/assets
  FILES ${_dashboard_assets})
# It reads the scheduler's internals (ClusterView), so it sees what tessera_scheduler's own files
# see; it is not linked to it, which would make a cycle. It subscribes to the diagnostics bus.
target_include_directories(tessera_dashboard PRIVATE ${_dashboard} ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                     ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(tessera_dashboard PRIVATE tessera_core tessera_diagnostics
                                                tessera_kernels_host fmt::fmt
                                                prometheus-cpp::core nlohmann_json::nlohmann_json)
target_compile_options(tessera_dashboard PRIVATE -Wall -Wextra)
target_sources(tessera_scheduler PRIVATE $<TARGET_OBJECTS:tessera_dashboard>)
# Link dependencies of the static library; TesseraConfig.cmake finds them again for users.
target_link_libraries(tessera_scheduler PRIVATE prometheus-cpp::core)

# The HTTP transport, a module loaded only when a dashboard starts (http_module.hpp says why).
# It sits in <libdir>/tessera beside bin/ in the build tree as in an install, where the loader
# looks first; the build-tree path is compiled in as well for programs built elsewhere.
add_library(tessera_dashboard_http MODULE ${_dashboard}/http_server_module.cpp
                                          ${_dashboard}/httplib_transport.cpp
                                          ${_dashboard}/socket_stream.cpp)
target_link_libraries(tessera_dashboard_http PRIVATE PkgConfig::HTTPLIB)
target_compile_options(tessera_dashboard_http PRIVATE -Wall -Wextra)
set_target_properties(tessera_dashboard_http PROPERTIES
  PREFIX lib
  CXX_VISIBILITY_PRESET hidden
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/${CMAKE_INSTALL_LIBDIR}/tessera)
add_dependencies(tessera_scheduler tessera_dashboard_http)  # whatever links the library runs it
target_compile_definitions(tessera_dashboard PRIVATE
  TESSERA_DASHBOARD_MODULE_RELATIVE_DIR="${CMAKE_INSTALL_LIBDIR}/tessera"
  TESSERA_DASHBOARD_MODULE_INSTALL_DIR="${CMAKE_INSTALL_FULL_LIBDIR}/tessera"
  TESSERA_DASHBOARD_MODULE_BUILD_PATH="$<TARGET_FILE:tessera_dashboard_http>")
