// grad::save / grad::load (safetensors): round trips of every dtype and layout, the exact bytes of
// the format, every kind of malformed file as a grad::Error (never a crash: truncations at every
// length and corrupted headers included), and interop with an independent Python writer/reader.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include <unistd.h>

#include "grad/eager.h"
#include "temp_path.h"

namespace grad {
namespace {

using Named = std::vector<std::pair<std::string, Tensor>>;

/// Same dtype, shape and bytes (NaN payloads and -0.0 included).
void expectBitEqual(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  size_t n = static_cast<size_t>(ca.numel()) * dtype_size(ca.dtype());
  EXPECT_EQ(n ? std::memcmp(ca.data_ptr(), cb.data_ptr(), n) : 0, 0) << what;
}

/// A little-endian u64 followed by `header` and `data`: a hand-made file.
std::string makeFile(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * sizeof(float));
}

/// parse_safetensors throws grad::Error whose message contains every one of `parts`.
void expectError(const std::string& bytes, std::initializer_list<const char*> parts) {
  try {
    parse_safetensors(bytes, "bad.safetensors");
    ADD_FAILURE() << "no error for: " << bytes.substr(8);
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;
    for (const char* p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

TEST(Safetensors, RoundTripsEveryDtypeAndLayout) {
  Tensor m = tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Named named = {
      {"w", m},
      {"w.T", transpose(m, 0, 1)}, // a non-contiguous view is written row-major
      {"special", tensor({-0.f, nan, std::numeric_limits<float>::infinity(), 1e-45f}, {4})},
      {"d", tensor({1.0 / 3.0, -1e300}, {2})},
      {"i", tensor(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 0, 7}, {3})},
      {"b", bool_tensor({true, false, true}, {3})},
      {"scalar", scalar_tensor(2.5, DType::f64)},
      {"empty", zeros({0, 4})},
  };
  const std::string path = tempPath("rt.safetensors");
  save(named, path, {{"format", "pt"}});
  Named back = load(path);
  ASSERT_EQ(back.size(), named.size());
  for (size_t i = 0; i < named.size(); ++i) {
    EXPECT_EQ(back[i].first, named[i].first); // the order save was given
    expectBitEqual(back[i].second, named[i].second, named[i].first);
    EXPECT_TRUE(back[i].second.is_contiguous());
  }
  EXPECT_EQ(load_metadata(path), (std::map<std::string, std::string>{{"format", "pt"}}));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
}

TEST(Safetensors, WritesTheReferenceLayout) {
  std::string bytes = serialize_safetensors({{"a", tensor({1.f, 2.f}, {2})}});
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u); // header padded so that the data is 8-byte aligned
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.substr(0, header.find_last_not_of(' ') + 1),
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})");
  EXPECT_EQ(bytes.substr(8 + n), floats({1.f, 2.f}));
}

