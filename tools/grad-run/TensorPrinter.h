//===- TensorPrinter.h - numpy-like text of a tensor --------------*- C++ -*-===//
//
// grad-run prints each output as a header line ("out0: f32[2,3]") followed by the values in
// numpy's nested-bracket layout. Floats use the shortest text that reads back to the same value
// (std::to_chars), so FileCheck tests can match exact numbers and nothing is lost.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TOOLS_GRADRUN_TENSORPRINTER_H
#define GRAD_TOOLS_GRADRUN_TENSORPRINTER_H

#include <cstdint>

#include "grad/tensor.h"
#include "llvm/Support/raw_ostream.h"

namespace grad {

/// Writes `t`'s values in numpy layout, e.g. "[[1.0, 2.5],\n [3.0, -0.125]]". Tensors with more
/// than `summarizeAbove` elements show only the first and last 3 entries of each long dimension
/// with "..." between them, as numpy does.
void printTensorValues(llvm::raw_ostream &os, const Tensor &t, int64_t summarizeAbove = 1000);

} // namespace grad

#endif // GRAD_TOOLS_GRADRUN_TENSORPRINTER_H
