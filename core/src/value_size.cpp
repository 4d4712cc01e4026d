#include "tessera/detail/value_size.hpp"

#include <vector>

#include "tessera/device_array.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/ndarray.hpp"

namespace tessera {

std::uint64_t value_nbytes(const Value& value) {
  if (!value.has_value()) return 0;
  if (const auto* array = std::any_cast<std::shared_ptr<NDArray>>(&value))
    return *array ? (*array)->nbytes() : 0;
  if (const auto* array = std::any_cast<NDArray>(&value)) return array->nbytes();
  if (const auto* array = std::any_cast<std::shared_ptr<DeviceArray>>(&value))
    return *array ? (*array)->nbytes() : 0;  // device bytes: what the result weighs
  if (const auto* partials =
          std::any_cast<std::shared_ptr<const std::vector<kernels::Partial>>>(&value))
    return *partials ? (*partials)->size() * sizeof(kernels::Partial) : 0;
  return sizeof(Value);  // plain values live inside the std::any (or one small allocation)
}

}  // namespace tessera
