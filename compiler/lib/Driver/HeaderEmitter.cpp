//===- HeaderEmitter.cpp - C header for AOT-compiled grad modules ---------===//
//
// Writes, for each public function, the MLIR memref descriptor types it needs (guarded so that
// several model headers can be included together), the extern `_mlir_ciface_<f>` declaration
// (inputs then caller-allocated outputs, see docs/codegen.md) and two static inline helpers
// (with `?` dims, four: Note [The C ABI of `?` dims]):
// `<prefix>_<f>_alloc_outputs` and the checked `<prefix>_<f>` wrapper, which validates every
// grad_tensor with grad_check_tensor_role and grad_check_no_alias before the call so that a
// wrong rank, shape or dtype is an error status, never undefined behaviour.
//
//===----------------------------------------------------------------------===//

#include "grad/Driver/HeaderEmitter.h"

#include "grad/Codegen/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace grad {

namespace {

/// Must match GRAD_MAX_RANK in gradrt.h.
constexpr int64_t kMaxRank = 8;

/// One argument or result of an entry point as the C side sees it.
struct CTensorType {
  std::string dtype;     // f32 f64 i64 b8
  std::string elemC;     // float double int64_t uint8_t
  std::string dtypeEnum; // GRAD_DTYPE_F32 ...
  SmallVector<int64_t> shape;

  std::string memrefName() const {
    return "grad_memref_" + dtype + "_" + std::to_string(shape.size()) + "d";
  }
  std::string pretty() const {
    std::string s = dtype + "[";
    for (auto [i, d] : llvm::enumerate(shape))
      s += (i ? ", " : "") + (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
    return s + "]";
  }
  bool isDynamic() const { return llvm::any_of(shape, ShapedType::isDynamic); }
};

/// One public function.
struct Entry {
  std::string name;   // as written in the source: names the wrapper
  std::string symbol; // in the module being compiled (after --symbol-prefix): names the entry
  std::vector<CTensorType> inputs, outputs;
  /// With `?` dims: the sizes that must agree and where each `?` output dim comes from.
  FunctionSignature sig;
  bool dynamic = false;
};

FailureOr<CTensorType> toCType(func::FuncOp fn, Type type, StringRef role, unsigned index) {
  auto fail = [&](const Twine &why) {
    fn.emitError() << "gradc --emit=header: " << role << " " << index << " of @" << fn.getSymName()
                   << " has type " << type << ": " << why;
    return failure();
  };
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return fail("entry points take and return ranked tensors only");
  if (tensor.getRank() > kMaxRank)
    return fail("rank above GRAD_MAX_RANK (" + Twine(kMaxRank) + ")");
  CTensorType c;
  Type elem = tensor.getElementType();
  if (elem.isF32())
    c = {"f32", "float", "GRAD_DTYPE_F32", {}};
  else if (elem.isF64())
    c = {"f64", "double", "GRAD_DTYPE_F64", {}};
  else if (elem.isInteger(64))
    c = {"i64", "int64_t", "GRAD_DTYPE_I64", {}};
  else if (elem.isInteger(1))
    c = {"b8", "uint8_t", "GRAD_DTYPE_B8", {}};
  else
    return fail("element type must be f32, f64, i64 or i1");
  c.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  return c;
}

bool isCIdentifier(StringRef name) {
  if (name.empty() || llvm::isDigit(name.front()))
    return false;
  return llvm::all_of(name, [](char ch) { return llvm::isAlnum(ch) || ch == '_'; });
}

void emitMemrefType(raw_ostream &os, const CTensorType &t) {
  std::string name = t.memrefName();
  std::string guard = StringRef(name).upper() + "_DEFINED";
  os << "#ifndef " << guard << "\n#define " << guard << "\n";
  os << "/* MLIR ranked memref descriptor: rank " << t.shape.size() << ", " << t.dtype
     << " elements. */\n";
  os << "typedef struct " << name << " {\n  " << t.elemC << "* allocated;\n  " << t.elemC
     << "* aligned;\n  int64_t offset;\n";
  if (!t.shape.empty())
    os << "  int64_t sizes[" << t.shape.size() << "];\n  int64_t strides[" << t.shape.size()
       << "];\n";
  os << "} " << name << ";\n#endif\n\n";
}

std::string shapeList(ArrayRef<int64_t> shape) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d) + "LL";
  return s;
}

/// Row-major strides of a contiguous shape.
SmallVector<int64_t> contiguousStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * std::max<int64_t>(shape[i + 1], 1);
  return strides;
}

