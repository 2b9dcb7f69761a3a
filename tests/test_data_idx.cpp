// IDX files (MNIST format): header checks and precise errors on synthetic files, then the real MNIST test set
// and Fashion-MNIST when installed.
#include <doctest/doctest.h>

#include <numeric>

#include "autodiff/error.h"
#include "data/idx.h"
#include "data/mnist.h"
#include "data/paths.h"
#include "io/file.h"
#include "test_data_util.h"

using namespace ad;
using namespace ad::data;
using test_util::idx_bytes;

namespace {

// A tiny MNIST-like split: n images of 28 x 28 whose first pixel is its index, labels i % 10.
void write_split(const test_util::TempDir& dir, const std::string& split, std::uint32_t n_images,
                 std::uint32_t n_labels, bool gzip) {
  std::vector<std::uint8_t> pixels(std::size_t(n_images) * 784, 0), labels(n_labels);
  for (std::uint32_t i = 0; i < n_images; ++i)
    pixels[i * 784] = static_cast<std::uint8_t>(i), pixels[i * 784 + 1] = 255;
  for (std::uint32_t i = 0; i < n_labels; ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
  const std::string img = idx_bytes({n_images, 28, 28}, pixels), lab = idx_bytes({n_labels}, labels);
  const std::string suffix = gzip ? ".gz" : "";
  auto write = gzip ? test_util::write_gzip : test_util::write_bytes;
  write(dir.file(split + "-images-idx3-ubyte" + suffix), img);
  write(dir.file(split + "-labels-idx1-ubyte" + suffix), lab);
}

}  // namespace

TEST_CASE("data: read_idx reads plain and gzip-compressed unsigned-byte IDX files") {
  test_util::TempDir dir;
  std::vector<std::uint8_t> v(2 * 3 * 4);
  std::iota(v.begin(), v.end(), std::uint8_t(0));
  test_util::write_bytes(dir.file("a.idx"), idx_bytes({2, 3, 4}, v));
  test_util::write_gzip(dir.file("a.idx.gz"), idx_bytes({2, 3, 4}, v));
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    const IdxArray a = read_idx(dir.file(name), 3);
    CHECK(a.dims == std::vector<std::size_t>{2, 3, 4});
    CHECK(a.values == v);
  }
  CHECK(read_idx(dir.file("a.idx")).dims.size() == 3);  // any rank accepted without an expectation
}

TEST_CASE("data: read_idx names the file and the problem for damaged files") {
  test_util::TempDir dir;
  const std::string path = dir.file("bad-idx");
  std::vector<std::uint8_t> v(2 * 28 * 28, 7);

  SUBCASE("bad magic, with the value found") {
    test_util::write_bytes(path, idx_bytes({2, 28, 28}, v, 0x09));
    CHECK_THROWS_WITH_AS(read_idx(path, 3),
                         ("read_idx: '" + path +
                          "': bad magic number 0x00000903 (expected 0x00000803 for an image "
                          "file of unsigned bytes with 3 dimensions)")
                             .c_str(),
                         IOError);
    test_util::write_bytes(path, idx_bytes({2}, {1, 2}));
    CHECK_THROWS_WITH_AS(read_idx(path, 3), doctest::Contains("bad magic number 0x00000801 (expected 0x00000803"),
                         IOError);
    test_util::write_bytes(path, "GIF89a.......");
    CHECK_THROWS_WITH_AS(read_idx(path), doctest::Contains("bad magic number 0x47494638"), IOError);
  }
  SUBCASE("truncated data: expected N bytes, got M") {
    std::string b = idx_bytes({2, 28, 28}, v);
    test_util::write_bytes(path, b.substr(0, b.size() - 100));
    CHECK_THROWS_WITH_AS(
        read_idx(path, 3),
        ("read_idx: '" + path + "': truncated: expected 1568 bytes of data after the 16-byte header, got 1468").c_str(),
        IOError);
    test_util::write_gzip(path, b.substr(0, 10));
    CHECK_THROWS_WITH_AS(read_idx(path, 3),
                         doctest::Contains("truncated header: 3 dimensions need 16 header bytes, the file has 10"),
                         IOError);
    test_util::write_bytes(path, std::string("\0\0", 2));
    CHECK_THROWS_WITH_AS(read_idx(path), doctest::Contains("too short for the 4-byte magic number"), IOError);
  }
  SUBCASE("trailing bytes") {
    test_util::write_bytes(path, idx_bytes({2, 28, 28}, v) + "xyz");
    CHECK_THROWS_WITH_AS(read_idx(path, 3), doctest::Contains("3 trailing bytes: expected 1568 bytes"), IOError);
  }
  SUBCASE("truncated gzip stream") {
    test_util::write_gzip(path, idx_bytes({2, 28, 28}, v));
    const std::string gz = test_util::read_bytes(path);
    test_util::write_bytes(path, gz.substr(0, gz.size() - 12));
    CHECK_THROWS_WITH_AS(read_idx(path, 3), doctest::Contains(("'" + path + "': truncated gzip stream").c_str()),
                         IOError);
  }
}

