// Replacing a file so that no reader and no crash ever sees it half written.
//
// AtomicFile writes to "<path>.tmp.<pid>.<n>" in the target's directory (rename(2) is atomic only within one file
// system). commit() flushes the data to disk (fsync; otherwise a crash after the rename could leave the new name
// pointing at an empty file), renames the temporary over the target, then flushes the directory so the rename
// itself survives a power loss. Without commit() (an exception while writing), the destructor removes the
// temporary, and the target keeps its old contents.
//
// A writer killed mid-save (SIGKILL, the OOM killer, power loss) cannot clean up: its temporary stays, possibly
// megabytes. So opening an AtomicFile first removes the temporaries of the same target whose writing process no
// longer exists on this machine (kill(pid, 0) fails with ESRCH); those of a live process (another run saving to the
// same path) are left alone. Crashes therefore never accumulate files.
//
// Errors throw IOError "<op>: '<path>': <what>: <strerror>", where <op> names the caller's operation (save_npz,
// write_file_atomic, ...).
#pragma once
#include <cstddef>
#include <string>

namespace ad::io {

class AtomicFile {
 public:
  AtomicFile(std::string path, std::string op);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(const void* data, std::size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }
  // fsync, rename over the target, fsync the directory. After it the object holds nothing.
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_, op_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Removes the "<path>.tmp.<pid>.<n>" files left by writers of `path` that were killed (see above). Best effort:
// an unreadable directory is left for the write itself to report.
void remove_stale_temporaries(const std::string& path);

}  // namespace ad::io