/// `<type> <var> = {data, data, 0, {sizes}, {strides}};` for a descriptor of `tensorExpr`.
void emitDescriptor(raw_ostream &os, const CTensorType &t, StringRef var, StringRef tensorExpr) {
  os << "  " << t.memrefName() << " " << var << " = {(" << t.elemC << "*)" << tensorExpr
     << ".data, (" << t.elemC << "*)" << tensorExpr << ".data, 0";
  if (!t.shape.empty())
    os << ", {" << shapeList(t.shape) << "}, {" << shapeList(contiguousStrides(t.shape)) << "}";
  os << "};\n";
}

void emitShapeConstant(raw_ostream &os, const CTensorType &t, StringRef var) {
  if (!t.shape.empty())
    os << "  static const int64_t " << var << "[" << t.shape.size() << "] = {" << shapeList(t.shape)
       << "};\n";
}

/// A C string literal of `text` that is also a printf format without conversions.
std::string cFormatLiteral(StringRef text) {
  std::string s = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\')
      s += '\\';
    if (ch == '%')
      s += '%';
    if (ch == '\n') {
      s += "\\n";
      continue;
    }
    s += ch;
  }
  return s + "\"";
}

/// The C expression of `ref`'s size, reading the sizes of `inputs` (a grad_tensor array).
std::string dimRefExpr(const DimRef &ref) {
  if (!ref.terms.empty()) {
    // ceil((sum + offset) / divisor), 0 when not positive (a slice to the end, a concat).
    std::string sum = "(" + std::to_string(ref.offset) + "LL";
    for (const DimRef &t : ref.terms)
      sum += " + " + dimRefExpr(t);
    sum += ")";
    if (ref.divisor == 1)
      return sum;
    return "(" + sum + " <= 0 ? 0LL : (" + sum + " - 1) / " + std::to_string(ref.divisor) +
           "LL + 1)";
  }
  if (ref.input < 0)
    return std::to_string(ref.size) + "LL";
  auto dim = [](int64_t input, int64_t d) {
    return "inputs[" + std::to_string(input) + "].shape[" + std::to_string(d) + "]";
  };
  if (ref.scale == 1 && ref.times.empty())
    return dim(ref.input, ref.dim);
  // A product: in uint64_t, where overflow wraps (defined) instead of being undefined.
  std::string e = "(int64_t)((uint64_t)" + dim(ref.input, ref.dim);
  if (ref.scale != 1)
    e += " * " + std::to_string(ref.scale) + "ULL";
  for (auto [input, d] : ref.times)
    e += " * (uint64_t)" + dim(input, d);
  return e + ")";
}

