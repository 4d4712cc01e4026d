#pragma once
// Reading back what reports and traces wrote, and recording what the bus said meanwhile.

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::test {

/// The whole file as text.
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A fresh, empty directory for one test's files.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("tessera-test-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Every task the bus published while subscribed.
struct TaskRecorder : diagnostics::Subscriber {
  std::mutex mutex;
  std::vector<diagnostics::TaskRecord> tasks;
  diagnostics::StringPool strings;  // the records' names outlive the graph
  void task_finished(const diagnostics::TaskRecord& t) override {
    std::lock_guard lock(mutex);
    tasks.push_back(diagnostics::keep(t, strings));
  }
};

}  // namespace tessera::test
