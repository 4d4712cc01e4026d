#include "tessera/detail/dot_program.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace tessera::detail {

namespace fs = std::filesystem;

std::optional<std::string> find_dot_program(const std::string& path) {
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;  // an empty entry means the working directory: never trusted
    const fs::path candidate = fs::path(dir) / "dot";
    std::error_code error;
    if (fs::is_regular_file(candidate, error) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return std::nullopt;
}

namespace {

std::atomic<unsigned> next_scratch_id{0};

// A scratch file, unique in the process and across processes, removed however the render ends.
struct ScratchFile {
  fs::path path;
  explicit ScratchFile(const std::string& name)
      : path(fs::temp_directory_path() /
             fmt::format("tessera-{}-{}-{}", ::getpid(), next_scratch_id++, name)) {}
  ~ScratchFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

std::string first_line_of(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

void render_with_dot_program(const std::string& dot, const std::string& format,
                             const std::string& filename) {
  const char* path = std::getenv("PATH");
  const auto program = find_dot_program(path ? path : "");
  if (!program)
    throw std::runtime_error(fmt::format(
        "visualize: cannot render '{}' as {}: this Tessera was built without Graphviz's library "
        "(TESSERA_WITH_GRAPHVIZ=OFF) and no `dot` program is on PATH. Install Graphviz "
        "(Debian/Ubuntu: apt install graphviz; conda: conda install graphviz), or write a .dot "
        "file instead",
        filename, format));

  const ScratchFile input("graph.dot"), errors("dot-stderr.txt");
  {
    std::ofstream out(input.path);
    if (!(out << dot) || !(out.flush()))
      throw std::runtime_error(fmt::format("visualize: cannot write '{}'", input.path.string()));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string program_path = *program, type = "-T" + format, output = "-o" + filename,
              source = input.path.string();
  std::vector<char*> argv = {program_path.data(), type.data(), output.data(), source.data(),
                             nullptr};
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, program_path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
    throw std::runtime_error(
        fmt::format("visualize: cannot run '{}': {}", program_path, std::strerror(spawned)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw std::runtime_error(
          fmt::format("visualize: lost '{}': {}", program_path, std::strerror(errno)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format(
        "visualize: '{}' could not write '{}' as {} ({} {}): {}", program_path, filename, format,
        WIFEXITED(status) ? "exit status" : "signal",
        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), first_line_of(errors.path)));
}

}  // namespace tessera::detail