// Note [The C ABI of `?` dims]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// An entry point with `?` dims is compiled once for all sizes: `_mlir_ciface_<f>` reads every
// size from the memref descriptors (`sizes`; `strides` contiguous row-major) and assumes that
// the sizes the ops need equal are equal. The generated header checks them: for such an entry
// it writes `<w>_check_inputs(inputs)` (dtype, rank, the static dims, then every pair of sizes
// that must agree -- the ShapeChecks of Signature.h -- as C comparisons of the grad_tensor
// shapes), `<w>_output_shape(inputs, i, shape)` (each `?` output dim is an input dim or a
// product of input dims, a DimRef), `<w>_alloc_outputs(inputs, out_outputs)` (it takes the
// inputs: the output sizes depend on them) and the checked `<w>(inputs, outputs)`. A mismatch
// is an INVALID_ARGUMENT status naming the op, its location and both sizes, never undefined
// behaviour; only a direct call of `_mlir_ciface_<f>` skips the checks.
void emitDynamicHelpers(raw_ostream &os, const Entry &e, StringRef wrapper) {
  os << "/* Checks inputs[0.." << e.inputs.size() << ") of " << wrapper
     << ": dtype, rank, static dims, then the run-time sizes that\n * must agree. Returns NULL "
        "or an INVALID_ARGUMENT status. */\n";
  os << "static inline grad_status " << wrapper << "_check_inputs(const grad_tensor* inputs) {\n";
  if (e.inputs.empty()) {
    os << "  (void)inputs;\n  return grad_status_ok();\n}\n\n";
  } else {
    os << "  grad_status status;\n";
    os << "  if (!inputs)\n    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, \"" << wrapper
       << ": inputs is NULL\");\n";
    for (auto [i, t] : llvm::enumerate(e.inputs)) {
      std::string var = "in" + std::to_string(i) + "_shape";
      std::string in = "inputs[" + std::to_string(i) + "]";
      if (!t.shape.empty()) {
        // A `?` dim takes the tensor's own size (read only when its rank is right).
        SmallVector<int64_t> shape(t.shape);
        for (int64_t &d : shape)
          if (ShapedType::isDynamic(d))
            d = -1;
        os << "  int64_t " << var << "[" << t.shape.size() << "] = {" << shapeList(shape)
           << "};\n";
        for (auto [d, size] : llvm::enumerate(t.shape))
          if (ShapedType::isDynamic(size))
            os << "  if (" << in << ".rank == " << t.shape.size() << " && " << in << ".shape[" << d
               << "] >= 0)\n    " << var << "[" << d << "] = " << in << ".shape[" << d << "];\n";
      }
      os << "  status = grad_check_tensor_role(&" << in << ", \"" << wrapper << "\", \"input\", "
         << i << ", " << t.dtypeEnum << ", " << t.shape.size() << ", "
         << (t.shape.empty() ? std::string("NULL") : var) << ");\n  if (status)\n    return status;\n";
    }
    for (const ShapeCheck &c : e.sig.checks) {
      // "'grad.add' op at f.mlir:3:8: operand #1 dim 0 vs operand #0 dim 0": the first named
      // size is `lhs`, the second `rhs` (as outputShapes in Signature.cpp words it).
      const std::string &what = c.what;
      size_t vs = what.find(" vs ");
      size_t colon = vs == std::string::npos ? std::string::npos : what.rfind(": ", vs);
      std::string message;
      if (c.atMost && colon != std::string::npos)
        message = what.substr(0, colon) + ": " + what.substr(colon + 2, vs - colon - 2) +
                  " is @@ but " + what.substr(vs + 4) +
                  " has size @@ at run time (it must be at most that size)";
      else if (colon != std::string::npos)
        message = what.substr(0, colon) + ": " + what.substr(colon + 2, vs - colon - 2) +
                  " has size @@ but " + what.substr(vs + 4) +
                  " has size @@ at run time (they must agree)";
      else
        message = what + ": sizes @@ and @@ differ at run time (they must agree)";
      std::string literal = cFormatLiteral(message);
      for (size_t p; (p = literal.find("@@")) != std::string::npos;)
        literal.replace(p, 2, "%lld");
      std::string first = dimRefExpr(c.lhs), second = dimRefExpr(c.rhs);
      os << "  if ((" << first << ") " << (c.atMost ? ">" : "!=") << " (" << second
         << "))\n    return grad_status_make("
         << "GRAD_STATUS_INVALID_ARGUMENT, \"%s: \" " << literal << ", \"" << wrapper
         << "\", (long long)(" << first << "), (long long)(" << second << "));\n";
    }
    os << "  return grad_status_ok();\n}\n\n";
  }
  os << "/* The shape of output `index` of " << wrapper << " for inputs checked by " << wrapper
     << "_check_inputs\n * (its rank numbers into `shape`). */\n";
  os << "static inline void " << wrapper
     << "_output_shape(const grad_tensor* inputs, int index, int64_t* shape) {\n";
  os << "  (void)inputs;\n  (void)shape;\n  switch (index) {\n";
  for (auto [j, t] : llvm::enumerate(e.outputs)) {
    os << "  case " << j << ":\n";
    for (auto [d, size] : llvm::enumerate(t.shape)) {
      std::string expr = ShapedType::isDynamic(size) && d < e.sig.outputs[j].dims.size()
                             ? dimRefExpr(e.sig.outputs[j].dims[d])
                             : std::to_string(size) + "LL";
      os << "    shape[" << d << "] = " << expr << ";\n";
    }
    os << "    break;\n";
  }
  os << "  default:\n    break;\n  }\n}\n\n";
}

/// A descriptor of `tensorExpr` with the sizes it holds (an entry with `?` dims): contiguous
/// row-major strides.
void emitRuntimeDescriptor(raw_ostream &os, const CTensorType &t, StringRef var,
                           StringRef tensorExpr) {
  os << "  " << t.memrefName() << " " << var << ";\n";
  os << "  " << var << ".allocated = (" << t.elemC << "*)" << tensorExpr << ".data;\n";
  os << "  " << var << ".aligned = (" << t.elemC << "*)" << tensorExpr << ".data;\n";
  os << "  " << var << ".offset = 0;\n";
  int64_t rank = t.shape.size();
  for (int64_t d = 0; d < rank; ++d)
    os << "  " << var << ".sizes[" << d << "] = " << tensorExpr << ".shape[" << d << "];\n";
  for (int64_t d = rank - 1; d >= 0; --d) {
    os << "  " << var << ".strides[" << d << "] = ";
    if (d == rank - 1)
      os << "1;\n";
    else
      os << var << ".strides[" << d + 1 << "] * (" << tensorExpr << ".shape[" << d + 1 << "] > 1 ? "
         << tensorExpr << ".shape[" << d + 1 << "] : 1);\n";
  }
}

