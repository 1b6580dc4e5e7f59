//===- DotEmitter.cpp - Graphviz picture of grad functions ----------------===//
//
// Renders each function as a cluster of a Graphviz digraph: arguments are ellipses, ops are
// boxes labelled with the op name, its attributes (large constants elided) and its result
// types, func.return is the sink. Edges follow SSA operands; an op with several results labels
// each edge with the result number. Region-holding ops (grad.fusion) are nested clusters.
// DotOptions::collapseFusions draws kernels instead, readable (and laid out in seconds) at the
// size of a whole training step: a single filled box per fusion whose label lists the ops of its
// region, no node for a reshape (a view), one unlabelled arrow per pair of nodes, no clusters.
//
//===----------------------------------------------------------------------===//

#include "grad/Driver/DotEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "grad/Dialect/GradDialect.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <map>
#include <vector>

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

/// "grad.add" -> "add": the op names inside a collapsed fusion, where the dialect is implied.
StringRef shortName(Operation &op) {
  StringRef name = op.getName().getStringRef();
  return name.starts_with("grad.") ? name.drop_front(5) : name;
}

/// Label of a collapsed fusion: how many ops, their names in order (four to a line) and the
/// result types. A large fusion (a whole optimizer update) lists each op name once with its
/// count, most frequent first, and the number of results: its box stays a few lines tall.
std::string fusionLabel(Operation &fusion) {
  constexpr size_t kListedOps = 12, kListedResults = 3;
  std::vector<std::string> names;
  for (Region &region : fusion.getRegions())
    for (Block &block : region)
      for (Operation &op : block)
        if (!op.hasTrait<mlir::OpTrait::IsTerminator>())
          names.push_back(shortName(op).str());
  std::string label = "fusion: " + std::to_string(names.size()) +
                      (names.size() == 1 ? " op" : " ops");
  std::vector<std::string> items = names;
  if (names.size() > kListedOps) {
    std::map<std::string, size_t> counts;
    for (const std::string &name : names)
      ++counts[name];
    std::vector<std::pair<std::string, size_t>> byCount(counts.begin(), counts.end());
    std::sort(byCount.begin(), byCount.end(), [](const auto &a, const auto &b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    items.clear();
    for (const auto &[name, count] : byCount)
      items.push_back(name + " x" + std::to_string(count));
  }
  for (size_t i = 0; i < items.size(); ++i)
    label += (i % 4 == 0 ? "\n" : ", ") + items[i];
  if (fusion.getNumResults() > kListedResults)
    return label + "\n" + std::to_string(fusion.getNumResults()) + " results";
  for (Type type : fusion.getResultTypes())
    label += "\n" + str(type);
  return label;
}

class DotWriter {
public:
  DotWriter(raw_ostream &os, const DotOptions &options) : os(os), options(options) {}

  void writeFunction(func::FuncOp fn) {
    // Collapsed: no cluster around the function (Graphviz lays a cluster of a few hundred
    // nodes out ten times slower); its return node carries the name instead.
    if (!options.collapseFusions)
      os << "  subgraph cluster_" << nextId++ << " {\n    label=\"@" << escape(fn.getSymName())
         << "\";\n";
    for (BlockArgument arg : fn.getArguments()) {
      std::string id = newNode(arg);
      os << "    " << id << " [shape=ellipse, label=\""
         << escape("%arg" + std::to_string(arg.getArgNumber()) + "\n" + str(arg.getType()))
         << "\"];\n";
    }
    writeRegion(fn.getBody(), "    ");
    if (!options.collapseFusions)
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
    std::string edge = it->second + " -> " + to.str();
    // Collapsed: one unlabelled arrow per pair of nodes (a kernel that reads two results of
    // another, or one value twice); edge labels also make Graphviz's layout several times slower.
    if (options.collapseFusions) {
      if (!edges.insert(edge).second)
        return;
    } else if (auto result = dyn_cast<OpResult>(value);
               result && result.getOwner()->getNumResults() > 1) {
      edge += " [label=\"" + std::to_string(result.getResultNumber()) + "\"]";
    }
    os << indent << edge << ";\n";
  }

  void writeOp(Operation &op, StringRef indent) {
    // The terminator of a nested region (grad.yield of a fusion) is drawn as edges from the
    // yielded values to the op that owns the region.
    Operation *parent = op.getParentOp();
    if (op.hasTrait<mlir::OpTrait::IsTerminator>() && parent && !isa<func::FuncOp>(parent)) {
      for (Value value : op.getOperands())
        writeEdge(value, opNodes.lookup(parent), indent);
      return;
    }
    if (options.collapseFusions && isa<ReshapeOp>(op)) {
      // A reshape runs no kernel (it is a view of its operand's buffer): its users' arrows
      // start at the operand's producer.
      if (auto it = valueNodes.find(op.getOperand(0)); it != valueNodes.end())
        valueNodes[op.getResult(0)] = it->second;
      return;
    }
    std::string id = "n" + std::to_string(nextId++);
    opNodes[&op] = id;
    if (options.collapseFusions && op.getNumRegions() > 0) {
      // One box for the whole kernel: edges from its operands' producers, as for any op.
      os << indent << id << " [shape=box, style=filled, fillcolor=lightyellow, label=\""
         << escape(fusionLabel(op)) << "\"];\n";
      for (Value result : op.getResults())
        valueNodes[result] = id;
      for (Value operand : op.getOperands())
        writeEdge(operand, id, indent);
      return;
    }
    // Declared before any region so that Graphviz keeps the node outside the cluster.
    bool isReturn = isa<func::ReturnOp>(op);
    std::string label = op.getName().getStringRef().str();
    if (isReturn && options.collapseFusions)
      label = "return @" + cast<func::FuncOp>(op.getParentOp()).getSymName().str();
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
  DotOptions options;
  unsigned nextId = 0;
  llvm::DenseMap<Value, std::string> valueNodes;
  llvm::DenseMap<Operation *, std::string> opNodes;
  llvm::StringSet<> edges;
};

} // namespace

LogicalResult emitDot(ModuleOp module, raw_ostream &os, const DotOptions &options) {
  os << "digraph grad {\n  rankdir=TB;\n  node [fontname=\"monospace\", fontsize=10];\n";
  // A training step has hundreds of kernels: fewer crossing-minimization and network-simplex
  // iterations bring `dot -Tsvg` from minutes to seconds at the cost of a few more crossings.
  if (options.collapseFusions)
    os << "  graph [mclimit=0.1, nslimit=1, nslimit1=1];\n";
  DotWriter writer(os, options);
  for (auto fn : module.getOps<func::FuncOp>())
    if (!fn.isExternal())
      writer.writeFunction(fn);
  os << "}\n";
  return success();
}

} // namespace grad
