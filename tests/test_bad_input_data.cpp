// Bad-input table, data and training utilities (data/, train/, plot/): damaged, truncated and oversized IDX files,
// malformed CSV files, inconsistent data sets, mini-batch settings, empty inputs to the metrics. A bad file names the
// file and the offset, line, column or example. One test case per row; see tests/test_bad_input.h.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "data/data.h"
#include "plot/plot.h"
#include "tests/test_bad_input.h"
#include "tests/test_data_util.h"
#include "train/train.h"

using namespace ad;
using namespace ad::data;
using bad_input::expect;
using test_util::idx_bytes;
using test_util::TempDir;
using test_util::write_bytes;

namespace {

// Writes `bytes` to a file of the directory and returns its path.
std::string file_with(const TempDir& dir, const std::string& name, const std::string& bytes) {
  write_bytes(dir.file(name), bytes);
  return dir.file(name);
}

Dataset classification(const Tensor& X, const std::vector<std::size_t>& labels) {
  Dataset d;
  d.X = X;
  d.labels = labels;
  return d;
}
Dataset four_rows() { return classification(Tensor::zeros({4, 2}), {0, 1, 0, 1}); }

}  // namespace

// ---- IDX files (MNIST format). -------------------------------------------------------------------------------------
TEST_CASE("bad input: idx: a missing file") {
  TempDir dir;
  const std::string path = dir.file("missing-idx1-ubyte");
  expect<IOError>([&] { return read_idx(path, 1); }, {"read_idx: '" + path + "'", "cannot open", "No such file"});
}
TEST_CASE("bad input: idx: a directory instead of a file") {
  TempDir dir;
  expect<IOError>([&] { return read_idx(dir.path(), 1); }, {"read_idx: '" + dir.path() + "'", "is a directory"});
}
TEST_CASE("bad input: idx: an empty file") {
  TempDir dir;
  const std::string path = file_with(dir, "empty", "");
  expect<IOError>([&] { return read_idx(path, 3); }, {path, "0 bytes", "4-byte magic number"});
}
TEST_CASE("bad input: idx: a magic number of another element type") {
  TempDir dir;
  const std::string path = file_with(dir, "int", idx_bytes({2}, {1, 2}, 0x0C));
  expect<IOError>([&] { return read_idx(path); }, {path, "bad magic number 0x00000c01", "unsigned bytes"});
}
TEST_CASE("bad input: idx: a label file where images are expected") {
  TempDir dir;
  const std::string path = file_with(dir, "labels", idx_bytes({2}, {1, 2}));
  expect<IOError>([&] { return read_idx(path, 3); }, {path, "bad magic number 0x00000801", "expected 0x00000803"});
}
TEST_CASE("bad input: idx: a file that is not IDX at all") {
  TempDir dir;
  const std::string path = file_with(dir, "picture.gif", "GIF89a......");
  expect<IOError>([&] { return read_idx(path); }, {path, "bad magic number 0x47494638"});
}
TEST_CASE("bad input: idx: a header cut short") {
  TempDir dir;
  const std::string path = file_with(dir, "short", std::string("\0\0\x08\x03\0\0", 6));
  expect<IOError>([&] { return read_idx(path, 3); }, {path, "truncated header", "16 header bytes", "has 6"});
}
TEST_CASE("bad input: idx: data cut short names the expected and actual sizes after the header") {
  TempDir dir;
  const std::string path = file_with(dir, "cut", idx_bytes({2, 28, 28}, std::vector<std::uint8_t>(1000)));
  expect<IOError>([&] { return read_idx(path, 3); },
                  {path, "truncated: expected 1568 bytes of data after the 16-byte header, got 1000"});
}
TEST_CASE("bad input: idx: trailing bytes after the data") {
  TempDir dir;
  const std::string path = file_with(dir, "long", idx_bytes({2}, {1, 2, 3, 4}));
  expect<IOError>([&] { return read_idx(path, 1); }, {path, "2 trailing bytes", "expected 2 bytes"});
}
TEST_CASE("bad input: idx: dimensions whose product overflows") {
  TempDir dir;
  const std::string path = file_with(dir, "ovf", idx_bytes({0xffffffffu, 0xffffffffu, 0xffffffffu}, {1, 2, 3}));
  expect<IOError>([&] { return read_idx(path, 3); }, {path, "4294967295 x 4294967295", "more elements than any file"});
}
TEST_CASE("bad input: idx: a header claiming 2^64 bytes allocates nothing") {
  // The claim is checked against the bytes actually present before anything is allocated: an IOError, not bad_alloc.
  TempDir dir;
  const std::string path = file_with(dir, "huge", idx_bytes({0xffffffffu, 0xffffffffu}, {1, 2, 3}));
  expect<IOError>([&] { return read_idx(path); }, {path, "truncated: expected 18446744065119617025 bytes", "got 3"});
}
TEST_CASE("bad input: idx: a truncated gzip stream") {
  TempDir dir;
  test_util::write_gzip(dir.file("whole.gz"), idx_bytes({3000}, std::vector<std::uint8_t>(3000, 7)));
  const std::string bytes = test_util::read_bytes(dir.file("whole.gz"));
  const std::string path = file_with(dir, "cut.gz", bytes.substr(0, bytes.size() / 2));
  expect<IOError>([&] { return read_idx(path, 1); }, {path, "truncated gzip stream"});
}

