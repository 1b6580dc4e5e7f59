// The CPU pipeline and JIT on linalg-on-tensors input: matmul (tiled + vectorized path),
// elementwise math, reductions, and calling-convention errors, against plain C++ loops.
#include "grad/Codegen/Jit.h"
#include "grad/Codegen/ObjectEmitter.h"
#include "grad/ops.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

namespace {

struct Compiled {
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<grad::CompiledModule> module;
};

Compiled compile(const std::string &source, grad::CodegenOptions options = {}) {
  mlir::DialectRegistry registry;
  grad::registerCodegenDialects(registry);
  Compiled c;
  c.context = std::make_unique<mlir::MLIRContext>(registry);
  c.context->loadAllAvailableDialects();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, c.context.get());
  EXPECT_TRUE(module) << "parse failed";
  if (!module)
    return c;
  auto compiled = grad::CompiledModule::compile(*module, options);
  EXPECT_TRUE(succeeded(compiled)) << "compile failed";
  if (succeeded(compiled))
    c.module = std::move(*compiled);
  return c;
}

std::vector<float> randomVector(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

std::string matmulSource(int m, int n, int k) {
  std::string a = "tensor<" + std::to_string(m) + "x" + std::to_string(k) + "xf32>";
  std::string b = "tensor<" + std::to_string(k) + "x" + std::to_string(n) + "xf32>";
  std::string c = "tensor<" + std::to_string(m) + "x" + std::to_string(n) + "xf32>";
  return "func.func @mm(%a: " + a + ", %b: " + b + ") -> " + c + " {\n" +
         "  %z = arith.constant 0.0 : f32\n  %e = tensor.empty() : " + c + "\n" +
         "  %f = linalg.fill ins(%z : f32) outs(%e : " + c + ") -> " + c + "\n" +
         "  %r = linalg.matmul ins(%a, %b : " + a + ", " + b + ") outs(%f : " + c + ") -> " + c +
         "\n  return %r : " + c + "\n}\n";
}

void checkMatmul(int m, int n, int k, unsigned optLevel) {
  grad::CodegenOptions options;
  options.optLevel = optLevel;
  Compiled c = compile(matmulSource(m, n, k), options);
  ASSERT_TRUE(c.module);
  std::vector<float> a = randomVector(size_t(m) * k, 1), b = randomVector(size_t(k) * n, 2);
  std::vector<float> out(size_t(m) * n, -7.f);
  std::string error;
  ASSERT_TRUE(succeeded(c.module->runRaw("mm", {a.data(), b.data()}, {out.data()}, &error)))
      << error;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double ref = 0;
      for (int p = 0; p < k; ++p)
        ref += double(a[size_t(i) * k + p]) * b[size_t(p) * n + j];
      ASSERT_NEAR(out[size_t(i) * n + j], ref, 1e-4 * k) << "at " << i << "," << j;
    }
}

TEST(CodegenLinalg, MatmulTiledVectorized) { checkMatmul(128, 256, 128, 3); }
TEST(CodegenLinalg, MatmulOddShapes) { checkMatmul(13, 35, 17, 3); }
TEST(CodegenLinalg, MatmulNaiveO0) { checkMatmul(16, 24, 8, 0); }

TEST(CodegenLinalg, ElementwiseMathF32AndF64) {
  const char *source = R"mlir(
#id = affine_map<(i, j) -> (i, j)>
func.func @f32(%x: tensor<3x100xf32>) -> tensor<3x100xf32> {
  %e = tensor.empty() : tensor<3x100xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x100xf32>) outs(%e : tensor<3x100xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    %x2 = math.exp %v : f32
    %s = arith.addf %t, %x2 : f32
    linalg.yield %s : f32
  } -> tensor<3x100xf32>
  return %r : tensor<3x100xf32>
}
func.func @f64(%x: tensor<3x100xf64>) -> tensor<3x100xf64> {
  %e = tensor.empty() : tensor<3x100xf64>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x100xf64>) outs(%e : tensor<3x100xf64>) {
  ^bb0(%v: f64, %o: f64):
    %t = math.tanh %v : f64
    %x2 = math.exp %v : f64
    %s = arith.addf %t, %x2 : f64
    linalg.yield %s : f64
  } -> tensor<3x100xf64>
  return %r : tensor<3x100xf64>
}
)mlir";
  Compiled c = compile(source);
  ASSERT_TRUE(c.module);
  std::vector<float> x = randomVector(300, 3), y(300);
  for (float &v : x)
    v *= 4;
  ASSERT_TRUE(succeeded(c.module->runRaw("f32", {x.data()}, {y.data()})));
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(y[i], std::tanh(x[i]) + std::exp(x[i]), 1e-5 * (1 + std::exp(x[i])));
  std::vector<double> xd(x.begin(), x.end()), yd(300);
  ASSERT_TRUE(succeeded(c.module->runRaw("f64", {xd.data()}, {yd.data()})));
  for (size_t i = 0; i < xd.size(); ++i)
    EXPECT_NEAR(yd[i], std::tanh(xd[i]) + std::exp(xd[i]), 1e-12 * (1 + std::exp(xd[i])));
}

