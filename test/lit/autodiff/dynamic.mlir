// --grad-autodiff on functions with `?` dims (Note [Autodiff with dynamic dims] in
// compiler/lib/Autodiff/DynamicGrad.cpp): every gradient that needs a size reads it at run time
// (tensor.dim of an argument or of an earlier value, a mean's count as a sum of ones), so one
// @f_grad runs at any size. Each op family below is differentiated once; the IR is checked, and
// each @f_grad runs at two sizes, compiled (grad-run) and with --interpret, against numpy: f
// itself and its gradients by central finite differences in f64 (Inputs/dynamic_grad.py).
// RUN: rm -rf %t && mkdir -p %t
// RUN: grad-opt %s --grad-autodiff --canonicalize --cse > %t/grad.mlir
// RUN: FileCheck %s --check-prefix=IR < %t/grad.mlir
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/mlp5 mlp 5 > %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/mlp2 mlp 2 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/reduce34 reduce 3 4 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/reduce52 reduce 5 2 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/mean234 mean3 2 3 4 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/mean352 mean3 3 5 2 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/att23 attention 2 3 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/att35 attention 3 5 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/reshape23 reshape 2 3 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/reshape35 reshape 3 5 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/gather5 gather 5 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/gather9 gather 9 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/slices34 slices 3 4 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/slices26 slices 2 6 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/select4 select 4 >> %t/runs.txt
// RUN: %python_numpy %S/Inputs/dynamic_grad.py grad-run %t/grad.mlir %t/select7 select 7 >> %t/runs.txt
// RUN: FileCheck %s --check-prefix=NUM --implicit-check-not=MISMATCH < %t/runs.txt
// NUM:      mlp [5] compiled f: ok
// NUM-NEXT: mlp [5] compiled result 1: [5, 4] ok
// NUM-NEXT: mlp [5] compiled grad 0: [5, 3] ok
// NUM-NEXT: mlp [5] compiled grad 1: [3, 4] ok
// NUM-NEXT: mlp [5] compiled grad 2: [4] ok
// NUM-NEXT: mlp [5] compiled grad 3: [5, 1] ok
// NUM-NEXT: mlp [5] interpreted f: ok
// NUM-NEXT: mlp [5] interpreted result 1: [5, 4] ok
// NUM-NEXT: mlp [5] interpreted grad 0: [5, 3] ok
// NUM-NEXT: mlp [5] interpreted grad 1: [3, 4] ok
// NUM-NEXT: mlp [5] interpreted grad 2: [4] ok
// NUM-NEXT: mlp [5] interpreted grad 3: [5, 1] ok
// NUM-NEXT: mlp [2] compiled f: ok
// NUM-NEXT: mlp [2] compiled result 1: [2, 4] ok
// NUM-NEXT: mlp [2] compiled grad 0: [2, 3] ok
// NUM-NEXT: mlp [2] compiled grad 1: [3, 4] ok
// NUM-NEXT: mlp [2] compiled grad 2: [4] ok
// NUM-NEXT: mlp [2] compiled grad 3: [2, 1] ok
// NUM-NEXT: mlp [2] interpreted f: ok
// NUM-NEXT: mlp [2] interpreted result 1: [2, 4] ok
// NUM-NEXT: mlp [2] interpreted grad 0: [2, 3] ok
// NUM-NEXT: mlp [2] interpreted grad 1: [3, 4] ok
// NUM-NEXT: mlp [2] interpreted grad 2: [4] ok
// NUM-NEXT: mlp [2] interpreted grad 3: [2, 1] ok
// NUM-NEXT: reduce [3, 4] compiled f: ok
// NUM-NEXT: reduce [3, 4] compiled grad 0: [3, 4] ok
// NUM-NEXT: reduce [3, 4] interpreted f: ok
// NUM-NEXT: reduce [3, 4] interpreted grad 0: [3, 4] ok
// NUM-NEXT: reduce [5, 2] compiled f: ok
// NUM-NEXT: reduce [5, 2] compiled grad 0: [5, 2] ok
// NUM-NEXT: reduce [5, 2] interpreted f: ok
// NUM-NEXT: reduce [5, 2] interpreted grad 0: [5, 2] ok
// NUM-NEXT: mean3 [2, 3, 4] compiled f: ok
// NUM-NEXT: mean3 [2, 3, 4] compiled grad 0: [2, 3, 4] ok
// NUM-NEXT: mean3 [2, 3, 4] interpreted f: ok
// NUM-NEXT: mean3 [2, 3, 4] interpreted grad 0: [2, 3, 4] ok
// NUM-NEXT: mean3 [3, 5, 2] compiled f: ok
// NUM-NEXT: mean3 [3, 5, 2] compiled grad 0: [3, 5, 2] ok
// NUM-NEXT: mean3 [3, 5, 2] interpreted f: ok
// NUM-NEXT: mean3 [3, 5, 2] interpreted grad 0: [3, 5, 2] ok
// NUM-NEXT: attention [2, 3] compiled f: ok
// NUM-NEXT: attention [2, 3] compiled grad 0: [2, 3, 4] ok
// NUM-NEXT: attention [2, 3] compiled grad 1: [2, 3, 4] ok
// NUM-NEXT: attention [2, 3] compiled grad 2: [2, 3, 4] ok
// NUM-NEXT: attention [2, 3] interpreted f: ok
// NUM-NEXT: attention [2, 3] interpreted grad 0: [2, 3, 4] ok
// NUM-NEXT: attention [2, 3] interpreted grad 1: [2, 3, 4] ok
// NUM-NEXT: attention [2, 3] interpreted grad 2: [2, 3, 4] ok
// NUM-NEXT: attention [3, 5] compiled f: ok
// NUM-NEXT: attention [3, 5] compiled grad 0: [3, 5, 4] ok
// NUM-NEXT: attention [3, 5] compiled grad 1: [3, 5, 4] ok
// NUM-NEXT: attention [3, 5] compiled grad 2: [3, 5, 4] ok
// NUM-NEXT: attention [3, 5] interpreted f: ok
// NUM-NEXT: attention [3, 5] interpreted grad 0: [3, 5, 4] ok
// NUM-NEXT: attention [3, 5] interpreted grad 1: [3, 5, 4] ok
// NUM-NEXT: attention [3, 5] interpreted grad 2: [3, 5, 4] ok
// NUM-NEXT: reshape [2, 3] compiled f: ok
// NUM-NEXT: reshape [2, 3] compiled grad 0: [2, 3, 4] ok
// NUM-NEXT: reshape [2, 3] compiled grad 1: [4, 3] ok
// NUM-NEXT: reshape [2, 3] interpreted f: ok
// NUM-NEXT: reshape [2, 3] interpreted grad 0: [2, 3, 4] ok
// NUM-NEXT: reshape [2, 3] interpreted grad 1: [4, 3] ok
// NUM-NEXT: reshape [3, 5] compiled f: ok
// NUM-NEXT: reshape [3, 5] compiled grad 0: [3, 5, 4] ok
// NUM-NEXT: reshape [3, 5] compiled grad 1: [4, 3] ok
// NUM-NEXT: reshape [3, 5] interpreted f: ok
// NUM-NEXT: reshape [3, 5] interpreted grad 0: [3, 5, 4] ok
// NUM-NEXT: reshape [3, 5] interpreted grad 1: [4, 3] ok
// NUM-NEXT: gather [5] compiled f: ok
// NUM-NEXT: gather [5] compiled grad 0: [6, 4] ok
// NUM-NEXT: gather [5] compiled grad 2: [5, 4] ok
// NUM-NEXT: gather [5] interpreted f: ok
// NUM-NEXT: gather [5] interpreted grad 0: [6, 4] ok
// NUM-NEXT: gather [5] interpreted grad 2: [5, 4] ok
// NUM-NEXT: gather [9] compiled f: ok
// NUM-NEXT: gather [9] compiled grad 0: [6, 4] ok
// NUM-NEXT: gather [9] compiled grad 2: [9, 4] ok
// NUM-NEXT: gather [9] interpreted f: ok
// NUM-NEXT: gather [9] interpreted grad 0: [6, 4] ok
// NUM-NEXT: gather [9] interpreted grad 2: [9, 4] ok
// NUM-NEXT: slices [3, 4] compiled f: ok
// NUM-NEXT: slices [3, 4] compiled grad 0: [3, 4, 12] ok
// NUM-NEXT: slices [3, 4] interpreted f: ok
// NUM-NEXT: slices [3, 4] interpreted grad 0: [3, 4, 12] ok
// NUM-NEXT: slices [2, 6] compiled f: ok
// NUM-NEXT: slices [2, 6] compiled grad 0: [2, 6, 12] ok
// NUM-NEXT: slices [2, 6] interpreted f: ok
// NUM-NEXT: slices [2, 6] interpreted grad 0: [2, 6, 12] ok
// NUM-NEXT: select [4] compiled f: ok
// NUM-NEXT: select [4] compiled grad 0: [4, 2] ok
// NUM-NEXT: select [4] interpreted f: ok
// NUM-NEXT: select [4] interpreted grad 0: [4, 2] ok
// NUM-NEXT: select [7] compiled f: ok
// NUM-NEXT: select [7] compiled grad 0: [7, 2] ok
// NUM-NEXT: select [7] interpreted f: ok
// NUM-NEXT: select [7] interpreted grad 0: [7, 2] ok
//
// A size mismatch at run time in the gradient function (s with 2 rows, x with 5) is the named
// error of the forward op that needs them equal, compiled and interpreted:
// RUN: grad-opt %s --grad-autodiff=func=mlp -mlir-print-debuginfo > %t/mlp.mlir
// RUN: not grad-run %t/mlp.mlir --fn=mlp_grad --input=%t/mlp5/in0.npy --input=%t/mlp5/in1.npy --input=%t/mlp5/in2.npy --input=%t/mlp2/in3.npy 2>&1 | FileCheck %s --check-prefix=SIZE
// RUN: not grad-run %t/mlp.mlir --fn=mlp_grad --input=%t/mlp5/in0.npy --input=%t/mlp5/in1.npy --input=%t/mlp5/in2.npy --input=%t/mlp2/in3.npy --interpret 2>&1 | FileCheck %s --check-prefix=SIZE-INTERP
// SIZE: grad-run: error: function 'mlp_grad': 'grad.mul' op at {{.*}}dynamic.mlir:[[@LINE+14]]:8: operand #1 dim 0 has size 2 but operand #0 dim 0 has size 5 at run time (they must agree)
// SIZE-INTERP: dynamic.mlir:[[@LINE+13]]:8: error: 'grad.mul' op operands must have one shape at run time, but operand #0 is f64[5,4] and operand #1 is f64[2,4]

