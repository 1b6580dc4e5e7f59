// to_dot: the nodes and labelled edges of small known graphs, and (when graphviz is installed)
// that `dot -Tsvg` accepts the text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "grad/dot.h"
#include "grad/nn.h"
#include "grad/ops.h"

namespace {

using grad::Tensor;
using Edges = std::vector<std::pair<std::string, std::string>>;

// Edges of DOT text as (label of source, label of target), sorted.
Edges labelled_edges(const std::string& dot) {
  std::map<std::string, std::string> labels;
  std::regex node_re(R"re(^\s*(\w+) \[label="((?:[^"\\]|\\.)*)")re");
  std::regex edge_re(R"(^\s*(\w+) -> (\w+);)");
  Edges edges;
  std::istringstream in(dot);
  std::string line;
  std::vector<std::pair<std::string, std::string>> raw;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, node_re))
      labels[m[1]] = m[2];
    else if (std::regex_search(line, m, edge_re))
      raw.emplace_back(m[1], m[2]);
  }
  for (auto& [a, b] : raw) {
    EXPECT_TRUE(labels.count(a) && labels.count(b)) << "edge to an undeclared node: " << a << b;
    edges.emplace_back(labels[a], labels[b]);
  }
  std::sort(edges.begin(), edges.end());
  return edges;
}

TEST(ToDot, MatmulReluSumGraph) {
  Tensor x = grad::ones({2, 3}, grad::kFloat32).requires_grad_();
  Tensor w = grad::ones({3, 4}, grad::kFloat32).requires_grad_();
  Tensor y = grad::relu(grad::matmul(x, w)).sum();
  const std::string dot = grad::to_dot(y);
  EXPECT_EQ(dot.rfind("digraph", 0), 0u) << dot;
  Edges expected = {{"MmBackward0", "ReluBackward0"},
                    {"ReluBackward0", "SumBackward0"},
                    {"SumBackward0", "f32[]"},
                    {"f32[2,3]", "MmBackward0"},
                    {"f32[3,4]", "MmBackward0"}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(labelled_edges(dot), expected) << dot;
}

TEST(ToDot, SharedInputAndNamedParameters) {
  grad::nn::Linear lin(grad::nn::LinearOptions(2, 1).seed(1));
  Tensor x = grad::ones({3, 2});
  Tensor h = lin.forward(x);
  Tensor y = (h * h).sum();
  const std::string dot = grad::to_dot(y, lin.named_parameters());
  Edges edges = labelled_edges(dot);
  // Each node is declared once even though MulBackward0 reaches h's node through two edges.
  EXPECT_EQ(std::count(edges.begin(), edges.end(),
                       std::make_pair(std::string("AddBackward0"), std::string("MulBackward0"))),
            2)
      << dot;
  EXPECT_NE(dot.find("weight\\nf32[1,2]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("bias\\nf32[1]"), std::string::npos) << dot;
  // x does not require grad: it has no node.
  EXPECT_EQ(dot.find("f32[3,2]"), std::string::npos) << dot;
}

TEST(ToDot, LeafRootAndUndefinedRoot) {
  Tensor leaf = grad::zeros({5});
  EXPECT_TRUE(labelled_edges(grad::to_dot(leaf)).empty());
  EXPECT_NE(grad::to_dot(leaf).find("f32[5]"), std::string::npos);
  EXPECT_THROW(grad::to_dot(Tensor()), grad::Error);
}

TEST(ToDot, GraphvizAcceptsIt) {
  if (std::system("command -v dot > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "graphviz `dot` is not on PATH";
  grad::nn::Sequential model{grad::nn::Linear(2, 4), grad::nn::GELU(), grad::nn::Linear(4, 2)};
  Tensor loss = grad::cross_entropy(model.forward(grad::ones({3, 2})),
                                    grad::tensor(std::vector<int64_t>{0, 1, 1}, {3}));
  const std::string path = testing::TempDir() + "grad_to_dot_" + std::to_string(getpid()) + ".dot";
  std::ofstream(path) << grad::to_dot(loss, model.named_parameters());
  const std::string cmd = "dot -Tsvg '" + path + "' -o '" + path + ".svg' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream svg(path + ".svg");
  std::string head((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_NE(head.find("<svg"), std::string::npos);
  std::remove(path.c_str());
  std::remove((path + ".svg").c_str());
}

} // namespace
