#include "io/file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "autodiff/error.h"
#include "io/atomic_file.h"

namespace ad::io {
namespace {

[[noreturn]] void fail(const char* op, const std::string& path, const std::string& what) {
  throw IOError(std::string(op) + ": '" + path + "': " + what);
}

std::string errno_text() { return std::strerror(errno); }

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Opens a regular file (or a pipe, a device): fopen succeeds on a directory, whose size and reads are nonsense.
File open_for_reading(const char* op, const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) fail(op, path, "cannot open: " + errno_text());
  struct stat st;
  if (::fstat(::fileno(f.get()), &st) == 0 && S_ISDIR(st.st_mode)) fail(op, path, "is a directory, not a file");
  return f;
}

// The size of a regular file, or 0 when it has none (a pipe).
std::size_t file_size(std::FILE* f) {
  struct stat st;
  return ::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0;
}

// Bytes is std::string or std::vector<std::uint8_t> (read_file / read_file_bytes).
// `op` is the function the caller called (read_file or read_file_bytes), which the errors name.
template <class Bytes>
Bytes read_plain(const char* op, const std::string& path) {
  File f = open_for_reading(op, path);
  Bytes out;
  out.reserve(file_size(f.get()));
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.insert(out.end(), buf, buf + n);
  if (std::ferror(f.get())) fail(op, path, "read failed: " + errno_text());
  return out;
}

// The gzip trailer ends with ISIZE, the uncompressed size mod 2^32 (RFC 1952): a good guess for reserving the
// output, which saves the copies of a doubling string for large files (47 MB for Fashion-MNIST's training images).
// Only a hint, and a damaged or hostile file can claim anything: it is capped at what the file's size allows,
// deflate expanding at most 1032:1 (a 40-byte file claiming 2 GiB used to reserve 2 GiB; found by fuzz_idx).
std::size_t gzip_size_hint(const char* op, const std::string& path) {
  File f = open_for_reading(op, path);
  unsigned char t[4];
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return 0;
  const long compressed = std::ftell(f.get());
  if (compressed < 4 || std::fseek(f.get(), -4, SEEK_END) != 0 || std::fread(t, 1, 4, f.get()) != 4) return 0;
  const std::size_t isize =
      std::size_t(t[0]) | std::size_t(t[1]) << 8 | std::size_t(t[2]) << 16 | std::size_t(t[3]) << 24;
  return std::min(isize, static_cast<std::size_t>(compressed) * 1032);
}

template <class Bytes>
Bytes read_gzip(const char* op, const std::string& path) {
  const std::size_t hint = gzip_size_hint(op, path);
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) fail(op, path, "cannot open: " + errno_text());
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(gz, gzclose_r);
  gzbuffer(gz, 1 << 17);
  Bytes out;
  out.reserve(hint);
  std::string buf(1 << 20, '\0');
  int n;
  while ((n = gzread(gz, &buf[0], static_cast<unsigned>(buf.size()))) > 0)
    out.insert(out.end(), buf.data(), buf.data() + n);
  // zlib reports a stream that ends early as the soft error Z_BUF_ERROR ("unexpected end of file") and still
  // returns what it decoded, so the error state must be checked even when gzread did not return -1.
  int err = Z_OK;
  const char* msg = gzerror(gz, &err);
  if (n < 0 || err != Z_OK) {
    if (err == Z_BUF_ERROR)
      fail(
          op, path,
          "truncated gzip stream (unexpected end of file after " + std::to_string(out.size()) + " decompressed bytes)");
    if (err == Z_ERRNO) fail(op, path, "read failed: " + errno_text());
    fail(op, path, std::string("corrupt gzip stream: ") + (msg && *msg ? msg : "unknown zlib error"));
  }
  return out;
}

bool starts_with_gzip_magic(const char* op, const std::string& path) {
  File f = open_for_reading(op, path);
  unsigned char magic[2] = {0, 0};
  const std::size_t n = std::fread(magic, 1, 2, f.get());
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace

bool is_gzip_file(const std::string& path) { return starts_with_gzip_magic("is_gzip_file", path); }

std::string read_file(const std::string& path) {
  const char* op = "read_file";
  return starts_with_gzip_magic(op, path) ? read_gzip<std::string>(op, path) : read_plain<std::string>(op, path);
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  using Bytes = std::vector<std::uint8_t>;
  const char* op = "read_file_bytes";
  return starts_with_gzip_magic(op, path) ? read_gzip<Bytes>(op, path) : read_plain<Bytes>(op, path);
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  AtomicFile file(path, "write_file_atomic");
  file.write(contents);
  file.commit();
}

}  // namespace ad::io