namespace {
// A gzip file whose trailer claims 4 GiB of content (ISIZE = 2^32 - 1) for 8 real bytes.
std::string lying_gzip(const TempDir& dir) {
  test_util::write_gzip(dir.file("lie.gz"), idx_bytes({4}, {1, 2, 3, 4}));
  std::string b = test_util::read_bytes(dir.file("lie.gz"));
  b.replace(b.size() - 4, 4, "\xff\xff\xff\xff");
  return file_with(dir, "lie.gz", b);
}
}  // namespace
TEST_CASE("bad input: idx: a gzip trailer claiming 4 GiB is reported as corrupt") {
  TempDir dir;
  const std::string path = lying_gzip(dir);
  expect<IOError>([&] { return read_idx(path, 1); }, {path, "corrupt gzip stream"});
}
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AD_BAD_INPUT_NO_MEMORY_LIMIT 1  // sanitizers reserve terabytes of address space: a limit would stop them
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define AD_BAD_INPUT_NO_MEMORY_LIMIT 1
#endif
#endif
#ifndef AD_BAD_INPUT_NO_MEMORY_LIMIT
TEST_CASE("bad input: idx: a gzip trailer claiming 4 GiB does not make the reader reserve it") {
  // The trailer's size is only a hint for reserving the output; it used to be trusted up to 2 GiB. In a child process
  // whose address space may grow by 256 MiB at most, reading the file must still end in the IOError.
  TempDir dir;
  const std::string path = lying_gzip(dir);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    long vm_kib = 0;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmSize:", 0) == 0) vm_kib = std::stol(line.substr(7));
    const rlim_t limit = static_cast<rlim_t>(vm_kib) * 1024 + (rlim_t(256) << 20);
    const rlimit r{limit, limit};
    if (vm_kib == 0 || ::setrlimit(RLIMIT_AS, &r) != 0) ::_exit(4);
    int code = 3;
    try {
      read_idx(path, 1);
    } catch (const IOError&) {
      code = 0;
    } catch (const std::bad_alloc&) {
      code = 2;
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, "child exit code " << WEXITSTATUS(status) << " (2: bad_alloc)");
}
#endif
TEST_CASE("bad input: idx: an MNIST label outside 0..9 names the file and the example") {
  TempDir dir;
  write_bytes(dir.file("t10k-images-idx3-ubyte"), idx_bytes({2, 28, 28}, std::vector<std::uint8_t>(2 * 784)));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({2}, {3, 10}));
  expect<IOError>([&] { return load_mnist(dir.path(), "t10k"); },
                  {dir.file("t10k-labels-idx1-ubyte"), "label 10 of example 1", "0..9"});
}
TEST_CASE("bad input: idx: MNIST images and labels of different counts name both files") {
  TempDir dir;
  write_bytes(dir.file("t10k-images-idx3-ubyte"), idx_bytes({2, 28, 28}, std::vector<std::uint8_t>(2 * 784)));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({3}, {3, 1, 1}));
  expect<IOError>([&] { return load_mnist(dir.path(), "t10k"); },
                  {dir.file("t10k-images-idx3-ubyte"), "2 images", dir.file("t10k-labels-idx1-ubyte"), "3 labels"});
}
TEST_CASE("bad input: idx: MNIST images that are not 28 x 28") {
  TempDir dir;
  write_bytes(dir.file("t10k-images-idx3-ubyte"), idx_bytes({2, 27, 28}, std::vector<std::uint8_t>(2 * 27 * 28)));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({2}, {3, 1}));
  expect<IOError>([&] { return load_mnist(dir.path(), "t10k"); }, {dir.file("t10k-images-idx3-ubyte"), "27"});
}
TEST_CASE("bad input: idx: a damaged MNIST file names load_mnist and the file") {
  TempDir dir;
  write_bytes(dir.file("t10k-images-idx3-ubyte"), std::string("\x00\x00\x08\x01garbage", 11));  // a label file's magic
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({2}, {3, 1}));
  expect<IOError>([&] { return load_mnist(dir.path(), "t10k"); },
                  {"load_mnist: '" + dir.file("t10k-images-idx3-ubyte") + "'", "bad magic number"});
}
TEST_CASE("bad input: idx: MNIST files missing from the directory") {
  TempDir dir;
  expect<IOError>([&] { return load_mnist(dir.path(), "train"); }, {dir.path(), "no train images file"});
}
TEST_CASE("bad input: idx: an MNIST split that does not exist") {
  TempDir dir;
  expect<ValueError>([&] { return load_mnist(dir.path(), "validation"); }, {"validation"});
}

