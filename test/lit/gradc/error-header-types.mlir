// --emit=header rejects signatures C cannot express, naming the function and the argument.
// RUN: not gradc %s --emit=header 2>&1 | FileCheck %s

// CHECK: error-header-types.mlir:[[@LINE+1]]:{{[0-9]+}}: error: gradc --emit=header: argument 0 of @dyn has type 'tensor<?x3xf32>': dynamic shapes are not supported
func.func @dyn(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
