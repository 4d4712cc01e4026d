#pragma once
// The subcommands of the `tessera` program.

#include <CLI/CLI.hpp>

namespace tessera::cli {

/// Registers `tessera pi`.
void add_pi_command(CLI::App& app);
/// Registers `tessera info`.
void add_info_command(CLI::App& app);
/// Registers `tessera demo`.
void add_demo_command(CLI::App& app);

/// True when started by mpirun or srun (Open MPI's, PMIx's or PMI's variables): every rank runs
/// the command, and `pi` and `info` then work as one MPICluster.
bool launched_by_mpi();

/// Parses a sample count such as "1e10" or "250000000"; throws naming bad text.
std::uint64_t parse_count(const std::string& text, const char* what);

}  // namespace tessera::cli
