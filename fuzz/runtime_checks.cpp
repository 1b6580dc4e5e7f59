//===- runtime_checks.cpp - fuzz target: libgradrt's argument checks ------===//
//
// What the generated C wrappers call before entering compiled code: grad_check_tensor(_role)
// and grad_check_no_alias, with descriptors built from the input (any dtype, rank and
// dimensions, NULL or overlapping data pointers, NULL arrays, any counts), plus
// grad_tensor_view / numel / nbytes and grad_memref_copy with arbitrary ranks and sizes (its
// strides are made valid for the scratch buffers, since a copy cannot check the memory a
// descriptor claims). Every call must return a status or a value, never crash; a returned
// status must have a message.
//
//===----------------------------------------------------------------------===//

#include "grad/gradrt.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

alignas(64) char arena[4096];
alignas(64) char src[8 << 12], dst[8 << 12]; // 4^6 elements of up to 8 bytes

void consume(grad_status s) {
  if (!s)
    return;
  const char *m = grad_status_message(s);
  if (!m || !*m)
    __builtin_trap();
  grad_status_free(s);
}

grad_tensor makeTensor(FuzzedDataProvider &in) {
  grad_tensor t;
  std::memset(&t, 0, sizeof t);
  // Invalid dtypes too, written as the int the C side reads: in C++ an enum object holding a
  // value outside its enumerators is undefined behavior (UBSan's -fsanitize=enum).
  static_assert(sizeof(grad_dtype) == sizeof(int));
  int dtype = in.ConsumeIntegralInRange<int>(-1, 5);
  std::memcpy(&t.dtype, &dtype, sizeof dtype);
  t.rank = in.ConsumeIntegralInRange<int32_t>(-2, GRAD_MAX_RANK + 2);
  for (int i = 0; i < GRAD_MAX_RANK; ++i)
    t.shape[i] = in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(-1, 9)
                                  : in.ConsumeIntegral<int64_t>();
  // NULL, or a pointer into the arena (overlaps are the point of grad_check_no_alias).
  t.data = in.ConsumeBool() ? nullptr : arena + in.ConsumeIntegralInRange<int>(0, 4095);
  t.owns_data = 0;
  return t;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  const char *entry = in.ConsumeBool() ? "entry" : nullptr;

  // One tensor against an expected signature.
  grad_tensor t = makeTensor(in);
  int expectedRank = in.ConsumeIntegralInRange<int>(-2, GRAD_MAX_RANK + 2);
  std::vector<int64_t> expected(GRAD_MAX_RANK + 3);
  for (int64_t &d : expected)
    d = in.ConsumeIntegralInRange<int64_t>(-1, 9);
  grad_dtype expectedDtype = static_cast<grad_dtype>(in.ConsumeIntegralInRange<int>(0, 3));
  bool nullShape = in.ConsumeBool(), nullTensor = in.ConsumeBool();
  consume(grad_check_tensor(nullTensor ? nullptr : &t, entry, in.ConsumeIntegral<int>(),
                            expectedDtype, expectedRank, nullShape ? nullptr : expected.data()));
  consume(grad_check_tensor_role(&t, entry, in.ConsumeBool() ? "input" : nullptr,
                                 in.ConsumeIntegral<int>(), expectedDtype, expectedRank,
                                 nullShape ? nullptr : expected.data()));
  grad_tensor_numel(&t);
  grad_tensor_nbytes(&t);
  grad_tensor view;
  consume(grad_tensor_view(t.data, expectedDtype, t.rank, t.rank > 0 ? t.shape : nullptr, &view));

  // Aliasing between inputs and outputs; counts may disagree with the arrays (within them).
  std::vector<grad_tensor> inputs(in.ConsumeIntegralInRange<int>(0, 4)),
      outputs(in.ConsumeIntegralInRange<int>(0, 4));
  for (grad_tensor &x : inputs)
    x = makeTensor(in);
  for (grad_tensor &x : outputs)
    x = makeTensor(in);
  int numIn = in.ConsumeBool() ? static_cast<int>(inputs.size())
                               : in.ConsumeIntegralInRange<int>(-3, 0);
  int numOut = in.ConsumeBool() ? static_cast<int>(outputs.size())
                                : in.ConsumeIntegralInRange<int>(-3, 0);
  consume(grad_check_no_alias(entry, inputs.empty() || in.ConsumeBool() ? nullptr : inputs.data(),
                              numIn, outputs.empty() || in.ConsumeBool() ? nullptr : outputs.data(),
                              numOut));

  // memref copies: ranks and sizes from the input, strides valid for the scratch buffers
  // (row-major, with the sizes clamped so that the copy stays inside them).
  int64_t rankSrc = in.ConsumeIntegralInRange<int64_t>(-2, 6);
  int64_t rankDst = in.ConsumeBool() ? rankSrc : in.ConsumeIntegralInRange<int64_t>(-2, 6);
  int64_t elementSize = in.ConsumeIntegralInRange<int64_t>(-1, 8);
  auto makeDescriptor = [&](int64_t rank, char *buffer, std::vector<int64_t> &desc) {
    int64_t r = rank < 0 ? 0 : rank;
    desc.assign(3 + 2 * r, 0);
    std::memcpy(&desc[0], &buffer, sizeof buffer);
    std::memcpy(&desc[1], &buffer, sizeof buffer);
    desc[2] = 0;
    int64_t stride = 1;
    for (int64_t i = r - 1; i >= 0; --i) {
      desc[3 + i] = in.ConsumeIntegralInRange<int64_t>(in.ConsumeBool() ? -1 : 0, 3);
      desc[3 + r + i] = stride;
      stride *= 4; // dims <= 3, strides 4^k: the last element is below 4^6, x8 bytes
    }
  };
  std::vector<int64_t> srcDesc, dstDesc;
  makeDescriptor(rankSrc, src, srcDesc);
  makeDescriptor(rankDst, dst, dstDesc);
  grad_unranked_memref s{rankSrc, in.ConsumeBool() ? nullptr : srcDesc.data()};
  grad_unranked_memref d{rankDst, in.ConsumeBool() ? nullptr : dstDesc.data()};
  consume(grad_memref_copy(elementSize, in.ConsumeBool() ? nullptr : &s,
                           in.ConsumeBool() ? nullptr : &d));
  return 0;
}
