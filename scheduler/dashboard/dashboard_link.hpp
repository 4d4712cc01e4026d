#pragma once
// The link a cluster prints for its dashboard, from a template like Dask's
// distributed.dashboard.link: "{scheme}://{host}:{port}/status" by default, or
// "{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/status" behind a Jupyter proxy.

#include <string>
#include <string_view>

namespace tessera::dashboard {

/// The template used when neither ClusterOptions::dashboard_link nor TESSERA_DASHBOARD_LINK is set.
inline constexpr std::string_view kDefaultLinkTemplate = "http://{host}:{port}/status";

/// The template in force: `option` if non-empty, else $TESSERA_DASHBOARD_LINK, else the default.
std::string link_template(const std::string& option);

/// Substitutes {host}, {port}, {scheme}, {token} and any {ENVIRONMENT_VARIABLE} (empty if unset);
/// when a token is given and the template has no {token}, appends "?token=..." (or "&token=").
std::string expand_link(std::string_view pattern, std::string_view host, int port,
                        std::string_view token);

}  // namespace tessera::dashboard
