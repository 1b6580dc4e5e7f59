// The op table: the closed set of primitives every layer switches over. One entry per op holds
// its name (the `grad.<name>` dialect mnemonic), its shape/dtype rule, its eager kernel (reached
// through apply()) and its VJP rule (written with the public Tensor ops, so it runs on concrete
// tensors for the eager tape and on symbolic tensors for the compiler's autodiff pass).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "grad/dtype.h"
#include "grad/tensor.h"

namespace grad {

/// The primitives, in the order of grad/op_table.def (Note [One op table]). Binary ops and Select
/// take same-shape operands; Broadcast makes shapes agree.
enum class OpKind {
#define GRAD_OP(Name, ...) Name,
#include "grad/op_table.def"
};
/// Number of OpKind values.
inline constexpr int kNumOpKinds = 0
#define GRAD_OP(Name, ...) +1
#include "grad/op_table.def"
    ;

/// Note [One op table]
/// ~~~~~~~~~~~~~~~~~~~
/// grad/op_table.def lists every primitive once: name, mnemonic, backward name, arity, saved
/// values, family and dtype class, and for unary ops the scalar reference and the MLIR math op.
/// Expanded by: OpKind and OpInfo (eager), the VJP declarations (autograd/vjp_rules.h), the eager
/// shape rule of the regular families (ops/infer.h), the ODS classes of the unary, binary and
/// reduction ops (compiler/include/grad/Dialect/GradOpTable.td.in, run through the C
/// preprocessor at build time), the builder bridge (Bridge/OpTableBridge.cpp), the unary
/// folders (Dialect/GradOpFolders.cpp), the unary lowerings (Conversion/ElementwiseToLinalg.cpp)
/// and the fusion roles (Transforms/FusionPolicy.cpp). Adding a unary elementwise op is one row
/// there plus its kernel, its VJP rule and its public function (docs/architecture.md).

/// The shape-rule family of an op: the regular families (Unary, Binary, Reduce) share one rule
/// each; the other ops have their own.
enum class OpFamily {
  Constant,
  Unary,
  Binary,
  Cmp,
  Select,
  Broadcast,
  Reduce,
  Matmul,
  Transpose,
  Reshape,
  Slice,
  Concat,
  Gather,
  Convert,
  AllReduce
};

/// Operand dtypes a regular family op takes (the ODS constraint Grad_FloatTensor /
/// Grad_NumTensor); Any for the ops whose rule checks dtypes itself.
enum class OpDTypes { Float, Num, Any };

/// Reduction of AllReduce (grad::dist::ReduceOp): Mean is Sum divided by the number of processes.
enum class CollectiveOp { Sum, Mean, Max };
/// "sum", "mean", "max".
const char* collective_op_name(CollectiveOp op);
/// The CollectiveOp named `name`, if any.
std::optional<CollectiveOp> collective_op_from_name(std::string_view name);

/// Predicate of Cmp.
enum class CmpPredicate { lt, le, gt, ge, eq };
/// "lt", "le", "gt", "ge", "eq".
const char* predicate_name(CmpPredicate predicate);

/// Attributes of a primitive; only the fields an op uses are meaningful.
struct OpAttrs {
  std::vector<int64_t> axes; ///< Sum Mean Max: reduced axes, normalized (>= 0, sorted, unique)
  bool keepdim = false;      ///< Sum Mean Max
  std::vector<int64_t> perm; ///< Transpose: full permutation, result dim i = operand dim perm[i]
  std::vector<int64_t> dims; ///< Broadcast: operand dim i -> result dim dims[i]
  Shape shape;               ///< Broadcast / Reshape: result shape
  CmpPredicate predicate = CmpPredicate::lt;    ///< Cmp
  std::vector<int64_t> starts, limits, strides; ///< Slice: per dim, limits exclusive, strides > 0
  int64_t axis = 0;                    ///< Concat axis (Gather always indexes axis 0 of the table)
  DType dtype = DType::f32;            ///< Convert: target dtype
  std::shared_ptr<const Tensor> value; ///< Constant: the concrete payload
  CollectiveOp collective = CollectiveOp::Sum; ///< AllReduce
};

/// What a VJP rule sees. `inputs` and `output` are the forward values: concrete tensors on the
/// eager tape, symbolic ones in the compiler's autodiff pass. On the eager tape only the values
/// a rule reads (OpInfo::saves) are defined; the others are undefined Tensors, and the rule uses
/// input_shape()/input_dtype() for their metadata.
struct VjpContext {
  const std::vector<Tensor>& inputs;
  const Tensor& output;
  const OpAttrs& attrs;
  std::vector<bool> needs_input_grad;
  /// Shapes/dtypes of all inputs when some inputs are undefined (eager tape); may be null.
  const std::vector<Shape>* input_shapes = nullptr;
  const std::vector<DType>* input_dtypes = nullptr;

