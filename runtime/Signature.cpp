//===- Signature.cpp - Parse the signature text of a model descriptor -----===//
//
// The grammar is in mixer_abi.h: one line per tensor, inputs first,
//
//   ("input" | "output") SP dtype SP rank (SP dim){rank}
//       SP name-length SP name LF
//
// (the last LF may be missing). The text comes from a library we do not
// trust, so every number is range-checked, a name never reaches past the
// NUL, and each complaint names the line. Parsing runs twice over a private
// copy of the text: once to check and count, once to fill the entries, so
// the descriptor's counts are compared before anything is allocated from
// them.
//
//===----------------------------------------------------------------------===//

#include "Runtime.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace mixer::runtime;

namespace {

class SignatureParser {
public:
  SignatureParser(const char *path, char *text) : path(path), pos(text) {}

  /// Parses every line. With `entries` null it only checks and counts and
  /// leaves the text alone; otherwise it also fills `entries` (room for the
  /// counted lines) and ends each name with a NUL in place of its LF.
  mixer_status parse(TensorSignature *entries, size_t &numInputs,
                     size_t &numOutputs);

private:
  mixer_status parseLine(bool &isInput, TensorSignature &entry,
                         bool terminateName);
  mixer_status parseInteger(const char *what, int64_t min, int64_t max,
                            int64_t &value);
  mixer_status expectSpace(const char *what);
  mixer_status error(const char *format, ...)
      __attribute__((format(printf, 2, 3)));

  const char *path;
  char *pos;
  size_t line = 1;
};

mixer_status SignatureParser::parse(TensorSignature *entries, size_t &numInputs,
                                    size_t &numOutputs) {
  numInputs = numOutputs = 0;
  for (; *pos; ++line) {
    bool isInput;
    TensorSignature scratch;
    TensorSignature &entry =
        entries ? entries[numInputs + numOutputs] : scratch;
    if (mixer_status status = parseLine(isInput, entry, entries != nullptr))
      return status;
    if (isInput && numOutputs)
      return error("an input after the outputs");
    ++(isInput ? numInputs : numOutputs);
  }
  return MIXER_OK;
}

mixer_status SignatureParser::parseLine(bool &isInput, TensorSignature &entry,
                                        bool terminateName) {
  size_t keywordLength = std::strcspn(pos, " \n");
  isInput = keywordLength == 5 && !std::strncmp(pos, "input", 5);
  if (!isInput && !(keywordLength == 6 && !std::strncmp(pos, "output", 6)))
    return error("expected 'input' or 'output'");
  pos += keywordLength;

  int64_t dtype, rank, nameLength;
  if (mixer_status status = expectSpace("the dtype"))
    return status;
  if (mixer_status status = parseInteger("dtype", 0, INT32_MAX, dtype))
    return status;
  if (!dtypeSize(dtype))
    return error("dtype %" PRId64 " is not a mixer_dtype", dtype);
  if (mixer_status status = expectSpace("the rank"))
    return status;
  if (mixer_status status = parseInteger("rank", 0, MIXER_MAX_RANK, rank))
    return status;
  entry.dtype = static_cast<mixer_dtype>(dtype);
  entry.rank = static_cast<size_t>(rank);
  for (size_t i = 0; i < entry.rank; ++i) {
    if (mixer_status status = expectSpace("a dimension"))
      return status;
    if (mixer_status status =
            parseInteger("dimension", -1, INT64_MAX, entry.shape[i]))
      return status;
  }
  if (mixer_status status = expectSpace("the name length"))
    return status;
  if (mixer_status status =
          parseInteger("name length", 1, INT32_MAX, nameLength))
    return status;
  if (mixer_status status = expectSpace("the name"))
    return status;
  auto length = static_cast<size_t>(nameLength);
  if (strnlen(pos, length) != length)
    return error("the name of %" PRId64 " bytes runs past the end of the "
                 "signature",
                 nameLength);
  char *name = pos;
  pos += length;
  if (*pos != '\n' && *pos != '\0')
    return error("expected the end of the line after the name of %" PRId64
                 " bytes",
                 nameLength);
  if (*pos == '\n') {
    if (terminateName)
      *pos = '\0';
    ++pos;
  }
  entry.name = name;
  return MIXER_OK;
}

mixer_status SignatureParser::parseInteger(const char *what, int64_t min,
                                           int64_t max, int64_t &value) {
  bool negative = *pos == '-';
  if (negative)
    ++pos;
  if (*pos < '0' || *pos > '9')
    return error("expected a number for the %s", what);
  // Accumulate as a negative number so that no valid int64_t overflows.
  int64_t result = 0;
  for (; *pos >= '0' && *pos <= '9'; ++pos) {
    int digit = *pos - '0';
    if (result < (INT64_MIN + digit) / 10)
      return error("the %s does not fit in 64 bits", what);
    result = result * 10 - digit;
  }
  if (!negative) {
    if (result == INT64_MIN)
      return error("the %s does not fit in 64 bits", what);
    result = -result;
  }
  if (result < min || result > max) {
    if (min == -1)
      return error("the %s %" PRId64
                   " is invalid: a size is >= 0, or -1 when dynamic",
                   what, result);
    return error("the %s %" PRId64 " is out of range [%" PRId64 ", %" PRId64
                 "]",
                 what, result, min, max);
  }
  value = result;
  return MIXER_OK;
}

mixer_status SignatureParser::expectSpace(const char *what) {
  if (*pos != ' ')
    return error("expected a space before %s", what);
  ++pos;
  return MIXER_OK;
}

mixer_status SignatureParser::error(const char *format, ...) {
  char detail[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(detail, sizeof(detail), format, args);
  va_end(args);
  return fail(MIXER_ERROR_ABI, "%s: malformed signature, line %zu: %s", path,
              line, detail);
}

} // namespace

mixer_status mixer::runtime::parseSignature(
    const char *path, const mixer_abi_descriptor &descriptor, Signature &out) {
  if (!descriptor.signature)
    return fail(MIXER_ERROR_ABI, "%s: the descriptor has a null signature",
                path);
  out.text = strdup(descriptor.signature);
  if (!out.text)
    return fail(MIXER_ERROR_OUT_OF_MEMORY,
                "%s: out of memory copying the signature", path);

  size_t numInputs, numOutputs;
  if (mixer_status status =
          SignatureParser(path, out.text).parse(nullptr, numInputs, numOutputs))
    return status;
  if (numInputs != descriptor.num_inputs ||
      numOutputs != descriptor.num_outputs)
    return fail(MIXER_ERROR_ABI,
                "%s: the signature lists %zu input(s) and %zu output(s), the "
                "descriptor declares %" PRIu32 " and %" PRIu32,
                path, numInputs, numOutputs, descriptor.num_inputs,
                descriptor.num_outputs);

  size_t count = numInputs + numOutputs;
  out.entries = static_cast<TensorSignature *>(
      std::calloc(count ? count : 1, sizeof(TensorSignature)));
  if (!out.entries)
    return fail(MIXER_ERROR_OUT_OF_MEMORY,
                "%s: out of memory reading the signature", path);
  out.numInputs = numInputs;
  out.numOutputs = numOutputs;
  return SignatureParser(path, out.text)
      .parse(out.entries, numInputs, numOutputs);
}

void mixer::runtime::destroySignature(Signature &signature) {
  std::free(signature.entries);
  std::free(signature.text);
  signature = Signature();
}