/// The end of a checked wrapper, after its shape checks: the no-alias check, one descriptor per
/// input and output (made by `descriptor`: static or run-time sizes), the call, the OK status.
void emitAliasCheckAndCall(raw_ostream &os, const Entry &e, StringRef wrapper,
                           void (*descriptor)(raw_ostream &, const CTensorType &, StringRef,
                                              StringRef)) {
  os << "  status = grad_check_no_alias(\"" << wrapper << "\", "
     << (e.inputs.empty() ? "NULL" : "inputs") << ", " << e.inputs.size() << ", "
     << (e.outputs.empty() ? "NULL" : "outputs") << ", " << e.outputs.size()
     << ");\n  if (status)\n    return status;\n";
  SmallVector<std::string> args;
  for (auto [i, t] : llvm::enumerate(e.inputs)) {
    std::string var = "in" + std::to_string(i);
    descriptor(os, t, var, "inputs[" + std::to_string(i) + "]");
    args.push_back("&" + var);
  }
  for (auto [i, t] : llvm::enumerate(e.outputs)) {
    std::string var = "out" + std::to_string(i);
    descriptor(os, t, var, "outputs[" + std::to_string(i) + "]");
    args.push_back("&" + var);
  }
  os << "  _mlir_ciface_" << e.symbol << "(" << llvm::join(args, ", ") << ");\n";
  os << "  return grad_status_ok();\n}\n\n";
}

/// The helpers and the checked wrapper of an entry with `?` dims (Note [The C ABI of `?` dims]).
void emitDynamicEntry(raw_ostream &os, const Entry &e, StringRef wrapper) {
  emitDynamicHelpers(os, e, wrapper);
  os << "/* Allocates the outputs of " << wrapper
     << " for `inputs` (checked first: the output sizes depend\n * on them): zero-filled, owned "
        "(grad_tensor_free each). On error nothing stays allocated. */\n";
  os << "static inline grad_status " << wrapper
     << "_alloc_outputs(const grad_tensor* inputs, grad_tensor* out_outputs) {\n";
  os << "  grad_status status = " << wrapper << "_check_inputs(inputs);\n";
  os << "  if (status)\n    return status;\n";
  if (e.outputs.empty()) {
    os << "  (void)out_outputs;\n  return grad_status_ok();\n}\n\n";
  } else {
    os << "  if (!out_outputs)\n    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, \""
       << wrapper << "_alloc_outputs: out_outputs is NULL\");\n";
    os << "  int64_t shape[GRAD_MAX_RANK];\n";
    for (auto [i, t] : llvm::enumerate(e.outputs)) {
      os << "  " << wrapper << "_output_shape(inputs, " << i << ", shape);\n";
      os << "  status = grad_tensor_alloc(" << t.dtypeEnum << ", " << t.shape.size()
         << ", shape, &out_outputs[" << i << "]);\n";
      os << "  if (status) {\n";
      for (size_t j = 0; j < i; ++j)
        os << "    grad_tensor_free(&out_outputs[" << j << "]);\n";
      os << "    return status;\n  }\n";
    }
    os << "  return grad_status_ok();\n}\n\n";
  }
  os << "/* Checks inputs[0.." << e.inputs.size() << ") (" << wrapper
     << "_check_inputs) and outputs[0.." << e.outputs.size()
     << ") (dtype, rank, the shape\n * the inputs give, non-NULL data, no overlapping outputs), "
        "then runs @"
     << e.name << ", which writes the outputs.\n * Returns NULL or an INVALID_ARGUMENT status. */\n";
  os << "static inline grad_status " << wrapper
     << "(const grad_tensor* inputs, grad_tensor* outputs) {\n";
  os << "  grad_status status = " << wrapper << "_check_inputs(inputs);\n";
  os << "  if (status)\n    return status;\n";
  if (!e.outputs.empty()) {
    os << "  if (!outputs)\n    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, \"" << wrapper
       << ": outputs is NULL\");\n";
    os << "  int64_t shape[GRAD_MAX_RANK];\n";
  } else {
    os << "  (void)outputs;\n";
  }
  for (auto [i, t] : llvm::enumerate(e.outputs)) {
    os << "  " << wrapper << "_output_shape(inputs, " << i << ", shape);\n";
    os << "  status = grad_check_tensor_role(&outputs[" << i << "], \"" << wrapper
       << "\", \"output\", " << i << ", " << t.dtypeEnum << ", " << t.shape.size()
       << ", shape);\n  if (status)\n    return status;\n";
  }
  emitAliasCheckAndCall(os, e, wrapper, emitRuntimeDescriptor);
}

