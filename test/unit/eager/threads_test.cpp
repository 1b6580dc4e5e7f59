// The thread count API and the parallel eager kernels: set/get, OpenBLAS following the count,
// bad counts, run-to-run bitwise equality at 2 threads, 1 thread vs 2 threads, and the SLEEF
// kernels against libm (accuracy, special values, tails shorter than a vector).
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "expect_error.h"
#include "grad/eager.h"

extern "C" int openblas_get_num_threads(void);

namespace grad {
namespace {

/// Restores the thread count a test changed.
struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

TEST(Threads, DefaultIsEnvironmentOrEveryCore) {
  const char* env = std::getenv("GRAD_NUM_THREADS");
  if (env && *env)
    EXPECT_EQ(get_num_threads(), std::atoi(env));
  else
    EXPECT_EQ(get_num_threads(), omp_get_num_procs());
}

TEST(Threads, SetSetsOpenMPAndOpenBLAS) {
  ThreadCountGuard guard;
  for (int n : {1, 3, 2}) {
    set_num_threads(n);
    EXPECT_EQ(get_num_threads(), n);
    EXPECT_EQ(omp_get_max_threads(), n);
    EXPECT_EQ(openblas_get_num_threads(), 1); // gemms split over the pool instead (Note [One pool for gemms])
  }
}

TEST(Threads, BadCountIsAnError) {
  ThreadCountGuard guard;
  expect_error([] { set_num_threads(0); }, {"set_num_threads", "got 0"});
  expect_error([] { set_num_threads(-4); }, {"set_num_threads", "got -4"});
  EXPECT_EQ(get_num_threads(), guard.saved);
}

// Run in its own ctest with GRAD_NUM_THREADS=abc (test/unit/eager/CMakeLists.txt).
TEST(ThreadsEnv, BadEnvironmentIsAnError) {
  const char* env = std::getenv("GRAD_NUM_THREADS");
  if (!env || std::string(env) != "abc")
    GTEST_SKIP() << "runs with GRAD_NUM_THREADS=abc";
  expect_error([] { get_num_threads(); }, {"GRAD_NUM_THREADS='abc'", "positive integer"});
  set_num_threads(2); // an explicit count does not need the environment
  EXPECT_EQ(get_num_threads(), 2);
}

//===----------------------------------------------------------------------===//
// Determinism
//===----------------------------------------------------------------------===//

/// Every kernel family at sizes above the parallel thresholds, forward and backward: the
/// results, concatenated.
std::vector<Tensor> workload(DType dt) {
  Tensor x = randn({96, 1000}, 1, dt).requires_grad_();
  Tensor w = randn({1000}, 2, dt).requires_grad_();
  Tensor b = randn({1000}, 3, dt).requires_grad_();
  Tensor y = gelu(layer_norm(x, {1000}, w, b)) + tanh(x) * sigmoid(x);
  Tensor s = softmax(y, -1);
  Tensor z = exp(s) + log(abs(x) + 1.0) + sin(x) * cos(x);
  Tensor loss = sum(z * z) + mean(max(y, 0)) + sum(sum(y, 0));
  loss.backward();
  Tensor big = randn({1 << 20}, 4, dt);
  return {y, s, z, loss, x.grad(), w.grad(), b.grad(), sum(big), max(big), mean(big.reshape({1024, 1024}), 0)};
}

template <class T> bool bitwise_equal(const Tensor& a, const Tensor& b) {
  std::vector<T> va = a.to_vector<T>(), vb = b.to_vector<T>();
  return va.size() == vb.size() && std::memcmp(va.data(), vb.data(), va.size() * sizeof(T)) == 0;
}

TEST(ThreadsDeterminism, TwoThreadsBitwiseRunToRun) {
  ThreadCountGuard guard;
  set_num_threads(2);
  for (DType dt : {DType::f32, DType::f64}) {
    std::vector<Tensor> a = workload(dt), b = workload(dt);
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_TRUE(dt == DType::f32 ? bitwise_equal<float>(a[i], b[i])
                                   : bitwise_equal<double>(a[i], b[i]))
          << "result " << i << " " << dtype_name(dt);
  }
}

// The eager kernels give each output to one thread in a fixed order of operations, so 1 and 2
// threads agree bitwise (see Note [Deterministic parallel kernels]); matmul goes through
// OpenBLAS, which only promises agreement within rounding.
// Attention-sized batched matmuls (64 per-head 64x16 @ 16x64 products, and a transposed view
// as the second operand) are spread over the pool by batch point (Note [Parallel batches of
// small gemms, eager]): bitwise equal at 1 and 2 threads and to the 2-D matmul of each slice.
TEST(ThreadsDeterminism, SmallBatchedMatmulsSplitByBatchPoint) {
  ThreadCountGuard guard;
  Tensor q = randn({16, 4, 64, 16}, 11), k = randn({16, 4, 64, 16}, 12);
  auto scores = [&] { return matmul(q, transpose(k, 2, 3)); };
  auto head = [](const Tensor& x, int64_t b, int64_t h) { // x[b, h] as a matrix
    Tensor s = slice(slice(x, 0, b, b + 1), 1, h, h + 1);
    return reshape(s, {s.shape()[2], s.shape()[3]});
  };
  set_num_threads(1);
  Tensor one = scores();
  set_num_threads(2);
  Tensor two = scores(), again = scores();
  ASSERT_EQ(one.shape(), (Shape{16, 4, 64, 64}));
  EXPECT_TRUE(bitwise_equal<float>(one, two));
  EXPECT_TRUE(bitwise_equal<float>(two, again));
  for (int64_t b : {0, 7, 15})
    for (int64_t h : {0, 3}) {
      EXPECT_TRUE(bitwise_equal<float>(matmul(head(q, b, h), transpose(head(k, b, h), 0, 1)),
                                       head(two, b, h)))
          << "batch " << b << " head " << h;
    }
}

TEST(ThreadsDeterminism, OneThreadMatchesTwoThreads) {
  ThreadCountGuard guard;
  set_num_threads(1);
  std::vector<Tensor> one = workload(DType::f32);
  set_num_threads(2);
  std::vector<Tensor> two = workload(DType::f32);
  for (size_t i = 0; i < one.size(); ++i)
    EXPECT_TRUE(bitwise_equal<float>(one[i], two[i])) << "result " << i;

  auto mlp = [] {
    Tensor x = randn({256, 512}, 5);
    Tensor w1 = randn({512, 512}, 6).requires_grad_();
    Tensor w2 = randn({512, 64}, 7).requires_grad_();
    Tensor loss = sum(relu(matmul(relu(matmul(x, w1)), w2)));
    loss.backward();
    return std::vector<Tensor>{loss, w1.grad(), w2.grad()};
  };
  set_num_threads(1);
  std::vector<Tensor> m1 = mlp();
  set_num_threads(2);
  std::vector<Tensor> m2 = mlp();
  for (size_t i = 0; i < m1.size(); ++i) {
    std::vector<float> a = m1[i].to_vector<float>(), b = m2[i].to_vector<float>();
    ASSERT_EQ(a.size(), b.size());
    for (size_t j = 0; j < a.size(); ++j)
      ASSERT_NEAR(a[j], b[j], 1e-4 * (1 + std::fabs(a[j]))) << "result " << i << " element " << j;
  }
}

//===----------------------------------------------------------------------===//
// Vectorized math (SLEEF) against libm
//===----------------------------------------------------------------------===//

/// Largest |op(x) - ref(x)| / max(|ref(x)|, floor(x)) over a grid of [lo, hi], in T.
template <class T>
void expect_close_to_libm(Tensor (*op)(const Tensor&), double (*ref)(double),
                          double (*floor)(double), double lo, double hi, double rel,
                          const char* name) {
  const int n = 100003; // not a multiple of any vector width: exercises the padded tail
  std::vector<T> xs(n);
  for (int i = 0; i < n; ++i)
    xs[i] = static_cast<T>(lo + (hi - lo) * i / (n - 1));
  std::vector<T> got = op(tensor(xs)).template to_vector<T>();
  double worst = 0, at = 0;
  for (int i = 0; i < n; ++i) {
    const double x = xs[i], want = ref(x);
    const double err = std::fabs(got[i] - want) / std::max(std::fabs(want), floor(x));
    if (err > worst) {
      worst = err;
      at = x;
    }
  }
  EXPECT_LE(worst, rel) << name << " at x = " << at;
}

double gelu_ref(double v) {
  return 0.5 * v * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
}

TEST(VectorMath, MatchesLibmWithinAFewUlp) {
  // Relative error, except where the function crosses zero: sin and cos are compared against 1
  // (their scale), gelu against 0.5 |x| (an ulp of tanh near -1 costs that much in 1 + tanh).
  auto relative = [](double) { return 1e-300; };
  auto unit = [](double) { return 1.0; };
  auto half_x = [](double x) { return std::max(0.5 * std::fabs(x), 1e-300); };
  for (int f64 = 0; f64 < 2; ++f64) {
    const double rel = f64 ? 8 * 2.2e-16 : 8 * 1.2e-7;
    auto check = [&](Tensor (*op)(const Tensor&), double (*ref)(double), double (*floor)(double),
                     double lo, double hi, const char* name) {
      if (f64)
        expect_close_to_libm<double>(op, ref, floor, lo, hi, rel, name);
      else
        expect_close_to_libm<float>(op, ref, floor, lo, hi, rel, name);
    };
    check(exp, [](double v) { return std::exp(v); }, relative, -80, 80, "exp");
    check(log, [](double v) { return std::log(v); }, unit, 1e-6, 1e6, "log");
    check(tanh, [](double v) { return std::tanh(v); }, relative, -12, 12, "tanh");
    check(sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }, relative, -80, 80, "sigmoid");
    check(gelu, gelu_ref, half_x, -12, 12, "gelu");
    check(sin, [](double v) { return std::sin(v); }, unit, -100, 100, "sin");
    check(cos, [](double v) { return std::cos(v); }, unit, -100, 100, "cos");
  }
}

TEST(VectorMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = tensor({-inf, inf, nan, -200.f, 200.f, 0.f});
  std::vector<float> e = exp(x).to_vector<float>();
  EXPECT_EQ(e[0], 0.f);
  EXPECT_EQ(e[1], inf);
  EXPECT_TRUE(std::isnan(e[2]));
  EXPECT_EQ(e[3], 0.f);
  EXPECT_EQ(e[4], inf);
  EXPECT_EQ(e[5], 1.f);
  std::vector<float> t = tanh(x).to_vector<float>();
  EXPECT_EQ(t[0], -1.f);
  EXPECT_EQ(t[1], 1.f);
  EXPECT_TRUE(std::isnan(t[2]));
  EXPECT_EQ(t[5], 0.f);
  std::vector<float> s = sigmoid(x).to_vector<float>();
  EXPECT_EQ(s[0], 0.f);
  EXPECT_EQ(s[1], 1.f);
  EXPECT_TRUE(std::isnan(s[2]));
  EXPECT_EQ(s[3], 0.f);
  EXPECT_EQ(s[4], 1.f);
  std::vector<float> g = gelu(x).to_vector<float>();
  EXPECT_EQ(g[3], -0.f);
  EXPECT_EQ(g[4], 200.f);
  EXPECT_TRUE(std::isnan(g[2]));
  std::vector<float> l = log(tensor({0.f, -1.f, inf, 1.f})).to_vector<float>();
  EXPECT_EQ(l[0], -inf);
  EXPECT_TRUE(std::isnan(l[1]));
  EXPECT_EQ(l[2], inf);
  EXPECT_EQ(l[3], 0.f);
}

TEST(VectorMath, ResultDoesNotDependOnPositionOrLayout) {
  // A value gives the same bits in a short tail, deep inside a long array, and in a transposed
  // (strided) view.
  Tensor big = randn({64, 67}, 11);
  std::vector<float> whole = tanh(big).to_vector<float>();
  std::vector<float> xs = big.to_vector<float>();
  for (int len : {1, 3, 7, 15, 17}) {
    std::vector<float> part(xs.begin() + 100, xs.begin() + 100 + len);
    std::vector<float> got = tanh(tensor(part)).to_vector<float>();
    for (int i = 0; i < len; ++i)
      EXPECT_EQ(std::memcmp(&got[i], &whole[100 + i], sizeof(float)), 0) << len << " " << i;
  }
  std::vector<float> viaT =
      transpose(tanh(transpose(big, 0, 1)), 0, 1).contiguous().to_vector<float>();
  EXPECT_EQ(std::memcmp(viaT.data(), whole.data(), whole.size() * sizeof(float)), 0);
}

//===----------------------------------------------------------------------===//
// Parallel reductions against double-precision loops
//===----------------------------------------------------------------------===//

TEST(ParallelReduce, MatchesLoopsOnEveryShapeClass) {
  ThreadCountGuard guard;
  set_num_threads(2);
  // Long rows (several blocks), one long row, columns, a middle axis.
  Tensor x = randn({3, 40000}, 21);
  Tensor y = randn({70000, 3}, 22);
  Tensor z = randn({5, 9000, 4}, 23);
  std::vector<float> vx = x.to_vector<float>(), vy = y.to_vector<float>(), vz = z.to_vector<float>();
  std::vector<float> rows = sum(x, 1).to_vector<float>();
  for (int i = 0; i < 3; ++i) {
    double want = 0;
    for (int j = 0; j < 40000; ++j)
      want += vx[i * 40000 + j];
    EXPECT_NEAR(rows[i], want, 1e-2) << "row " << i;
  }
  double all = 0;
  float mx = -1e30f;
  for (float v : vx) {
    all += v;
    mx = std::max(mx, v);
  }
  EXPECT_NEAR(sum(x).item<float>(), all, 1e-2);
  EXPECT_EQ(max(x).item<float>(), mx);
  std::vector<float> cols = mean(y, 0).to_vector<float>();
  for (int j = 0; j < 3; ++j) {
    double want = 0;
    for (int i = 0; i < 70000; ++i)
      want += vy[i * 3 + j];
    EXPECT_NEAR(cols[j], want / 70000, 1e-5) << "column " << j;
  }
  std::vector<float> mid = max(z, 1).to_vector<float>();
  for (int a = 0; a < 5; ++a)
    for (int c = 0; c < 4; ++c) {
      float want = -1e30f;
      for (int b = 0; b < 9000; ++b)
        want = std::max(want, vz[(a * 9000 + b) * 4 + c]);
      EXPECT_EQ(mid[a * 4 + c], want);
    }
  // NaN propagates through the block split.
  std::vector<float> withNan(50000, 1.f);
  withNan[33333] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(max(tensor(withNan)).item<float>()));
  EXPECT_TRUE(std::isnan(sum(tensor(withNan)).item<float>()));
}

} // namespace
} // namespace grad
