// Checkpoints and .npz files: bit-exact round trips, the file layout NumPy expects, atomic replacement, and every
// kind of damaged or mismatched file rejected with the module left untouched.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "io/npz.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "tests/test_data_util.h"

using namespace ad;
namespace fs = std::filesystem;

namespace {

using test_util::TempDir;

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::uint32_t rd32(const std::vector<unsigned char>& b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}
std::uint16_t rd16(const std::vector<unsigned char>& b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}
void wr32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}

// Location of the first member of an archive written by save_npz (no archive comment): where its data starts, its
// size, and where its CRC is recorded in the local header and in the central directory.
struct FirstMember {
  std::size_t data, size, local_crc, central_crc;
};
FirstMember first_member(const std::vector<unsigned char>& b) {
  const std::size_t eocd = b.size() - 22;
  REQUIRE(rd32(b, eocd) == 0x06054b50u);
  const std::size_t cd = rd32(b, eocd + 16);
  REQUIRE(rd32(b, cd) == 0x02014b50u);
  const std::size_t local = rd32(b, cd + 42);
  REQUIRE(rd32(b, local) == 0x04034b50u);
  return {local + 30 + rd16(b, local + 26) + rd16(b, local + 28), rd32(b, cd + 20), local + 14, cd + 16};
}

// Bit-exact copies of a module's state, to check that a failed load changed nothing.
template <class T>
std::vector<std::vector<T>> snapshot(const nn::Module<T>& m) {
  std::vector<std::vector<T>> out;
  for (const auto& [n, t] : m.state_dict()) out.push_back(t.to_vector());
  return out;
}

template <class T>
bool bit_equal(const TensorT<T>& a, const TensorT<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.numel() * sizeof(T)) == 0;
}

template <class T>
bool same_state(const nn::Module<T>& a, const nn::Module<T>& b) {
  const auto sa = a.state_dict(), sb = b.state_dict();
  if (sa.size() != sb.size()) return false;
  for (std::size_t i = 0; i < sa.size(); ++i)
    if (sa[i].first != sb[i].first || !bit_equal(sa[i].second, sb[i].second)) return false;
  return true;
}

nn::Sequential<float> make_model(unsigned long long seed) {
  manual_seed(seed);
  auto m = nn::Sequential(nn::Linear(3, 5), nn::BatchNorm1d(5), nn::Tanh(), nn::Linear(5, 2));
  m(Tensor::randn({8, 3}));  // moves BatchNorm's running statistics away from their initial values
  return m;
}

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("the expected exception was not thrown");
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("nn: checkpoint round trip is bit-exact, for parameters and buffers") {
  TempDir dir;
  const std::string path = dir.file("model.npz");
  auto a = make_model(1);
  auto b = make_model(2);
  REQUIRE(!same_state(a, b));
  nn::save_checkpoint(path, a);
  CHECK(dir.entries().size() == 1);  // no temporary file left behind
  nn::load_checkpoint(path, b);
  CHECK(same_state(a, b));
  const Tensor x = Tensor::randn({4, 3});
  a.eval();
  b.eval();
  CHECK(a(x).to_vector() == b(x).to_vector());

  // Identical state gives identical bytes (fixed timestamps), so checkpoints can be compared or deduplicated.
  nn::save_checkpoint(dir.file("again.npz"), b);
  CHECK(read_bytes(path) == read_bytes(dir.file("again.npz")));

  // Double precision too.
  manual_seed(3);
  nn::Linear<double> da(4, 3), db(4, 3);
  nn::save_checkpoint(dir.file("d.npz"), da);
  nn::load_checkpoint(dir.file("d.npz"), db);
  CHECK(same_state<double>(da, db));
}

