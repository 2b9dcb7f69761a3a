// Bad-input table, neural-network toolkit (nn/): layers given the wrong shapes or parameters, losses given labels or
// targets that do not fit, empty batches, NaN in the data under anomaly mode, damaged and mismatched checkpoints.
// One test case per row; see tests/test_bad_input.h.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "io/npz.h"
#include "io/state.h"
#include "nn/nn.h"
#include "optim/optim.h"
#include "tests/test_bad_input.h"
#include "tests/test_data_util.h"

using namespace ad;
using bad_input::expect;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const std::size_t kMinusOne = static_cast<std::size_t>(-1);

std::vector<std::size_t> labels(std::initializer_list<std::size_t> l) { return l; }

// ---- Layers. -------------------------------------------------------------------------------------------------------
}  // namespace

TEST_CASE("bad input: nn: Linear given an input of the wrong width names both shapes") {
  nn::Linear<float> layer(4, 5);
  expect<ShapeError>(
      [&] {
        return layer(Tensor::ones({2, 3}));
      },
      {"Linear(in_features=4", "input of shape [2, 3]", "4 features", "weight shape [4, 5]"});
}
TEST_CASE("bad input: nn: Linear given a scalar") {
  nn::Linear<float> layer(4, 5);
  expect<ShapeError>([&] { return layer(Tensor::scalar(1.0f)); }, {"input of shape []", "[4, 5]"});
}
TEST_CASE("bad input: nn: Linear with zero features") {
  expect<ValueError>([] { return nn::Linear<float>(0, 3); }, {"Linear", "must be positive", "0 and 3"});
}
TEST_CASE("bad input: nn: BatchNorm1d given the wrong number of channels") {
  nn::BatchNorm1d<float> bn(3);
  expect<ShapeError>([&] { return bn(Tensor::ones({4, 2})); }, {"BatchNorm1d(3", "(N, 3) or (N, 3, L)", "[4, 2]"});
}
TEST_CASE("bad input: nn: BatchNorm1d given a 1-D input") {
  nn::BatchNorm1d<float> bn(3);
  expect<ShapeError>([&] { return bn(Tensor::ones({3})); }, {"(N, 3) or (N, 3, L)", "got [3]"});
}
TEST_CASE("bad input: nn: BatchNorm1d training on a batch of one row") {
  nn::BatchNorm1d<float> bn(3);
  expect<ValueError>([&] { return bn(Tensor::ones({1, 3})); }, {"more than one value per channel", "[1, 3]"});
}
TEST_CASE("bad input: nn: BatchNorm1d training on an empty batch") {
  nn::BatchNorm1d<float> bn(3);
  expect<ValueError>([&] { return bn(Tensor::ones({0, 3})); }, {"more than one value per channel", "[0, 3]"});
}
TEST_CASE("bad input: nn: BatchNorm1d with eps <= 0") {
  expect<ValueError>([] { return nn::BatchNorm1d<float>(3, 0.0); }, {"eps must be positive"});
}
TEST_CASE("bad input: nn: BatchNorm1d with momentum outside 0..1") {
  expect<ValueError>([] { return nn::BatchNorm1d<float>(3, 1e-5, 1.5); }, {"momentum must be in [0, 1]", "1.5"});
}
TEST_CASE("bad input: nn: BatchNorm1d with zero features") {
  expect<ValueError>([] { return nn::BatchNorm1d<float>(0); }, {"num_features must be positive"});
}
TEST_CASE("bad input: nn: Sequential whose layer widths do not line up names the layer and both shapes") {
  auto model = nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(6, 2));
  expect<ShapeError>(
      [&] {
        return model(Tensor::ones({2, 4}));
      },
      {"Sequential: layer 2 of 3", "Linear(in_features=6", "[2, 8]", "weight shape [6, 2]"});
}
TEST_CASE("bad input: nn: Sequential given an input of the wrong width names the first layer") {
  auto model = nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
  expect<ShapeError>([&] { return model(Tensor::ones({2, 5})); }, {"layer 0 of 3", "[2, 5]", "[4, 8]"});
}
TEST_CASE("bad input: nn: Residual given an input of another width") {
  nn::Residual<float> block(3);
  expect<ShapeError>([&] { return block(Tensor::ones({2, 4})); }, {"[2, 4]", "3"});
}
TEST_CASE("bad input: nn: Sequential layer index out of range") {
  auto model = nn::Sequential(nn::Linear(4, 8));
  expect<IndexError>([&] { return model[1]; }, {"layer index 1", "1 layers"});
}
TEST_CASE("bad input: nn: Sequential layer asked for as the wrong type") {
  auto model = nn::Sequential(nn::Linear(4, 8), nn::ReLU());
  expect<ValueError>([&] { return &model.at<nn::Linear<float>>(1); }, {"layer 1", "ReLU", "not the requested type"});
}
TEST_CASE("bad input: nn: Dropout with p = 1") {
  expect<ValueError>([] { return nn::Dropout<float>(1.0); }, {"Dropout", "[0, 1)", "got 1"});
}
TEST_CASE("bad input: nn: Dropout with a negative p") {
  expect<ValueError>([] { return nn::Dropout<float>(-0.1); }, {"[0, 1)", "got -0.1"});
}
TEST_CASE("bad input: nn: Dropout with p NaN") {
  expect<ValueError>([] { return nn::Dropout<float>(std::nan("")); }, {"[0, 1)", "got nan"});
}
TEST_CASE("bad input: nn: functional dropout with p > 1") {
  expect<ValueError>([] { return nn::dropout(Tensor::ones({2}), 1.5); }, {"dropout", "got 1.5"});
}
TEST_CASE("bad input: nn: Xavier initialisation of a 1-D tensor") {
  expect<ValueError>([] { nn::init::xavier_uniform_(Tensor::zeros({7})); }, {"rank >= 2", "[7]"});
}
TEST_CASE("bad input: nn: uniform initialisation with lo > hi") {
  Tensor t = Tensor::zeros({2});
  expect<ValueError>([&] { nn::init::uniform_(t, 1.0, 0.0); }, {"uniform_"});
}
TEST_CASE("bad input: nn: normal initialisation with a negative standard deviation") {
  Tensor t = Tensor::zeros({2});
  expect<ValueError>([&] { nn::init::normal_(t, 0.0, -1.0); }, {"normal_"});
}
TEST_CASE("bad input: nn: layers accept an empty batch as PyTorch does") {
  // A layer maps 0 rows to 0 rows (PyTorch too); only a mean over them is undefined, which the losses refuse.
  nn::Linear<float> layer(4, 5);
  CHECK(layer(Tensor::ones({0, 4})).shape() == Shape{0, 5});
  nn::BatchNorm1d<float> bn(4);
  bn.eval();
  CHECK(bn(Tensor::ones({0, 4})).shape() == Shape{0, 4});
}