// ---- CSV files. ----------------------------------------------------------------------------------------------------
TEST_CASE("bad input: csv: a ragged row names the line and both field counts") {
  TempDir dir;
  const std::string path = file_with(dir, "ragged.csv", "a,b,c\n1,2,3\n4,5\n");
  expect<IOError>([&] { return read_csv(path); }, {path, "line 3: 2 fields, expected 3 (as on line 2)"});
}
TEST_CASE("bad input: csv: a data row longer than the header") {
  TempDir dir;
  const std::string path = file_with(dir, "wide.csv", "a,b\n1,2,3\n");
  expect<IOError>([&] { return read_csv(path); }, {path, "line 2: 3 fields", "header on line 1 has 2"});
}
TEST_CASE("bad input: csv: a field that is not a number names line, column and text") {
  TempDir dir;
  const std::string path = file_with(dir, "text.csv", "x,y\n1,2\n3,abc\n");
  expect<IOError>([&] { return read_csv(path); }, {path, "line 3, column 2 ('y'): 'abc' is not a number"});
}
TEST_CASE("bad input: csv: an empty field") {
  TempDir dir;
  const std::string path = file_with(dir, "hole.csv", "1,2,3\n4,,6\n");
  expect<IOError>([&] { return read_csv(path); }, {path, "line 2, column 2: empty field"});
}
TEST_CASE("bad input: csv: a number out of the float range") {
  TempDir dir;
  const std::string path = file_with(dir, "big.csv", "1,2\n3,1e999\n");
  expect<IOError>([&] { return read_csv(path); },
                  {path, "line 2, column 2: '1e999' is not a finite number (beyond the float range)",
                   "CsvOptions::allow_non_finite"});
}
TEST_CASE("bad input: csv: a NaN field names line, column and text") {
  TempDir dir;
  const std::string path = file_with(dir, "nan.csv", "x,y\n1,2\nnan,4\n");
  expect<IOError>([&] { return read_csv(path); },
                  {path, "line 3, column 1 ('x'): 'nan' is not a finite number", "CsvOptions::allow_non_finite"});
}
TEST_CASE("bad input: csv: an infinite field names line, column and text") {
  TempDir dir;
  const std::string path = file_with(dir, "inf.csv", "1,2,3\n4,5,-inf\n");
  expect<IOError>([&] { return read_csv(path); },
                  {path, "line 2, column 3: '-inf' is not a finite number", "CsvOptions::allow_non_finite"});
}
TEST_CASE("bad input: csv: a binary byte in a field is shown escaped") {
  // what() is a C string: a raw NUL in the message used to cut it off before the problem was named.
  TempDir dir;
  const std::string path = file_with(dir, "nul.csv", std::string("1,2\n3,\0x\n", 9));
  expect<IOError>([&] { return read_csv(path); }, {path, "line 2, column 2: '\\x00x' is not a number"});
}
TEST_CASE("bad input: csv: a binary file read as CSV gives a short message") {
  TempDir dir;
  const std::string path = file_with(dir, "binary.csv", "1,2\n" + std::string(5000, 'z') + ",1\n");
  std::string message;
  expect<IOError>([&] { return read_csv(path); }, {path, "line 2, column 1: 'zzzz", "...' is not a number"});
  try {
    read_csv(path);
  } catch (const IOError& e) {
    message = e.what();
  }
  CHECK(message.size() < path.size() + 120);
}
TEST_CASE("bad input: csv: an unterminated quote") {
  TempDir dir;
  const std::string path = file_with(dir, "quote.csv", "1,\"2\n");
  expect<IOError>([&] { return read_csv(path); }, {path, "line 1: unterminated quoted field"});
}
TEST_CASE("bad input: csv: an empty file") {
  TempDir dir;
  const std::string path = file_with(dir, "empty.csv", "");
  expect<IOError>([&] { return read_csv(path); }, {path, "is empty (no data rows)"});
}
TEST_CASE("bad input: csv: a file of blank lines") {
  TempDir dir;
  const std::string path = file_with(dir, "blank.csv", "\n  \n\n");
  expect<IOError>([&] { return read_csv(path); }, {path, "is empty"});
}
TEST_CASE("bad input: csv: a header without data rows") {
  TempDir dir;
  const std::string path = file_with(dir, "header.csv", "a,b\n");
  expect<IOError>([&] { return read_csv(path); }, {path, "has a header but no data rows"});
}
TEST_CASE("bad input: csv: a missing file") {
  TempDir dir;
  const std::string path = dir.file("missing.csv");
  expect<IOError>([&] { return read_csv(path); }, {"read_csv: '" + path + "'", "cannot open"});
}
TEST_CASE("bad input: csv: a directory instead of a file") {
  TempDir dir;
  expect<IOError>([&] { return read_csv(dir.path()); }, {"read_csv: '" + dir.path() + "'", "is a directory"});
}
// A file error names the function the caller called, not the helper that read the file (read_file, is_gzip_file).
TEST_CASE("bad input: csv: a missing shipped data set file names the loader") {
  TempDir dir;
  expect<IOError>([&] { return load_digits(dir.file("digits.csv.gz")); },
                  {"load_digits: '" + dir.file("digits.csv.gz") + "'", "cannot open"});
  expect<IOError>([&] { return load_breast_cancer(dir.file("bc.csv")); },
                  {"load_breast_cancer: '" + dir.file("bc.csv") + "'", "cannot open"});
}
TEST_CASE("bad input: csv: a corrupt gzip stream") {
  TempDir dir;
  test_util::write_gzip(dir.file("whole.csv.gz"), "1,2\n3,4\n");
  std::string b = test_util::read_bytes(dir.file("whole.csv.gz"));
  b[12] = static_cast<char>(b[12] ^ 0xff);
  const std::string path = file_with(dir, "bad.csv.gz", b);
  expect<IOError>([&] { return read_csv(path); }, {"read_csv: '" + path + "'", "gzip"});
}
TEST_CASE("bad input: csv: a label column with a fractional value") {
  const CsvTable t = parse_csv("x,label\n1,0\n2,1.5\n", "mem");
  expect<ValueError>([&] { return classification_dataset(t, 1); }, {"label column 1", "1.5", "index 1"});
}
TEST_CASE("bad input: csv: a label column index past the columns") {
  const CsvTable t = parse_csv("x,label\n1,0\n2,1\n", "mem");
  expect<IndexError>([&] { return classification_dataset(t, 5); }, {"index 5", "2 columns"});
}
TEST_CASE("bad input: csv: a column name that is not in the header") {
  const CsvTable t = parse_csv("x,label\n1,0\n", "mem");
  expect<IndexError>([&] { return t.column("z"); }, {"no column named 'z'"});
}
TEST_CASE("bad input: csv: a shipped data set file of the wrong layout") {
  TempDir dir;
  const std::string path = file_with(dir, "digits.csv", "1,2,3\n");
  expect<IOError>([&] { return load_digits(path); }, {path, "3 columns, expected 65"});
}

