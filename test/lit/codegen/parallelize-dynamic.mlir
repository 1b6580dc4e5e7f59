// Ops with `?` loops are split over OpenMP threads too (grad-parallelize): the outermost parallel
// loop that is not innermost gets a tile chosen at run time, 1 when the op's iteration count
// (read from tensor.dim) reaches min-work, else the whole extent; grad-fork-if-many-iterations
// then gives the omp.parallel an if clause, so a small op runs on the calling thread.
// Compiled once and run at 2 threads with 600 x 64 (38400 iterations >= 32768: split),
// 5 x 37 (serial) and 1 x 1, against numpy (the masked softmax of dynamic-inner.mlir).
// RUN: rm -rf %t && mkdir -p %t/a %t/b %t/c
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/a 600 64
// RUN: grad-run %s --fn=softmax --threads=2 --input=%t/a/x.npy --input=%t/a/m.npy --output-dir=%t/a --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/a %t/a | FileCheck %s --check-prefix=ROWS600
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/b 5 37
// RUN: grad-run %s --fn=softmax --threads=2 --input=%t/b/x.npy --input=%t/b/m.npy --output-dir=%t/b --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/b %t/b | FileCheck %s --check-prefix=ROWS5
// RUN: %python_numpy %S/Inputs/dynamic_inner.py %t/c 1 1
// RUN: grad-run %s --fn=softmax --threads=2 --input=%t/c/x.npy --input=%t/c/m.npy --output-dir=%t/c --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/c %t/c | FileCheck %s --check-prefix=ROWS1
// ROWS600: output 0: float32[600, 64] ok
// ROWS600: all 2 outputs match
// ROWS5: output 0: float32[5, 37] ok
// ROWS5: all 2 outputs match
// ROWS1: output 0: float32[1, 1] ok
// ROWS1: all 2 outputs match
//
// The split: the iteration count compared with min-work, the tile a select of 1 and the rows.
// RUN: grad-opt %s --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise --canonicalize --cse --grad-parallelize | FileCheck %s
// CHECK-LABEL: func.func @softmax
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %{{.*}}, %c32768{{.*}} : index
// CHECK: %[[ROWS:.*]] = arith.maxsi %{{.*}}, %[[ONE:c1(_[0-9]+)?]] : index
// CHECK: %[[TILE:.*]] = arith.select %[[BIG]], %[[ONE]], %[[ROWS]] : index
// CHECK: scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (%[[TILE]])
// min-work is the bound of the run-time comparison.
// RUN: grad-opt %s --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise --canonicalize --cse --grad-parallelize="min-work=1000" | FileCheck %s --check-prefix=MIN
// MIN: arith.cmpi sge, %{{.*}}, %c1000{{(_[0-9]+)?}} : index
//
// The whole pipeline: each kernel's omp.parallel runs only when its loop has more than one
// iteration (step %arg0 is the run-time tile); otherwise a plain loop runs.
// RUN: grad-opt %s --grad-lower-to-llvm | FileCheck %s --check-prefix=LLVM
// LLVM: %[[MANY:.*]] = llvm.icmp "sgt" %[[UB:arg[0-9]+]], %[[STEP:arg[0-9]+]] : i64
// LLVM-NEXT: llvm.cond_br %[[MANY]], ^[[PAR:bb[0-9]+]], ^[[SERIAL:bb[0-9]+]]
// LLVM-NEXT: ^[[PAR]]:
// LLVM-NEXT: omp.parallel {
// LLVM-NEXT: omp.wsloop {
// LLVM-NEXT: omp.loop_nest (%{{.*}}) : i64 = (%{{.*}}) to (%[[UB]]) step (%[[STEP]])
// (^SERIAL: the same loop body in a plain loop; the numpy runs above at 5 x 37 and 1 x 1 take it.)

func.func @softmax(%x: tensor<?x?xf32>, %m: tensor<?x?xi1>) -> (tensor<?x?xf32>, tensor<?x1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?xf32>
  %rmax = grad.max %x {axes = array<i64: 1>, keepdim = true} : tensor<?x?xf32> -> tensor<?x1xf32>
  %bm = grad.broadcast %rmax sizes(%n, %t) {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x?xf32>
  %sh = grad.sub %x, %bm : tensor<?x?xf32>
  %e = grad.exp %sh : tensor<?x?xf32>
  %z = grad.sub %e, %e : tensor<?x?xf32>
  %me = grad.select %m, %e, %z : tensor<?x?xi1>, tensor<?x?xf32>
  %s = grad.sum %me {axes = array<i64: 1>, keepdim = true} : tensor<?x?xf32> -> tensor<?x1xf32>
  %bs = grad.broadcast %s sizes(%n, %t) {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x?xf32>
  %p = grad.div %me, %bs : tensor<?x?xf32>
  return %p, %s : tensor<?x?xf32>, tensor<?x1xf32>
}
