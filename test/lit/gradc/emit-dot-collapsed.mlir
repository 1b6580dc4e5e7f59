// gradc --emit=dot --dot-collapse-fusions: the picture of kernels. Each grad.fusion is one filled
// box listing the ops of its region in order, four to a line (a large one lists each name once
// with its count); a reshape (a view, no kernel) is no node, its users' arrows start at its
// operand's producer; one unlabelled arrow per pair of nodes; no clusters (the return node is
// named after the function). Graphviz's dot accepts the output.
// RUN: gradc %s --no-fuse --dot-collapse-fusions --emit=dot -o %t.dot
// RUN: FileCheck %s < %t.dot
// RUN: dot -Tplain %t.dot | FileCheck %s --check-prefix=DOT

// CHECK: digraph grad {
// CHECK-NOT: cluster
// CHECK: [[A:n[0-9]+]] [shape=ellipse, label="%arg0\ntensor<4xf32>"];
// CHECK-NEXT: [[B:n[0-9]+]] [shape=ellipse, label="%arg1\ntensor<4xf32>"];
// CHECK-NEXT: [[F:n[0-9]+]] [shape=box, style=filled, fillcolor=lightyellow, label="fusion: 6 ops\nadd, relu, mul, sub\nexp, neg\ntensor<4xf32>\ntensor<4xf32>"];
// CHECK-NEXT: [[A]] -> [[F]];
// CHECK-NEXT: [[B]] -> [[F]];
// CHECK-NEXT: [[M:n[0-9]+]] [shape=box, label="grad.mul\ntensor<4xf32>"];
// CHECK-NEXT: [[F]] -> [[M]];
// CHECK-NEXT: [[S:n[0-9]+]] [shape=box, label="grad.sum\naxes = array<i64: 0, 1>{{.*}}\ntensor<f32>"];
// CHECK-NEXT: [[M]] -> [[S]];
// CHECK-NEXT: [[R:n[0-9]+]] [shape=doubleoctagon, label="return @step"];
// CHECK-NEXT: [[S]] -> [[R]];
// CHECK-NEXT: [[F]] -> [[R]];
// CHECK-NOT: grad.reshape
// CHECK: label="return @big"

// DOT: graph
// DOT: node {{n[0-9]+}} {{.*}}"fusion: 6 ops\nadd, relu, mul, sub\nexp, neg\ntensor<4xf32>\ntensor<4xf32>"
// DOT: edge
func.func @step(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>) {
  %r:2 = grad.fusion (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %0 = grad.add %x, %y : tensor<4xf32>
    %1 = grad.relu %0 : tensor<4xf32>
    %2 = grad.mul %1, %y : tensor<4xf32>
    %3 = grad.sub %2, %x : tensor<4xf32>
    %4 = grad.exp %3 : tensor<4xf32>
    %5 = grad.neg %4 : tensor<4xf32>
    grad.yield %5, %1 : tensor<4xf32>, tensor<4xf32>
  }
  // Both results of the fusion feed the mul: one arrow.
  %p = grad.mul %r#0, %r#1 : tensor<4xf32>
  %q = grad.reshape %p : tensor<4xf32> -> tensor<2x2xf32>
  %s = grad.sum %q {axes = array<i64: 0, 1>, keepdim = false} : tensor<2x2xf32> -> tensor<f32>
  return %s, %r#0 : tensor<f32>, tensor<4xf32>
}

// A fusion of more than twelve ops lists each op name once with its count, most frequent first;
// more than three results are counted, not listed.
// RUN: gradc %s --no-fuse --dot-collapse-fusions --emit=dot | FileCheck %s --check-prefix=BIG
// BIG: label="fusion: 13 ops\nadd x6, mul x4, exp x2, neg x1\n4 results"
func.func @big(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %r:4 = grad.fusion (%a) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%x: tensor<4xf32>):
    %0 = grad.add %x, %x : tensor<4xf32>
    %1 = grad.mul %0, %x : tensor<4xf32>
    %2 = grad.add %1, %0 : tensor<4xf32>
    %3 = grad.exp %2 : tensor<4xf32>
    %4 = grad.mul %3, %3 : tensor<4xf32>
    %5 = grad.add %4, %x : tensor<4xf32>
    %6 = grad.neg %5 : tensor<4xf32>
    %7 = grad.add %6, %1 : tensor<4xf32>
    %8 = grad.mul %7, %2 : tensor<4xf32>
    %9 = grad.exp %8 : tensor<4xf32>
    %10 = grad.add %9, %3 : tensor<4xf32>
    %11 = grad.mul %10, %4 : tensor<4xf32>
    %12 = grad.add %11, %5 : tensor<4xf32>
    grad.yield %12, %11, %10, %9 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  }
  return %r#0, %r#1, %r#2, %r#3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
