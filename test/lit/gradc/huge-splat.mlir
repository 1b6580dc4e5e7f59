// Splat constants stay splats down to the object code (a linalg.fill, no global): a 2^62-element
// splat and a 2^28-element one compile at once (they used to abort in LLVM's global translation
// or take a minute and gigabytes). Running a function whose result cannot be allocated is an
// error, compiled or interpreted, never a crash.
// RUN: gradc %s --emit=llvm -O2 | FileCheck %s
// RUN: gradc %s --emit=obj -O0 -o %t.o
// With the tensor limit at its maximum (the default 16 GiB stops it earlier: LIMIT), allocation
// itself must fail cleanly.
// RUN: not grad-run %s --fn=huge --max-tensor-bytes=9223372036854775807 2>&1 | FileCheck %s --check-prefix=COMPILED
// RUN: not grad-run %s --fn=huge --interpret --max-tensor-bytes=9223372036854775807 2>&1 | FileCheck %s --check-prefix=INTERP
// RUN: not grad-run %s --fn=huge 2>&1 | FileCheck %s --check-prefix=LIMIT

// CHECK-NOT: {{^@.*global.*\[[0-9][0-9][0-9][0-9]+ x}}
// CHECK-LABEL: define {{.*}}@_mlir_ciface_huge
// COMPILED: grad-run: error: {{.*}}out of memory allocating 4611686018427387904 bytes
// LIMIT: error: result #0 of type tensor<4611686018427387904xi1> needs 4611686018427387904 bytes, above the limit of 17179869184 bytes on a tensor grad-run allocates
// INTERP: error: 'grad.constant' op cannot materialize the value of type tensor<4611686018427387904xi1> (out of memory, or an unsupported element type)
func.func @huge() -> tensor<4611686018427387904xi1> {
  %c = grad.constant dense<true> : tensor<4611686018427387904xi1>
  return %c : tensor<4611686018427387904xi1>
}

func.func @large(%x: tensor<268435456xf32>) -> tensor<268435456xf32> {
  %c = grad.constant dense<2.0> : tensor<268435456xf32>
  %e = grad.exp %c : tensor<268435456xf32>
  %y = grad.mul %x, %e : tensor<268435456xf32>
  return %y : tensor<268435456xf32>
}
