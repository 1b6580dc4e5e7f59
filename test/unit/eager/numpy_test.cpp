// Forward values of composite and broadcasting ops against numpy (/usr/bin/python3), an
// independent implementation. Inputs go to python as literals; results come back as text.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "grad/eager.h"

namespace grad {
namespace {

std::string literal(const Tensor& t) {
  std::ostringstream os;
  os.precision(17);
  os << "np.array([";
  for (double v : t.to_vector<double>())
    os << v << ",";
  os << "], dtype=np.float64).reshape((";
  for (int64_t d : t.shape())
    os << d << ",";
  os << "))";
  return os.str();
}

bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

/// Collects (grad result, numpy expression over inputs x0, x1, ...) pairs and checks them all
/// in one python run (python's start-up dominates the cost).
class NumpyCheck {
public:
  explicit NumpyCheck(std::vector<Tensor> inputs) : inputs_(std::move(inputs)) {}
  void expect(const Tensor& got, std::string expr) { cases_.push_back({got, std::move(expr)}); }
  void run(double tol = 1e-12) {
    // One file per process: ctest runs the tests of this binary in parallel processes.
    std::string path =
        ::testing::TempDir() + "grad_numpy_check_" + std::to_string(getpid()) + ".py";
    {
      std::ofstream py(path);
      py << "import numpy as np\n";
      for (size_t i = 0; i < inputs_.size(); ++i)
        py << "x" << i << " = " << literal(inputs_[i]) << "\n";
      for (const auto& c : cases_)
        py << "print(' '.join(repr(float(v)) for v in np.asarray(" << c.expr
           << ", dtype=np.float64).ravel()))\n";
    }
    std::string cmd = "/usr/bin/python3 " + path + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof(buf), pipe))
      out.append(buf, n);
    pclose(pipe);
    std::remove(path.c_str());
    std::istringstream lines(out);
    for (const auto& c : cases_) {
      std::string line;
      ASSERT_TRUE(std::getline(lines, line)) << "python said: " << out;
      std::istringstream is(line);
      std::vector<double> want;
      double v;
      while (is >> v)
        want.push_back(v);
      std::vector<double> got = c.got.to_vector<double>();
      ASSERT_EQ(got.size(), want.size()) << c.expr << "; python said: " << line;
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << c.expr << " element " << i;
    }
  }

private:
  struct Case {
    Tensor got;
    std::string expr;
  };
  std::vector<Tensor> inputs_;
  std::vector<Case> cases_;
};

TEST(Numpy, BroadcastingMatmulAndReductions) {
  if (!have_numpy())
    GTEST_SKIP() << "/usr/bin/python3 has no numpy";
  Tensor a = randn({2, 1, 3, 4}, 1, DType::f64), b = randn({3, 4, 5}, 2, DType::f64);
  Tensor c = randn({3, 1}, 3, DType::f64), d = randn({4}, 4, DType::f64);
  NumpyCheck check({a, b, c, d});
  check.expect(matmul(a, b), "x0 @ x1");
  check.expect(matmul(d, b), "x3 @ x1");
  check.expect(where(gt(c, 0.0), c * d, d - c), "np.where(x2 > 0, x2 * x3, x3 - x2)");
  check.expect(max(a, {0, 2}, true), "x0.max(axis=(0, 2), keepdims=True)");
  check.expect(mean(b, -1), "x1.mean(axis=-1)");
  check.expect(sum(transpose(a, 1, 3), {1, 2}), "x0.transpose(0, 3, 2, 1).sum(axis=(1, 2))");
  check.expect(slice(slice(b, 2, 1, 4), 1, 0, 4, 3), "x1[:, 0:4:3, 1:4]");
  check.run();
}

TEST(Numpy, Composites) {
  if (!have_numpy())
    GTEST_SKIP() << "/usr/bin/python3 has no numpy";
  Tensor x = randn({4, 6}, 5, DType::f64) * 10.0;
  Tensor w = randn({6}, 6, DType::f64), bias = randn({6}, 7, DType::f64);
  NumpyCheck check({x, w, bias});
  check.expect(softmax(x, 1), "np.exp(x0 - x0.max(1, keepdims=True)) / "
                              "np.exp(x0 - x0.max(1, keepdims=True)).sum(1, keepdims=True)");
  check.expect(log_softmax(x, 0), "x0 - np.log(np.exp(x0).sum(0, keepdims=True))");
  check.expect(logsumexp(x, {0}), "np.log(np.exp(x0).sum(0))");
  check.expect(layer_norm(x, {}, w, bias),
               "(x0 - x0.mean(-1, keepdims=True)) / np.sqrt(x0.var(-1, keepdims=True) + 1e-5) "
               "* x1 + x2");
  check.expect(gelu(x), "0.5 * x0 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x0 + 0.044715 * x0**3)))");
  check.expect(cross_entropy(x, tensor({5, 0, 3, 3})),
               "-np.mean((x0 - np.log(np.exp(x0).sum(1, keepdims=True)))[np.arange(4), "
               "[5, 0, 3, 3]])");
  check.expect(mse_loss(x, w), "((x0 - x1)**2).mean()");
  check.run(1e-11);
}

} // namespace
} // namespace grad