// ---- Losses: labels out of range, targets of the wrong shape or range. ----------------------------------------------
TEST_CASE("bad input: loss: cross_entropy with a label equal to the number of classes") {
  expect<IndexError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), labels({0, 3}));
      },
      {"cross_entropy", "label 3 of row 1", "3 classes", "[2, 3]"});
}
TEST_CASE("bad input: loss: cross_entropy with a negative label") {
  expect<IndexError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), labels({0, kMinusOne}));
      },
      {"(-1 converted to an unsigned index) of row 1", "3 classes"});
}
TEST_CASE("bad input: loss: cross_entropy with fewer labels than rows") {
  expect<ShapeError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), labels({0}));
      },
      {"1 labels for a batch of 2 rows", "[2, 3]"});
}
TEST_CASE("bad input: loss: cross_entropy with a 3-D input") {
  expect<ShapeError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3, 4}), labels({0, 1}));
      },
      {"(batch, classes)", "[2, 3, 4]"});
}
TEST_CASE("bad input: loss: cross_entropy with a negative class index tensor") {
  expect<IndexError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), Tensor::from({0.0f, -1.0f}));
      },
      {"class index -1 of row 1", "3 classes"});
}
TEST_CASE("bad input: loss: cross_entropy with a class index tensor past the classes") {
  expect<IndexError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), Tensor::from({0.0f, 3.0f}));
      },
      {"class index 3 of row 1", "3 classes"});
}
TEST_CASE("bad input: loss: cross_entropy with a fractional class index") {
  expect<ValueError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), Tensor::from({0.0f, 1.5f}));
      },
      {"class index 1.5 of row 1", "not a whole number"});
}
TEST_CASE("bad input: loss: cross_entropy with a NaN class index") {
  expect<ValueError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), Tensor::from({0.0f, kNaN}));
      },
      {"class index nan of row 1"});
}
TEST_CASE("bad input: loss: cross_entropy with a target that fits neither form") {
  expect<ShapeError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), Tensor::ones({2, 4}));
      },
      {"target shape [2, 4]", "logits shape [2, 3]", "[2] (class indices)"});
}
TEST_CASE("bad input: loss: cross_entropy with class probabilities outside 0..1") {
  expect<ValueError>(
      [] {
        return nn::cross_entropy(Tensor::zeros({2, 3}), Tensor::full({2, 3}, 2.0f));
      },
      {"target probability value 2", "outside [0, 1]"});
}
TEST_CASE("bad input: loss: nll_loss with a label equal to the number of classes") {
  expect<IndexError>(
      [] {
        return nn::nll_loss(Tensor::zeros({2, 3}), labels({0, 3}));
      },
      {"nll_loss", "label 3 of row 1", "3 classes"});
}
TEST_CASE("bad input: loss: nll_loss with a negative label") {
  expect<IndexError>(
      [] {
        return nn::nll_loss(Tensor::zeros({2, 3}), labels({kMinusOne, 0}));
      },
      {"(-1 converted to an unsigned index) of row 0"});
}
TEST_CASE("bad input: loss: nll_loss with more labels than rows") {
  expect<ShapeError>(
      [] {
        return nn::nll_loss(Tensor::zeros({2, 3}), labels({0, 1, 2}));
      },
      {"3 labels for a batch of 2 rows", "[2, 3]"});
}
TEST_CASE("bad input: loss: mse_loss with a target of another shape") {
  expect<ShapeError>(
      [] {
        return nn::mse_loss(Tensor::zeros({4, 1}), Tensor::zeros({4}));
      },
      {"mse_loss", "input shape [4, 1]", "target shape [4]"});
}
TEST_CASE("bad input: loss: half_sse_loss with a target of another shape") {
  expect<ShapeError>(
      [] {
        return nn::half_sse_loss(Tensor::zeros({4, 1}), Tensor::zeros({4}));
      },
      {"half_sse_loss", "[4, 1]", "[4]"});
}
TEST_CASE("bad input: loss: binary_cross_entropy with a target of another shape") {
  expect<ShapeError>(
      [] {
        return nn::binary_cross_entropy(Tensor::zeros({4, 1}), Tensor::zeros({4}));
      },
      {"binary_cross_entropy", "[4, 1]", "[4]"});
}
TEST_CASE("bad input: loss: binary_cross_entropy with probabilities outside 0..1") {
  expect<ValueError>([] { return nn::binary_cross_entropy(Tensor::full({2}, 1.5f), Tensor::zeros({2})); },
                     {"input probability value 1.5", "outside [0, 1]"});
}
TEST_CASE("bad input: loss: binary_cross_entropy with targets outside 0..1") {
  expect<ValueError>([] { return nn::binary_cross_entropy(Tensor::full({2}, 0.5f), Tensor::full({2}, -1.0f)); },
                     {"target value -1", "outside [0, 1]"});
}
TEST_CASE("bad input: loss: binary_cross_entropy_with_logits with a target of another shape") {
  expect<ShapeError>(
      [] {
        return nn::binary_cross_entropy_with_logits(Tensor::zeros({4, 1}), Tensor::zeros({4}));
      },
      {"binary_cross_entropy_with_logits", "[4, 1]", "[4]"});
}
TEST_CASE("bad input: loss: binary_cross_entropy_with_logits with targets outside 0..1") {
  expect<ValueError>([] { return nn::binary_cross_entropy_with_logits(Tensor::zeros({2}), Tensor::full({2}, 2.0f)); },
                     {"target value 2", "outside [0, 1]"});
}
TEST_CASE("bad input: loss: hinge_loss with labels other than -1 and +1") {
  expect<ValueError>([] { return nn::hinge_loss(Tensor::zeros({2}), Tensor::zeros({2})); },
                     {"hinge_loss", "label 0 at flat index 0", "-1 or +1"});
}
TEST_CASE("bad input: loss: hinge_loss with labels of another shape") {
  expect<ShapeError>([] { return nn::hinge_loss(Tensor::zeros({2}), Tensor::ones({3})); }, {"[2]", "[3]"});
}
TEST_CASE("bad input: loss: logistic_loss with labels other than -1 and +1") {
  expect<ValueError>(
      [] {
        return nn::logistic_loss(Tensor::zeros({3}), Tensor::from({1.0f, -1.0f, 0.5f}));
      },
      {"logistic_loss", "label 0.5 at flat index 2", "-1 or +1"});
}
TEST_CASE("bad input: loss: logistic_loss with 0/1 labels (the binary cross-entropy convention)") {
  expect<ValueError>(
      [] {
        return nn::logistic_loss(Tensor::zeros({3}), Tensor::from({1.0f, 0.0f, 1.0f}));
      },
      {"logistic_loss", "label 0 at flat index 1", "-1 or +1"});
}
TEST_CASE("bad input: loss: logistic_loss with a NaN label") {
  expect<ValueError>(
      [] {
        return nn::logistic_loss(Tensor::zeros({2}), Tensor::from({kNaN, 1.0f}));
      },
      {"logistic_loss", "label nan at flat index 0"});
}
TEST_CASE("bad input: loss: logistic_loss with labels of another shape") {
  expect<ShapeError>(
      [] {
        return nn::logistic_loss(Tensor::zeros({4, 1}), Tensor::ones({4}));
      },
      {"logistic_loss", "logits shape [4, 1]", "labels shape [4]"});
}

