#include "io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "autodiff/error.h"

namespace ad::io {
namespace {

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// True for "<digits>.<digits>" with a pid that fits pid_t; the pid goes to *pid.
bool parse_pid_and_counter(const std::string& rest, pid_t* pid) {
  const std::size_t dot = rest.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 9 || dot + 1 == rest.size()) return false;
  if (rest.find_first_not_of("0123456789") != dot) return false;
  if (rest.find_first_not_of("0123456789", dot + 1) != std::string::npos) return false;
  *pid = static_cast<pid_t>(std::stol(rest.substr(0, dot)));
  return true;
}

}  // namespace

void remove_stale_temporaries(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  DIR* d = ::opendir(directory_of(path).c_str());
  if (!d) return;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    pid_t pid = 0;
    if (!parse_pid_and_counter(name.substr(prefix.size()), &pid)) continue;
    if (pid == ::getpid() || pid <= 0) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) ::unlinkat(::dirfd(d), name.c_str(), 0);
  }
  ::closedir(d);
}

AtomicFile::AtomicFile(std::string path, std::string op) : path_(std::move(path)), op_(std::move(op)) {
  remove_stale_temporaries(path_);
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    tmp_ = path_ + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) fail("cannot create the temporary file '" + tmp_ + "'");
  }
  if (fd_ < 0) fail("cannot create a temporary file next to it");
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write failed");
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail("fsync failed");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed");
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename '" + tmp_ + "' over it");
  committed_ = true;
  // Best effort: the new file is in place whatever happens here; this makes the rename durable.
  const int dfd = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void AtomicFile::fail(const std::string& what) const {
  throw IOError(op_ + ": '" + path_ + "': " + what + ": " + std::strerror(errno));
}

}  // namespace ad::io