// Elementwise ops, a broadcast of a `?` operand dim and one with `sizes`, a matmul with a `?`
// row dim, a mean over it (its count at run time). f also returns a `?` result (@mlp_grad
// returns it before the gradients).
func.func @mlp(%x: tensor<?x3xf64>, %w: tensor<3x4xf64>, %b: tensor<4xf64>, %s: tensor<?x1xf64>)
    -> (tensor<f64>, tensor<?x4xf64>) attributes {grad.autodiff} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3xf64>
  %xw = grad.matmul %x, %w : tensor<?x3xf64>, tensor<3x4xf64> -> tensor<?x4xf64>
  %bb = grad.broadcast %b sizes(%n) {dims = array<i64: 1>} : tensor<4xf64> -> tensor<?x4xf64>
  %sb = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<?x1xf64> -> tensor<?x4xf64>
  %z0 = grad.add %xw, %bb : tensor<?x4xf64>
  %z = grad.mul %z0, %sb : tensor<?x4xf64>
  %h = grad.tanh %z : tensor<?x4xf64>
  %half = grad.constant dense<0.5> : tensor<f64>
  %hb = grad.broadcast %half sizes(%n) {dims = array<i64>} : tensor<f64> -> tensor<?x4xf64>
  %nxw = grad.neg %xw : tensor<?x4xf64>
  %e = grad.exp %nxw : tensor<?x4xf64>
  %he = grad.mul %hb, %e : tensor<?x4xf64>
  %t = grad.add %h, %he : tensor<?x4xf64>
  %m = grad.mean %t {axes = array<i64: 0, 1>} : tensor<?x4xf64> -> tensor<f64>
  return %m, %t : tensor<f64>, tensor<?x4xf64>
}