// ---- Empty batches: the mean over no examples is a ValueError naming the loss, not a NaN. ---------------------------
namespace {
const std::vector<std::string> kEmpty03{"empty batch", "[0, 3]", "mean over no examples"};
}
TEST_CASE("bad input: empty batch: mse_loss") {
  expect<ValueError>(
      [] {
        return nn::mse_loss(Tensor::zeros({0, 3}), Tensor::zeros({0, 3}));
      },
      {"mse_loss: empty batch (input shape [0, 3])"});
}
TEST_CASE("bad input: empty batch: half_sse_loss with Reduction::Mean") {
  expect<ValueError>(
      [] {
        return nn::half_sse_loss(Tensor::zeros({0, 3}), Tensor::zeros({0, 3}), nn::Reduction::Mean);
      },
      {"half_sse_loss", "empty batch"});
}
TEST_CASE("bad input: empty batch: binary_cross_entropy") {
  expect<ValueError>(
      [] {
        return nn::binary_cross_entropy(Tensor::zeros({0, 1}), Tensor::zeros({0, 1}));
      },
      {"binary_cross_entropy: empty batch", "[0, 1]"});
}
TEST_CASE("bad input: empty batch: binary_cross_entropy_with_logits") {
  expect<ValueError>(
      [] {
        return nn::binary_cross_entropy_with_logits(Tensor::zeros({0, 1}), Tensor::zeros({0, 1}));
      },
      {"binary_cross_entropy_with_logits", "empty"});
}
TEST_CASE("bad input: empty batch: cross_entropy with class labels") {
  expect<ValueError>([] { return nn::cross_entropy(Tensor::zeros({0, 3}), labels({})); }, kEmpty03);
}
TEST_CASE("bad input: empty batch: cross_entropy with a class index tensor") {
  expect<ValueError>([] { return nn::cross_entropy(Tensor::zeros({0, 3}), Tensor::zeros({0})); }, kEmpty03);
}
TEST_CASE("bad input: empty batch: cross_entropy with class probabilities") {
  expect<ValueError>([] { return nn::cross_entropy(Tensor::zeros({0, 3}), Tensor::zeros({0, 3})); }, kEmpty03);
}
TEST_CASE("bad input: empty batch: nll_loss") {
  expect<ValueError>([] { return nn::nll_loss(Tensor::zeros({0, 3}), labels({})); }, kEmpty03);
}
TEST_CASE("bad input: empty batch: hinge_loss") {
  expect<ValueError>([] { return nn::hinge_loss(Tensor::zeros({0}), Tensor::zeros({0})); }, {"hinge_loss", "empty"});
}
TEST_CASE("bad input: empty batch: logistic_loss") {
  expect<ValueError>([] { return nn::logistic_loss(Tensor::zeros({0}), Tensor::zeros({0})); },
                     {"logistic_loss", "empty batch"});
}
TEST_CASE("bad input: empty batch: a summed loss over no examples is 0, as in PyTorch") {
  Tensor logits = Tensor::zeros({0, 3}, true);
  Tensor loss = nn::cross_entropy(logits, labels({}), nn::Reduction::Sum);
  CHECK(loss.item() == 0.0f);
  loss.backward();  // still part of the graph: the gradient is the empty (0, 3) tensor
  CHECK(logits.grad().shape() == Shape{0, 3});
  const auto sum = nn::Reduction::Sum;
  const Tensor e03 = Tensor::zeros({0, 3}), e0 = Tensor::zeros({0});
  CHECK(nn::cross_entropy(e03, e0, sum).item() == 0.0f);
  CHECK(nn::cross_entropy(e03, e03, sum).item() == 0.0f);
  CHECK(nn::nll_loss(e03, labels({}), sum).item() == 0.0f);
  CHECK(nn::mse_loss(e03, e03, sum).item() == 0.0f);
  CHECK(nn::half_sse_loss(e03, e03).item() == 0.0f);  // Sum is its default
  CHECK(nn::binary_cross_entropy(e03, e03, sum).item() == 0.0f);
  CHECK(nn::binary_cross_entropy_with_logits(e03, e03, sum).item() == 0.0f);
  CHECK(nn::hinge_loss(e0, e0, sum).item() == 0.0f);
  CHECK(nn::logistic_loss(e0, e0, sum).item() == 0.0f);
}