TEST_CASE("io: save_npz / load_npz keep names, order, shapes and every bit") {
  TempDir dir;
  const float inf = std::numeric_limits<float>::infinity();
  NamedTensors<float> in{
      {"scalar", Tensor::scalar(-0.0f)},
      {"vec", Tensor::from({1.5f, std::nanf(""), inf, -inf, std::numeric_limits<float>::denorm_min()})},
      {"mat", Tensor::from({0, 0.5f, 1, 1.5f, 2, 2.5f}, {2, 3})},
      {"cube", Tensor::randn({2, 3, 4})},
      {"empty", Tensor::zeros({0, 3})},
      {"a.b.c", Tensor::ones({1})}};
  io::save_npz(dir.file("t.npz"), in);
  const NamedTensors<float> out = io::load_npz<float>(dir.file("t.npz"));
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    CAPTURE(in[i].first);
    CHECK(out[i].first == in[i].first);
    CHECK(bit_equal(out[i].second, in[i].second));
    CHECK(!out[i].second.requires_grad());
  }
  const auto bytes = read_bytes(dir.file("t.npz"));
  CHECK(std::memcmp(bytes.data(), "PK\x03\x04", 4) == 0);
  // The first member's data starts with the .npy magic and its values start on a 64-byte boundary of the member.
  const FirstMember m = first_member(bytes);
  CHECK(std::memcmp(&bytes[m.data], "\x93NUMPY\x01\x00", 8) == 0);
  CHECK((10 + rd16(bytes, m.data + 8)) % 64 == 0);

  CHECK_THROWS_AS(io::save_npz<float>(dir.file("dup.npz"), {{"x", Tensor::ones({1})}, {"x", Tensor::ones({1})}}),
                  ValueError);
  CHECK_THROWS_AS(io::save_npz<float>(dir.file("undef.npz"), {{"x", Tensor()}}), ValueError);
  CHECK_THROWS_AS(io::save_npz<float>(dir.file("noname.npz"), {{"", Tensor::ones({1})}}), ValueError);
  CHECK(!fs::exists(dir.file("dup.npz")));
  CHECK_THROWS_AS(io::save_npz<float>(dir.file("no/such/dir/x.npz"), {{"x", Tensor::ones({1})}}), IOError);
  CHECK(contains(message_of<IOError>([&] { io::load_npz<float>(dir.file("missing.npz")); }), "missing.npz"));
}

TEST_CASE("nn: checkpoint extras are stored under a prefix and restored") {
  TempDir dir;
  auto model = make_model(4);
  NamedTensors<float> state{{"step", Tensor::scalar(12.0f)}, {"exp_avg.0.weight", Tensor::randn({3, 5})}};
  nn::save_checkpoint(dir.file("run.npz"), model, state, "optim.");
  const auto names = io::load_npz<float>(dir.file("run.npz"));
  CHECK(names[names.size() - 2].first == "optim.step");
  CHECK(names.back().first == "optim.exp_avg.0.weight");

  // Lazily-shaped state: returned to the caller.
  auto other = make_model(5);
  const NamedTensors<float> extras = nn::load_checkpoint(dir.file("run.npz"), other, "optim.");
  CHECK(same_state(model, other));
  REQUIRE(extras.size() == 2);
  CHECK(extras[0].first == "step");
  CHECK(extras[0].second.item() == 12.0f);
  CHECK(bit_equal(extras[1].second, state[1].second));

  // Existing tensors: filled in place, strictly.
  auto third = make_model(6);
  NamedTensors<float> into{{"step", Tensor::scalar(0.0f)}, {"exp_avg.0.weight", Tensor::zeros({3, 5})}};
  nn::load_checkpoint(dir.file("run.npz"), third, into, "optim.");
  CHECK(same_state(model, third));
  CHECK(into[0].second.item() == 12.0f);
  CHECK(bit_equal(into[1].second, state[1].second));

  // Without a prefix the optimizer entries are unexpected, and a strict load wants all of them.
  CHECK_THROWS_AS(nn::load_checkpoint(dir.file("run.npz"), third, ""), IOError);
  NamedTensors<float> too_many{{"step", Tensor::scalar(0.0f)},
                               {"exp_avg.0.weight", Tensor::zeros({3, 5})},
                               {"exp_avg_sq.0.weight", Tensor::zeros({3, 5})}};
  CHECK(contains(message_of<IOError>([&] { nn::load_checkpoint(dir.file("run.npz"), third, too_many, "optim."); }),
                 "optim.exp_avg_sq.0.weight"));
}