// ---- Data sets, mini-batches, splits, encoders, scalers. -----------------------------------------------------------
TEST_CASE("bad input: loader: batch size 0") {
  expect<ValueError>([] { return DataLoader(four_rows(), 0); }, {"DataLoader: batch_size must be > 0"});
}
TEST_CASE("bad input: loader: an empty data set") {
  expect<ValueError>(
      [] {
        return DataLoader(classification(Tensor::zeros({0, 2}), {}), 2);
      },
      {"DataLoader", "empty", "[0, 2]"});
}
TEST_CASE("bad input: loader: a data set without features") {
  expect<ShapeError>([] { return DataLoader(Dataset{}, 2); }, {"X must be a tensor"});
}
TEST_CASE("bad input: loader: fewer labels than rows names both counts") {
  expect<ShapeError>(
      [] {
        return DataLoader(classification(Tensor::zeros({4, 2}), {0, 1, 0}), 2);
      },
      {"3 labels for 4 rows", "[4, 2]"});
}
TEST_CASE("bad input: loader: regression targets for another number of rows") {
  Dataset d;
  d.X = Tensor::zeros({4, 2});
  d.y = Tensor::zeros({3});
  expect<ShapeError>([&] { return DataLoader(d, 2); }, {"targets y of shape [3]", "4 rows", "[4, 2]"});
}
TEST_CASE("bad input: loader: a batch index past the epoch") {
  DataLoader loader(four_rows(), 2);
  loader.start_epoch();
  expect<IndexError>([&] { return loader.batch(2); }, {"batch 2", "2 batches per epoch"});
}
TEST_CASE("bad input: dataset: a subset index past the rows") {
  expect<IndexError>([] { return four_rows().subset({4}); }, {"index 4", "4 rows"});
}
TEST_CASE("bad input: split: a test fraction of 1") {
  expect<ValueError>([] { return train_test_split(four_rows(), 1.0, 5); }, {"test_fraction must be in [0, 1)"});
}
TEST_CASE("bad input: split: a negative fraction") {
  expect<ValueError>([] { return train_val_test_split(four_rows(), -0.1, 0.2, 5); }, {"[0, 1)", "-0.1"});
}
TEST_CASE("bad input: split: a NaN fraction") {
  expect<ValueError>([] { return train_test_split(four_rows(), std::nan(""), 5); }, {"test_fraction", "nan"});
}
TEST_CASE("bad input: split: fractions that leave nothing for training") {
  expect<ValueError>([] { return train_val_test_split(four_rows(), 0.5, 0.5, 5); }, {"leave none of 4 for training"});
}
TEST_CASE("bad input: encode: one_hot with a label past the classes") {
  expect<IndexError>([] { return one_hot({1, 3}, 3); }, {"label 3 at position 1", "3 classes"});
}
TEST_CASE("bad input: encode: one_hot with no classes") {
  expect<ValueError>([] { return one_hot({0}, 0); }, {"num_classes must be > 0"});
}
TEST_CASE("bad input: encode: binary_targets with a label other than 0 or 1") {
  expect<ValueError>([] { return binary_targets({0, 2}); }, {"label 2 at position 1 is not 0 or 1"});
}
TEST_CASE("bad input: encode: to_labels with a negative value") {
  expect<ValueError>([] { return to_labels(Tensor::from({1.0f, -1.0f})); }, {"value -1", "index 1"});
}
TEST_CASE("bad input: encode: to_labels with NaN") {
  expect<ValueError>([] { return to_labels(Tensor::from({1.0f, std::nanf("")})); }, {"value nan", "index 1"});
}
TEST_CASE("bad input: scaler: fitting on an empty matrix") {
  expect<ValueError>([] { return StandardScaler().fit(Tensor::zeros({0, 3})); }, {"empty matrix [0, 3]"});
}
TEST_CASE("bad input: scaler: fitting on a vector") {
  expect<ShapeError>([] { return StandardScaler().fit(Tensor::zeros({4})); }, {"(N, d) matrix, got shape [4]"});
}
TEST_CASE("bad input: scaler: transforming before fitting") {
  expect<ValueError>([] { return StandardScaler().transform(Tensor::zeros({2, 2})); }, {"has not been fitted"});
}
TEST_CASE("bad input: scaler: transforming a matrix of another width") {
  StandardScaler s;
  s.fit(Tensor::ones({3, 2}));
  expect<ShapeError>([&] { return s.transform(Tensor::ones({3, 3})); }, {"X has 3 columns", "[3, 3]", "fitted on 2"});
}
TEST_CASE("bad input: scaler: MinMaxScaler with an empty target range") {
  expect<ValueError>([] { return MinMaxScaler(1.0f, 1.0f); }, {"lo < hi"});
}
TEST_CASE("bad input: scaler: MinMaxScaler fitted on an empty matrix") {
  expect<ValueError>([] { return MinMaxScaler().fit(Tensor::zeros({0, 3})); }, {"empty matrix [0, 3]"});
}