// ---- NaN in the data with anomaly mode on. -------------------------------------------------------------------------
TEST_CASE("bad input: anomaly: NaN in a batch fed to a Linear layer is reported as data, naming linear") {
  nn::Linear<float> layer(2, 3);
  const Tensor x = Tensor::from({1.0f, kNaN}, Shape{1, 2});
  AnomalyGuard on;
  expect<AnomalyError>([&] { return layer(x); }, {"input 0 of 'linear'", "[1, 2]", "comes from the data"});
}
TEST_CASE("bad input: anomaly: NaN in a regression target is reported as data") {
  nn::Linear<float> layer(2, 1);
  const Tensor x = Tensor::ones({2, 2}), y = Tensor::from({1.0f, kNaN}, Shape{2, 1});
  AnomalyGuard on;
  expect<AnomalyError>([&] { return nn::mse_loss(layer(x), y); }, {"input 1 of 'sub'", "comes from the data"});
}
TEST_CASE("bad input: anomaly: Inf produced inside a model names the op") {
  nn::Linear<float> layer(2, 1);
  {
    NoGradGuard no_grad;  // positive weights, whatever the random state: layer(x) = 100 + b, exp(100 (100 + b)) = Inf
    layer.weight.fill_(0.5f);
  }
  const Tensor x = Tensor::full({1, 2}, 100.0f);
  AnomalyGuard on;
  expect<AnomalyError>([&] { return exp(layer(x) * 100.0f); }, {"'exp' produced Inf"});
}

