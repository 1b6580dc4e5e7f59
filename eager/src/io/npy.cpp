// .npy reading and writing (see grad/npy.h). The header is a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }; we parse exactly that grammar
// (string keys; string, bool and int-tuple values) and reject everything else with an error that
// names the file, instead of guessing.
#include "grad/npy.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <istream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>

#include "grad/checked.h"
#include "grad/error.h"

namespace grad {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

[[noreturn]] void fail(std::string_view op, std::string_view name, const std::string& what) {
  throw Error(std::string(op) + ": '" + std::string(name) + "': " + what);
}

/// Little-endian host check: the formats we read and write are little-endian ('<' descrs).
bool host_is_little_endian() {
  const uint16_t probe = 1;
  unsigned char first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

/// Recursive-descent parser for the header dict. Errors go through `fail` with the file name.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}') break;
      std::string key = parseString();
      expect(':');
      if (key == "descr") {
        h.descr = parseString();
        seen_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = parseBool();
        seen_order = true;
      } else if (key == "shape") {
        h.shape = parseShape();
        seen_shape = true;
      } else {
        error("unexpected key '" + key + "' in the header");
      }
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') error("expected ',' or '}' in the header");
    }
    ++pos_;
    skipSpace();
    if (pos_ != text_.size()) error("unexpected text after the header dict");
    if (!seen_descr || !seen_order || !seen_shape)
      error("header lacks one of 'descr', 'fortran_order', 'shape'");
    return h;
  }

 private:
  [[noreturn]] void error(const std::string& what) {
    fail("load_npy", name_, "malformed header (" + what + "): " + std::string(text_));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c) {
    skipSpace();
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parseString() {
    skipSpace();
    char quote = peek();
    if (quote != '\'' && quote != '"') error("expected a quoted string");
    size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) error("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool parseBool() {
    skipSpace();
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    error("expected True or False");
  }
  int64_t parseDim() {
    skipSpace();
    if (peek() < '0' || peek() > '9') error("expected a non-negative integer dimension");
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) error("dimension too large");
      v = v * 10 + (peek() - '0');
      ++pos_;
    }
    return v;
  }
  Shape parseShape() {
    Shape shape;
    expect('(');
    while (true) {
      skipSpace();
      if (peek() == ')') break;
      shape.push_back(parseDim());
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') error("expected ',' or ')' in the shape");
    }
    ++pos_;
    return shape;
  }

  std::string_view text_;
  std::string_view name_;
  size_t pos_ = 0;
};

DType dtypeFromDescr(const std::string& descr, std::string_view name) {
  if (descr == "<f4") return DType::f32;
  if (descr == "<f8") return DType::f64;
  if (descr == "<i8") return DType::i64;
  if (descr == "|b1") return DType::b8;
  if (!descr.empty() && descr[0] == '>')
    fail("load_npy", name,
         "big-endian data (descr '" + descr +
             "') is not supported; save it little-endian "
             "(e.g. numpy: a.astype(a.dtype.newbyteorder('<')))");
  fail("load_npy", name,
       "unsupported dtype '" + descr +
           "'; supported: '<f4' (float32), '<f8' (float64), '<i8' (int64), '|b1' (bool)");
}

const char* descrOf(DType dtype) {
  switch (dtype) {
    case DType::f32: return "<f4";
    case DType::f64: return "<f8";
    case DType::i64: return "<i8";
    case DType::b8: return "|b1";
  }
  return "?";
}

