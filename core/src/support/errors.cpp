#include "tessera/errors.hpp"

#include <fmt/format.h>

namespace tessera {

TaskError::TaskError(std::string key, std::string worker, std::string message,
                     std::exception_ptr original)
    : std::runtime_error(fmt::format("task {} failed on {}: {}", key, worker, message)),
      key_(std::move(key)),
      worker_(std::move(worker)),
      message_(std::move(message)),
      original_(std::move(original)) {}

}  // namespace tessera