// ---- Checkpoints: damaged files, mismatched models. Every message names the file. -----------------------------------
namespace {

using test_util::read_bytes;
using test_util::TempDir;
using test_util::write_bytes;

std::uint32_t rd32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
  return v;
}
void wr32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}

// A checkpoint of Linear(3, 2): members "weight.npy" (first) and "bias.npy".
struct Checkpoint {
  TempDir dir;
  std::string good = dir.file("good.npz");
  nn::Linear<float> model{3, 2};
  Checkpoint() { nn::save_checkpoint(good, model); }
  // Writes `bytes` under `name` and returns the path.
  std::string damaged(const std::string& name, const std::string& bytes) const {
    write_bytes(dir.file(name), bytes);
    return dir.file(name);
  }
};

// Rewrites `from` as `to` in the .npy header of the first member, keeping the header's length (the dict is padded
// with spaces) and the member's CRC-32 valid, so that only the header's content is wrong.
std::string rewrite_first_header(std::string b, const std::string& from, const std::string& to) {
  const std::size_t name_len = static_cast<unsigned char>(b[26]) | static_cast<unsigned char>(b[27]) << 8;
  const std::size_t data = 30 + name_len, size = rd32(b, 18);
  const std::size_t at = b.find(from, data);
  REQUIRE(at != std::string::npos);
  const std::size_t newline = b.find('\n', at);
  REQUIRE(newline - at >= to.size());  // enough padding
  std::string header = b.substr(at, newline - at);
  header.replace(0, from.size(), to);
  header.resize(newline - at, ' ');  // drop as many padding spaces as were added
  b.replace(at, header.size(), header);
  const auto crc = static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(&b[data]), uInt(size)));
  wr32(b, 14, crc);
  wr32(b, b.find("PK\x01\x02") + 16, crc);
  return b;
}

}  // namespace

