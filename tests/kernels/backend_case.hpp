// A test case (program_reference.hpp) placed in a backend's memory: the program with its
// load_buffer leaves pointing at copies of the case's buffers there, freed on scope exit.
#pragma once

#include <memory>
#include <vector>

#include "kernel_backends.hpp"
#include "program_reference.hpp"

namespace tessera::kernels::testing {

// A case's program with its load_buffer leaves pointing at copies in the backend's memory.
template <class Backend>
class BackendCase {
 public:
  explicit BackendCase(const Case& c) : program_(c.program) {
    for (int i = 0; i < program_.size; ++i) {
      Instruction& in = program_.code[i];
      if (in.op != Op::load_buffer) continue;
      for (const auto& buffer : c.buffers) {
        if (buffer.data() != in.data) continue;
        buffers_.push_back(std::make_unique<BackendBuffer<Backend>>(buffer));
        in.data = buffers_.back()->get();
      }
    }
  }
  const Program& program() const { return program_; }

 private:
  Program program_;
  std::vector<std::unique_ptr<BackendBuffer<Backend>>> buffers_;
};

}  // namespace tessera::kernels::testing