TEST_CASE("data: load_mnist reads a split, scales pixels to 0..1 and checks the two files agree") {
  test_util::TempDir dir;
  write_split(dir, "train", 12, 12, true);
  write_split(dir, "t10k", 5, 5, false);
  const Dataset train = load_mnist(dir.path(), "train");
  CHECK(train.X.shape() == Shape{12, 784});
  CHECK(train.X.at({3, 0}) == doctest::Approx(3.0 / 255));
  CHECK(train.X.at({3, 1}) == 1.0f);
  CHECK(train.labels[11] == 1);
  CHECK(train.image_height == 28);
  CHECK(train.class_names.size() == 10);
  CHECK(load_mnist(dir.path(), "test").size() == 5);  // "test" is "t10k"

  write_split(dir, "t10k", 5, 4, false);
  CHECK_THROWS_WITH_AS(load_mnist(dir.path(), "t10k"),
                       doctest::Contains(("label/image count mismatch: '" + dir.file("t10k-images-idx3-ubyte") +
                                          "' has 5 images, '" + dir.file("t10k-labels-idx1-ubyte") + "' has 4 labels")
                                             .c_str()),
                       IOError);
  CHECK_THROWS_WITH_AS(load_mnist(dir.path() + "/nowhere", "train"), doctest::Contains("no train images file in"),
                       IOError);
  CHECK_THROWS_AS(load_mnist(dir.path(), "validation"), ValueError);
}

TEST_CASE("data: MNIST t10k from the shared data folder has 10000 images, the first a 7") {
  const std::string dir = std::string(AD_SHARED_DIR) + "/data/mnist";
  if (!io::file_exists(dir + "/t10k-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: no MNIST files in " << dir);
    return;
  }
  const Dataset d = load_mnist(dir, "t10k");
  CHECK(d.X.shape() == Shape{10000, 784});
  CHECK(d.labels.size() == 10000);
  CHECK(d.labels[0] == 7);
  CHECK(d.labels[1] == 2);
  CHECK(d.labels[2] == 1);
  CHECK(d.X.min().item() == 0.0f);
  CHECK(d.X.max().item() == 1.0f);
  const std::vector<std::size_t> counts = d.class_counts();
  CHECK(counts[1] == 1135);  // the published class frequencies of the MNIST test set
  CHECK(counts[5] == 892);
}

TEST_CASE("data: Fashion-MNIST train has 60000 images in 10 balanced classes (when installed)") {
  const std::string dir = fashion_mnist_dir();
  if (!io::file_exists(dir + "/train-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: Fashion-MNIST is not installed in " << dir << " (apt-get install dataset-fashion-mnist)");
    return;
  }
  const Dataset d = load_fashion_mnist(dir, "train");
  CHECK(d.X.shape() == Shape{60000, 784});
  CHECK(d.class_counts() == std::vector<std::size_t>(10, 6000));
  CHECK(d.class_names[9] == "Ankle boot");
  CHECK(load_fashion_mnist(dir, "t10k").size() == 10000);
}
