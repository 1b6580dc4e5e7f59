//===- FuzzFile.h - fuzz input as a file for path-based readers -*- C++ -*-===//
//
// grad::load_npy and grad::load read files: the harnesses write each input to one private
// temporary file (in $TMPDIR, else /tmp), reused across runs of the process.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include "grad/tensor.h"

namespace grad::fuzz {

/// Writes `data` to this process's scratch file and returns its path.
inline const std::string &writeScratch(const uint8_t *data, size_t size, const char *suffix) {
  static std::string path = [&] {
    const char *dir = std::getenv("TMPDIR");
    std::string p = std::string(dir && *dir ? dir : "/tmp") + "/grad-fuzz-" +
                    std::to_string(getpid()) + suffix;
    return p;
  }();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    std::abort();
  if (size && std::fwrite(data, 1, size, f) != size)
    std::abort();
  std::fclose(f);
  return path;
}

/// Bytes of a contiguous tensor's data.
inline size_t bytesOf(const Tensor &t) {
  return static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
}

/// Same dtype, shape and bytes (both contiguous).
inline bool sameTensor(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && bytesOf(a) == bytesOf(b) &&
         (bytesOf(a) == 0 || std::memcmp(a.data_ptr(), b.data_ptr(), bytesOf(a)) == 0);
}

} // namespace grad::fuzz
