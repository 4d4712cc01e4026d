// tessera: the command-line face of the toolkit (pi, info, demo).
#include <fmt/format.h>

#include <cstdlib>
#include <exception>

#include "commands.hpp"

bool tessera::cli::launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_RANK");
}

int main(int argc, char** argv) {
  CLI::App app{"Tessera: chunked array computing on CPU and GPU workers"};
  app.require_subcommand(1);
  tessera::cli::add_pi_command(app);
  tessera::cli::add_info_command(app);
  tessera::cli::add_demo_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "tessera: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
