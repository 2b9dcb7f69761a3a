// Checks that AddressSanitizer sees through the memory pool (autodiff/pool.cpp), which keeps freed blocks for reuse
// and rounds every request up to a power of two. Each mode makes one access that is a bug in user code; the ctest
// passes only if ASan reports it as an access to poisoned memory (PASS_REGULAR_EXPRESSION in tests/CMakeLists.txt).
// Without the pool's poisoning hooks both accesses would go unnoticed: the bytes are still owned by the process.
#include <cstdio>
#include <cstring>

#include "autodiff/autodiff.h"

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "freed-storage") == 0) {
    // A raw pointer into a tensor outlives it: the storage went back to the pool's free list.
    const double* p = nullptr;
    {
      ad::TensorD t = ad::TensorD::ones({100});  // 800 bytes: pool storage, not the inline buffer
      p = t.data();
    }
    volatile double v = p[5];
    std::printf("read %g from freed storage: not detected\n", static_cast<double>(v));
    return 0;
  }
  if (std::strcmp(mode, "past-the-end") == 0) {
    // 100 doubles live in a 1024-byte block: index 100 is inside the block but past the tensor.
    ad::TensorD t = ad::TensorD::ones({100});
    volatile double v = t.data()[100];
    std::printf("read %g past the end: not detected\n", static_cast<double>(v));
    return 0;
  }
  std::fprintf(stderr, "usage: %s freed-storage | past-the-end\n", argv[0]);
  return 2;
}
