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

// A grad.fusion is a dashed cluster: its inputs' producers feed the ops inside, the yielded
// value flows into the fusion's own node.
// CHECK: label="@fused";
// CHECK: [[A:n[0-9]+]] [shape=ellipse, label="%arg0\ntensor<4xf32>"];
// CHECK: [[B:n[0-9]+]] [shape=ellipse, label="%arg1\ntensor<4xf32>"];
// CHECK: [[F:n[0-9]+]] [shape=box, label="grad.fusion\ntensor<4xf32>"];
// CHECK-NEXT: subgraph cluster_{{[0-9]+}} {
// CHECK-NEXT: label="grad.fusion";
// CHECK-NEXT: style=dashed;
// CHECK-NEXT: [[ADD:n[0-9]+]] [shape=box, label="grad.add\ntensor<4xf32>"];
// CHECK-NEXT: [[A]] -> [[ADD]];
// CHECK-NEXT: [[B]] -> [[ADD]];
// CHECK-NEXT: [[RELU:n[0-9]+]] [shape=box, label="grad.relu\ntensor<4xf32>"];
// CHECK-NEXT: [[ADD]] -> [[RELU]];
// CHECK-NEXT: [[RELU]] -> [[F]];
// CHECK-NEXT: }
// CHECK: [[F]] -> {{n[0-9]+}};
func.func @fused(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r = grad.fusion (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %s = grad.add %x, %y : tensor<4xf32>
    %t = grad.relu %s : tensor<4xf32>
    grad.yield %t : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
