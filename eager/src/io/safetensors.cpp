// safetensors reading and writing (see grad/safetensors.h). The JSON header is parsed and written
// with nlohmann-json; this file owns the checks of what the header says against the file: every
// size and offset is validated against the file size before a byte of data is read, so a hostile
// or truncated file is an error that names the file and the key, never a crash or a huge
// allocation.
//
// Note [safetensors layout rules]
// We follow the reference implementation (huggingface/safetensors, `Metadata::validate`): the
// tensors' byte ranges, sorted by offset, tile the data area exactly (the first starts at 0, each
// starts where the previous ends, the last ends at the end of the file), so overlapping ranges,
// holes and trailing bytes are all errors; the header is at most 100 MB; fields of an entry other
// than dtype/shape/data_offsets are ignored, as the reference reader does. In addition a key that
// occurs twice in the JSON is an error (a JSON library would silently keep one of them). The
// writer pads the header with spaces to a multiple of 8 bytes, as the reference writer does, so
// that the data is aligned.
#include "grad/safetensors.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "grad/error.h"

namespace grad {
namespace {

using json = nlohmann::ordered_json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000; // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";

[[noreturn]] void fail(std::string_view op, std::string_view file, const std::string& what) {
  throw Error(std::string(op) + ": '" + std::string(file) + "': " + what);
}

bool host_is_little_endian() {
  const uint16_t probe = 1;
  unsigned char first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

const char* safetensorsDtype(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "F32";
  case DType::f64:
    return "F64";
  case DType::i64:
    return "I64";
  case DType::b8:
    return "BOOL";
  }
  return "?";
}

bool dtypeFromName(const std::string& s, DType& out) {
  for (DType d : {DType::f32, DType::f64, DType::i64, DType::b8})
    if (s == safetensorsDtype(d)) {
      out = d;
      return true;
    }
  return false;
}

std::string rangeStr(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

//===----------------------------------------------------------------------===//
// Byte sources: an in-memory buffer or a file, read at offsets checked against size().
//===----------------------------------------------------------------------===//

class Source {
public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  /// Reads bytes [offset, offset + n); the caller has checked the range against size().
  virtual void read(uint64_t offset, uint64_t n, char* dst) = 0;
};

class BufferSource : public Source {
public:
  explicit BufferSource(std::string_view bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, uint64_t n, char* dst) override {
    if (n)
      std::memcpy(dst, bytes_.data() + offset, n);
  }

private:
  std::string_view bytes_;
};

class FileSource : public Source {
public:
  explicit FileSource(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    std::error_code ec;
    if (!in_ || std::filesystem::is_directory(path, ec))
      fail("load", path, "cannot open the file for reading");
    size_ = std::filesystem::file_size(path, ec);
    if (ec)
      fail("load", path, "cannot read the file size: " + ec.message());
  }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, uint64_t n, char* dst) override {
    if (n == 0)
      return;
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(dst, static_cast<std::streamsize>(n));
    if (!in_ || static_cast<uint64_t>(in_.gcount()) != n)
      fail("load", path_, "read error at byte " + std::to_string(offset) + " (file changed?)");
  }

private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
};

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

struct Entry {
  std::string key;
  DType dtype = DType::f32;
  Shape shape;
  uint64_t begin = 0, end = 0;
  size_t order = 0; // position in the JSON header (ties among empty tensors)
};

struct Header {
  std::vector<Entry> entries; // sorted by data offset
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;
};

/// A JSON value for an error message: scalars and flat arrays as text (cut at 80 characters),
/// anything nested by its type only (dump() recurses, and the header may nest a million levels).
std::string brief(const json& j) {
  bool flat = j.is_primitive() ||
              (j.is_array() && std::all_of(j.begin(), j.end(),
                                           [](const json& e) { return e.is_primitive(); }));
  if (!flat)
    return std::string("a nested ") + j.type_name();
  std::string text = j.dump();
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

/// A non-negative JSON integer (nlohmann stores those as unsigned or signed integers).
bool asIndex(const json& j, uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(j.get<int64_t>());
    return true;
  }
  return false;
}

/// Thrown by the parse callback past kMaxJsonDepth (caught in parseJson).
struct TooDeep {};

/// Parses the JSON text; a key that occurs twice in one object, or nesting deeper than a header
/// needs (a valid one has 3 levels; nlohmann's copy and dump recurse, so a million '[' would
/// overflow the stack later), is an error.
json parseJson(const std::string& text, std::string_view file) {
  constexpr int kMaxJsonDepth = 64;
  std::vector<std::set<std::string>> seen; // keys of each open object
  std::string duplicate;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
    case json::parse_event_t::array_start:
      if (depth > kMaxJsonDepth)
        throw TooDeep{};
      break;
    case json::parse_event_t::object_start:
      if (depth > kMaxJsonDepth)
        throw TooDeep{};
      seen.emplace_back();
      break;
    case json::parse_event_t::object_end:
      if (!seen.empty())
        seen.pop_back();
      break;
    case json::parse_event_t::key:
      if (!seen.empty() && !seen.back().insert(parsed.get<std::string>()).second &&
          duplicate.empty())
        duplicate = parsed.get<std::string>();
      break;
    default:
      break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text, cb);
  } catch (const json::exception& e) {
    fail("load", file, std::string("malformed JSON header: ") + e.what());
  } catch (const TooDeep&) {
    fail("load", file,
         "malformed JSON header: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (!duplicate.empty())
    fail("load", file, "key '" + duplicate + "' occurs twice in the header");
  return j;
}

Entry parseEntry(const std::string& key, const json& v, size_t order, std::string_view file) {
  auto bad = [&](const std::string& what) { fail("load", file, "key '" + key + "': " + what); };
  if (!v.is_object())
    bad("expected an object {\"dtype\", \"shape\", \"data_offsets\"}, got " + brief(v));
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!v.contains(field))
      bad(std::string("missing \"") + field + "\"");
  Entry e;
  e.key = key;
  e.order = order;
  const json& dt = v["dtype"];
  if (!dt.is_string() || !dtypeFromName(dt.get<std::string>(), e.dtype))
    bad("unsupported dtype " + brief(dt) + " (supported: \"F32\", \"F64\", \"I64\", \"BOOL\")");
  const json& sh = v["shape"];
  if (!sh.is_array())
    bad("\"shape\" must be an array of non-negative integers, got " + brief(sh));
  // numel * element size with an overflow check: a hostile shape must not wrap to a small size.
  uint64_t nbytes = dtype_size(e.dtype);
  for (const json& d : sh) {
    uint64_t dim;
    if (!asIndex(d, dim) || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      bad("\"shape\" must be an array of non-negative integers, got " + brief(sh));
    if (dim != 0 && nbytes > std::numeric_limits<uint64_t>::max() / dim)
      bad("shape " + brief(sh) + " is too large");
    nbytes *= dim;
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  const json& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !asIndex(off[0], e.begin) || !asIndex(off[1], e.end))
    bad("\"data_offsets\" must be [begin, end] with non-negative integers, got " + brief(off));
  if (e.end < e.begin)
    bad("data_offsets " + rangeStr(e.begin, e.end) + " end before they begin");
  if (e.end - e.begin != nbytes)
    bad("data_offsets " + rangeStr(e.begin, e.end) + " hold " + std::to_string(e.end - e.begin) +
        " bytes, but shape " + shape_str(e.shape) + " of " + safetensorsDtype(e.dtype) + " needs " +
        std::to_string(nbytes));
  return e;
}

Header readHeader(Source& src, std::string_view file) {
  if (!host_is_little_endian())
    fail("load", file, "big-endian hosts are not supported");
  const uint64_t size = src.size();
  if (size < 8)
    fail("load", file,
         "not a safetensors file: " + std::to_string(size) +
             " bytes, shorter than the 8-byte header length");
  unsigned char len_bytes[8];
  src.read(0, 8, reinterpret_cast<char*>(len_bytes));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | len_bytes[i];
  if (n > size - 8)
    fail("load", file,
         "header length " + std::to_string(n) + " is larger than the rest of the file (" +
             std::to_string(size - 8) + " bytes): truncated or not a safetensors file");
  if (n > kMaxHeaderBytes)
    fail("load", file, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  std::string text(n, '\0');
  src.read(8, n, text.data());
  json j = parseJson(text, file);
  if (!j.is_object())
    fail("load", file, "the JSON header must be an object, got " + brief(j));

  Header h;
  h.data_start = 8 + n;
  const uint64_t data_size = size - h.data_start;
  size_t order = 0;
  for (const auto& [key, v] : j.items()) {
    if (key == kMetadataKey) {
      if (!v.is_object())
        fail("load", file, "\"__metadata__\" must be an object of strings, got " + brief(v));
      for (const auto& [mk, mv] : v.items()) {
        if (!mv.is_string())
          fail("load", file,
               "\"__metadata__\" value of '" + mk + "' must be a string, got " + brief(mv));
        h.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    Entry e = parseEntry(key, v, order++, file);
    if (e.end > data_size)
      fail("load", file,
           "key '" + key + "': data_offsets " + rangeStr(e.begin, e.end) +
               " lie past the end of the data (" + std::to_string(data_size) +
               " bytes): file truncated?");
    h.entries.push_back(std::move(e));
  }
  // Note [safetensors layout rules]: the sorted ranges tile [0, data_size) exactly.
  std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    if (a.begin != b.begin)
      return a.begin < b.begin;
    return a.end != b.end ? a.end < b.end : a.order < b.order;
  });
  uint64_t cursor = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : h.entries) {
    if (e.begin < cursor)
      fail("load", file,
           "key '" + e.key + "': data_offsets " + rangeStr(e.begin, e.end) +
               " overlap those of '" + prev->key + "' " + rangeStr(prev->begin, prev->end));
    if (e.begin > cursor)
      fail("load", file,
           "key '" + e.key + "': data_offsets " + rangeStr(e.begin, e.end) + " leave a hole of " +
               std::to_string(e.begin - cursor) + " bytes before them");
    cursor = e.end;
    prev = &e;
  }
  if (cursor != data_size)
    fail("load", file,
         std::to_string(data_size - cursor) + " bytes after the last tensor's data are not " +
             "described by the header");
  return h;
}

std::vector<std::pair<std::string, Tensor>> readTensors(Source& src, const Header& h) {
  std::vector<std::pair<std::string, Tensor>> out;
  out.reserve(h.entries.size());
  for (const Entry& e : h.entries) {
    Tensor t = empty(e.shape, e.dtype);
    const uint64_t n = e.end - e.begin;
    if (n) {
      char* dst = static_cast<char*>(t.data_ptr());
      src.read(h.data_start + e.begin, n, dst);
      if (e.dtype == DType::b8) {
        // Any nonzero byte is true (as numpy and torch read it); never store a non-0/1 bool.
        auto* bytes = reinterpret_cast<unsigned char*>(dst);
        for (uint64_t i = 0; i < n; ++i)
          bytes[i] = bytes[i] != 0;
      }
    }
    out.emplace_back(e.key, std::move(t));
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// Checks the names and makes every tensor contiguous; returns the header (padded) and tensors.
std::pair<std::string, std::vector<Tensor>>
prepare(const std::vector<std::pair<std::string, Tensor>>& named,
        const std::map<std::string, std::string>& metadata) {
  if (!host_is_little_endian())
    throw Error("big-endian hosts are not supported");
  json header = json::object();
  if (!metadata.empty()) {
    json m = json::object();
    for (const auto& [k, v] : metadata)
      m[k] = v;
    header[kMetadataKey] = std::move(m);
  }
  std::set<std::string> names;
  std::vector<Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, t] : named) {
    if (name.empty())
      throw Error("a tensor has an empty name");
    if (name == kMetadataKey)
      throw Error("'__metadata__' is reserved for the metadata and cannot name a tensor");
    if (!names.insert(name).second)
      throw Error("key '" + name + "' occurs twice");
    if (!t.defined())
      throw Error("key '" + name + "': the tensor is undefined");
    Tensor c;
    try {
      c = t.contiguous(); // throws the symbolic-tensor error for traced values
    } catch (const Error& e) {
      throw Error("key '" + name + "': " + e.what());
    }
    const uint64_t nbytes = static_cast<uint64_t>(c.numel()) * dtype_size(c.dtype());
    json entry = json::object();
    entry["dtype"] = safetensorsDtype(c.dtype());
    entry["shape"] = c.shape();
    entry["data_offsets"] = {offset, offset + nbytes};
    header[name] = std::move(entry);
    offset += nbytes;
    data.push_back(std::move(c));
  }
  std::string text;
  try {
    text = header.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception& e) {
    throw Error(std::string("a name or metadata string is not valid UTF-8: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return {std::move(text), std::move(data)};
}

void writeAll(std::ostream& out, const std::string& header, const std::vector<Tensor>& data) {
  const uint64_t n = header.size();
  char len_bytes[8];
  for (int i = 0; i < 8; ++i)
    len_bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.write(len_bytes, 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const Tensor& t : data) {
    const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    if (nbytes)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(nbytes));
  }
}

} // namespace

std::string serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& named,
                                  const std::map<std::string, std::string>& metadata) {
  std::pair<std::string, std::vector<Tensor>> prepared;
  try {
    prepared = prepare(named, metadata);
  } catch (const Error& e) {
    throw Error(std::string("save: ") + e.what());
  }
  std::ostringstream out;
  writeAll(out, prepared.first, prepared.second);
  return std::move(out).str();
}

void save(const std::vector<std::pair<std::string, Tensor>>& named, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  std::pair<std::string, std::vector<Tensor>> prepared;
  try {
    prepared = prepare(named, metadata);
  } catch (const Error& e) {
    fail("save", path, e.what());
  }
  // Write next to the target and rename over it: an interrupted save keeps the old checkpoint.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      fail("save", path, "cannot open '" + tmp + "' for writing");
    writeAll(out, prepared.first, prepared.second);
    out.close();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      fail("save", path, "write error (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail("save", path, "cannot rename the written file into place: " + ec.message());
  }
}

std::vector<std::pair<std::string, Tensor>> parse_safetensors(std::string_view bytes,
                                                              std::string_view name) {
  BufferSource src(bytes);
  Header h = readHeader(src, name);
  return readTensors(src, h);
}

std::vector<std::pair<std::string, Tensor>> load(const std::string& path) {
  FileSource src(path);
  Header h = readHeader(src, path);
  return readTensors(src, h);
}

std::map<std::string, std::string> load_metadata(const std::string& path) {
  FileSource src(path);
  return readHeader(src, path).metadata;
}

} // namespace grad