// IR-LABEL: func.func @mlp_grad(%arg0: tensor<?x3xf64>, %arg1: tensor<3x4xf64>, %arg2: tensor<4xf64>, %arg3: tensor<?x1xf64>)
// IR-SAME:    -> (tensor<f64>, tensor<?x4xf64>, tensor<?x3xf64>, tensor<3x4xf64>, tensor<4xf64>, tensor<?x1xf64>)
// IR:         %[[N:[a-z0-9_]+]] = tensor.dim %arg0, %c0 : tensor<?x3xf64>
// The mean's count, 4 * n, at run time:
// IR:         %[[ONES:[0-9]+]] = grad.broadcast %{{.*}} sizes(%[[N]]) {dims = array<i64>} : tensor<f64> -> tensor<?xf64>
// IR-NEXT:    %[[CNT:[0-9]+]] = grad.sum %[[ONES]] {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
// IR-NEXT:    grad.mul %[[CNT]], %{{.*}} : tensor<f64>
// The broadcasts' gradients: sums back to s [?,1] and to the bias [4].
// IR:         grad.sum %{{.*}} {axes = array<i64: 1>, keepdim = true} : tensor<?x4xf64> -> tensor<?x1xf64>
// IR:         grad.sum %{{.*}} {axes = array<i64: 0>, keepdim = true} : tensor<?x4xf64> -> tensor<1x4xf64>
// IR:         grad.matmul %{{.*}}, %{{.*}} : tensor<?x4xf64>, tensor<4x3xf64> -> tensor<?x3xf64>
// IR:         grad.matmul %{{.*}}, %{{.*}} : tensor<3x?xf64>, tensor<?x4xf64> -> tensor<3x4xf64>