  const Shape& input_shape(size_t i) const;
  DType input_dtype(size_t i) const;
  bool needs(size_t i) const { return i < needs_input_grad.size() && needs_input_grad[i]; }
};

/// Returns one gradient per input (undefined where there is none or it is not needed).
using VjpRule = std::vector<Tensor> (*)(const VjpContext&, const Tensor& grad_output);

/// Bits of OpInfo::saves: which forward values the VJP reads (the eager tape saves only these,
/// so that an in-place change of an unread input is not reported as an error).
inline constexpr unsigned kSavesInput0 = 1u << 0;
inline constexpr unsigned kSavesInput1 = 1u << 1;
inline constexpr unsigned kSavesInput2 = 1u << 2;
inline constexpr unsigned kSavesOutput = 1u << 7;

/// One row of the op table.
struct OpInfo {
  OpKind kind;
  const char* name;          ///< "add": the grad dialect op mnemonic
  const char* backward_name; ///< "AddBackward0" (PyTorch naming)
  int num_inputs;            ///< -1 = variadic (Concat)
  VjpRule vjp;               ///< nullptr = not differentiable (Constant, Cmp)
  unsigned saves = 0;        ///< kSaves* bits: forward values the VJP reads
  OpFamily family = OpFamily::Constant; ///< shape-rule family
  OpDTypes dtypes = OpDTypes::Any;      ///< operand dtypes of a regular family op
};

/// The table row of `kind`.
const OpInfo& op_info(OpKind kind);
/// The OpKind whose mnemonic is `mnemonic` ("add" -> Add), if any.
std::optional<OpKind> op_kind_from_name(std::string_view mnemonic);

/// Shape/dtype rule of a primitive: result shape and dtype, or throws grad::Error naming the op.
std::pair<Shape, DType> infer_result(OpKind kind, const std::vector<Shape>& shapes,
                                     const std::vector<DType>& dtypes, const OpAttrs& attrs);

/// Runs one primitive on its inputs: the eager kernel for concrete tensors, emission through the
/// SymbolicContext for symbolic ones, recording autograd when needed. The reference interpreter,
/// the constant folder and the autodiff pass all call this: one implementation per op.
Tensor apply(OpKind kind, const std::vector<Tensor>& inputs, const OpAttrs& attrs = {});

/// Note [Collective backend]
/// AllReduce's eager kernel reduces across processes, and the eager library has no transport:
/// grad::dist::init() (library grad_dist, on MPI) installs the function that does it. It reduces
/// `buffer` (a fresh contiguous f32/f64 tensor owned by the kernel) in place. Without a backend
/// the kernel throws grad::Error naming the op. The reference interpreter and grad::jit's
/// compiled code reach the same transport (the latter through libgradrt_mpi's entry points).
using AllReduceBackend = void (*)(const Tensor& buffer, CollectiveOp op);
/// Installs (or, with nullptr, removes) the AllReduce backend. Not thread-safe.
void set_all_reduce_backend(AllReduceBackend backend);

/// Name of the backward node apply() would record (e.g. Sum over all axes -> "SumBackward0",
/// over some axes -> "SumBackward1"; 2-D Matmul -> "MmBackward0", batched -> "BmmBackward0").
const char* backward_node_name(OpKind kind, const std::vector<Tensor>& inputs,
                               const OpAttrs& attrs);

} // namespace grad
