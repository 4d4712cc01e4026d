# TESSERA_SANITIZE=address builds everything with ASan+UBSan, =thread with TSan.
if(TESSERA_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(TESSERA_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT TESSERA_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TESSERA_SANITIZE must be '', 'address' or 'thread', got '${TESSERA_SANITIZE}'")
endif()

# TESSERA_FUZZ=ON (clang only) instruments everything for libFuzzer's coverage feedback and builds
# the fuzzers in tests/fuzz (scripts/fuzz configures such a build, with TESSERA_SANITIZE=address).
option(TESSERA_FUZZ "Build the libFuzzer fuzzers (clang)" OFF)
if(TESSERA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TESSERA_FUZZ=ON needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
