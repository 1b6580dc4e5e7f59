// --emit=header rejects signatures C cannot express, naming the function and the argument.
// (`?` dims are expressible: run-dynamic.mlir.)
// RUN: not gradc %s --emit=header 2>&1 | FileCheck %s

// CHECK: error-header-types.mlir:[[@LINE+1]]:{{[0-9]+}}: error: gradc --emit=header: argument 0 of @rank9 has type 'tensor<1x1x1x1x1x1x1x1x1xf32>': rank above GRAD_MAX_RANK (8)
func.func @rank9(%x: tensor<1x1x1x1x1x1x1x1x1xf32>) -> tensor<1x1x1x1x1x1x1x1x1xf32> {
  return %x : tensor<1x1x1x1x1x1x1x1x1xf32>
}
