#pragma once
// The dashboard's files (pages, scripts, styles), compiled into the library from
// scheduler/dashboard/assets/ by tessera_embed_files (cmake/TesseraEmbed.cmake): the dashboard
// and the HTML reports need no file and no network at run time.

#include <string_view>

namespace tessera::dashboard {

/// The bytes of asset `name` ("status.html", "task_stream.js", ...); empty if there is none.
std::string_view dashboard_asset(std::string_view name);

}  // namespace tessera::dashboard
