//===- Npy.cpp - Read and write NumPy .npy files as runtime tensors -------===//
//
// A .npy file is the magic "\x93NUMPY", a version (major, minor), the header
// length (uint16 for 1.0, uint32 for 2.0 and 3.0, little-endian), a header
// that is a Python dict literal such as
//
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// padded with spaces and ending in '\n', and then the raw data. The reader
// parses just that dict grammar; it never trusts a length or a shape before
// checking it against the file's size.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"
#include "Values.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

using namespace mixer::run;
using mixer::runtime::TensorPtr;

namespace {

/// A NumPy dtype string and the runtime's dtype for it.
struct NpyDtype {
  const char *descr;
  mixer_dtype dtype;
};

constexpr NpyDtype kNpyDtypes[] = {
    {"<f4", MIXER_DTYPE_F32},  {"<f8", MIXER_DTYPE_F64},
    {"<f2", MIXER_DTYPE_F16},  {"<i8", MIXER_DTYPE_I64},
    {"<i4", MIXER_DTYPE_I32},  {"<i2", MIXER_DTYPE_I16},
    {"|i1", MIXER_DTYPE_I8},   {"|u1", MIXER_DTYPE_U8},
    {"|b1", MIXER_DTYPE_BOOL}, {"<u2", MIXER_DTYPE_U16},
    {"<u4", MIXER_DTYPE_U32},  {"<u8", MIXER_DTYPE_U64},
};

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct FileCloser {
  void operator()(FILE *file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

/// What a header says.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Parses the header dict. Errors are sentences without the file name.
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : text(text) {}
  bool parse(NpyHeader &header, std::string &error);

private:
  bool parseString(std::string &value);
  bool parseBool(bool &value);
  bool parseShape(std::vector<int64_t> &shape);
  /// Whether `c` comes next, after spaces.
  bool peek(char c) {
    skipSpace();
    return pos < text.size() && text[pos] == c;
  }
  /// Skips `c` if it comes next.
  bool consume(char c) { return peek(c) && ++pos; }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n'))
      ++pos;
  }

  const std::string &text;
  size_t pos = 0;
};

bool HeaderParser::parse(NpyHeader &header, std::string &error) {
  if (!consume('{')) {
    error = "the header is not a dict";
    return false;
  }
  bool seenDescr = false, seenOrder = false, seenShape = false;
  while (!consume('}')) {
    std::string key;
    if (!parseString(key) || !consume(':')) {
      error = "the header is not a dict of quoted keys";
      return false;
    }
    bool ok;
    if (key == "descr") {
      ok = seenDescr = parseString(header.descr);
      if (!ok && consume('['))
        error = "structured dtypes are not supported";
    } else if (key == "fortran_order") {
      ok = seenOrder = parseBool(header.fortranOrder);
    } else if (key == "shape") {
      ok = seenShape = parseShape(header.shape);
    } else {
      error = "the header has an unknown key '" + key + "'";
      return false;
    }
    if (!ok && error.empty())
      error = "the header's '" + key + "' has a malformed value";
    if (!ok)
      return false;
    if (!consume(',') && !peek('}')) {
      error = "the header dict is malformed after '" + key + "'";
      return false;
    }
  }
  skipSpace();
  if (pos != text.size()) {
    error = "the header has text after its dict";
    return false;
  }
  if (!seenDescr || !seenOrder || !seenShape) {
    error = std::string("the header lacks '") +
            (!seenDescr   ? "descr"
             : !seenOrder ? "fortran_order"
                          : "shape") +
            "'";
    return false;
  }
  return true;
}

bool HeaderParser::parseString(std::string &value) {
  skipSpace();
  if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
    return false;
  char quote = text[pos++];
  size_t end = text.find(quote, pos);
  if (end == std::string::npos)
    return false;
  value = text.substr(pos, end - pos);
  pos = end + 1;
  return true;
}

bool HeaderParser::parseBool(bool &value) {
  skipSpace();
  for (bool candidate : {false, true}) {
    const char *word = candidate ? "True" : "False";
    if (!text.compare(pos, std::strlen(word), word)) {
      pos += std::strlen(word);
      value = candidate;
      return true;
    }
  }
  return false;
}

bool HeaderParser::parseShape(std::vector<int64_t> &shape) {
  if (!consume('('))
    return false;
  while (!consume(')')) {
    skipSpace();
    int64_t dim = 0;
    size_t start = pos;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos)
      if (__builtin_mul_overflow(dim, 10, &dim) ||
          __builtin_add_overflow(dim, text[pos] - '0', &dim))
        return false;
    if (pos == start || shape.size() == MIXER_MAX_RANK)
      return false;
    shape.push_back(dim);
    if (!consume(',') && !peek(')'))
      return false;
  }
  return true;
}

