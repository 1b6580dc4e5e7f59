//===- DotEmitter.cpp - Graphviz picture of grad functions ----------------===//
//
// Renders each function as a cluster of a Graphviz digraph: arguments are ellipses, ops are
// boxes labelled with the op name, its attributes (large constants elided) and its result
// types, func.return is the sink. Edges follow SSA operands; an op with several results labels
// each edge with the result number. Region-holding ops (grad.fusion) are nested clusters.
//
//===----------------------------------------------------------------------===//

#include "grad/Driver/DotEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace grad {

namespace {

/// Escapes text for a double-quoted DOT label; a newline becomes DOT's line break `\n`.
std::string escape(StringRef text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    if (ch == '"' || ch == '\\')
      out += '\\';
    out += ch;
  }
  return out;
}

template <typename T> std::string str(T thing) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << thing;
  return s;
}

/// Attribute text for a label; dense constants larger than a few elements are summarized.
std::string attributeText(Attribute attr) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return "splat " + str(dense.getSplatValue<Attribute>());
    if (dense.getNumElements() > 8)
      return "dense<" + std::to_string(dense.getNumElements()) + " elements>";
  }
  return str(attr);
}

class DotWriter {
public:
  explicit DotWriter(raw_ostream &os) : os(os) {}

  void writeFunction(func::FuncOp fn) {
    os << "  subgraph cluster_" << nextId++ << " {\n    label=\"@" << escape(fn.getSymName())
       << "\";\n";
    for (BlockArgument arg : fn.getArguments()) {
      std::string id = newNode(arg);
      os << "    " << id << " [shape=ellipse, label=\""
         << escape("%arg" + std::to_string(arg.getArgNumber()) + "\n" + str(arg.getType()))
         << "\"];\n";
    }
    writeRegion(fn.getBody(), "    ");
    os << "  }\n";
  }

private:
  std::string newNode(Value value) {
    std::string id = "n" + std::to_string(nextId++);
    valueNodes[value] = id;
    return id;
  }

  void writeRegion(Region &region, StringRef indent) {
    for (Block &block : region)
      for (Operation &op : block)
        writeOp(op, indent);
  }

  void writeEdge(Value value, StringRef to, StringRef indent) {
    auto it = valueNodes.find(value);
    if (it == valueNodes.end())
      return;
    os << indent << it->second << " -> " << to;
    if (auto result = dyn_cast<OpResult>(value); result && result.getOwner()->getNumResults() > 1)
      os << " [label=\"" << result.getResultNumber() << "\"]";
    os << ";\n";
  }

  void writeOp(Operation &op, StringRef indent) {
    // The terminator of a nested region (grad.yield of a fusion) is drawn as edges from the
    // yielded values to the op that owns the region.
    Operation *parent = op.getParentOp();
    if (op.hasTrait<OpTrait::IsTerminator>() && parent && !isa<func::FuncOp>(parent)) {
      for (Value value : op.getOperands())
        writeEdge(value, opNodes.lookup(parent), indent);
      return;
    }
    std::string id = "n" + std::to_string(nextId++);
    opNodes[&op] = id;
    // Declared before any region so that Graphviz keeps the node outside the cluster.
    bool isReturn = isa<func::ReturnOp>(op);
    std::string label = op.getName().getStringRef().str();
    for (NamedAttribute attr : op.getAttrs())
      label += "\n" + attr.getName().str() + " = " + attributeText(attr.getValue());
    for (Type type : op.getResultTypes())
      label += "\n" + str(type);
    os << indent << id << " [shape=" << (isReturn ? "doubleoctagon" : "box") << ", label=\""
       << escape(label) << "\"];\n";
    if (op.getNumRegions() > 0) {
      // Block arguments of a region stand for the op's operands (grad.fusion passes its inputs
      // in order), so edges run from the producers outside straight to the ops inside.
      for (Region &region : op.getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            if (arg.getArgNumber() < op.getNumOperands())
              if (auto it = valueNodes.find(op.getOperand(arg.getArgNumber()));
                  it != valueNodes.end())
                valueNodes[arg] = it->second;
      os << indent << "subgraph cluster_" << nextId++ << " {\n"
         << indent << "  label=\"" << escape(op.getName().getStringRef()) << "\";\n"
         << indent << "  style=dashed;\n";
      for (Region &region : op.getRegions())
        writeRegion(region, (indent + "  ").str());
      os << indent << "}\n";
    }
    for (Value result : op.getResults())
      valueNodes[result] = id;
    if (op.getNumRegions() == 0)
      for (Value operand : op.getOperands())
        writeEdge(operand, id, indent);
  }

  raw_ostream &os;
  unsigned nextId = 0;
  llvm::DenseMap<Value, std::string> valueNodes;
  llvm::DenseMap<Operation *, std::string> opNodes;
};

} // namespace

LogicalResult emitDot(ModuleOp module, raw_ostream &os) {
  os << "digraph grad {\n  rankdir=TB;\n  node [fontname=\"monospace\", fontsize=10];\n";
  DotWriter writer(os);
  for (auto fn : module.getOps<func::FuncOp>())
    if (!fn.isExternal())
      writer.writeFunction(fn);
  os << "}\n";
  return success();
}

} // namespace grad
