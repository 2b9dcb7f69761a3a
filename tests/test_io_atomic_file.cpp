// io::AtomicFile and write_file_atomic: a file is replaced whole or not at all, and temporary files never pile up.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "autodiff/error.h"
#include "io/atomic_file.h"
#include "io/file.h"
#include "test_data_util.h"

using namespace ad;

namespace {

// The pid of a process that has exited and been reaped: no process has it (until the kernel hands it out again,
// which takes a full cycle of the pid space).
pid_t pid_of_a_finished_process() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return pid;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("io: write_file_atomic replaces a file's contents and leaves no temporary file") {
  test_util::TempDir dir;
  const std::string path = dir.file("out.txt");
  io::write_file_atomic(path, "first");
  io::write_file_atomic(path, "second, longer");
  CHECK(test_util::read_bytes(path) == "second, longer");
  CHECK(dir.entries() == std::vector<std::string>{"out.txt"});
}

TEST_CASE("io: a write removes the temporaries that killed writers of the same file left, and nothing else") {
  test_util::TempDir dir;
  const std::string path = dir.file("log.csv");
  const std::string dead = std::to_string(pid_of_a_finished_process());
  const std::string live = std::to_string(::getppid());  // our parent is running: its temporary may be in use
  for (const std::string& name :
       std::vector<std::string>{"log.csv.tmp." + dead + ".0", "log.csv.tmp." + dead + ".17",  // stale
                                "log.csv.tmp." + live + ".3",                                 // a live writer
                                "other.csv.tmp." + dead + ".0",                               // another target
                                "log.csv.tmp.notapid.0", "log.csv.tmp." + dead, "log.csv.tmp." + dead + ".1x"})
    test_util::write_bytes(dir.file(name), "partial");
  io::write_file_atomic(path, "epoch,loss\n");
  CHECK(sorted(dir.entries()) ==
        sorted({"log.csv", "log.csv.tmp." + live + ".3", "other.csv.tmp." + dead + ".0", "log.csv.tmp.notapid.0",
                "log.csv.tmp." + dead, "log.csv.tmp." + dead + ".1x"}));
  CHECK(test_util::read_bytes(path) == "epoch,loss\n");
}

TEST_CASE("io: an AtomicFile abandoned before commit leaves the old file as it was and no temporary file") {
  test_util::TempDir dir;
  const std::string path = dir.file("model.bin");
  io::write_file_atomic(path, "old contents");
  try {
    io::AtomicFile f(path, "save");
    f.write("new cont");
    throw std::runtime_error("the writer fails half way");
  } catch (const std::runtime_error&) {
  }
  CHECK(test_util::read_bytes(path) == "old contents");
  CHECK(dir.entries() == std::vector<std::string>{"model.bin"});
}

TEST_CASE("io: write_file_atomic into a missing directory throws IOError naming the file and the operation") {
  test_util::TempDir dir;
  const std::string path = dir.file("no/such/dir/out.txt");
  const std::string expected = "write_file_atomic: '" + path + "': cannot create the temporary file";
  CHECK_THROWS_WITH_AS(io::write_file_atomic(path, "x"), doctest::Contains(expected.c_str()), IOError);
  CHECK(dir.entries().empty());
}
