//===- safetensors.cpp - fuzz target: the safetensors reader (grad::load) -===//
//
// Any byte string given to grad::load / grad::load_metadata must give tensors or a
// grad::Error, never a crash or an allocation the file cannot back. What loads is saved and
// loaded again: same names, dtypes, shapes and bytes.
//
//===----------------------------------------------------------------------===//

#include "FuzzFile.h"

#include "grad/error.h"
#include "grad/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1 << 20))
    return 0;
  const std::string &path = grad::fuzz::writeScratch(data, size, ".safetensors");
  try {
    grad::load_metadata(path);
  } catch (const grad::Error &) {
  }
  std::vector<std::pair<std::string, grad::Tensor>> named;
  try {
    named = grad::load(path);
  } catch (const grad::Error &) {
    return 0;
  }
  const std::string again = path + ".2.safetensors";
  try {
    grad::save(named, again);
  } catch (const grad::Error &) {
    // save rejects what load accepts only for names save does not allow (e.g. empty ones)
    return 0;
  }
  std::vector<std::pair<std::string, grad::Tensor>> back = grad::load(again);
  if (back.size() != named.size())
    __builtin_trap();
  for (size_t i = 0; i < named.size(); ++i) {
    const grad::Tensor &a = named[i].second, &b = back[i].second;
    if (back[i].first != named[i].first || !grad::fuzz::sameTensor(a, b))
      __builtin_trap();
  }
  std::remove(again.c_str());
  return 0;
}