TEST_CASE("bad input: checkpoint: a missing file") {
  Checkpoint c;
  const std::string path = c.dir.file("missing.npz");
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "cannot open"});
}
TEST_CASE("bad input: checkpoint: a directory instead of a file") {
  Checkpoint c;
  const std::string path = c.dir.path();
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "is a directory"});
}
TEST_CASE("bad input: checkpoint: an empty file") {
  Checkpoint c;
  const std::string path = c.damaged("empty.npz", "");
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "too short (0 bytes)"});
}
TEST_CASE("bad input: checkpoint: a file cut in half") {
  Checkpoint c;
  const std::string b = read_bytes(c.good);
  const std::string path = c.damaged("half.npz", b.substr(0, b.size() / 2));
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "truncated"});
}
TEST_CASE("bad input: checkpoint: a file missing its last bytes") {
  Checkpoint c;
  const std::string b = read_bytes(c.good);
  const std::string path = c.damaged("cut.npz", b.substr(0, b.size() - 1));
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "truncated"});
}
TEST_CASE("bad input: checkpoint: not a zip archive") {
  Checkpoint c;
  std::string b = read_bytes(c.good);
  b.replace(0, 4, "GIF8");
  const std::string path = c.damaged("magic.npz", b);
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "wrong magic bytes", "not an .npz"});
}
TEST_CASE("bad input: checkpoint: a flipped bit in the values fails the CRC check") {
  Checkpoint c;
  std::string b = read_bytes(c.good);
  const std::size_t npy = b.find("\x93NUMPY");
  const std::size_t header_len = static_cast<unsigned char>(b[npy + 8]) | static_cast<unsigned char>(b[npy + 9]) << 8;
  const std::size_t values = npy + 10 + header_len;
  b[values + 3] ^= 0x10;  // inside the first weight value
  const std::string path = c.damaged("crc.npz", b);
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "member 'weight.npy'", "CRC-32 mismatch"});
}
TEST_CASE("bad input: checkpoint: a header claiming more values than the member holds allocates nothing") {
  Checkpoint c;
  const std::string path =
      c.damaged("huge.npz", rewrite_first_header(read_bytes(c.good), "(3, 2)", "(99999999999, 99999)"));
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); },
                  {path, "array 'weight'", "truncated data", "[99999999999, 99999]"});
}
TEST_CASE("bad input: checkpoint: an unsupported dtype in a member") {
  Checkpoint c;
  const std::string path = c.damaged("dtype.npz", rewrite_first_header(read_bytes(c.good), "'<f4'", "'<i4'"));
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "array 'weight'", "unsupported dtype '<i4'"});
}
TEST_CASE("bad input: checkpoint: float64 values loaded into a float32 model") {
  Checkpoint c;
  nn::Linear<double> d(3, 2);
  const std::string path = c.dir.file("double.npz");
  nn::save_checkpoint(path, d);
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); },
                  {path, "entry 'weight' is a float64 tensor", "the model's is a float32 tensor"});
}
TEST_CASE("bad input: checkpoint: a model entry stored as a real number") {
  Checkpoint c;
  StateDict state;
  state.set("weight", 0.5);
  state.set("bias", Tensor::zeros({2}));
  const std::string path = c.dir.file("real.npz");
  io::save_state(path, state);
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); },
                  {path, "entry 'weight' is a real", "the model's is a float32 tensor"});
}
TEST_CASE("bad input: checkpoint: an entry the model does not have, of a scalar kind, without a prefix for extras") {
  Checkpoint c;
  StateDict extra;
  extra.set("epoch", std::int64_t{3});
  const std::string path = c.dir.file("epoch.npz");
  nn::save_checkpoint(path, c.model, extra, "run.");
  expect<IOError>([&] { nn::load_checkpoint(path, c.model, ""); }, {path, "unexpected entry 'run.epoch'", "integer"});
}
TEST_CASE("bad input: checkpoint: an int64 array that is not a scalar is not a state entry") {
  Checkpoint c;
  io::NpzMember steps{"optim.state.0.step", "<i8", Shape{2}, std::vector<unsigned char>(16, 0)};
  const std::string path = c.dir.file("i8.npz");
  io::write_npz(path, {steps}, "test");
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); },
                  {path, "array 'optim.state.0.step'", "'<i8'", "shape [2]", "not a state entry"});
}
TEST_CASE("bad input: checkpoint: a uint64 array that is not a vector is not a state entry") {
  Checkpoint c;
  io::NpzMember rng{"rng", "<u8", Shape{}, std::vector<unsigned char>(8, 0)};
  const std::string path = c.dir.file("u8.npz");
  io::write_npz(path, {rng}, "test");
  expect<IOError>([&] { io::load_state(path); }, {"load_state", path, "array 'rng'", "'<u8'", "not a state entry"});
}
TEST_CASE("bad input: checkpoint: an entry of another shape names the entry and both shapes") {
  Checkpoint c;
  nn::Linear<float> wider(3, 4);
  expect<ShapeError>([&] { nn::load_checkpoint(c.good, wider); },
                     {c.good, "entry 'weight'", "[3, 2] in the file", "[3, 4] in the model"});
}
TEST_CASE("bad input: checkpoint: an entry the model does not have") {
  Checkpoint c;
  nn::Linear<float> no_bias(3, 2, false);
  expect<IOError>([&] { nn::load_checkpoint(c.good, no_bias); }, {c.good, "unexpected entry 'bias'"});
}
TEST_CASE("bad input: checkpoint: an entry missing from the file") {
  Checkpoint c;
  nn::Linear<float> no_bias(3, 2, false);
  const std::string path = c.dir.file("no_bias.npz");
  nn::save_checkpoint(path, no_bias);
  expect<IOError>([&] { nn::load_checkpoint(path, c.model); }, {path, "missing entry 'bias' (shape [2])"});
}
TEST_CASE("bad input: checkpoint: another model's checkpoint") {
  Checkpoint c;
  auto seq = nn::Sequential(nn::Linear(3, 2));
  expect<IOError>([&] { nn::load_checkpoint(c.good, seq); }, {c.good, "missing entry '0.weight'"});
}
TEST_CASE("bad input: checkpoint: a strict load missing an extra entry") {
  Checkpoint c;
  NamedTensors<float> extra{{"step", Tensor::scalar(0.0f)}};
  expect<IOError>([&] { nn::load_checkpoint(c.good, c.model, extra); }, {c.good, "missing entry 'optim.step'"});
}
TEST_CASE("bad input: checkpoint: an extra entry with the name of a model entry") {
  Checkpoint c;
  StateDict extra;
  extra.set("bias", Tensor::zeros({2}));
  const std::string path = c.dir.file("collide.npz");
  expect<ValueError>([&] { nn::save_checkpoint(path, c.model, extra, ""); },
                     {"save_checkpoint", path, "extra entry 'bias'", "the name of a model entry"});
  CHECK(!std::filesystem::exists(path));
}
TEST_CASE("bad input: checkpoint: save_state of an undefined tensor") {
  Checkpoint c;
  StateDict state;
  state.set("x", Tensor());
  const std::string path = c.dir.file("undef.npz");
  expect<ValueError>([&] { io::save_state(path, state); }, {"save_state", path, "entry 'x' is an undefined tensor"});
  CHECK(!std::filesystem::exists(path));
}
TEST_CASE("bad input: checkpoint: saving into a directory that does not exist") {
  Checkpoint c;
  const std::string path = c.dir.file("no/such/dir/x.npz");
  expect<IOError>([&] { nn::save_checkpoint(path, c.model); }, {path, "No such file or directory"});
}
TEST_CASE("bad input: checkpoint: saving over a directory") {
  Checkpoint c;
  const std::string path = c.dir.path();
  expect<IOError>([&] { nn::save_checkpoint(path, c.model); }, {path, "Is a directory"});
}
TEST_CASE("bad input: checkpoint: save_npz with a name used twice") {
  Checkpoint c;
  const std::string path = c.dir.file("dup.npz");
  expect<ValueError>(
      [&] {
        io::save_npz<float>(path, {{"x", Tensor::ones({1})}, {"x", Tensor::ones({1})}});
      },
      {path, "'x' appears twice"});
}
TEST_CASE("bad input: checkpoint: save_npz with an empty name") {
  Checkpoint c;
  expect<ValueError>([&] { io::save_npz<float>(c.dir.file("e.npz"), {{"", Tensor::ones({1})}}); }, {"name is empty"});
}
TEST_CASE("bad input: checkpoint: save_npz of an undefined tensor") {
  Checkpoint c;
  expect<ValueError>(
      [&] {
        io::save_npz<float>(c.dir.file("u.npz"), {{"x", Tensor()}});
      },
      {"array 'x' is an undefined tensor"});
}

