// to_dot: walks the backward graph from a tensor's grad_fn through Node::next_edges() and prints
// it as Graphviz DOT in torchviz's style (grad_fn boxes grey, leaves blue, the root green).
#include <sstream>
#include <unordered_map>
#include <vector>

#include "grad/autograd.h"
#include "grad/dot.h"

namespace grad {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

// A quoted DOT label; lines are joined with DOT's "\n" escape.
std::string quote(const std::string& line) { return "\"" + escape(line) + "\""; }
std::string quote(const std::string& first, const std::string& second) {
  return first.empty() ? quote(second) : "\"" + escape(first) + "\\n" + escape(second) + "\"";
}

std::string tensor_label(const Tensor& t) {
  return std::string(dtype_name(t.dtype())) + shape_str(t.shape());
}

class DotWriter {
public:
  explicit DotWriter(const std::vector<std::pair<std::string, Tensor>>& named) : named_(named) {}

  std::string write(const Tensor& root) {
    if (!root.defined())
      throw Error("to_dot: root is an undefined tensor");
    out_ << "digraph grad {\n"
         << "  node [shape=box, style=filled, fontname=\"monospace\", fontsize=10];\n";
    const std::string root_id = "root";
    out_ << "  " << root_id << " [label=" << quote(leaf_name(root), tensor_label(root))
         << ", fillcolor=darkolivegreen1];\n";
    if (std::shared_ptr<Node> fn = root.grad_fn()) {
      std::string fn_id = visit(fn);
      out_ << "  " << fn_id << " -> " << root_id << ";\n";
    }
    out_ << "}\n";
    return out_.str();
  }

private:
  // The name of `t` in `named_`, or "".
  std::string leaf_name(const Tensor& t) const {
    for (const auto& [name, u] : named_)
      if (u.defined() && u.is_same(t))
        return name;
    return "";
  }

  // Emits `node` and everything behind it once; returns its DOT id. Iterative, so that a long
  // chain of ops (a deep unrolled loop) cannot overflow the stack.
  std::string visit(const std::shared_ptr<Node>& start) {
    std::vector<Node*> stack{start.get()};
    declare(start.get());
    while (!stack.empty()) {
      Node* node = stack.back();
      stack.pop_back();
      for (const Edge& e : node->next_edges()) {
        if (!e.is_valid())
          continue;
        bool fresh = !ids_.count(e.function.get());
        const std::string& from = declare(e.function.get());
        out_ << "  " << from << " -> " << ids_.at(node) << ";\n";
        if (fresh)
          stack.push_back(e.function.get());
      }
    }
    return ids_.at(start.get());
  }

  const std::string& declare(Node* node) {
    auto it = ids_.find(node);
    if (it != ids_.end())
      return it->second;
    std::string id = "n" + std::to_string(ids_.size());
    if (auto* acc = dynamic_cast<AccumulateGrad*>(node)) {
      const Tensor& leaf = acc->variable();
      out_ << "  " << id << " [label=" << quote(leaf_name(leaf), tensor_label(leaf))
           << ", fillcolor=lightblue];\n";
    } else {
      out_ << "  " << id << " [label=" << quote(node->name()) << ", fillcolor=lightgrey];\n";
    }
    return ids_.emplace(node, std::move(id)).first->second;
  }

  const std::vector<std::pair<std::string, Tensor>>& named_;
  std::unordered_map<Node*, std::string> ids_;
  std::ostringstream out_;
};

} // namespace

std::string to_dot(const Tensor& root) { return to_dot(root, {}); }

std::string to_dot(const Tensor& root, const std::vector<std::pair<std::string, Tensor>>& named) {
  return DotWriter(named).write(root);
}

} // namespace grad