// Reductions over `?` dims: max (its gradient: the mask of the maxima over their count), sum,
// and a mean over two `?` dims (the count n * m at run time).
func.func @reduce(%x: tensor<?x?xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %mx = grad.max %x {axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?xf64>
  %s1 = grad.sum %mx {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %e = grad.exp %x : tensor<?x?xf64>
  %m = grad.mean %e {axes = array<i64: 0, 1>} : tensor<?x?xf64> -> tensor<f64>
  %cs = grad.sum %x {axes = array<i64: 0>} : tensor<?x?xf64> -> tensor<?xf64>
  %sq = grad.mul %cs, %cs : tensor<?xf64>
  %m2 = grad.mean %sq {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
  %a = grad.add %s1, %m : tensor<f64>
  %r = grad.add %a, %m2 : tensor<f64>
  return %r : tensor<f64>
}

// IR-LABEL: func.func @reduce_grad(%arg0: tensor<?x?xf64>) -> (tensor<f64>, tensor<?x?xf64>)
// IR-DAG:     %[[N:[a-z0-9_]+]] = tensor.dim %arg0, %c0 : tensor<?x?xf64>
// IR-DAG:     %[[M:[a-z0-9_]+]] = tensor.dim %arg0, %c1 : tensor<?x?xf64>
// The mean over both `?` dims: its count n * m as a sum of ones.
// IR:         %[[ONES:[0-9]+]] = grad.broadcast %{{.*}} sizes(%[[N]], %[[M]]) {dims = array<i64>} : tensor<f64> -> tensor<?x?xf64>
// IR-NEXT:    grad.sum %[[ONES]] {axes = array<i64: 0, 1>} : tensor<?x?xf64> -> tensor<f64>
// max: the maxima's mask over their count.
// IR:         grad.cmp "eq", %arg0, %{{.*}} : tensor<?x?xf64>
// IR:         grad.sum %{{.*}} {axes = array<i64: 1>, keepdim = true} : tensor<?x?xf64> -> tensor<?x1xf64>


// A mean over three `?` dims: its count a * b * c at run time.
func.func @mean3(%x: tensor<?x?x?xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %s = grad.sin %x : tensor<?x?x?xf64>
  %p = grad.mul %s, %x : tensor<?x?x?xf64>
  %m = grad.mean %p {axes = array<i64: 0, 1, 2>} : tensor<?x?x?xf64> -> tensor<f64>
  return %m : tensor<f64>
}

// IR-LABEL: func.func @mean3_grad(%arg0: tensor<?x?x?xf64>) -> (tensor<f64>, tensor<?x?x?xf64>)
// IR:         %[[ONES:[0-9]+]] = grad.broadcast %{{.*}} sizes(%{{.*}}, %{{.*}}, %{{.*}}) {dims = array<i64>} : tensor<f64> -> tensor<?x?x?xf64>
// IR-NEXT:    grad.sum %[[ONES]] {axes = array<i64: 0, 1, 2>} : tensor<?x?x?xf64> -> tensor<f64>

// Batched matmuls with `?` batch, row and inner dims and a log_softmax / softmax over the `?`
// innermost dim (max, sum and log with keepdim, broadcasts back with `sizes`).
func.func @attention(%q: tensor<?x?x4xf64>, %k: tensor<?x?x4xf64>, %v: tensor<?x?x4xf64>)
    -> tensor<f64> attributes {grad.autodiff} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %B = tensor.dim %q, %c0 : tensor<?x?x4xf64>
  %T = tensor.dim %q, %c1 : tensor<?x?x4xf64>
  %kt = grad.transpose %k {perm = array<i64: 0, 2, 1>} : tensor<?x?x4xf64> -> tensor<?x4x?xf64>
  %s = grad.matmul %q, %kt : tensor<?x?x4xf64>, tensor<?x4x?xf64> -> tensor<?x?x?xf64>
  %mx = grad.max %s {axes = array<i64: 2>, keepdim = true} : tensor<?x?x?xf64> -> tensor<?x?x1xf64>
  %mb = grad.broadcast %mx sizes(%B, %T, %T) {dims = array<i64: 0, 1, 2>} : tensor<?x?x1xf64> -> tensor<?x?x?xf64>
  %d = grad.sub %s, %mb : tensor<?x?x?xf64>
  %ex = grad.exp %d : tensor<?x?x?xf64>
  %se = grad.sum %ex {axes = array<i64: 2>, keepdim = true} : tensor<?x?x?xf64> -> tensor<?x?x1xf64>
  %l = grad.log %se : tensor<?x?x1xf64>
  %lb = grad.broadcast %l sizes(%B, %T, %T) {dims = array<i64: 0, 1, 2>} : tensor<?x?x1xf64> -> tensor<?x?x?xf64>
  %ls = grad.sub %d, %lb : tensor<?x?x?xf64>
  %p = grad.exp %ls : tensor<?x?x?xf64>
  %o = grad.matmul %p, %v : tensor<?x?x?xf64>, tensor<?x?x4xf64> -> tensor<?x?x4xf64>
  %o2 = grad.mul %o, %o : tensor<?x?x4xf64>
  %m = grad.mean %o2 {axes = array<i64: 0, 1, 2>} : tensor<?x?x4xf64> -> tensor<f64>
  %lsum = grad.sum %ls {axes = array<i64: 0, 1, 2>} : tensor<?x?x?xf64> -> tensor<f64>
  %tenth = grad.constant dense<0.1> : tensor<f64>
  %ts = grad.mul %tenth, %lsum : tensor<f64>
  %r = grad.add %m, %ts : tensor<f64>
  return %r : tensor<f64>
}

// IR-LABEL: func.func @attention_grad(
// IR-SAME:    -> (tensor<f64>, tensor<?x?x4xf64>, tensor<?x?x4xf64>, tensor<?x?x4xf64>)
// IR:         grad.matmul %{{.*}}, %{{.*}} : tensor<?x?x4xf64>, tensor<?x4x?xf64> -> tensor<?x?x?xf64>
// IR:         grad.matmul %{{.*}}, %{{.*}} : tensor<?x?x?xf64>, tensor<?x?x4xf64> -> tensor<?x?x4xf64>
// IR:         grad.matmul %{{.*}}, %{{.*}} : tensor<?x4x?xf64>, tensor<?x?x?xf64> -> tensor<?x4x?xf64>


// Reshapes with `sizes` that merge and split `?` dims ([B,T,4] -> [B*T,4] -> [B,T,3] -> [B,T*3]).
func.func @reshape(%x: tensor<?x?x4xf64>, %w: tensor<4x3xf64>) -> tensor<f64>
    attributes {grad.autodiff} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %B = tensor.dim %x, %c0 : tensor<?x?x4xf64>
  %T = tensor.dim %x, %c1 : tensor<?x?x4xf64>
  %bt = arith.muli %B, %T : index
  %t3 = arith.muli %T, %c3 : index
  %f = grad.reshape %x sizes(%bt) : tensor<?x?x4xf64> -> tensor<?x4xf64>
  %xw = grad.matmul %f, %w : tensor<?x4xf64>, tensor<4x3xf64> -> tensor<?x3xf64>
  %u = grad.reshape %xw sizes(%B, %T) : tensor<?x3xf64> -> tensor<?x?x3xf64>
  %g = grad.sin %u : tensor<?x?x3xf64>
  %v = grad.reshape %g sizes(%B, %t3) : tensor<?x?x3xf64> -> tensor<?x?xf64>
  %sq = grad.mul %v, %v : tensor<?x?xf64>
  %r = grad.sum %sq {axes = array<i64: 0, 1>} : tensor<?x?xf64> -> tensor<f64>
  return %r : tensor<f64>
}

// IR-LABEL: func.func @reshape_grad(%arg0: tensor<?x?x4xf64>, %arg1: tensor<4x3xf64>)
// IR-DAG:     %[[T:[a-z0-9_]+]] = tensor.dim %arg0, %c1 : tensor<?x?x4xf64>
// IR-DAG:     %[[B:[a-z0-9_]+]] = tensor.dim %arg0, %c0 : tensor<?x?x4xf64>
// The sum's gradient broadcast back to [B, T*3]: T*3 is no argument dim, so it is the dim of the
// reshape's result.
// IR:         %[[V:[0-9]+]] = grad.reshape %{{.*}} sizes(%{{.*}}, %{{.*}}) : tensor<?x?x3xf64> -> tensor<?x?xf64>
// IR:         %[[T3:[a-z0-9_]+]] = tensor.dim %[[V]], %c1 : tensor<?x?xf64>
// IR-NEXT:    grad.broadcast %{{.*}} sizes(%[[B]], %[[T3]]) {dims = array<i64: 0, 1>} : tensor<1x1xf64> -> tensor<?x?xf64>
// IR:         grad.reshape %{{.*}} sizes(%{{.*}}, %[[T]]) : tensor<?x?xf64> -> tensor<?x?x3xf64>
// IR:         grad.reshape %{{.*}} sizes(%{{.*}}) : tensor<?x?x3xf64> -> tensor<?x3xf64>
// IR:         grad.reshape %{{.*}} sizes(%[[B]], %[[T]]) : tensor<?x4xf64> -> tensor<?x?x4xf64>


// A gather of `?` rows (its gradient: a one-hot of the indices times the cotangent).
func.func @gather(%table: tensor<6x4xf64>, %idx: tensor<?xi64>, %y: tensor<?x4xf64>) -> tensor<f64>
    attributes {grad.autodiff} {
  %g = grad.gather %table, %idx : tensor<6x4xf64>, tensor<?xi64> -> tensor<?x4xf64>
  %p = grad.mul %g, %y : tensor<?x4xf64>
  %r = grad.mean %p {axes = array<i64: 0, 1>} : tensor<?x4xf64> -> tensor<f64>
  return %r : tensor<f64>
}

// IR-LABEL: func.func @gather_grad(%arg0: tensor<6x4xf64>, %arg1: tensor<?xi64>, %arg2: tensor<?x4xf64>)
// IR-SAME:    -> (tensor<f64>, tensor<6x4xf64>, tensor<?x4xf64>)
// IR:         %[[N:[a-z0-9_]+]] = tensor.dim %arg1, %c0 : tensor<?xi64>
// The one-hot of the indices: [?, 6].
// IR:         grad.broadcast %{{.*}} sizes(%[[N]]) {dims = array<i64: 1>} : tensor<6xi64> -> tensor<?x6xi64>
// IR:         grad.cmp "eq", %{{.*}}, %{{.*}} : tensor<?x6xi64>
// IR:         grad.matmul %{{.*}}, %{{.*}} : tensor<6x?xf64>, tensor<?x4xf64> -> tensor<6x4xf64>


// Slices to the end of `?` dims (x[1:, :, 0:4], x[:, 1:, 8:12]) and a concat along a static
// axis (charlm's fused q, k, v): their gradients pad with zeros of `?` sizes and concatenate; the
// mean's count 4 * B * (T-1) is the product of the slice's `?` dims.
func.func @slices(%x: tensor<?x?x12xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %q = grad.slice %x {starts = array<i64: 1, 0, 0>, limits = array<i64: -9223372036854775808, -9223372036854775808, 4>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf64> -> tensor<?x?x4xf64>
  %k = grad.slice %x {starts = array<i64: 1, 0, 4>, limits = array<i64: -9223372036854775808, -9223372036854775808, 8>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf64> -> tensor<?x?x4xf64>
  %v = grad.slice %x {starts = array<i64: 0, 1, 8>, limits = array<i64: -9223372036854775808, -9223372036854775808, 12>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf64> -> tensor<?x?x4xf64>
  %qk = grad.mul %q, %k : tensor<?x?x4xf64>
  %c = grad.concat %qk, %q {axis = 2 : i64} : tensor<?x?x4xf64>, tensor<?x?x4xf64> -> tensor<?x?x8xf64>
  %e = grad.sin %c : tensor<?x?x8xf64>
  %r = grad.sum %e {axes = array<i64: 0, 1, 2>} : tensor<?x?x8xf64> -> tensor<f64>
  %vs = grad.mul %v, %v : tensor<?x?x4xf64>
  %rv = grad.mean %vs {axes = array<i64: 0, 1, 2>} : tensor<?x?x4xf64> -> tensor<f64>
  %t = grad.add %r, %rv : tensor<f64>
  return %t : tensor<f64>
}

// IR-LABEL: func.func @slices_grad(%arg0: tensor<?x?x12xf64>) -> (tensor<f64>, tensor<?x?x12xf64>)
// IR:         %[[V:[0-9]+]] = grad.slice %arg0 {{.*}}starts = array<i64: 0, 1, 8>{{.*}} -> tensor<?x?x4xf64>
// IR:         %[[T1:[a-z0-9_]+]] = tensor.dim %[[V]], %c1 : tensor<?x?x4xf64>
// IR:         %[[B:[a-z0-9_]+]] = tensor.dim %[[V]], %c0 : tensor<?x?x4xf64>
// IR-NEXT:    %[[ONES:[0-9]+]] = grad.broadcast %{{.*}} sizes(%[[B]], %[[T1]]) {dims = array<i64>} : tensor<f64> -> tensor<?x?xf64>
// IR-NEXT:    grad.sum %[[ONES]] {axes = array<i64: 0, 1>} : tensor<?x?xf64> -> tensor<f64>
// IR:         grad.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<1x?x4xf64>, tensor<?x?x4xf64> -> tensor<?x?x4xf64>
// IR:         grad.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64} : tensor<?x?x4xf64>, tensor<?x?x4xf64>, tensor<?x?x4xf64> -> tensor<?x?x12xf64>

// cmp and select (no gradient through the predicate), abs.
func.func @select(%x: tensor<?x2xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf64>
  %z = grad.constant dense<0.0> : tensor<f64>
  %zb = grad.broadcast %z sizes(%n) {dims = array<i64>} : tensor<f64> -> tensor<?x2xf64>
  %c = grad.cmp "gt", %x, %zb : tensor<?x2xf64>
  %sq = grad.mul %x, %x : tensor<?x2xf64>
  %m3 = grad.constant dense<-3.0> : tensor<f64>
  %m3b = grad.broadcast %m3 sizes(%n) {dims = array<i64>} : tensor<f64> -> tensor<?x2xf64>
  %nx = grad.mul %m3b, %x : tensor<?x2xf64>
  %sel = grad.select %c, %sq, %nx : tensor<?x2xi1>, tensor<?x2xf64>
  %s = grad.sum %sel {axes = array<i64: 0, 1>} : tensor<?x2xf64> -> tensor<f64>
  %a = grad.abs %x : tensor<?x2xf64>
  %am = grad.mean %a {axes = array<i64: 0, 1>} : tensor<?x2xf64> -> tensor<f64>
  %r = grad.add %s, %am : tensor<f64>
  return %r : tensor<f64>
}

// IR-LABEL: func.func @select_grad(%arg0: tensor<?x2xf64>) -> (tensor<f64>, tensor<?x2xf64>)
// IR:         grad.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x2xi1>, tensor<?x2xf64>
// IR:         grad.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x2xi1>, tensor<?x2xf64>