TEST(Safetensors, ReadsHandMadeFiles) {
  // Data in the reverse order of the keys, padding spaces after the JSON, metadata first.
  std::string f = makeFile(
      R"({"__metadata__":{"k":"v"},"x":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
      R"("y":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}   )",
      floats({9.f, 1.f, 2.f}));
  Named t = parse_safetensors(f);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].first, "y"); // file order
  EXPECT_EQ(t[0].second.item<float>(), 9.f);
  EXPECT_EQ(t[1].second.to_vector<float>(), (std::vector<float>{1.f, 2.f}));
  // BOOL: any nonzero byte is true.
  Named b = parse_safetensors(
      makeFile(R"({"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\x05\x00", 2)));
  EXPECT_EQ(b[0].second.to_vector<bool>(), (std::vector<bool>{true, false}));
  // An empty file (no tensors) is valid.
  EXPECT_TRUE(parse_safetensors(makeFile("{}")).empty());
}

TEST(Safetensors, MalformedFilesAreErrors) {
  const std::string ok = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data = floats({1.f, 2.f});
  ASSERT_EQ(parse_safetensors(makeFile(ok, data)).size(), 1u);

  expectError("", {"shorter than the 8-byte header length"});
  expectError(std::string("\x10\x00\x00", 3), {"shorter than the 8-byte header length"});
  std::string huge = makeFile(ok, data);
  huge[7] = '\x7f'; // header length ~2^63
  expectError(huge, {"header length", "larger than the rest of the file"});
  expectError(makeFile(ok, data).substr(0, 30), {"header length 54", "larger than the rest of the file (22 bytes)"});
  expectError(makeFile("{\"x\": [1, 2", ""), {"malformed JSON header"});
  expectError(makeFile("[1, 2]"), {"must be an object"});
  expectError(makeFile(R"({"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "abcd"),
              {"'x'", "unsupported dtype \"F16\"", "F32"});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data),
              {"'x'", "non-negative integers"});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", data),
              {"'x'", "non-negative integers"});
  expectError(makeFile(R"({"x":{"dtype":"F32","data_offsets":[0,8]}})", data),
              {"'x'", "missing \"shape\""});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", data),
              {"'x'", "[begin, end]"});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data),
              {"'x'", "end before they begin"});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data),
              {"'x'", "hold 8 bytes", "shape [3] of F32 needs 12"});
  // Truncated data: offsets past the end of the file.
  expectError(makeFile(ok, data.substr(0, 5)), {"'x'", "past the end of the data (5 bytes)"});
  // Overlap, hole, trailing bytes.
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                       data),
              {"overlap", "'x'", "'y'"});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data),
              {"'x'", "hole of 4 bytes"});
  expectError(makeFile(ok, data + "xyz"), {"3 bytes after the last tensor"});
  // Shapes whose byte size overflows 64 bits.
  expectError(makeFile(R"({"x":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})"),
              {"'x'", "too large"});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                       data),
              {"'x' occurs twice"});
  expectError(makeFile(R"({"__metadata__":{"k":1}})"), {"__metadata__", "'k'", "string"});
  expectError(makeFile("{\"x\":\"\xff\"}"), {"malformed JSON header"}); // invalid UTF-8
  // Deep nesting: rejected while parsing (nlohmann's copy and dump recurse).
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  expectError(makeFile("{\"x\":" + deep + "}"), {"nested deeper than 64 levels"});
  expectError(makeFile(deep), {"nested deeper than 64 levels"});
  expectError(makeFile(R"({"x":{"dtype":"F32","shape":[[1]],"data_offsets":[0,0]}})"),
              {"'x'", "non-negative integers, got a nested array"});
  expectError(makeFile(R"({"x":[[1],2]})"), {"'x'", "expected an object", "a nested array"});
}

TEST(Safetensors, TruncationAtEveryLengthIsAnError) {
  std::string full = serialize_safetensors(
      {{"a", tensor({1.f, 2.f, 3.f}, {3})}, {"b", tensor(std::vector<int64_t>{4, 5}, {2})}},
      {{"m", "x"}});
  ASSERT_EQ(parse_safetensors(full).size(), 2u);
  for (size_t len = 0; len < full.size(); ++len)
    EXPECT_THROW(parse_safetensors(full.substr(0, len)), Error) << "length " << len;
}

TEST(Safetensors, CorruptedHeadersNeverCrash) {
  std::string full = serialize_safetensors(
      {{"a", tensor({1.f, 2.f, 3.f}, {3})}, {"b", tensor({1.0, 2.0}, {2})}});
  uint64_t n = 0;
  std::memcpy(&n, full.data(), 8);
  // Every byte of the length and header set to a few interesting values: a grad::Error or a
  // valid parse (e.g. a change inside padding), nothing else.
  for (size_t at = 0; at < 8 + n; ++at)
    for (char c : {'\0', '9', '"', '{', ']', '-', '\xff'}) {
      std::string bad = full;
      bad[at] = c;
      try {
        parse_safetensors(bad);
      } catch (const Error&) {
      }
    }
}

