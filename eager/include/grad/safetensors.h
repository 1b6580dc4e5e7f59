// Checkpoints in the safetensors format (https://github.com/huggingface/safetensors), the format
// PyTorch (`safetensors.torch.save_file` / `load_file`), JAX and Hugging Face exchange weights in:
// an 8-byte little-endian header length N, N bytes of JSON
//   {"fc.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]}, ...,
//    "__metadata__": {"format": "pt"}}
// then the raw little-endian data, tensor after tensor, without holes. Element types: F32, F64,
// I64 and BOOL (grad's f32, f64, i64, b8).
//
//   grad::save(model.state_dict(), "model.safetensors");
//   model.load_state_dict(grad::load("model.safetensors"));
//
// Reading is strict and bounded by the file size: a truncated or malformed file (header length
// past the end of the file, bad JSON, unknown dtype, offsets out of range, overlapping or leaving
// holes, a size that does not match the shape, a duplicate key) is a grad::Error naming the file
// and the key, never a crash.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grad/tensor.h"

namespace grad {

/// Writes `named` (names unique and not empty; any layout, written row-major) to `path` as a
/// safetensors file, with the optional string-to-string `metadata` as its "__metadata__". The
/// data goes to a temporary file next to `path` that is renamed over it at the end, so an
/// interrupted save leaves the previous checkpoint intact. Throws grad::Error ("save: 'm.st': ...").
void save(const std::vector<std::pair<std::string, Tensor>>& named, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});

/// Reads a safetensors file into new contiguous tensors, in the order of their data in the file
/// (the order grad::save wrote them in). Throws grad::Error ("load: 'm.st': ...").
std::vector<std::pair<std::string, Tensor>> load(const std::string& path);

/// The "__metadata__" of a safetensors file (empty when it has none).
std::map<std::string, std::string> load_metadata(const std::string& path);

/// The bytes grad::save would write.
std::string serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& named,
                                  const std::map<std::string, std::string>& metadata = {});

/// Parses the bytes of a safetensors file; `name` only labels error messages.
std::vector<std::pair<std::string, Tensor>> parse_safetensors(std::string_view bytes,
                                                              std::string_view name = "<buffer>");

} // namespace grad
