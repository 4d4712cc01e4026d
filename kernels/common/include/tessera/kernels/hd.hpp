// Portability macros for functions shared by host (g++) and device (nvcc) code.
#pragma once

#if defined(__CUDACC__)
// Compiled by nvcc: the function exists on both sides.
#define TESSERA_HD __host__ __device__
// Hot helpers are small; make nvcc inline them like g++ does at -O2.
#define TESSERA_INLINE __forceinline__
#else
#define TESSERA_HD
#define TESSERA_INLINE inline
#endif
