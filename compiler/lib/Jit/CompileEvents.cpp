//===- CompileEvents.cpp - why grad::jit compiled again --------------------===//
//
// Signature formatting and differences for the compile events of grad::jit (CompileEvent,
// GRAD_LOG=recompiles): each compile names the compiled signature closest to the new one and
// the inputs, dims and sizes that differ, as torch.compile's recompile log does.
//
//===----------------------------------------------------------------------===//

#include "CompileEvents.h"

#include <cstdio>
#include <cstdlib>

namespace grad {
namespace detail {

std::string formatSignature(const Signature &signature) {
  std::string text;
  for (size_t i = 0; i < signature.size(); ++i) {
    if (i)
      text += ", ";
    text += dtype_name(signature[i].first);
    text += "[";
    for (size_t d = 0; d < signature[i].second.size(); ++d) {
      int64_t size = signature[i].second[d];
      text += (d ? "," : "") + (size < 0 ? std::string("?") : std::to_string(size));
    }
    text += "]";
  }
  return text;
}

std::vector<SignatureChange> diffSignatures(const Signature &from, const Signature &to) {
  std::vector<SignatureChange> changes;
  if (from.size() != to.size()) {
    SignatureChange c;
    c.kind = SignatureChange::Kind::Arguments;
    c.old_size = static_cast<int64_t>(from.size());
    c.new_size = static_cast<int64_t>(to.size());
    changes.push_back(c);
    return changes;
  }
  for (size_t i = 0; i < to.size(); ++i) {
    const auto &[oldType, oldShape] = from[i];
    const auto &[newType, newShape] = to[i];
    SignatureChange c;
    c.input = static_cast<int>(i);
    if (oldType != newType) {
      c.kind = SignatureChange::Kind::DType;
      c.old_dtype = oldType;
      c.new_dtype = newType;
      changes.push_back(c);
    }
    if (oldShape.size() != newShape.size()) {
      c.kind = SignatureChange::Kind::Rank;
      c.old_size = static_cast<int64_t>(oldShape.size());
      c.new_size = static_cast<int64_t>(newShape.size());
      changes.push_back(c);
      continue;
    }
    for (size_t d = 0; d < newShape.size(); ++d) {
      if (oldShape[d] == newShape[d])
        continue;
      c.kind = SignatureChange::Kind::Size;
      c.dim = static_cast<int>(d);
      c.old_size = oldShape[d];
      c.new_size = newShape[d];
      changes.push_back(c);
    }
  }
  return changes;
}

bool logChannelEnabled(const char *channel) {
  const char *env = std::getenv("GRAD_LOG");
  if (!env)
    return false;
  std::string value(env), name(channel);
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find_first_of(", ", start);
    if (end == std::string::npos)
      end = value.size();
    if (value.compare(start, end - start, name) == 0)
      return true;
    start = end + 1;
  }
  return false;
}

} // namespace detail

std::string format_signature_change(const SignatureChange &c) {
  std::string input = "input #" + std::to_string(c.input);
  switch (c.kind) {
  case SignatureChange::Kind::Size:
    return input + " dim " + std::to_string(c.dim) + ": " + std::to_string(c.old_size) + " -> " +
           std::to_string(c.new_size);
  case SignatureChange::Kind::Rank:
    return input + " rank " + std::to_string(c.old_size) + " -> " + std::to_string(c.new_size);
  case SignatureChange::Kind::DType:
    return input + " dtype " + dtype_name(c.old_dtype) + " -> " + dtype_name(c.new_dtype);
  case SignatureChange::Kind::Arguments:
    return "arguments " + std::to_string(c.old_size) + " -> " + std::to_string(c.new_size);
  }
  return input;
}

std::string format_compile_event(const CompileEvent &e) {
  std::string line = "grad::jit @" + e.function + ": compile #" + std::to_string(e.number) + " (";
  if (e.changes.empty()) {
    line += "first call: " + e.signature;
  } else {
    for (size_t i = 0; i < e.changes.size(); ++i)
      line += (i ? ", " : "") + format_signature_change(e.changes[i]);
    line += "; was " + e.compared_to;
  }
  line += ")";
  char ms[48];
  std::snprintf(ms, sizeof ms, " took %.1f ms", e.compile_ms);
  line += ms;
  if (!e.made_dynamic.empty()) {
    line += "; dynamic: ";
    for (size_t i = 0; i < e.made_dynamic.size(); ++i)
      line += (i ? ", " : "") + std::string("input #") + std::to_string(e.made_dynamic[i].input) +
              " dim " + std::to_string(e.made_dynamic[i].dim);
  }
  if (!e.static_reason.empty())
    line += "; static: " + e.static_reason;
  if (!e.evicted.empty())
    line += "; evicted " + e.evicted + " (cache_limit)";
  return line;
}

} // namespace grad