TEST_CASE("nn: a damaged or mismatched checkpoint throws and leaves the model unchanged") {
  TempDir dir;
  const std::string good = dir.file("good.npz");
  auto source = make_model(7);
  nn::save_checkpoint(good, source);  // different values from `model`, so a partial load would show
  auto model = make_model(8);
  const auto before = snapshot(model);
  const auto original = read_bytes(good);

  auto expect_io_error = [&](const std::string& path, const std::vector<std::string>& parts) {
    const std::string msg = message_of<IOError>([&] { nn::load_checkpoint(path, model); });
    INFO(msg);
    CHECK(contains(msg, path));
    for (const auto& p : parts) CHECK(contains(msg, p));
    CHECK(snapshot(model) == before);
  };

  SUBCASE("wrong magic bytes") {
    auto b = original;
    std::memcpy(b.data(), "GIF8", 4);
    write_bytes(dir.file("magic.npz"), b);
    expect_io_error(dir.file("magic.npz"), {"magic"});
  }
  SUBCASE("wrong .npy magic inside a member with a valid CRC") {
    auto b = original;
    const FirstMember m = first_member(b);
    b[m.data] = 'X';
    const auto crc = static_cast<std::uint32_t>(crc32_z(0, &b[m.data], m.size));
    wr32(b, m.local_crc, crc);
    wr32(b, m.central_crc, crc);
    write_bytes(dir.file("npymagic.npz"), b);
    expect_io_error(dir.file("npymagic.npz"), {"magic", "0.weight"});
  }
  SUBCASE("truncated file") {
    for (std::size_t keep : {std::size_t(0), std::size_t(3), std::size_t(40), original.size() / 2, original.size() - 23,
                             original.size() - 1}) {
      CAPTURE(keep);
      write_bytes(dir.file("cut.npz"), std::vector<unsigned char>(original.begin(), original.begin() + long(keep)));
      expect_io_error(dir.file("cut.npz"), {});
    }
  }
  SUBCASE("bad CRC") {
    auto b = original;
    const FirstMember m = first_member(b);
    b[m.data + m.size - 1] ^= 0x01;  // one bit of the last value of the first member
    write_bytes(dir.file("crc.npz"), b);
    expect_io_error(dir.file("crc.npz"), {"CRC", "0.weight"});
  }
  SUBCASE("missing parameter") {
    auto state = source.state_dict();
    REQUIRE(state[5].first == "3.bias");
    state.erase(state.begin() + 5);  // the entries before it are valid and differ from the model's
    REQUIRE(state.size() == 7);
    io::save_npz(dir.file("missing.npz"), state);
    expect_io_error(dir.file("missing.npz"), {"missing", "3.bias"});
  }
  SUBCASE("extra parameter") {
    auto state = source.state_dict();
    state.emplace_back("3.scale", Tensor::ones({2}));
    io::save_npz(dir.file("extra.npz"), state);
    expect_io_error(dir.file("extra.npz"), {"unexpected", "3.scale"});
  }
  SUBCASE("shape mismatch") {
    auto state = source.state_dict();
    REQUIRE(state[4].first == "3.weight");  // (5, 2)
    state[4].second = Tensor::ones({3, 2});
    io::save_npz(dir.file("shape.npz"), state);
    const std::string msg = message_of<ShapeError>([&] { nn::load_checkpoint(dir.file("shape.npz"), model); });
    INFO(msg);
    CHECK(contains(msg, dir.file("shape.npz")));
    CHECK(contains(msg, "3.weight"));
    CHECK(contains(msg, "[3, 2]"));
    CHECK(contains(msg, "[5, 2]"));
    CHECK(snapshot(model) == before);
  }
  SUBCASE("float64 file into a float32 model") {
    NamedTensors<double> state;
    for (const auto& [n, t] : source.state_dict()) state.emplace_back(n, TensorD::zeros(t.shape()));
    io::save_npz(dir.file("f8.npz"), state);
    expect_io_error(dir.file("f8.npz"), {"<f8", "0.weight"});
  }
}

TEST_CASE("io: load_npz either rejects a file with any one byte changed or reads the same values") {
  TempDir dir;
  manual_seed(14);
  const NamedTensors<float> in{{"w", Tensor::randn({2, 3})}, {"b", Tensor::randn({3})}};
  io::save_npz(dir.file("ok.npz"), in);
  const auto original = read_bytes(dir.file("ok.npz"));
  const std::string path = dir.file("flipped.npz");
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < original.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      auto b = original;
      b[i] ^= mask;
      write_bytes(path, b);
      try {
        const auto out = io::load_npz<float>(path);
        // Fields the reader does not depend on (timestamps, the local copies of sizes and CRC, ...).
        REQUIRE(out.size() == in.size());
        for (std::size_t k = 0; k < in.size(); ++k) {
          REQUIRE(out[k].first == in[k].first);
          REQUIRE(bit_equal(out[k].second, in[k].second));
        }
      } catch (const IOError&) {
        ++rejected;
      }
    }
  }
  CHECK(rejected > 2 * original.size());  // most bytes matter: data and headers are covered by the CRC
}

