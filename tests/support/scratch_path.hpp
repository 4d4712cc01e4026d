#pragma once
// A path in the temporary directory unique to this test process, for spill folders and files.

#include <unistd.h>

#include <filesystem>
#include <string>

namespace tessera::test_support {

inline std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
}

}  // namespace tessera::test_support