TEST(CodegenLinalg, RowReductionAndColumnReduction) {
  const char *source = R"mlir(
func.func @rows(%x: tensor<37x70xf32>) -> (tensor<37xf32>, tensor<70xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<37xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<37xf32>) -> tensor<37xf32>
  %r = linalg.reduce ins(%x : tensor<37x70xf32>) outs(%f : tensor<37xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %e2 = tensor.empty() : tensor<70xf32>
  %f2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<70xf32>) -> tensor<70xf32>
  %c = linalg.reduce ins(%x : tensor<37x70xf32>) outs(%f2 : tensor<70xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return %r, %c : tensor<37xf32>, tensor<70xf32>
}
)mlir";
  Compiled c = compile(source);
  ASSERT_TRUE(c.module);
  std::vector<float> x = randomVector(37 * 70, 4), rows(37), cols(70);
  ASSERT_TRUE(succeeded(c.module->runRaw("rows", {x.data()}, {rows.data(), cols.data()})));
  for (int i = 0; i < 37; ++i) {
    double ref = 0;
    for (int j = 0; j < 70; ++j)
      ref += x[i * 70 + j];
    EXPECT_NEAR(rows[i], ref, 1e-4);
  }
  for (int j = 0; j < 70; ++j) {
    double ref = 0;
    for (int i = 0; i < 37; ++i)
      ref += x[i * 70 + j];
    EXPECT_NEAR(cols[j], ref, 1e-4);
  }
}

TEST(CodegenLinalg, ReturnedArgumentIsCopiedToOutput) {
  Compiled c = compile("func.func @id(%x: tensor<5xf64>) -> tensor<5xf64> {\n"
                       "  return %x : tensor<5xf64>\n}\n");
  ASSERT_TRUE(c.module);
  std::vector<double> x = {1, 2, 3, 4, 5}, y(5, 0);
  ASSERT_TRUE(succeeded(c.module->runRaw("id", {x.data()}, {y.data()})));
  EXPECT_EQ(y, x);
}

TEST(CodegenLinalg, BadCallsAreErrors) {
  Compiled c = compile(matmulSource(4, 4, 4));
  ASSERT_TRUE(c.module);
  std::vector<float> a(16), out(16);
  std::string error;
  EXPECT_TRUE(failed(c.module->runRaw("nope", {a.data(), a.data()}, {out.data()}, &error)));
  EXPECT_NE(error.find("no function 'nope'"), std::string::npos) << error;
  EXPECT_TRUE(failed(c.module->runRaw("mm", {a.data()}, {out.data()}, &error)));
  EXPECT_NE(error.find("takes 2 inputs and 1 outputs, got 1 and 1"), std::string::npos) << error;
}

TEST(CodegenLinalg, DynamicPassThroughRunsAtAnySizeAndUnsizableDimsAreRejected) {
  mlir::DialectRegistry registry;
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  std::string diagnostic;
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &d) {
    diagnostic = d.str();
    return mlir::success();
  });
  // A `?` argument returned as it is: one compile, each call's size (the output is a copy).
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      "func.func @f(%x: tensor<?xf32>) -> tensor<?xf32> { return %x : tensor<?xf32> }", &context);
  ASSERT_TRUE(module);
  auto compiled = grad::CompiledModule::compile(*module);
  ASSERT_TRUE(succeeded(compiled)) << diagnostic;
  for (int64_t n : {3, 5}) {
    grad::Tensor x = grad::randn({n}, 7);
    auto out = (*compiled)->run("f", {x});
    ASSERT_TRUE(succeeded(out));
    EXPECT_EQ((*out)[0].shape(), (grad::Shape{n}));
    EXPECT_EQ(grad::max(grad::abs((*out)[0] - x)).item<float>(), 0.0f);
  }
  // Sizes must come from the tensor arguments: an `index` argument is refused with a diagnostic.
  auto bad = mlir::parseSourceString<mlir::ModuleOp>(
      "func.func @g(%x: tensor<?xf32>, %i: index) -> tensor<?xf32> { return %x : tensor<?xf32> }",
      &context);
  ASSERT_TRUE(bad);
  EXPECT_TRUE(failed(grad::CompiledModule::compile(*bad)));
  EXPECT_NE(diagnostic.find("cannot compile function 'g': argument #1 has type 'index'"),
            std::string::npos)
      << diagnostic;
}

