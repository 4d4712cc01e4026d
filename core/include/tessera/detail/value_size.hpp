#pragma once
// How many bytes a task result holds, for memory accounting and the dashboard.

#include <cstdint>

#include "tessera/task.hpp"

namespace tessera {

/// Bytes held by a task's value: the data of arrays and reduction partials, the size of plain
/// values; 0 for an empty value.
std::uint64_t value_nbytes(const Value& value);

}  // namespace tessera
