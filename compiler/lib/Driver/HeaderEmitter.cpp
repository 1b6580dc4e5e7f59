//===- HeaderEmitter.cpp - C header for AOT-compiled grad modules ---------===//
//
// Writes, for each public function, the MLIR memref descriptor types it needs (guarded so that
// several model headers can be included together), the extern `_mlir_ciface_<f>` declaration
// (inputs then caller-allocated outputs, see docs/codegen.md) and two static inline helpers:
// `<prefix>_<f>_alloc_outputs` and the checked `<prefix>_<f>` wrapper, which validates every
// grad_tensor with grad_check_tensor_role and grad_check_no_alias before the call so that a
// wrong rank, shape or dtype is an error status, never undefined behaviour.
//
//===----------------------------------------------------------------------===//

#include "grad/Driver/HeaderEmitter.h"

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
      s += (i ? ", " : "") + std::to_string(d);
    return s + "]";
  }
};

/// One public function.
struct Entry {
  std::string name;   // as written in the source: names the wrapper
  std::string symbol; // in the module being compiled (after --symbol-prefix): names the entry
  std::vector<CTensorType> inputs, outputs;
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
  if (!tensor.hasStaticShape())
    return fail("dynamic shapes are not supported");
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
  os << "  status = grad_check_no_alias(\"" << wrapper << "\", "
     << (e.inputs.empty() ? "NULL" : "inputs") << ", " << e.inputs.size() << ", "
     << (e.outputs.empty() ? "NULL" : "outputs") << ", " << e.outputs.size()
     << ");\n  if (status)\n    return status;\n";
  SmallVector<std::string> args;
  for (auto [i, t] : llvm::enumerate(e.inputs)) {
    std::string var = "in" + std::to_string(i);
    emitDescriptor(os, t, var, "inputs[" + std::to_string(i) + "]");
    args.push_back("&" + var);
  }
  for (auto [i, t] : llvm::enumerate(e.outputs)) {
    std::string var = "out" + std::to_string(i);
    emitDescriptor(os, t, var, "outputs[" + std::to_string(i) + "]");
    args.push_back("&" + var);
  }
  os << "  _mlir_ciface_" << e.symbol << "(" << llvm::join(args, ", ") << ");\n";
  os << "  return grad_status_ok();\n}\n\n";
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
    entries.push_back(std::move(entry));
  }
  if (anyFailed)
    return failure();
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
