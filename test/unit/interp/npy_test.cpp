// .npy reader/writer: exact header bytes (as numpy writes them), round trips of every dtype and
// layout, and one test per malformed-input error. Files made by numpy itself are covered by the
// lit tests in test/lit/npy (grad-run reads numpy's files, numpy reads grad-run's, and `cmp`
// checks the bytes are identical).
#include "grad/npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include <unistd.h>

#include "grad/error.h"
#include "grad/ops.h"

namespace {

using grad::DType;
using grad::Tensor;

/// The bytes numpy writes for a header dict (padded with spaces to a 64-byte boundary).
std::string npyHeader(const std::string& dict, int major = 1) {
  std::string h = dict;
  size_t prefix = major == 1 ? 10 : 12;
  size_t total = (prefix + h.size() + 1 + 63) / 64 * 64;
  h.append(total - prefix - h.size() - 1, ' ');
  h += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  size_t width = major == 1 ? 2 : 4;
  for (size_t i = 0; i < width; ++i) out += static_cast<char>((h.size() >> (8 * i)) & 0xff);
  return out + h;
}

template <class T>
std::string rawBytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string errorOf(const std::string& bytes) {
  try {
    grad::parse_npy(bytes, "bad.npy");
  } catch (const grad::Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Npy, WritesNumpysExactHeader) {
  Tensor t = grad::tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  std::string expected = npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") +
                         rawBytes(std::vector<float>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(grad::serialize_npy(t), expected);
  EXPECT_EQ(expected.size() % 64, 24u);  // header is 64 bytes, then 24 data bytes
}

TEST(Npy, OneDimAndScalarShapesUseNumpysTupleSyntax) {
  std::string one = grad::serialize_npy(grad::tensor(std::vector<int64_t>{7, -8, 9}, {3}));
  EXPECT_EQ(one, npyHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }") +
                     rawBytes(std::vector<int64_t>{7, -8, 9}));
  std::string zero = grad::serialize_npy(grad::scalar_tensor(2.5, DType::f64));
  EXPECT_EQ(zero, npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (), }") +
                      rawBytes(std::vector<double>{2.5}));
}

TEST(Npy, RoundTripsEveryDtype) {
  std::vector<Tensor> tensors = {
      grad::tensor(std::vector<float>{1.5f, -0.0f, 3e-38f, 1e30f}, {2, 2}),
      grad::tensor(std::vector<double>{0.1, -2.0, 1e-300}, {3}),
      grad::tensor(std::vector<int64_t>{INT64_MIN, 0, INT64_MAX, 42}, {1, 4}),
      grad::bool_tensor({true, false, false, true, true, false}, {3, 2}),
      grad::zeros({0, 3}),
  };
  for (const Tensor& t : tensors) {
    Tensor back = grad::parse_npy(grad::serialize_npy(t));
    ASSERT_EQ(back.dtype(), t.dtype());
    ASSERT_EQ(back.shape(), t.shape());
    // Compare bytes: -0.0 and extreme values must survive exactly.
    EXPECT_EQ(grad::serialize_npy(back), grad::serialize_npy(t));
  }
  Tensor f = grad::parse_npy(grad::serialize_npy(tensors[0]));
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1.5f, -0.0f, 3e-38f, 1e30f}));
  Tensor b = grad::parse_npy(grad::serialize_npy(tensors[3]));
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false, false, true, true, false}));
}

TEST(Npy, WritesNonContiguousViewsInRowMajorOrder) {
  Tensor t = grad::tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor back = grad::parse_npy(grad::serialize_npy(grad::transpose(t, 0, 1)));
  EXPECT_EQ(back.shape(), (grad::Shape{3, 2}));
  EXPECT_EQ(back.to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Npy, ReadsVersion2HeadersAndDoubleQuotes) {
  std::string bytes =
      npyHeader("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,)}", 2) +
      rawBytes(std::vector<double>{0.25, -4.0});
  Tensor t = grad::parse_npy(bytes);
  EXPECT_EQ(t.shape(), (grad::Shape{2}));
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{0.25, -4.0}));
}

