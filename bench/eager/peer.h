// Shared by the eager benchmark binaries: the MLP shape, and the libtorch peer's setup hook.
#pragma once

#include <cstdint>

namespace bench {

/// The MLP of bench_eager_mlp: 784-512-512-10, ReLU, batch 256, f32.
inline constexpr int64_t kBatch = 256;
inline constexpr int64_t kIn = 784;
inline constexpr int64_t kHidden = 512;
inline constexpr int64_t kClasses = 10;

/// Forces libtorch onto one thread (defined in torch_setup.cpp, built only with libtorch).
void init_libtorch_peer();

} // namespace bench