/// Reads `size` bytes at the file's position; false at a short read.
bool readBytes(FILE *file, void *data, size_t size) {
  return std::fread(data, 1, size, file) == size;
}

/// The bytes from the file's position to its end, or -1.
long remainingBytes(FILE *file) {
  long start = std::ftell(file);
  if (start < 0 || std::fseek(file, 0, SEEK_END))
    return -1;
  long end = std::ftell(file);
  if (end < 0 || std::fseek(file, start, SEEK_SET))
    return -1;
  return end - start;
}

/// Reads the magic, version and header; leaves `file` at the data.
bool readHeader(FILE *file, NpyHeader &header, std::string &error) {
  unsigned char prefix[kMagicSize + 2];
  if (!readBytes(file, prefix, sizeof(prefix)) ||
      std::memcmp(prefix, kMagic, kMagicSize)) {
    error = "not a .npy file (no \\x93NUMPY magic)";
    return false;
  }
  unsigned major = prefix[kMagicSize];
  if (major < 1 || major > 3) {
    error = "unsupported .npy version " + std::to_string(major) + "." +
            std::to_string(prefix[kMagicSize + 1]);
    return false;
  }
  unsigned char lengthBytes[4] = {};
  size_t lengthSize = major == 1 ? 2 : 4;
  if (!readBytes(file, lengthBytes, lengthSize)) {
    error = "truncated header";
    return false;
  }
  uint32_t length = 0;
  for (size_t i = lengthSize; i-- > 0;)
    length = length << 8 | lengthBytes[i];
  long present = remainingBytes(file);
  if (present < 0 || static_cast<uint64_t>(present) < length) {
    error = "truncated header";
    return false;
  }
  std::string text(length, '\0');
  if (!readBytes(file, text.data(), length)) {
    error = "truncated header";
    return false;
  }
  return HeaderParser(text).parse(header, error);
}

/// Maps the header's descr to a runtime dtype.
bool dtypeOf(const std::string &descr, mixer_dtype &dtype, std::string &error) {
  for (const NpyDtype &entry : kNpyDtypes) {
    if (descr == entry.descr) {
      dtype = entry.dtype;
      return true;
    }
  }
  if (!descr.empty() && descr[0] == '>')
    error = "big-endian data ('" + descr + "') is not supported";
  else
    error = "unsupported dtype '" + descr + "'";
  return false;
}

const char *descrOf(mixer_dtype dtype) {
  for (const NpyDtype &entry : kNpyDtypes)
    if (entry.dtype == dtype)
      return entry.descr;
  return nullptr;
}

