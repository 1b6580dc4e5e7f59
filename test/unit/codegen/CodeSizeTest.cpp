// Code size, hence compile time, depends on the graph, never on the shapes (issue 9): each
// data-movement op (slice and its gradient, a concat with a zero splat; concat; transpose;
// broadcast; gather; a full reduction of a broadcast) compiles to an object of about the same
// size at a small shape and at a 64x larger one. Before, a [16,32,192] slice's gradient was
// unrolled by LLVM into ~123k lines of scalar copies (80 s to compile).
#include "grad/Codegen/ObjectEmitter.h"
#include "grad/Dialect/Registration.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

namespace {

struct Case {
  const char *name;
  /// The module for dims scaled by `s` (s = 1: small; s = 4: every dim 4x, up to 64x elements).
  std::function<std::string(int)> source;
};

std::string t(std::initializer_list<int> dims, const char *element = "f32") {
  std::string s = "tensor<";
  for (int d : dims)
    s += std::to_string(d) + "x";
  return s + element + ">";
}

std::string str(int v) { return std::to_string(v); }

size_t objectSize(const std::string &source, grad::CodegenOptions options, double *seconds) {
  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  EXPECT_TRUE(module) << source;
  if (!module)
    return 0;
  llvm::SmallString<0> bytes;
  llvm::raw_svector_ostream os(bytes);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(succeeded(grad::emitObjectFile(*module, os, options))) << source;
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return bytes.size();
}

const Case kCases[] = {
    {"slice_gradient",
     [](int s) { // slice, then what autodiff makes of its gradient: concat with a zero splat
       int b = 4 * s, r = 8 * s, c = 16 * s;
       return "func.func @f(%x: " + t({b, r, 3 * c}) + ") -> " + t({b, r, 3 * c}) + " {\n" +
              "  %0 = grad.slice %x {limits = array<i64: " + str(b) + ", " + str(r) + ", " +
              str(c) + ">, starts = array<i64: 0, 0, 0>, strides = array<i64: 1, 1, 1>} : " +
              t({b, r, 3 * c}) + " -> " + t({b, r, c}) + "\n" + "  %1 = grad.exp %0 : " +
              t({b, r, c}) + "\n" + "  %z = grad.constant dense<0.0> : " + t({b, r, 2 * c}) +
              "\n" + "  %2 = grad.concat %1, %z {axis = 2 : i64} : " + t({b, r, c}) + ", " +
              t({b, r, 2 * c}) + " -> " + t({b, r, 3 * c}) + "\n" + "  return %2 : " +
              t({b, r, 3 * c}) + "\n}\n";
     }},
    {"transpose",
     [](int s) {
       int a = 4 * s, b = 8 * s, c = 16 * s;
       return "func.func @f(%x: " + t({a, b, c}) + ") -> " + t({a, c, b}) + " {\n" +
              "  %0 = grad.transpose %x {perm = array<i64: 0, 2, 1>} : " + t({a, b, c}) + " -> " +
              t({a, c, b}) + "\n  return %0 : " + t({a, c, b}) + "\n}\n";
     }},
    {"broadcast_full_reduction",
     [](int s) { // sum(broadcast(w) * x) over every axis
       int r = 16 * s, c = 32 * s;
       return "func.func @f(%x: " + t({r, c}) + ", %w: " + t({c}) + ") -> tensor<f32> {\n" +
              "  %0 = grad.broadcast %w {dims = array<i64: 1>} : " + t({c}) + " -> " + t({r, c}) +
              "\n  %1 = grad.mul %x, %0 : " + t({r, c}) + "\n" + "  %2 = grad.tanh %1 : " +
              t({r, c}) + "\n  %3 = grad.sum %2 {axes = array<i64: 0, 1>} : " + t({r, c}) +
              " -> tensor<f32>\n  return %3 : tensor<f32>\n}\n";
     }},
    {"concat",
     [](int s) {
       int r = 8 * s, c = 16 * s;
       return "func.func @f(%x: " + t({r, c}) + ", %y: " + t({r, 2 * c}) + ") -> " +
              t({r, 3 * c}) + " {\n  %0 = grad.concat %x, %y {axis = 1 : i64} : " + t({r, c}) +
              ", " + t({r, 2 * c}) + " -> " + t({r, 3 * c}) + "\n  return %0 : " + t({r, 3 * c}) +
              "\n}\n";
     }},
    {"gather",
     [](int s) {
       int v = 16 * s, d = 16 * s, n = 8 * s;
       return "func.func @f(%w: " + t({v, d}) + ", %i: " + t({n}, "i64") + ") -> " + t({n, d}) +
              " {\n  %0 = grad.gather %w, %i : " + t({v, d}) + ", " + t({n}, "i64") + " -> " +
              t({n, d}) + "\n  return %0 : " + t({n, d}) + "\n}\n";
     }},
};

class CodeSize : public ::testing::TestWithParam<Case> {};

TEST_P(CodeSize, DoesNotGrowWithTheShape) {
  for (auto matmul : {grad::CodegenOptions::MatmulLowering::Generated,
                      grad::CodegenOptions::MatmulLowering::Blas}) {
    grad::CodegenOptions options;
    options.matmulLowering = matmul;
    double smallSeconds = 0, largeSeconds = 0;
    size_t small = objectSize(GetParam().source(1), options, &smallSeconds);
    size_t large = objectSize(GetParam().source(4), options, &largeSeconds);
    ASSERT_GT(small, 0u);
    // Loop bounds differ, the loops do not: allow tile-size differences only.
    EXPECT_LE(large, small * 3 / 2 + 2048)
        << GetParam().name << ": " << small << " bytes at the small shape, " << large
        << " at the large one (compile " << smallSeconds << " s vs " << largeSeconds << " s)";
  }
}

INSTANTIATE_TEST_SUITE_P(DataMovement, CodeSize, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