// ---- Optimizer and scheduler state that does not fit. --------------------------------------------------------------
TEST_CASE("bad input: checkpoint: another optimizer's state") {
  Tensor w = Tensor::ones({2, 3}, true);
  optim::Adam<float> adam({w});
  optim::SGD<float> sgd({w}, optim::SGDOptions(0.1).momentum(0.9));
  expect<ValueError>([&] { adam.load_state_dict(sgd.state_dict()); }, {"Adam::load_state_dict", "unexpected entry"});
}
TEST_CASE("bad input: checkpoint: optimizer state for parameters of another shape") {
  Tensor w = Tensor::ones({2, 3}, true), v = Tensor::ones({3, 2}, true);
  optim::SGD<float> a({w}, optim::SGDOptions(0.1).momentum(0.9)), b({v}, optim::SGDOptions(0.1).momentum(0.9));
  expect<ShapeError>([&] { b.load_state_dict(a.state_dict()); },
                     {"'state.0.momentum_buffer' has shape [2, 3], expected [3, 2]"});
}
TEST_CASE("bad input: checkpoint: scheduler state missing an entry") {
  Tensor w = Tensor::ones({2}, true);
  optim::SGD<float> opt({w}, 0.1);
  optim::StepLR<float> sched(opt, 3);
  const StateDict full = sched.state_dict();
  REQUIRE(full.entries().front().first == "base_lr");
  StateDict state;
  state.set("last_epoch", full.integer("last_epoch", "test"));
  expect<ValueError>([&] { sched.load_state_dict(state); }, {"StepLR::load_state_dict", "missing entry 'base_lr'"});
}
TEST_CASE("bad input: checkpoint: optimizer state from a file with a step count stored as a real") {
  Checkpoint c;
  optim::Adam<float> adam(c.model.parameters());
  StateDict state = adam.state_dict();
  state.set("state.0.step", 0.0);
  const std::string path = c.dir.file("step_real.npz");
  nn::save_checkpoint(path, c.model, state);
  const StateDict extras = nn::load_checkpoint(path, c.model);
  expect<ValueError>([&] { adam.load_state_dict(extras); },
                     {"Adam::load_state_dict", "entry 'state.0.step' is a real, expected a", "integer"});
}
TEST_CASE("bad input: checkpoint: optimizer state from a file with the learning rate stored as a float32 tensor") {
  Checkpoint c;
  optim::SGD<float> sgd(c.model.parameters(), 0.1);
  StateDict state = sgd.state_dict();
  state.set("lr", Tensor::scalar(0.1f));
  const std::string path = c.dir.file("lr_tensor.npz");
  nn::save_checkpoint(path, c.model, state);
  const StateDict extras = nn::load_checkpoint(path, c.model);
  expect<ValueError>([&] { sgd.load_state_dict(extras); },
                     {"SGD::load_state_dict", "entry 'lr' is a float32 tensor, expected a real"});
}
