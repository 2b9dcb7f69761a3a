// scripts/download-mnist.sh without a network: verification of present files, and "downloading" from a local
// mirror (a file:// URL) to check that a damaged file is replaced by a verified copy.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "data/paths.h"
#include "io/file.h"
#include "test_data_util.h"

namespace {

int run(const std::string& command) {
  const int status = std::system(("(" + command + ") > /dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("data: download-mnist.sh verifies the MD5 sums of present files and replaces damaged ones") {
  const std::string shared = std::string(AD_SHARED_DIR) + "/data/mnist";
  const std::string script = std::string(AD_SOURCE_DIR) + "/scripts/download-mnist.sh";
  if (!ad::io::file_exists(shared + "/t10k-labels-idx1-ubyte.gz") || run("command -v curl || command -v wget") != 0) {
    MESSAGE("skipped: no MNIST test files in " << shared << " or no curl/wget");
    return;
  }
  CHECK(run(script + " --verify-only --split t10k --data-dir " + shared) == 0);
  CHECK(run(script + " --verify-only --split train --data-dir " + shared) == 1);  // not there
  CHECK(run(script + " --split nonsense") == 2);

  test_util::TempDir dir;
  std::filesystem::copy_file(shared + "/t10k-images-idx3-ubyte.gz", dir.file("t10k-images-idx3-ubyte.gz"));
  test_util::write_bytes(dir.file("t10k-labels-idx1-ubyte.gz"), "not the labels");
  CHECK(run(script + " --verify-only --split t10k --data-dir " + dir.path()) == 1);
  const std::string mirror = "MNIST_MIRROR='file:///nonexistent file://" + shared + "' ";
  CHECK(run(mirror + script + " --split t10k --data-dir " + dir.path()) == 0);
  CHECK(run(script + " --verify-only --split t10k --data-dir " + dir.path()) == 0);
  CHECK(dir.entries().size() == 2);  // no temporary files left behind
}
