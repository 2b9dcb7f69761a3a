// Writes the hand-made seed inputs of the four harnesses into OUT/<harness>/ (see README.md): small valid IDX files
// (plain and gzip), CSV texts with each header mode and delimiter, a real checkpoint written by save_checkpoint, the
// schedulers' state written by save_state, and a few op sequences for the expression builder. The fuzzers start from
// these; the kept corpus is their merge.
//
//   fuzz_make_seeds OUT
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "fuzz_util.h"
#include "io/state.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "optim/reduce_lr_on_plateau.h"
#include "optim/step_lr.h"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// An IDX file of unsigned bytes with the given dimensions and values 0, 1, 2, ...
std::string idx(const std::vector<std::uint32_t>& dims) {
  std::string s = {0, 0, 8, static_cast<char>(dims.size())};
  std::size_t n = 1;
  for (std::uint32_t d : dims) {
    s += be32(d);
    n *= d;
  }
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i * 7));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];

  // IDX: the first byte is the harness's option byte (bits 0-1 expected rank: 0 any, 1 labels, 2 -> 3 images;
  // bit 2: the harness gzips the rest).
  write(out / "idx/labels", std::string(1, '\x01') + idx({10}));
  write(out / "idx/images", std::string(1, '\x02') + idx({2, 3, 4}));
  write(out / "idx/any_rank2", std::string(1, '\x00') + idx({3, 5}));
  write(out / "idx/images_gzipped_by_harness", std::string(1, '\x06') + idx({2, 4, 4}));
  const std::string gz = fuzz::gzip(idx({3, 2, 2}).data(), idx({3, 2, 2}).size());
  write(out / "idx/images_gzip_file", std::string(1, '\x02') + gz);
  write(out / "idx/empty_dims", std::string(1, '\x00') + idx({0, 7}));

  // CSV: byte 0 = options (bits 0-1 header Auto/Skip/None, bits 2-4 delimiter index, bits 5-6 entry point),
  // byte 1 = the accessor argument.
  write(out / "csv/header_auto", std::string("\x00\x01", 2) + "a,b,c\n1,2,3\n4.5,-6e2,nan\n");
  write(out / "csv/header_skip_semicolon", std::string("\x05\x02", 2) + "569;30;malignant;benign\n1;2\n3;4\r\n");
  write(out / "csv/no_header_tab", std::string("\x0a\x00", 2) + "1\t2\n\n3\t4\n");
  write(out / "csv/quoted_read_csv", std::string("\x20\x03", 2) + "\"x,1\",\"y\"\"\"\n\" 1 \",+2\n\"3\",inf\n");
  write(out / "csv/gzip_space", std::string("\x4c\x01", 2) + "x y\n 1  2\n3 4 \n");
  write(out / "csv/own_delimiter", std::string("\x1c\x00", 2) + "#a#b\n1#2\n");

  // Checkpoint: the harness's model and optimizer, after one step, written by save_checkpoint (the optimizer's rate
  // a float64 scalar, its step counts int64 scalars); the schedulers' state, after one epoch each, written by
  // save_state with one entry of each other kind.
  {
    ad::manual_seed(1);
    ad::nn::Sequential<float> model{ad::nn::Linear<float>(3, 4), ad::nn::BatchNorm1d<float>(4), ad::nn::Tanh<float>(),
                                    ad::nn::Linear<float>(4, 2, false)};
    ad::optim::Adam<float> opt(model.parameters(), 0.01);
    model(ad::Tensor::randn({5, 3})).pow(2.0f).mean().backward();
    opt.step();
    fs::create_directories(out / "npz");
    ad::nn::save_checkpoint((out / "npz/model_and_adam.npz").string(), model, opt.state_dict());
    ad::nn::save_checkpoint((out / "npz/model_only.npz").string(), model);
    ad::StateDict strict;
    strict.set("momentum", ad::Tensor::zeros({2, 3}));
    strict.set("count", ad::Tensor::scalar(3.0f));
    ad::nn::save_checkpoint((out / "npz/model_strict_extras.npz").string(), model, strict);

    ad::optim::ReduceLROnPlateau<float> plateau(opt);
    plateau.step(0.25);
    ad::optim::StepLR<float> step_lr(opt, 2, 0.5);
    step_lr.step();
    ad::StateDict schedulers;
    schedulers.merge(plateau.state_dict(), "plateau.");
    schedulers.merge(step_lr.state_dict(), "step_lr.");
    schedulers.set("rng", std::vector<std::uint64_t>{0x0123456789abcdefu, ~std::uint64_t{0}, 0});
    schedulers.set("scale", ad::TensorD::from({0.5, -2.0}));
    ad::io::save_state((out / "npz/schedulers_and_words.npz").string(), schedulers);
  }

  // Expression programs, in the byte layout fuzz_expr.cpp decodes (AD_FUZZ_TRACE=1 prints what an input does):
  // byte 0 = mode (0x08 gradcheck, 0x06 no_grad, misuse action << 5), one byte for the number of leaves - 1, per
  // leaf a rank byte, one size byte per axis (index into the size table: 1 -> 2, 2 -> 3), one byte per value and a
  // requires_grad byte; then per op its number in the Op enum, its operand bytes (value numbers; none while there is
  // only one value) and its parameters, starting with a flag byte.
  const auto bytes = [](std::initializer_list<int> b) {
    std::string s;
    for (int x : b) s.push_back(static_cast<char>(x));
    return s;
  };
  enum : int {
    EXP = 4,
    ADD = 25,
    GT = 32,
    WHERE = 37,
    MATMUL = 38,
    SCE = 40,
    RESHAPE = 41,
    UNSQUEEZE = 45,
    TRANSPOSE_LAST = 48,
    SELECT = 51,
    CONCAT = 54,
    STACK = 55,
    SUM_AXIS = 57,
    MEAN = 58
  };
  const std::vector<std::string> programs = {
      // leaf [2, 3]; v1 = exp(v0); v2 = sum(v1, axis 1); v3 = mean(v2); gradcheck.
      bytes({0x08, 0, 2, 1, 2, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 1, EXP, 0, SUM_AXIS, 1, 0, 4, MEAN, 2, 0}),
      // leaves [3], [2, 3]; v2 = v1 + v0 (broadcast); v3 = v2.t(); v4 = matmul(v2, v3);
      // v5 = softmax_cross_entropy(v4, {0, 1}); gradcheck.
      bytes({0x08, 1, 1,   2, 0x70, 0x90, 0xa0,           1, 2, 1,      2, 0x60, 0x70, 0x80, 0x90, 0xa0,
             0xb0, 1, ADD, 1, 0,    0,    TRANSPOSE_LAST, 2, 0, MATMUL, 2, 3,    0,    SCE,  4,    1,
             1,    1, 0,   1, 1}),
      // rank-0 leaf; v1 = unsqueeze(v0, 0); v2 = concat({v1, v1}); v3 = stack({v2, v2}, 1); v4 = select(v3, 1, 1);
      // v5 = reshape(v4, [1, 2]); then backward twice (misuse 2: GraphError).
      bytes({0x48, 0, 0, 0x90, 1,      UNSQUEEZE, 0, 2, CONCAT, 2, 1,       1, 0, 3, STACK, 2,
             2,    2, 0, 4,    SELECT, 3,         0, 4, 1,      0, RESHAPE, 4, 0, 2, 1,     0}),
      // no_grad mode: leaves [2, 2], [2]; v2 = matmul(v0, v1); v3 = v2 > v1; v4 = where(v3, v2, v1).
      bytes({0x06, 1,      2, 1, 1, 0x70, 0x88, 0x90, 0x60, 1,     1, 1, 0x84, 0x7c,
             1,    MATMUL, 0, 1, 0, GT,   2,    1,    0,    WHERE, 3, 2, 1,    0}),
  };
  for (std::size_t i = 0; i < programs.size(); ++i) write(out / ("expr/program" + std::to_string(i)), programs[i]);
  std::printf("seeds written to %s\n", out.c_str());
  return 0;
}