/// Reads the data that follows the header into a new tensor, after checking
/// that the file holds exactly the bytes the shape needs (so that a corrupt
/// shape never allocates).
bool readData(FILE *file, const NpyHeader &header, mixer_dtype dtype,
              TensorPtr &out, std::string &error) {
  std::string shape = formatShape(header.shape.size(), header.shape.data());
  uint64_t needed = mixer_dtype_size(dtype);
  for (int64_t dim : header.shape)
    if (__builtin_mul_overflow(needed, static_cast<uint64_t>(dim), &needed)) {
      error = "the shape " + shape + " is too large";
      return false;
    }
  long present = remainingBytes(file);
  if (present < 0) {
    error = "cannot seek in the file";
    return false;
  }
  if (static_cast<uint64_t>(present) != needed) {
    error = std::string(static_cast<uint64_t>(present) < needed
                            ? "truncated data"
                            : "bytes after the data") +
            ": the shape " + shape + " needs " + std::to_string(needed) +
            " bytes, the file has " + std::to_string(present);
    return false;
  }
  mixer_tensor *tensor = nullptr;
  if (mixer_tensor_create(dtype, header.shape.size(), header.shape.data(),
                          &tensor)) {
    error = mixer_last_error();
    return false;
  }
  out.reset(tensor);
  if (!readBytes(file, mixer_tensor_data(tensor), needed)) {
    error = "cannot read the data";
    return false;
  }
  return true;
}

std::string headerText(const char *descr, const mixer_tensor &tensor) {
  std::string shape = "(";
  for (size_t i = 0, e = mixer_tensor_rank(&tensor); i < e; ++i)
    shape += std::to_string(mixer_tensor_shape(&tensor)[i]) + ", ";
  if (mixer_tensor_rank(&tensor) > 1)
    shape.resize(shape.size() - 2);
  else if (mixer_tensor_rank(&tensor) == 1)
    shape.pop_back(); // keep the tuple's comma: "(3,)"
  shape += ")";
  return std::string("{'descr': '") + descr +
         "', 'fortran_order': False, 'shape': " + shape + ", }";
}

} // namespace

bool mixer::run::readNpy(const std::string &path, TensorPtr &out,
                         std::string &error) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  NpyHeader header;
  mixer_dtype dtype;
  std::string reason;
  bool ok = readHeader(file.get(), header, reason);
  if (ok && header.fortranOrder) {
    reason = "Fortran-ordered data is not supported";
    ok = false;
  }
  ok = ok && dtypeOf(header.descr, dtype, reason) &&
       readData(file.get(), header, dtype, out, reason);
  if (!ok) {
    out.reset();
    error = path + ": " + reason;
  }
  return ok;
}

bool mixer::run::writeNpy(const std::string &path, const mixer_tensor &tensor,
                          std::string &error) {
  TensorPtr widened;
  const mixer_tensor *data = &tensor;
  if (mixer_tensor_dtype(&tensor) == MIXER_DTYPE_BF16) {
    widened = widenBF16(tensor);
    if (!widened) {
      error = path + ": out of memory";
      return false;
    }
    data = widened.get();
  }
  std::string header = headerText(descrOf(mixer_tensor_dtype(data)), *data);
  // Version 1.0: a header of a rank-32 shape is still far below its 64 KiB.
  // Pad with spaces so that the data starts at a multiple of 64 bytes.
  constexpr size_t kPrefixSize = kMagicSize + 2 + 2;
  header.append(63 - (kPrefixSize + header.size()) % 64, ' ');
  header += '\n';
  std::string prefix(kMagic, kMagicSize);
  prefix += {'\x01', '\x00', static_cast<char>(header.size() & 0xff),
             static_cast<char>(header.size() >> 8)};

  FilePtr file(std::fopen(path.c_str(), "wb"));
  bool ok = file && std::fwrite(prefix.data(), 1, prefix.size(), file.get()) ==
                        prefix.size();
  ok = ok && std::fwrite(header.data(), 1, header.size(), file.get()) ==
                 header.size();
  size_t size = mixer_tensor_byte_size(data);
  ok = ok && std::fwrite(mixer_tensor_data(data), 1, size, file.get()) == size;
  ok = ok && !std::fclose(file.release());
  if (!ok)
    error = path + ": cannot write: " + std::strerror(errno);
  return ok;
}
