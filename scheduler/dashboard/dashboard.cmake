# The web dashboard, compiled into tessera_scheduler (LocalCluster starts it). Its pages and
# scripts under assets/ are embedded as byte arrays: dashboard_asset("status.html").
# Included from scheduler/CMakeLists.txt rather than added as a subdirectory: a generated source
# must come from a custom command in the directory of the target that compiles it.
include(TesseraEmbed)
set(_dashboard ${CMAKE_CURRENT_LIST_DIR})

target_sources(tessera_scheduler PRIVATE
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
target_include_directories(tessera_scheduler PRIVATE ${_dashboard})

file(GLOB _dashboard_assets CONFIGURE_DEPENDS ${_dashboard}/assets/*)
tessera_embed_files(tessera_scheduler
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/dashboard_assets.cpp
  HEADER ${_dashboard}/dashboard_assets.hpp
  NAMESPACE tessera::dashboard
  FUNCTION dashboard_asset
  BASE_DIR ${_dashboard}/assets
  FILES ${_dashboard_assets})

# Link dependencies of the static library; TesseraConfig.cmake.in finds them again for users.
# nlohmann_json is header-only and used inside the library only: not exported.
target_link_libraries(tessera_scheduler PRIVATE prometheus-cpp::core
                                                $<BUILD_INTERFACE:nlohmann_json::nlohmann_json>)

# The HTTP transport, a module loaded only when a dashboard starts (http_module.hpp says why).
# It sits in <libdir>/tessera beside bin/ in the build tree as in an install, where the loader
# looks first; the build-tree path is compiled in as well for programs built elsewhere.
add_library(tessera_dashboard_http MODULE ${_dashboard}/http_server_module.cpp)
target_link_libraries(tessera_dashboard_http PRIVATE PkgConfig::HTTPLIB)
target_compile_options(tessera_dashboard_http PRIVATE -Wall -Wextra)
set_target_properties(tessera_dashboard_http PROPERTIES
  PREFIX lib
  CXX_VISIBILITY_PRESET hidden
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/${CMAKE_INSTALL_LIBDIR}/tessera)
add_dependencies(tessera_scheduler tessera_dashboard_http)  # whatever links the library runs it
target_compile_definitions(tessera_scheduler PRIVATE
  TESSERA_DASHBOARD_MODULE_RELATIVE_DIR="${CMAKE_INSTALL_LIBDIR}/tessera"
  TESSERA_DASHBOARD_MODULE_INSTALL_DIR="${CMAKE_INSTALL_FULL_LIBDIR}/tessera"
  TESSERA_DASHBOARD_MODULE_BUILD_PATH="$<TARGET_FILE:tessera_dashboard_http>")
