//===- Error.cpp - The runtime's per-thread last error --------------------===//
//
// Every failing call records one sentence here before it returns its status;
// mixer_last_error() hands it out. The buffer is per thread and fixed-size, so
// recording an error never allocates.
//
//===----------------------------------------------------------------------===//

#include "Runtime.h"

#include <cstdarg>
#include <cstdio>

using namespace mixer::runtime;

namespace {
thread_local char lastError[2048];
} // namespace

mixer_status mixer::runtime::fail(mixer_status status, const char *format,
                                  ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(lastError, sizeof(lastError), format, args);
  va_end(args);
  return status;
}

QuotedName mixer::runtime::quote(const char *name) {
  constexpr size_t kMaxBytes = 64;
  QuotedName quoted;
  char *out = quoted.text;
  size_t i = 0;
  for (; name[i] && i < kMaxBytes; ++i) {
    auto byte = static_cast<unsigned char>(name[i]);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\')
      *out++ = static_cast<char>(byte);
    else
      out += std::snprintf(out, 5, "\\x%02x", byte);
  }
  if (name[i])
    out += std::snprintf(out, 4, "...");
  *out = '\0';
  return quoted;
}

extern "C" const char *mixer_last_error(void) { return lastError; }

extern "C" const char *mixer_status_name(mixer_status status) {
  switch (status) {
  case MIXER_OK:
    return "MIXER_OK";
  case MIXER_ERROR_INVALID_ARGUMENT:
    return "MIXER_ERROR_INVALID_ARGUMENT";
  case MIXER_ERROR_IO:
    return "MIXER_ERROR_IO";
  case MIXER_ERROR_ABI:
    return "MIXER_ERROR_ABI";
  case MIXER_ERROR_SHAPE:
    return "MIXER_ERROR_SHAPE";
  case MIXER_ERROR_DTYPE:
    return "MIXER_ERROR_DTYPE";
  case MIXER_ERROR_RUNTIME:
    return "MIXER_ERROR_RUNTIME";
  case MIXER_ERROR_OUT_OF_MEMORY:
    return "MIXER_ERROR_OUT_OF_MEMORY";
  }
  return "MIXER_ERROR_UNKNOWN";
}
