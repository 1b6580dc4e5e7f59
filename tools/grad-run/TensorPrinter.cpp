//===- TensorPrinter.cpp - numpy-like text of a tensor --------------------===//
//
// Recursive nested-bracket printer: one row of the innermost dimension per line, a blank line
// between blocks of rank >= 3 (as numpy), "..." in place of the middle of long dimensions when
// summarizing. Float formatting: shortest round-trip digits, with ".0" added to integral values
// so that a float never reads as an integer.
//
//===----------------------------------------------------------------------===//

#include "TensorPrinter.h"

#include <charconv>
#include <string>
#include <vector>

namespace grad {
namespace {

constexpr int64_t kEdgeItems = 3;

template <class T> std::string formatFloat(T v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find_first_of(".en") == std::string::npos) // not "nan"/"inf", no exponent or point
    s += ".0";
  return s;
}

class Printer {
public:
  Printer(llvm::raw_ostream &os, const Tensor &t, bool summarize)
      : os(os), shape(t.shape()), summarize(summarize) {
    Tensor c = t.contiguous();
    int64_t n = c.numel();
    text.reserve(n);
    switch (c.dtype()) {
    case DType::f32:
      for (float v : c.to_vector<float>())
        text.push_back(formatFloat(v));
      break;
    case DType::f64:
      for (double v : c.to_vector<double>())
        text.push_back(formatFloat(v));
      break;
    case DType::i64:
      for (int64_t v : c.to_vector<int64_t>())
        text.push_back(std::to_string(v));
      break;
    case DType::b8:
      for (bool v : c.to_vector<bool>())
        text.push_back(v ? "True" : "False");
      break;
    }
    strides.assign(shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * shape[d + 1];
  }

  void print() {
    if (shape.empty()) {
      os << text[0];
      return;
    }
    printDim(0, 0);
  }

private:
  void printDim(size_t dim, int64_t offset) {
    os << '[';
    int64_t size = shape[dim];
    bool cut = summarize && size > 2 * kEdgeItems;
    bool innermost = dim + 1 == shape.size();
    bool first = true;
    for (int64_t i = 0; i < size; ++i) {
      if (cut && i == kEdgeItems) {
        separator(dim, innermost);
        os << "...";
        i = size - kEdgeItems - 1;
        continue;
      }
      if (!first)
        separator(dim, innermost);
      first = false;
      if (innermost)
        os << text[offset + i];
      else
        printDim(dim + 1, offset + i * strides[dim]);
    }
    os << ']';
  }

  /// ", " inside a row; ",\n" + blank lines (one per extra depth) + indent between sub-arrays.
  void separator(size_t dim, bool innermost) {
    if (innermost) {
      os << ", ";
      return;
    }
    os << ',';
    for (size_t k = dim + 1; k < shape.size(); ++k)
      os << '\n';
    os.indent(dim + 1);
  }

  llvm::raw_ostream &os;
  const Shape &shape;
  bool summarize;
  std::vector<std::string> text;
  std::vector<int64_t> strides;
};

} // namespace

void printTensorValues(llvm::raw_ostream &os, const Tensor &t, int64_t summarizeAbove) {
  Printer(os, t, t.numel() > summarizeAbove).print();
}

} // namespace grad
