#pragma once
// Runs a check in a forked child process, for what a test must not do to its own process:
// lowering its resource limits, changing its user, or dying mid-run. The child reports one line
// of text back; a child that crashes reports how it ended instead.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <functional>
#include <string>

namespace tessera::test_support {

/// What `check` returned in the child ("" means success), or why the child failed:
/// "killed by signal N", "exited with status N", "threw: ...". Call it while the test process
/// runs no other thread of its own (a forked child gets only the calling thread).
inline std::string run_in_child(const std::function<std::string()>& check) {
  int fds[2];
  if (::pipe(fds) != 0) return std::string("pipe failed: ") + std::strerror(errno);
  const pid_t pid = ::fork();
  if (pid < 0) return std::string("fork failed: ") + std::strerror(errno);
  if (pid == 0) {
    ::close(fds[0]);
    std::string report;
    try {
      report = check();
    } catch (const std::exception& e) {
      report = std::string("threw: ") + e.what();
    }
    const ssize_t written = ::write(fds[1], report.data(), report.size());
    ::_exit(written == static_cast<ssize_t>(report.size()) ? 0 : 3);  // no atexit handlers
  }
  ::close(fds[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    report.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "exited with status " + std::to_string(WEXITSTATUS(status)) + ": " + report;
  return report;
}

}  // namespace tessera::test_support