TEST(Safetensors, SaveAndLoadErrorsNameTheFileAndKey) {
  const std::string path = tempPath("err.safetensors");
  auto expectSaveError = [&](const Named& named, const char* part) {
    try {
      save(named, path);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  Tensor t = ones({2});
  expectSaveError({{"a", t}, {"a", t}}, "key 'a' occurs twice");
  expectSaveError({{"", t}}, "empty name");
  expectSaveError({{"__metadata__", t}}, "reserved");
  expectSaveError({{"u", Tensor()}}, "key 'u': the tensor is undefined");
  EXPECT_FALSE(std::filesystem::exists(path));
  try {
    save({{"a", t}}, "/nonexistent-dir/x.safetensors");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.safetensors"), std::string::npos);
  }
  try {
    load(path + ".missing");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
  }
  // A truncated file on disk: the reader checks the offsets against the file size.
  save({{"a", ones({64})}}, path);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
  EXPECT_THROW(load(path), Error);
  std::filesystem::remove(path);
}

//===----------------------------------------------------------------------===//
// Interop with an independent implementation: Python's struct + json, no project code.
//===----------------------------------------------------------------------===//

bool havePython() { return std::filesystem::exists(GRAD_PYTHON3); }

int runPython(const std::string& script, const std::string& arg) {
  std::string cmd = std::string("'") + GRAD_PYTHON3 + "' '" + GRAD_CHECKPOINT_TEST_DIR + "/" +
                    script + "' '" + arg + "'";
  return std::system(cmd.c_str());
}

TEST(Interop, ReadsAFileWrittenByPython) {
  if (!havePython())
    GTEST_SKIP() << "no python3 at " << GRAD_PYTHON3;
  const std::string path = tempPath("py.safetensors");
  ASSERT_EQ(runPython("write_safetensors.py", path), 0);
  Named t = load(path);
  std::map<std::string, Tensor> by_name(t.begin(), t.end());
  ASSERT_EQ(by_name.size(), 6u);
  EXPECT_EQ(t[0].first, "index"); // the writer's data order, not its key order
  expectBitEqual(by_name["weight"], tensor({-1.f, -0.5f, 0.f, 0.5f, 1.f, 1.5f}, {2, 3}), "weight");
  expectBitEqual(by_name["third"], scalar_tensor(static_cast<float>(1.0 / 3.0)), "third");
  expectBitEqual(by_name["bias"], tensor({1.0 / 3.0, -2.5, 1e300}, {3}), "bias");
  expectBitEqual(by_name["index"],
                 tensor(std::vector<int64_t>{0, -1, int64_t(1) << 62,
                                             std::numeric_limits<int64_t>::min()},
                        {2, 2}),
                 "index");
  expectBitEqual(by_name["mask"], bool_tensor({true, false, false, true}, {4}), "mask");
  expectBitEqual(by_name["empty"], zeros({0, 3}), "empty");
  EXPECT_EQ(load_metadata(path)["writer"], "write_safetensors.py");
  std::filesystem::remove(path);
}

TEST(Interop, PythonReadsAFileWrittenByGrad) {
  if (!havePython())
    GTEST_SKIP() << "no python3 at " << GRAD_PYTHON3;
  std::vector<float> w; // exact in binary: no rounding or FMA contraction can change them
  for (int i = 0; i < 8; ++i)
    w.push_back(0.125f * static_cast<float>(i) - 0.25f);
  Named named = {
      {"fc.weight", tensor(w, {2, 4})},
      {"fc.bias", tensor({-0.f, static_cast<float>(1.0 / 3.0)}, {2})},
      {"state.0.step", tensor(std::vector<int64_t>{7}, {})},
      {"big", tensor({1.0 / 3.0, -1e-310, std::ldexp(1.0, 1000)}, {3})},
      {"ids",
       tensor(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 0,
                                   std::numeric_limits<int64_t>::max()},
              {3})},
      {"mask", bool_tensor({true, false, true, true}, {2, 2})},
      {"transposed", transpose(arange(6).reshape({2, 3}), 0, 1)},
      {"nothing", zeros({0}, DType::f64)},
  };
  const std::string path = tempPath("grad.safetensors");
  save(named, path, {{"format", "pt"}, {"epoch", "3"}});
  EXPECT_EQ(runPython("read_safetensors.py", path), 0);
  std::filesystem::remove(path);
}

} // namespace
} // namespace grad