void emitEntry(raw_ostream &os, const Entry &e, StringRef prefix) {
  std::string wrapper = (prefix + "_" + e.name).str();
  // Signature comment.
  os << "/* @" << e.name << ": (";
  for (auto [i, t] : llvm::enumerate(e.inputs))
    os << (i ? ", " : "") << t.pretty();
  os << ") -> (";
  for (auto [i, t] : llvm::enumerate(e.outputs))
    os << (i ? ", " : "") << t.pretty();
  os << ") */\n";

  // The compiled entry.
  os << "void _mlir_ciface_" << e.symbol << "(";
  bool first = true;
  for (auto [i, t] : llvm::enumerate(e.inputs)) {
    os << (first ? "" : ", ") << t.memrefName() << "* in" << i;
    first = false;
  }
  for (auto [i, t] : llvm::enumerate(e.outputs)) {
    os << (first ? "" : ", ") << t.memrefName() << "* out" << i;
    first = false;
  }
  if (first)
    os << "void";
  os << ");\n\n";

  os << "enum { " << wrapper << "_num_inputs = " << e.inputs.size() << ", " << wrapper
     << "_num_outputs = " << e.outputs.size() << " };\n\n";
  if (e.dynamic) {
    emitDynamicEntry(os, e, wrapper);
    return;
  }

  // Output allocation helper.
  os << "/* Allocates the outputs of " << wrapper
     << ": zero-filled, owned (grad_tensor_free each).\n * On error nothing stays allocated. */\n";
  os << "static inline grad_status " << wrapper << "_alloc_outputs(grad_tensor* out_outputs) {\n";
  if (e.outputs.empty()) {
    os << "  (void)out_outputs;\n  return grad_status_ok();\n}\n\n";
  } else {
    os << "  grad_status status;\n";
    for (auto [i, t] : llvm::enumerate(e.outputs))
      emitShapeConstant(os, t, "out" + std::to_string(i) + "_shape");
    os << "  if (!out_outputs)\n    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, \""
       << wrapper << "_alloc_outputs: out_outputs is NULL\");\n";
    for (auto [i, t] : llvm::enumerate(e.outputs)) {
      os << "  status = grad_tensor_alloc(" << t.dtypeEnum << ", " << t.shape.size() << ", "
         << (t.shape.empty() ? std::string("NULL") : "out" + std::to_string(i) + "_shape")
         << ", &out_outputs[" << i << "]);\n";
      os << "  if (status) {\n";
      for (size_t j = 0; j < i; ++j)
        os << "    grad_tensor_free(&out_outputs[" << j << "]);\n";
      os << "    return status;\n  }\n";
    }
    os << "  return grad_status_ok();\n}\n\n";
  }

  // The checked wrapper.
  os << "/* Checks inputs[0.." << e.inputs.size() << ") and outputs[0.." << e.outputs.size()
     << ") (dtype, rank, shape, non-NULL data, no overlapping\n * outputs), then runs @" << e.name
     << ", which writes the outputs. Returns NULL or an INVALID_ARGUMENT status. */\n";
  os << "static inline grad_status " << wrapper
     << "(const grad_tensor* inputs, grad_tensor* outputs) {\n";
  os << "  grad_status status;\n";
  for (auto [i, t] : llvm::enumerate(e.inputs))
    emitShapeConstant(os, t, "in" + std::to_string(i) + "_shape");
  for (auto [i, t] : llvm::enumerate(e.outputs))
    emitShapeConstant(os, t, "out" + std::to_string(i) + "_shape");
  if (!e.inputs.empty())
    os << "  if (!inputs)\n    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, \"" << wrapper
       << ": inputs is NULL\");\n";
  else
    os << "  (void)inputs;\n";
  if (!e.outputs.empty())
    os << "  if (!outputs)\n    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, \"" << wrapper
       << ": outputs is NULL\");\n";
  else
    os << "  (void)outputs;\n";
  auto emitChecks = [&](ArrayRef<CTensorType> list, StringRef role, StringRef array,
                        StringRef shortName) {
    for (auto [i, t] : llvm::enumerate(list)) {
      std::string shape =
          t.shape.empty() ? std::string("NULL") : (shortName + std::to_string(i) + "_shape").str();
      os << "  status = grad_check_tensor_role(&" << array << "[" << i << "], \"" << wrapper
         << "\", \"" << role << "\", " << i << ", " << t.dtypeEnum << ", " << t.shape.size() << ", "
         << shape << ");\n  if (status)\n    return status;\n";
    }
  };
  emitChecks(e.inputs, "input", "inputs", "in");
  emitChecks(e.outputs, "output", "outputs", "out");
  emitAliasCheckAndCall(os, e, wrapper, emitDescriptor);
}

} // namespace