TEST(Npy, NonzeroBoolBytesReadAsTrue) {
  std::string bytes = npyHeader("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }") +
                      std::string("\x00\x02\x01", 3);
  EXPECT_EQ(grad::parse_npy(bytes).to_vector<bool>(), (std::vector<bool>{false, true, true}));
}

TEST(Npy, FileRoundTripAndMissingFile) {
  std::string path = ::testing::TempDir() + "/grad_npy_test_" + std::to_string(getpid()) + ".npy";
  Tensor t = grad::tensor(std::vector<double>{1, 2, 3, 4}, {2, 2});
  grad::save_npy(path, t);
  EXPECT_EQ(grad::load_npy(path).to_vector<double>(), (std::vector<double>{1, 2, 3, 4}));
  std::remove(path.c_str());
  try {
    grad::load_npy(path);
    FAIL() << "expected an error";
  } catch (const grad::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(grad::save_npy("/nonexistent-dir/x.npy", t), grad::Error);
}

// ---- malformed input: one test per error, checking the message says what is wrong ----------

void expectError(const std::string& bytes, const std::string& fragment) {
  std::string msg = errorOf(bytes);
  EXPECT_NE(msg.find("load_npy: 'bad.npy': "), std::string::npos) << msg;
  EXPECT_NE(msg.find(fragment), std::string::npos) << "message: " << msg;
}

const std::string kF32Dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";

TEST(NpyErrors, BadMagic) {
  expectError("PK\x03\x04 not numpy at all", "bad magic");
  expectError("", "bad magic");
}

TEST(NpyErrors, UnsupportedVersion) {
  std::string bytes = npyHeader(kF32Dict) + rawBytes(std::vector<float>{1, 2});
  bytes[6] = 9;
  expectError(bytes, "unsupported format version 9.0");
}

TEST(NpyErrors, TruncatedHeader) {
  std::string bytes = npyHeader(kF32Dict);
  expectError(bytes.substr(0, 9), "truncated header");
  expectError(bytes.substr(0, 40), "truncated header");
}

TEST(NpyErrors, TruncatedData) {
  expectError(npyHeader(kF32Dict) + rawBytes(std::vector<float>{1}), "truncated data");
}

TEST(NpyErrors, TrailingBytes) {
  expectError(npyHeader(kF32Dict) + rawBytes(std::vector<float>{1, 2, 3}), "trailing bytes");
}

TEST(NpyErrors, BigEndian) {
  expectError(npyHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }") +
                  rawBytes(std::vector<float>{1, 2}),
              "big-endian");
}

TEST(NpyErrors, UnsupportedDtypes) {
  for (const char* descr : {"<i4", "<f2", "<c8", "|u1", "<U3", "|O"}) {
    expectError(npyHeader(std::string("{'descr': '") + descr +
                          "', 'fortran_order': False, 'shape': (2,), }") +
                    std::string(64, '\0'),
                std::string("unsupported dtype '") + descr + "'");
  }
}

TEST(NpyErrors, FortranOrder) {
  expectError(npyHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }") +
                  rawBytes(std::vector<float>{1, 2, 3, 4}),
              "Fortran-order");
}

TEST(NpyErrors, MalformedHeaderDicts) {
  expectError(npyHeader("{'descr': '<f4', 'shape': (2,), }"), "lacks");
  expectError(npyHeader("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }"),
              "expected True or False");
  expectError(npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"),
              "non-negative integer");
  expectError(npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"),
              "unexpected key 'x'");
  expectError(npyHeader("['descr', '<f4']"), "expected '{'");
  expectError(npyHeader("{'descr: '<f4'"), "malformed header");
}

TEST(NpyErrors, HugeShapeDoesNotOverflow) {
  // 2^62 * 2^62 elements would wrap around to 0 bytes with unchecked arithmetic.
  expectError(npyHeader("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (4611686018427387904, 4611686018427387904), }"),
              "too large");
  expectError(npyHeader("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (99999999999999999999999,), }"),
              "too large");
}

}  // namespace