TEST(CodegenLinalg, ObjectFileDefinesTheCInterface) {
  mlir::DialectRegistry registry;
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(matmulSource(8, 8, 8), &context);
  ASSERT_TRUE(module);
  std::string ir;
  llvm::raw_string_ostream irStream(ir);
  ASSERT_TRUE(succeeded(grad::emitLLVMIR(*module, irStream, {})));
  EXPECT_NE(ir.find("define void @_mlir_ciface_mm(ptr"), std::string::npos);
  EXPECT_EQ(ir.find("memrefCopy"), std::string::npos) << "needs the MLIR runtime library";
  llvm::SmallString<0> object;
  llvm::raw_svector_ostream objStream(object);
  ASSERT_TRUE(succeeded(grad::emitObjectFile(*module, objStream, {})));
  ASSERT_GT(object.size(), 4u);
  EXPECT_EQ(object.substr(0, 4), "\x7f"
                                 "ELF");
}

TEST(CodegenLinalg, ObjectFileNeedsOnlyLibcAndLibm) {
  // Strided copies (insert into a slice of a larger buffer), temporaries, f64 transcendental
  // functions: the undefined symbols of the object must all come from libc/libm.
  const char *source = R"mlir(
#id = affine_map<(i, j) -> (i, j)>
func.func @f(%x: tensor<4x6xf64>, %y: tensor<4x3xf64>) -> tensor<4x9xf64> {
  %e = tensor.empty() : tensor<4x6xf64>
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x6xf64>) outs(%e : tensor<4x6xf64>) {
  ^bb0(%v: f64, %o: f64):
    %a = math.exp %v : f64
    %b = math.tanh %a : f64
    %c = math.log %b : f64
    linalg.yield %c : f64
  } -> tensor<4x6xf64>
  %r0 = tensor.empty() : tensor<4x9xf64>
  %r1 = tensor.insert_slice %t into %r0[0, 0] [4, 6] [1, 1] : tensor<4x6xf64> into tensor<4x9xf64>
  %r2 = tensor.insert_slice %y into %r1[0, 6] [4, 3] [1, 1] : tensor<4x3xf64> into tensor<4x9xf64>
  return %r2 : tensor<4x9xf64>
}
)mlir";
  mlir::DialectRegistry registry;
  grad::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  llvm::SmallString<0> object;
  llvm::raw_svector_ostream objStream(object);
  ASSERT_TRUE(succeeded(grad::emitObjectFile(*module, objStream, {})));
  auto file = llvm::object::ObjectFile::createObjectFile(
      llvm::MemoryBufferRef(llvm::StringRef(object.data(), object.size()), "f.o"));
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  const std::set<std::string> libcAndLibm = {"malloc", "free", "memcpy", "memmove", "memset", "exp",
                                             "log",    "tanh", "expf",   "logf",    "tanhf",  "sin",
                                             "cos",    "sinf", "cosf",   "pow",     "powf"};
  bool definesEntry = false;
  for (const llvm::object::SymbolRef &symbol : (*file)->symbols()) {
    auto name = symbol.getName();
    auto flags = symbol.getFlags();
    ASSERT_TRUE(bool(name) && bool(flags));
    if (*name == "_mlir_ciface_f")
      definesEntry = !(*flags & llvm::object::SymbolRef::SF_Undefined);
    if ((*flags & llvm::object::SymbolRef::SF_Undefined) && !name->empty())
      EXPECT_TRUE(libcAndLibm.count(name->str())) << "object needs '" << name->str() << "'";
  }
  EXPECT_TRUE(definesEntry);
}

} // namespace
