//===- npy.cpp - fuzz target: the .npy reader -----------------------------===//
//
// Any byte string given to grad::load_npy must give a tensor or a grad::Error, never a crash,
// a hang or an allocation the file cannot back. A tensor that loads is written back and read
// again: the round trip must give the same dtype, shape and bytes.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "grad/error.h"
#include "grad/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1 << 20))
    return 0;
  const std::string &path = grad::fuzz::writeScratch(data, size, ".npy");
  grad::Tensor t;
  try {
    t = grad::load_npy(path);
  } catch (const grad::Error &) {
    return 0;
  }
  const std::string again = path + ".2.npy";
  grad::save_npy(again, t);
  grad::Tensor u = grad::load_npy(again);
  if (!grad::fuzz::sameTensor(t, u))
    __builtin_trap();
  std::remove(again.c_str());
  return 0;
}