uint32_t readLE(std::string_view bytes, size_t at, size_t width) {
  uint32_t v = 0;
  for (size_t i = 0; i < width; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

}  // namespace

namespace {

/// Largest header accepted: numpy writes a few hundred bytes; a length field of up to 4 GiB
/// must not make the reader allocate or read that much.
constexpr size_t kMaxHeaderLen = size_t(1) << 20;

/// The length of the prefix (magic, version, header length field) and the header length, or
/// nothing while `bytes` is too short or malformed to tell (parse_layout then says why).
std::optional<std::pair<size_t, size_t>> header_extent(std::string_view bytes) {
  if (bytes.size() < kMagicLen + 2 || bytes.substr(0, kMagicLen) != std::string_view(kMagic, kMagicLen))
    return std::nullopt;
  unsigned major = static_cast<unsigned char>(bytes[kMagicLen]);
  unsigned minor = static_cast<unsigned char>(bytes[kMagicLen + 1]);
  size_t len_width;
  if (major == 1 && minor == 0)
    len_width = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    len_width = 4;  // 3.0 only differs by a UTF-8 header, which our ASCII grammar also covers
  else
    return std::nullopt;
  size_t prefix = kMagicLen + 2 + len_width;
  if (bytes.size() < prefix) return std::nullopt;
  return std::make_pair(prefix, static_cast<size_t>(readLE(bytes, kMagicLen + 2, len_width)));
}

/// What the header declares: dtype, shape, where the data starts and how many bytes it has.
struct Layout {
  Header header;
  DType dtype;
  uint64_t numel;
  uint64_t nbytes;
  size_t data_at;
};

/// Checks the magic, version and header of `bytes` (the data may be absent or partial).
Layout parse_layout(std::string_view bytes, std::string_view name) {
  if (!host_is_little_endian()) fail("load_npy", name, "big-endian hosts are not supported");
  if (bytes.size() < kMagicLen + 2 ||
      bytes.substr(0, kMagicLen) != std::string_view(kMagic, kMagicLen))
    fail("load_npy", name, "not a .npy file (bad magic; expected \\x93NUMPY)");
  unsigned major = static_cast<unsigned char>(bytes[kMagicLen]);
  unsigned minor = static_cast<unsigned char>(bytes[kMagicLen + 1]);
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    fail("load_npy", name,
         "unsupported format version " + std::to_string(major) + "." + std::to_string(minor) +
             " (supported: 1.0, 2.0, 3.0)");
  std::optional<std::pair<size_t, size_t>> extent = header_extent(bytes);
  if (!extent) fail("load_npy", name, "truncated header");
  auto [prefix, header_len] = *extent;
  if (header_len > kMaxHeaderLen)
    fail("load_npy", name,
         "header of " + std::to_string(header_len) + " bytes exceeds the limit of " +
             std::to_string(kMaxHeaderLen) + " bytes");
  if (bytes.size() - prefix < header_len)
    fail("load_npy", name,
         "truncated header (declares " + std::to_string(header_len) + " bytes, file has " +
             std::to_string(bytes.size() - prefix) + ")");
  Layout layout;
  layout.header = HeaderParser(bytes.substr(prefix, header_len), name).parse();
  const Header& h = layout.header;
  layout.dtype = dtypeFromDescr(h.descr, name);
  if (h.fortran_order && h.shape.size() >= 2)
    fail("load_npy", name,
         "Fortran-order arrays are not supported; save a C-order array "
         "(numpy: np.save(path, np.ascontiguousarray(a)))");
  // A hostile shape must not wrap around to a small size.
  int64_t nbytes = checked_nbytes(h.shape, layout.dtype);
  if (nbytes < 0)
    fail("load_npy", name,
         "shape " + shape_str(h.shape) + " is too large (its byte size overflows int64)");
  layout.numel = static_cast<uint64_t>(checked_numel(h.shape));
  layout.nbytes = static_cast<uint64_t>(nbytes);
  layout.data_at = prefix + header_len;
  return layout;
}

/// Appends bytes of `in` to `bytes` until it holds `want` bytes or the stream ends; reads in
/// chunks so that memory grows only with what actually arrives.
void read_up_to(std::istream& in, std::string& bytes, uint64_t want, std::string_view name) {
  constexpr size_t kChunk = size_t(1) << 20;
  while (bytes.size() < want && in) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, want - bytes.size()));
    size_t at = bytes.size();
    bytes.resize(at + n);
    in.read(bytes.data() + at, static_cast<std::streamsize>(n));
    bytes.resize(at + static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) fail("load_npy", name, "read error");
}

}  // namespace

