// gradc --emit=dot draws each function: arguments, ops with attributes and types, SSA edges;
// Graphviz's dot accepts the output.
// RUN: gradc %s --emit=dot -o %t.dot
// RUN: FileCheck %s < %t.dot
// RUN: dot -Tplain %t.dot | FileCheck %s --check-prefix=DOT

// CHECK: digraph grad {
// CHECK: label="@f";
// CHECK: [[X:n[0-9]+]] [shape=ellipse, label="%arg0\ntensor<2x3xf32>"];
// CHECK: [[W:n[0-9]+]] [shape=ellipse, label="%arg1\ntensor<3x4xf32>"];
// CHECK: [[M:n[0-9]+]] [shape=box, label="grad.matmul\ntensor<2x4xf32>"];
// CHECK-DAG: [[X]] -> [[M]];
// CHECK-DAG: [[W]] -> [[M]];
// CHECK: [[S:n[0-9]+]] [shape=box, label="grad.sum\naxes = array<i64: 1>{{.*}}\ntensor<2xf32>"];
// CHECK: [[M]] -> [[S]];
// CHECK: [[R:n[0-9]+]] [shape=doubleoctagon, label="func.return"];
// CHECK: [[S]] -> [[R]];

// DOT: graph
// DOT: node {{n[0-9]+}} {{.*}}"grad.matmul\ntensor<2x4xf32>"
// DOT: edge
func.func @f(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<2xf32> {
  %0 = grad.matmul %x, %w : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  %1 = grad.sum %0 {axes = array<i64: 1>} : tensor<2x4xf32> -> tensor<2xf32>
  return %1 : tensor<2xf32>
}