TEST_CASE("nn: a failed write leaves the previous checkpoint intact and no temporary file") {
  TempDir dir;
  const std::string path = dir.file("ckpt.npz");
  auto small = make_model(9);
  nn::save_checkpoint(path, small);
  const auto before = read_bytes(path);

  // Simulate the disk filling up mid-write: a file size limit makes write() fail with EFBIG part-way through the
  // archive (SIGXFSZ ignored so the process survives to see the error).
  manual_seed(10);
  auto big = nn::Sequential(nn::Linear(64, 64));
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto prev_handler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit lim = old;
  lim.rlim_cur = 4096;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  bool threw = false;
  try {
    nn::save_checkpoint(path, big);
  } catch (const IOError& e) {
    threw = true;
    CHECK(contains(e.what(), path));
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, prev_handler);
  CHECK(threw);
  CHECK(read_bytes(path) == before);
  CHECK(dir.entries().size() == 1);
  auto check = make_model(11);
  nn::load_checkpoint(path, check);
  CHECK(same_state(small, check));

  // A target that cannot be replaced (a directory): the rename fails after a complete write; the temp file goes.
  fs::create_directories(dir.file("occupied.npz") + "/x");
  CHECK_THROWS_AS(nn::save_checkpoint(dir.file("occupied.npz"), small), IOError);
  CHECK(dir.entries().size() == 2);
}

TEST_CASE("nn: numpy reads our checkpoints and we read numpy's (skipped without /usr/bin/python3 + numpy)") {
  if (std::system("/usr/bin/python3 -c \"import numpy\" > /dev/null 2>&1") != 0) {
    MESSAGE("skipped: /usr/bin/python3 with numpy is not available");
    return;
  }
  TempDir dir;
  auto model = make_model(12);
  NamedTensors<float> extra{{"ramp", Tensor::from({0, 0.5f, 1, 1.5f, 2, 2.5f}, {2, 3})},
                            {"scalar", Tensor::scalar(-2.25f)}};
  nn::save_checkpoint(dir.file("ours.npz"), model, extra, "x.");
  io::save_npz<double>(dir.file("ours64.npz"), {{"third", TensorD::scalar(1.0 / 3.0)}});

  // numpy checks names, dtypes, shapes and known values, then re-saves everything plain and compressed.
  const std::string script = dir.file("check.py");
  std::ofstream(script) << R"PY(import sys
import numpy as np
src, plain, packed, src64 = sys.argv[1:5]
d = np.load(src)
assert d.files == ['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias',
                   '1.running_mean', '1.running_var', 'x.ramp', 'x.scalar'], d.files
assert d['0.weight'].dtype == np.float32 and d['0.weight'].shape == (3, 5)
assert d['1.running_var'].shape == (5,)
assert d['x.scalar'].shape == () and d['x.scalar'] == -2.25
assert np.array_equal(d['x.ramp'], np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5)
assert np.all(np.abs(d['0.weight']) <= 1 / np.sqrt(3) + 1e-6)
e = np.load(src64)
assert e['third'].dtype == np.float64 and e['third'] == 1.0 / 3.0
arrays = {k: d[k] for k in d.files}
np.savez(plain, **arrays)
np.savez_compressed(packed, **arrays)
)PY";
  const std::string cmd = "/usr/bin/python3 " + script + " " + dir.file("ours.npz") + " " + dir.file("np.npz") + " " +
                          dir.file("npz_compressed.npz") + " " + dir.file("ours64.npz");
  REQUIRE(std::system(cmd.c_str()) == 0);

  const auto ours = io::load_npz<float>(dir.file("ours.npz"));
  for (const char* f : {"np.npz", "npz_compressed.npz"}) {
    CAPTURE(f);
    const auto theirs = io::load_npz<float>(dir.file(f));
    REQUIRE(theirs.size() == ours.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
      CHECK(theirs[i].first == ours[i].first);
      CHECK(bit_equal(theirs[i].second, ours[i].second));
    }
  }
  // And numpy's file loads straight into a model.
  auto copy = make_model(13);
  const auto extras = nn::load_checkpoint(dir.file("npz_compressed.npz"), copy, "x.");
  CHECK(same_state(model, copy));
  CHECK(extras.size() == 2);
}