Tensor parse_npy(std::string_view bytes, std::string_view name) {
  Layout layout = parse_layout(bytes, name);
  const Shape& shape = layout.header.shape;
  uint64_t nbytes = layout.nbytes;
  size_t data_at = layout.data_at;
  uint64_t have = bytes.size() - data_at;
  if (have < nbytes)
    fail("load_npy", name,
         "truncated data: shape " + shape_str(shape) + " of " + layout.header.descr + " needs " +
             std::to_string(nbytes) + " bytes, file has " + std::to_string(have));
  if (have > nbytes)
    fail("load_npy", name,
         std::to_string(have - nbytes) + " unexpected trailing bytes after the data of shape " +
             shape_str(shape));

  Tensor t = empty(shape, layout.dtype);
  if (nbytes == 0) return t;
  const char* src = bytes.data() + data_at;
  switch (layout.dtype) {
    case DType::f32: std::memcpy(t.data_ptr<float>(), src, nbytes); break;
    case DType::f64: std::memcpy(t.data_ptr<double>(), src, nbytes); break;
    case DType::i64: std::memcpy(t.data_ptr<int64_t>(), src, nbytes); break;
    case DType::b8: {
      // Any nonzero byte is true (as numpy's view of it); never store a non-0/1 bool.
      bool* dst = t.data_ptr<bool>();
      for (uint64_t i = 0; i < layout.numel; ++i) dst[i] = src[i] != 0;
      break;
    }
  }
  return t;
}

Tensor load_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("load_npy", path, "cannot open the file for reading");
  // Read only what the header declares (and one byte more, to report trailing data), so that an
  // endless input such as /dev/zero or a pipe is rejected instead of read forever.
  std::string bytes;
  read_up_to(in, bytes, kMagicLen + 2 + 4, path);
  if (std::optional<std::pair<size_t, size_t>> extent = header_extent(bytes)) {
    uint64_t header_end = extent->first + std::min(extent->second, kMaxHeaderLen + 1);
    read_up_to(in, bytes, header_end, path);
    Layout layout = parse_layout(bytes, path);
    read_up_to(in, bytes, layout.data_at + layout.nbytes + 1, path);
  }
  return parse_npy(bytes, path);
}

std::string serialize_npy(const Tensor& tensor) {
  if (!tensor.defined()) throw Error("save_npy: the tensor is undefined");
  if (!host_is_little_endian()) throw Error("save_npy: big-endian hosts are not supported");
  Tensor c = tensor.contiguous();  // throws the symbolic-tensor error for traced values
  std::ostringstream dict;
  dict << "{'descr': '" << descrOf(c.dtype()) << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < c.shape().size(); ++i) dict << (i ? ", " : "") << c.shape()[i];
  dict << (c.shape().size() == 1 ? ",), }" : "), }");
  std::string header = dict.str();
  // Pad with spaces so that the data starts at a multiple of 64 bytes, ending with '\n'.
  size_t len_width = header.size() + 1 + 64 <= 65535 ? 2 : 4;  // 2.0 only for huge headers
  size_t prefix = kMagicLen + 2 + len_width;
  size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header.push_back('\n');

  std::string out(kMagic, kMagicLen);
  out.push_back(static_cast<char>(len_width == 2 ? 1 : 2));
  out.push_back(0);
  for (size_t i = 0; i < len_width; ++i)
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out += header;
  size_t nbytes = static_cast<size_t>(c.numel()) * dtype_size(c.dtype());
  if (nbytes == 0) return out;
  const char* data = nullptr;
  switch (c.dtype()) {
    case DType::f32: data = reinterpret_cast<const char*>(c.data_ptr<float>()); break;
    case DType::f64: data = reinterpret_cast<const char*>(c.data_ptr<double>()); break;
    case DType::i64: data = reinterpret_cast<const char*>(c.data_ptr<int64_t>()); break;
    case DType::b8: data = reinterpret_cast<const char*>(c.data_ptr<bool>()); break;
  }
  out.append(data, nbytes);
  return out;
}

void save_npy(const std::string& path, const Tensor& tensor) {
  std::string bytes;
  try {
    bytes = serialize_npy(tensor);
  } catch (const Error& e) {
    fail("save_npy", path, e.what());
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail("save_npy", path, "cannot open the file for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) fail("save_npy", path, "write error");
}

}  // namespace grad
