// EW_CLONES compiles a plain-C++ loop function for AVX-512, AVX2+FMA and baseline x86-64, and the loader picks one
// on this CPU at run time (GCC function multiversioning). Empty on other architectures and under ASan, which does
// not support the resolver.
#ifndef EDGEWISE_ISA_CLONES_H
#define EDGEWISE_ISA_CLONES_H

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define EW_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define EW_CLONES
#endif

#endif
