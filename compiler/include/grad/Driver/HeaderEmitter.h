//===- HeaderEmitter.h - C header for AOT-compiled grad modules -*- C++ -*-===//
//
// gradc --emit=header: the C declarations that go with gradc --emit=obj. For each public
// function @f the header declares MLIR's memref descriptor structs, the extern
// `_mlir_ciface_f` entry and a checked `static inline grad_status <prefix>_f(inputs, outputs)`
// wrapper over grad_tensor descriptors (see runtime/include/grad/gradrt.h).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DRIVER_HEADEREMITTER_H
#define GRAD_DRIVER_HEADEREMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace grad {

/// Options of the C header emitter.
struct HeaderOptions {
  /// Prefix of the wrapper functions (`<prefix>_<f>`); must be a C identifier.
  std::string prefix = "model";
  /// Named in the header's first comment (the input file).
  std::string sourceName;
  /// The prefix gradc --symbol-prefix put in front of every function symbol: entries are
  /// `_mlir_ciface_<symbolPrefix><f>`, wrappers stay `<prefix>_<f>`.
  std::string symbolPrefix;
};

/// Writes the C header for every public function of `module`. Fails with a diagnostic on the
/// function when a signature cannot be expressed (dynamic shape, unsupported element type,
/// rank above GRAD_MAX_RANK, a name that is not a C identifier) or when the module has no
/// public function.
mlir::LogicalResult emitCHeader(mlir::ModuleOp module, llvm::raw_ostream &os,
                                const HeaderOptions &options);

/// Turns `name` into a C identifier (invalid characters become '_', a leading digit gets a
/// '_' in front); used to derive the default prefix from a file name.
std::string sanitizeCIdentifier(llvm::StringRef name);

} // namespace grad

#endif // GRAD_DRIVER_HEADEREMITTER_H
