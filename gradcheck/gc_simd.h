/* gc_simd.h — what the checker's hot loops (gc_gemm.c, gc_sums.c,
 * gc_layers_conv.c) share to be compiled for speed:
 *   TD_HOT     on x86-64 with GCC/Clang, the function is also compiled
 *              for x86-64-v3 (AVX2 + FMA) and picked at load time when
 *              the CPU has that feature level (an "arch=haswell" clone is
 *              picked by CPU model: a virtual "Xeon Processor" ran the
 *              plain build); elsewhere, and under ASan, the plain build
 *   TD_INLINE  always inlined, so helpers are compiled inside each clone
 *   v4         (GCC/Clang, TD_V4 defined) four doubles as one value of
 *              the vector extension — plain C operators, no intrinsics;
 *              one AVX register, two SSE2 ones in the default clone;
 *              v4i the same lanes as 64-bit integers (masks).
 *              ld4/st4 move four doubles from/to any address.
 * Files using v4 keep a plain-C #else path with the same summation order. */
#ifndef GC_SIMD_H
#define GC_SIMD_H

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define TD_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TD_HOT
#endif

#ifdef __GNUC__
#define TD_INLINE inline __attribute__((always_inline))
#define TD_V4 1
#pragma GCC diagnostic ignored "-Wpsabi" /* v4 passes only between inlined helpers */
typedef double v4 __attribute__((vector_size(4 * sizeof(double))));
typedef long long v4i __attribute__((vector_size(4 * sizeof(long long))));
static TD_INLINE v4 ld4(const double *p) { v4 v; memcpy(&v, p, sizeof v); return v; }
static TD_INLINE void st4(double *p, v4 v) { memcpy(p, &v, sizeof v); }
#else
#define TD_INLINE inline
#endif

#endif
