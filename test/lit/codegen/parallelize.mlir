// RUN: grad-opt %s --split-input-file --grad-parallelize | FileCheck %s
// RUN: grad-opt %s --split-input-file --grad-parallelize="min-work=1000000000" | FileCheck %s --check-prefix=SERIAL
// RUN: grad-opt %s --split-input-file --grad-lower-to-llvm | FileCheck %s --check-prefix=LLVM
// RUN: grad-opt %s --split-input-file --grad-lower-to-llvm="parallel=false" | FileCheck %s --check-prefix=NOPAR

#map = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (j)>

// An elementwise op: one forall iteration per row.
// CHECK-LABEL: func.func @elementwise(
// CHECK: scf.forall (%[[I:.+]]) in (4096) shared_outs(
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1024xf32>) outs(%{{.*}} : tensor<1x1024xf32>)
// CHECK: tensor.parallel_insert_slice
// SERIAL-LABEL: func.func @elementwise(
// SERIAL-NOT: scf.forall
// LLVM-LABEL: llvm.func internal @elementwise_k0(
// LLVM: omp.parallel
// LLVM: omp.wsloop
// LLVM: omp.loop_nest
// NOPAR-NOT: omp.
func.func @elementwise(%x: tensor<4096x1024xf32>) -> tensor<4096x1024xf32> {
  %e = tensor.empty() : tensor<4096x1024xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4096x1024xf32>) outs(%e : tensor<4096x1024xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<4096x1024xf32>
  return %r : tensor<4096x1024xf32>
}

// -----

#map = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
// A row reduction: the rows are split, each row is reduced whole by one iteration.
// CHECK-LABEL: func.func @row_sum(
// CHECK: scf.forall (%{{.+}}) in (4096)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%{{.*}} : tensor<1x1024xf32>) outs(%{{.*}} : tensor<1xf32>)
func.func @row_sum(%x: tensor<4096x1024xf32>, %init: tensor<4096xf32>) -> tensor<4096xf32> {
  %r = linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4096x1024xf32>) outs(%init : tensor<4096xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4096xf32>
  return %r : tensor<4096xf32>
}

// -----

#map = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
// A column reduction: the reduced loop comes first, so the columns are split, in vector-size
// chunks; each column is still summed in row order by one iteration.
// CHECK-LABEL: func.func @column_sum(
// CHECK: scf.forall (%{{.+}}) = (0) to (1024) step (64)
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]{{.*}} ins(%{{.*}} : tensor<4096x64xf32>) outs(%{{.*}} : tensor<64xf32>)
func.func @column_sum(%x: tensor<4096x1024xf32>, %init: tensor<1024xf32>) -> tensor<1024xf32> {
  %r = linalg.generic {indexing_maps = [#map, #col], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<4096x1024xf32>) outs(%init : tensor<1024xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<1024xf32>
  return %r : tensor<1024xf32>
}

// -----

// A reduction to a scalar has no parallel loop: it stays serial.
// CHECK-LABEL: func.func @full_sum(
// CHECK-NOT: scf.forall
// CHECK: return
func.func @full_sum(%x: tensor<1048576xf32>, %init: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%x : tensor<1048576xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// A generated matmul: forall over blocks of matmul-tile-m rows.
// CHECK-LABEL: func.func @matmul(
// CHECK: scf.forall (%{{.+}}) = (0) to (512) step (64)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<64x512xf32>, tensor<512x256xf32>) outs(%{{.*}} : tensor<64x256xf32>)
func.func @matmul(%a: tensor<512x512xf32>, %b: tensor<512x256xf32>, %c: tensor<512x256xf32>)
    -> tensor<512x256xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<512x512xf32>, tensor<512x256xf32>)
                     outs(%c : tensor<512x256xf32>) -> tensor<512x256xf32>
  return %r : tensor<512x256xf32>
}

// -----

// Below min-work (32768 iterations by default): serial, no fork/join for a tiny op.
// CHECK-LABEL: func.func @small(
// CHECK-NOT: scf.forall
// CHECK: return
func.func @small(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %e = tensor.empty() : tensor<64x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.exp %a : f32
    linalg.yield %t : f32
  } -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}