std::string sanitizeCIdentifier(StringRef name) {
  std::string out;
  for (char ch : name)
    out += (llvm::isAlnum(ch) || ch == '_') ? ch : '_';
  if (out.empty() || llvm::isDigit(out.front()))
    out.insert(out.begin(), '_');
  return out;
}

LogicalResult emitCHeader(ModuleOp module, raw_ostream &os, const HeaderOptions &options) {
  if (!isCIdentifier(options.prefix))
    return module.emitError() << "gradc --emit=header: prefix '" << options.prefix
                              << "' is not a C identifier";
  std::vector<Entry> entries;
  bool anyFailed = false;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isPrivate() || fn.isExternal())
      continue;
    if (!isCIdentifier(fn.getSymName())) {
      fn.emitError() << "gradc --emit=header: function name '" << fn.getSymName()
                     << "' is not a C identifier; rename it to export it";
      anyFailed = true;
      continue;
    }
    Entry entry;
    entry.symbol = fn.getSymName().str();
    StringRef name = fn.getSymName();
    name.consume_front(options.symbolPrefix);
    entry.name = name.str();
    for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes())) {
      FailureOr<CTensorType> c = toCType(fn, type, "argument", i);
      anyFailed |= failed(c);
      if (succeeded(c))
        entry.inputs.push_back(*c);
    }
    for (auto [i, type] : llvm::enumerate(fn.getResultTypes())) {
      FailureOr<CTensorType> c = toCType(fn, type, "result", i);
      anyFailed |= failed(c);
      if (succeeded(c))
        entry.outputs.push_back(*c);
    }
    for (const auto *list : {&entry.inputs, &entry.outputs})
      for (const CTensorType &t : *list)
        entry.dynamic |= t.isDynamic();
    entries.push_back(std::move(entry));
  }
  if (anyFailed)
    return failure();
  if (llvm::any_of(entries, [](const Entry &e) { return e.dynamic; })) {
    // `?` dims: the run-time size checks and the output sizes (Note [Dynamic dims in compiled
    // code]); a function whose sizes cannot be traced to its inputs is refused here.
    FailureOr<std::vector<FunctionSignature>> signatures =
        collectSignatures(module, /*allowDynamic=*/true);
    if (failed(signatures))
      return failure();
    for (Entry &entry : entries)
      for (const FunctionSignature &sig : *signatures)
        if (sig.name == entry.symbol)
          entry.sig = sig;
  }
  if (entries.empty())
    return module.emitError() << "gradc --emit=header: the module has no public function";

  std::string guard = StringRef(options.prefix).upper() + "_GRADC_H";
  os << "/* " << options.prefix << ": C interface of a grad module compiled ahead of time";
  if (!options.sourceName.empty())
    os << " from " << options.sourceName;
  os << ".\n * Generated by gradc --emit=header; do not edit. Link the matching gradc --emit=obj "
        "object\n * and libgradrt. Tensors are contiguous row-major; see docs/gradc.md. */\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  os << "#include <grad/gradrt.h>\n\n#include <stddef.h>\n#include <stdint.h>\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  llvm::StringSet<> emittedTypes;
  for (const Entry &e : entries)
    for (const auto *list : {&e.inputs, &e.outputs})
      for (const CTensorType &t : *list)
        if (emittedTypes.insert(t.memrefName()).second)
          emitMemrefType(os, t);
  for (const Entry &e : entries)
    emitEntry(os, e, options.prefix);
  os << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* " << guard << " */\n";
  return success();
}

} // namespace grad