// ---- Metrics and training records (train/). -----------------------------------------------------------------------
TEST_CASE("bad input: metrics: accuracy of no examples") {
  expect<ValueError>([] { return train::accuracy({}, std::vector<std::size_t>{}); }, {"accuracy: no examples"});
}
TEST_CASE("bad input: metrics: accuracy of scores for an empty batch") {
  expect<ValueError>([] { return train::accuracy({}, Tensor::zeros({0, 3})); }, {"accuracy: no examples"});
}
TEST_CASE("bad input: metrics: accuracy with more labels than predictions") {
  expect<ShapeError>(
      [] {
        return train::accuracy({1, 2}, std::vector<std::size_t>{1});
      },
      {"2 true labels but 1 predictions"});
}
TEST_CASE("bad input: metrics: accuracy with scores for another number of rows") {
  expect<ShapeError>([] { return train::accuracy({0, 1}, Tensor::zeros({3, 3})); }, {"2 true labels but 3"});
}
TEST_CASE("bad input: metrics: argmax_rows of a matrix without columns") {
  expect<ShapeError>([] { return train::argmax_rows(Tensor::zeros({2, 0})); }, {"(N, C) matrix", "[2, 0]"});
}
TEST_CASE("bad input: metrics: confusion matrix with a label past the classes") {
  train::ConfusionMatrix m(4);
  expect<IndexError>([&] { m.add(4, 0); }, {"label 4 is out of range for 4 classes"});
}
TEST_CASE("bad input: metrics: confusion matrix with label lists of different lengths") {
  train::ConfusionMatrix m(3);
  expect<ShapeError>([&] { m.add({0}, {0, 1}); }, {"1 true labels but 2 predictions"});
}
TEST_CASE("bad input: metrics: confusion matrix of no classes") {
  expect<ValueError>([] { return train::ConfusionMatrix(0); }, {"num_classes must be > 0"});
}
TEST_CASE("bad input: metrics: accuracy of an empty confusion matrix") {
  expect<ValueError>([] { return train::ConfusionMatrix(3).accuracy(); }, {"no examples"});
}
TEST_CASE("bad input: metrics: ROC AUC of a single class") {
  expect<ValueError>(
      [] {
        return train::roc_auc({1, 1}, std::vector<double>{0.1, 0.2});
      },
      {"only one class is present"});
}
TEST_CASE("bad input: metrics: ROC AUC of no examples") {
  expect<ValueError>([] { return train::roc_auc({}, std::vector<double>{}); }, {"0 examples"});
}
TEST_CASE("bad input: metrics: ROC AUC with a label other than 0 or 1") {
  expect<ValueError>([] { return train::roc_auc({0, 2}, std::vector<double>{0.1, 0.2}); }, {"label 2 at position 1"});
}
TEST_CASE("bad input: metrics: ROC AUC with a NaN score") {
  expect<ValueError>([] { return train::roc_auc({0, 1}, std::vector<double>{0.1, std::nan("")}); }, {"roc_auc"});
}
TEST_CASE("bad input: metrics: ROC AUC with fewer scores than labels") {
  expect<ShapeError>([] { return train::roc_auc({0, 1}, std::vector<double>{0.1}); }, {"2 labels but 1 scores"});
}
TEST_CASE("bad input: metrics: mean squared error of different shapes") {
  expect<ShapeError>(
      [] {
        return train::mean_squared_error(Tensor::zeros({4}), Tensor::zeros({2, 2}));
      },
      {"shapes [4] and [2, 2] differ"});
}
TEST_CASE("bad input: metrics: mean squared error of no values") {
  expect<ValueError>([] { return train::mean_squared_error(Tensor::zeros({0}), Tensor::zeros({0})); },
                     {"mean_squared_error: no values"});
}
TEST_CASE("bad input: metrics: mean absolute error of no values") {
  expect<ValueError>([] { return train::mean_absolute_error(Tensor::zeros({0}), Tensor::zeros({0})); },
                     {"mean_absolute_error: no values"});
}
TEST_CASE("bad input: metrics: R2 of no values") {
  expect<ValueError>([] { return train::r2_score(std::vector<double>{}, std::vector<double>{}); }, {"no values"});
}
TEST_CASE("bad input: history: a metric that was never recorded") {
  train::History h;
  h.add(1, {{"loss", 1.0}});
  expect<IndexError>([&] { return h["lr"]; }, {"no metric named 'lr'", "recorded: loss"});
}
TEST_CASE("bad input: history: a log file that is not a history") {
  TempDir dir;
  const std::string path = file_with(dir, "other.csv", "a,b\n1,2\n");
  expect<IOError>([&] { return train::History::load_csv(path); }, {path, "expected a header \"epoch,"});
}
TEST_CASE("bad input: history: a log in a directory that does not exist") {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/log.csv");
  expect<IOError>([&] { train::CsvLog(path).log(1, {{"loss", 1.0}}); }, {path});
}

