// Symbolic tensors: the hook through which the compiler's tracer sees every primitive.
// A symbolic Tensor has a shape and dtype but no data; apply() hands each primitive on symbolic
// operands to the SymbolicContext that owns them (the tracer builds one MLIR op per call).
#pragma once

#include <memory>
#include <vector>

#include "grad/dtype.h"

namespace grad {

class Tensor;
class SymbolicContext;
struct OpAttrs;
enum class OpKind;

/// Opaque handle the tracer subclasses (it holds an mlir::Value).
class SymbolicValue {
public:
  virtual ~SymbolicValue() = default;
  /// The context (trace) this value belongs to.
  virtual SymbolicContext& context() const = 0;
};

/// Implemented by the compiler's tracer.
class SymbolicContext {
public:
  virtual ~SymbolicContext() = default;
  /// Emit one primitive; inputs are symbolic (apply() lifts concrete ones first via lift()).
  /// The shape rule already ran: result_shape/result_dtype are what infer_result() returned.
  virtual std::shared_ptr<SymbolicValue> emit(OpKind kind, const std::vector<Tensor>& inputs,
                                              const OpAttrs& attrs, const Shape& result_shape,
                                              DType result_dtype) = 0;
  /// Make a concrete tensor (a captured weight, a zeros() made while tracing) a graph constant.
  virtual std::shared_ptr<SymbolicValue> lift(const Tensor& concrete) = 0;
  /// detach() of a symbolic tensor: a value equal to `value` through which the compiler's
  /// autodiff passes no gradient. The default returns `value` (no stop-gradient marking).
  virtual std::shared_ptr<SymbolicValue>
  stop_gradient(const std::shared_ptr<SymbolicValue>& value) {
    return value;
  }
};

/// Wraps a symbolic value as a Tensor of the given shape and dtype (no storage, no autograd).
Tensor make_symbolic(Shape shape, DType dtype, std::shared_ptr<SymbolicValue> value);

} // namespace grad
