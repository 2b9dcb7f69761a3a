// Helpers shared by the fuzz harnesses: handing bytes to readers that take a path, compressing them with gzip, and
// reporting a finding (which, for libFuzzer and for the replay tool alike, means aborting).
#pragma once
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "autodiff/error.h"

namespace fuzz {

// A finding: print what went wrong and abort, so that libFuzzer saves the input (and the replay test fails).
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// An exception that the documentation does not allow at this point: a finding, named with its dynamic type.
[[noreturn]] inline void undocumented(const std::exception& e, const std::string& context) {
  finding(context + ": undocumented exception " + typeid(e).name() + ": " + e.what());
}

// A file that lives in memory (memfd): the readers open it by path through /proc/self/fd, as they would open any
// file, but no disk is touched and nothing is left behind when the process dies on a crash.
class MemFile {
 public:
  MemFile() {
    fd_ = ::memfd_create("ad_fuzz_input", 0);
    if (fd_ < 0) finding("memfd_create failed (the harness needs Linux)");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  ~MemFile() { ::close(fd_); }

  // Replaces the contents with `size` bytes.
  void write(const void* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) finding("ftruncate of the memfd failed");
    const char* p = static_cast<const char*>(data);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t w = ::pwrite(fd_, p + done, size - done, static_cast<off_t>(done));
      if (w <= 0) finding("write to the memfd failed");
      done += static_cast<std::size_t>(w);
    }
  }
  void write(const std::string& s) { write(s.data(), s.size()); }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// The bytes compressed as one gzip member (what `gzip` writes), so a harness can feed a structured input to a
// reader through its gzip path: the fuzzer itself would rarely produce a valid deflate stream with a valid CRC.
inline std::string gzip(const void* data, std::size_t size) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    finding("deflateInit2 failed");
  std::string out(deflateBound(&zs, static_cast<uLong>(size)), '\0');
  zs.next_in = const_cast<Bytef*>(static_cast<const Bytef*>(data));
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) finding("deflate failed");
  return out;
}

}  // namespace fuzz