// ---- Plots (plot/). ------------------------------------------------------------------------------------------------
TEST_CASE("bad input: plot: a series with fewer x than y values") {
  expect<ValueError>(
      [] {
        return plot::line_plot_svg({{"bad", {1, 2}, {1}}});
      },
      {"series 'bad' has 1 x values and 2 y"});
}
TEST_CASE("bad input: plot: a ragged heatmap") {
  expect<ValueError>([] { return plot::heatmap_svg({{1, 2}, {3}}); }, {"row 1 has 1 values, row 0 has 2"});
}
TEST_CASE("bad input: plot: images of the wrong size for the grid") {
  expect<ShapeError>([] { return plot::image_grid_svg(Tensor::zeros({2, 10}), 3, 3); }, {"not images of 3 x 3"});
}
TEST_CASE("bad input: plot: a log y axis with a non-positive bound") {
  plot::LinePlotOptions o;
  o.log_y = true;
  o.y_min = 0.0;
  expect<ValueError>([&] { return plot::line_plot_svg({{"loss", {1, 0.1}}}, o); }, {"log_y", "y_min", "0"});
}
TEST_CASE("bad input: plot: saving into a missing directory names the save function and the file") {
  TempDir dir;
  const std::string path = dir.file("missing/dir/plot.svg");
  expect<IOError>([&] { plot::save_line_plot(path, {{"acc", {0.5, 0.9}}}); }, {"save_line_plot: '" + path + "'"});
  expect<IOError>([&] { plot::save_heatmap(path, {{1, 2}}); }, {"save_heatmap: '" + path + "'"});
  expect<IOError>([&] { plot::Svg(10, 10).save(path); }, {"Svg::save: '" + path + "'"});
}
