//===- SymbolicBuilder.h - Symbolic tensors that build grad IR --*- C++ -*-===//
//
// The compiler side of the eager layer's symbolic-tensor hook (grad/symbolic.h): a
// SymbolicContext whose emit() builds one grad dialect op through an OpBuilder, and whose
// values are SSA values. Both the tracer (user code -> func.func) and the autodiff pass (VJP
// rules -> backward ops) run the eager Tensor API on these tensors, so one op table serves the
// eager tape and the compiler.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "grad/symbolic.h"
#include "grad/tensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <memory>

namespace grad {

class IRSymbolicContext;

/// A symbolic tensor's payload: one SSA value of the function being built.
class IRSymbolicValue final : public SymbolicValue {
public:
  IRSymbolicValue(std::shared_ptr<IRSymbolicContext> ctx, mlir::Value value)
      : ctx(std::move(ctx)), value(value) {}
  SymbolicContext &context() const override;
  mlir::Value getValue() const { return value; }
  IRSymbolicContext &getContext() const { return *ctx; }

private:
  std::shared_ptr<IRSymbolicContext> ctx;
  mlir::Value value;
};

/// A SymbolicContext that appends grad dialect ops at an OpBuilder's insertion point.
/// emit() and lift() throw grad::Error (they are called from eager code, never through an MLIR
/// frame). Values keep their context alive; once close() is called (the trace ended), any use
/// of an escaped symbolic tensor throws instead of writing into a finished function.
class IRSymbolicContext final : public SymbolicContext,
                                public std::enable_shared_from_this<IRSymbolicContext> {
public:
  /// Creates a context building at `builder`'s insertion point.
  static std::shared_ptr<IRSymbolicContext> create(mlir::OpBuilder builder, mlir::Location loc);

  std::shared_ptr<SymbolicValue> emit(OpKind kind, const std::vector<Tensor> &inputs,
                                      const OpAttrs &attrs, const Shape &resultShape,
                                      DType resultDtype) override;
  std::shared_ptr<SymbolicValue> lift(const Tensor &concrete) override;
  /// detach(): an identity grad.reshape marked `grad.stop_gradient`; the reverse sweep sends
  /// no cotangent through it (canonicalization later removes it as an identity).
  std::shared_ptr<SymbolicValue>
  stop_gradient(const std::shared_ptr<SymbolicValue> &value) override;

  /// A symbolic tensor standing for an existing SSA value (of a ranked tensor type).
  Tensor wrap(mlir::Value value);
  /// The SSA value of `t`: its own value if it is a symbolic tensor of this context, a new
  /// grad.constant if it is concrete. Throws for a symbolic tensor of another trace.
  mlir::Value valueOf(const Tensor &t);
  /// A new SSA value equal to `t` (an identity grad.reshape), so that two arguments that are
  /// the same value get separate gradients. Canonicalization removes it afterwards.
  Tensor freshCopy(const Tensor &t);

  mlir::OpBuilder &getBuilder() { return builder; }
  mlir::Location getLoc() const { return loc; }
  void setLoc(mlir::Location newLoc) { loc = newLoc; }
  /// Marks the end of the trace: later emit()/lift() calls throw.
  void close() { closed = true; }

private:
  IRSymbolicContext(mlir::OpBuilder builder, mlir::Location loc) : builder(builder), loc(loc) {}
  void checkOpen(const char *what) const;

  mlir::OpBuilder builder;
  mlir::Location loc;
  bool closed = false;
};

/// Discardable attribute marking an identity op as detach() (stop-gradient).
inline constexpr llvm::StringLiteral kStopGradientAttr = "grad.stop_gradient";

/// The ranked tensor type of a (shape, dtype) pair, and back. Throw grad::Error for types the
/// grad dialect does not have.
mlir::RankedTensorType tensorTypeOf(mlir::MLIRContext *ctx, const Shape &shape, DType dtype);
std::pair<Shape, DType> shapeAndDtypeOf(mlir::Type type);

/// "[2,3] f32": how error messages print a tensor type.
std::string describe(const Shape &shape, DType dtype);

} // namespace grad
