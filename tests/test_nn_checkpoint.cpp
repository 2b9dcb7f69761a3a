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
#include <variant>
#include <vector>

#include "autodiff/autodiff.h"
#include "io/npz.h"
#include "io/state.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"
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

// Same names in the same order, each of the same kind with the same bits (reals compared bit for bit).
bool bit_equal(const StateDict::Value& a, const StateDict::Value& b) {
  if (a.index() != b.index()) return false;
  if (const auto* t = std::get_if<Tensor>(&a)) return bit_equal(*t, std::get<Tensor>(b));
  if (const auto* t = std::get_if<TensorD>(&a)) return bit_equal(*t, std::get<TensorD>(b));
  if (const auto* r = std::get_if<double>(&a)) return std::memcmp(r, &std::get<double>(b), sizeof(double)) == 0;
  if (const auto* i = std::get_if<std::int64_t>(&a)) return *i == std::get<std::int64_t>(b);
  return std::get<std::vector<std::uint64_t>>(a) == std::get<std::vector<std::uint64_t>>(b);
}
bool bit_equal(const StateDict& a, const StateDict& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a.entries()[i].first != b.entries()[i].first || !bit_equal(a.entries()[i].second, b.entries()[i].second))
      return false;
  return true;
}

std::vector<std::string> names_of(const StateDict& s) {
  std::vector<std::string> out;
  for (const auto& [name, v] : s.entries()) out.push_back(name);
  return out;
}

// The entries of `s` whose names `like` has, in the order of `s`.
StateDict only_names_of(const StateDict& s, const StateDict& like) {
  StateDict out;
  for (const auto& [name, v] : s.entries())
    if (like.contains(name)) out.set(name, v);
  return out;
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

TEST_CASE("nn: checkpoint extras are stored under a prefix, each of its kind, and restored") {
  TempDir dir;
  auto model = make_model(4);
  StateDict state;
  state.set("step", std::int64_t{12});
  state.set("lr", 0.001);
  state.set("exp_avg.0.weight", Tensor::randn({3, 5}));
  state.set("rng", std::vector<std::uint64_t>{0x0123456789abcdefu, ~std::uint64_t{0}});
  nn::save_checkpoint(dir.file("run.npz"), model, state, "optim.");
  const StateDict file = io::load_state(dir.file("run.npz"));
  const auto names = names_of(file);
  REQUIRE(names.size() == model.state_dict().size() + 4);
  CHECK(std::vector<std::string>(names.end() - 4, names.end()) ==
        std::vector<std::string>{"optim.step", "optim.lr", "optim.exp_avg.0.weight", "optim.rng"});

  // Lazily-shaped state: returned to the caller, prefix removed, each entry of the kind it was saved as.
  auto other = make_model(5);
  const StateDict extras = nn::load_checkpoint(dir.file("run.npz"), other, "optim.");
  CHECK(same_state(model, other));
  CHECK(bit_equal(extras, state));
  CHECK(extras.integer("step", "test") == 12);
  CHECK(extras.real("lr", "test") == 0.001);

  // Existing tensors: filled in place, strictly; an entry that is not a float32 tensor in the file does not fit one.
  auto third = make_model(6);
  NamedTensors<float> into{{"step", Tensor::scalar(0.0f)}, {"exp_avg.0.weight", Tensor::zeros({3, 5})}};
  const std::string msg = message_of<IOError>([&] { nn::load_checkpoint(dir.file("run.npz"), third, into, "optim."); });
  CHECK(contains(msg, dir.file("run.npz")));
  CHECK(contains(msg, "'optim.step'"));
  CHECK(contains(msg, "integer"));
  CHECK(into[0].second.item() == 0.0f);  // nothing copied
  CHECK(same_state(make_model(6), third));

  StateDict tensors;
  tensors.set("count", Tensor::scalar(12.0f));
  tensors.set("exp_avg.0.weight", state.tensor<float>("exp_avg.0.weight", "test"));
  nn::save_checkpoint(dir.file("tensors.npz"), model, tensors, "optim.");
  nn::load_checkpoint(dir.file("tensors.npz"), third, NamedTensors<float>{{"count", into[0].second}, into[1]},
                      "optim.");
  CHECK(same_state(model, third));
  CHECK(into[0].second.item() == 12.0f);
  CHECK(bit_equal(into[1].second, state.tensor<float>("exp_avg.0.weight", "test")));

  // Without a prefix the optimizer entries are unexpected, and a strict load wants all of them.
  CHECK_THROWS_AS(nn::load_checkpoint(dir.file("run.npz"), third, ""), IOError);
  NamedTensors<float> too_many{{"count", Tensor::scalar(0.0f)},
                               {"exp_avg.0.weight", Tensor::zeros({3, 5})},
                               {"exp_avg_sq.0.weight", Tensor::zeros({3, 5})}};
  CHECK(contains(message_of<IOError>([&] { nn::load_checkpoint(dir.file("tensors.npz"), third, too_many, "optim."); }),
                 "optim.exp_avg_sq.0.weight"));
}

TEST_CASE("io: save_state / load_state (.npz) keep every kind, name, order and bit, and scalars are stored as values") {
  TempDir dir;
  const double nan = std::nan("");
  StateDict in;
  in.set("lr", 0.001);
  in.set("third", 1.0 / 3.0);
  in.set("negzero", -0.0);
  in.set("nan", nan);
  in.set("inf", -std::numeric_limits<double>::infinity());
  in.set("step", std::int64_t{20});
  in.set("big", std::numeric_limits<std::int64_t>::max());
  in.set("small", std::numeric_limits<std::int64_t>::min());
  in.set("words", std::vector<std::uint64_t>{0, 1, ~std::uint64_t{0}, std::uint64_t{1} << 63});
  in.set("f32", Tensor::from({1.5f, -0.0f, std::nanf("")}, Shape{3}));
  in.set("f32_scalar", Tensor::scalar(2.5f));  // a 0-d float32 tensor stays a tensor
  in.set("f64", TensorD::from({0.1, 0.2, 0.3, 0.4}, {2, 2}));
  const std::string path = dir.file("state.npz");
  io::save_state(path, in);
  CHECK(bit_equal(io::load_state(path), in));

  // In the file, each entry is the NumPy array of its own type: '<f8' and '<i8' scalars holding the values
  // themselves (not encoded), '<u8' vectors, '<f4' / '<f8' arrays.
  const std::vector<io::NpzMember> members = io::read_npz(path, "test");
  REQUIRE(members.size() == in.size());
  auto member = [&](const std::string& name) -> const io::NpzMember& {
    for (const io::NpzMember& m : members)
      if (m.name == name) return m;
    FAIL("no member " << name);
    return members.front();
  };
  auto f8 = [&](const std::string& name) {
    const io::NpzMember& m = member(name);
    CHECK(m.descr == "<f8");
    CHECK(m.shape == Shape{});
    REQUIRE(m.bytes.size() == 8);
    double v;
    std::memcpy(&v, m.bytes.data(), 8);
    return v;
  };
  auto i8 = [&](const std::string& name) {
    const io::NpzMember& m = member(name);
    CHECK(m.descr == "<i8");
    CHECK(m.shape == Shape{});
    REQUIRE(m.bytes.size() == 8);
    std::int64_t v;
    std::memcpy(&v, m.bytes.data(), 8);
    return v;
  };
  CHECK(f8("lr") == 0.001);
  CHECK(f8("third") == 1.0 / 3.0);
  CHECK(std::signbit(f8("negzero")));
  CHECK(std::isnan(f8("nan")));
  CHECK(f8("inf") == -std::numeric_limits<double>::infinity());
  CHECK(i8("step") == 20);
  CHECK(i8("big") == std::numeric_limits<std::int64_t>::max());
  CHECK(i8("small") == std::numeric_limits<std::int64_t>::min());
  CHECK(member("words").descr == "<u8");
  CHECK(member("words").shape == Shape{4});
  CHECK(member("f32").descr == "<f4");
  CHECK(member("f32_scalar").descr == "<f4");
  CHECK(member("f32_scalar").shape == Shape{});
  CHECK(member("f64").descr == "<f8");
  CHECK(member("f64").shape == (Shape{2, 2}));

  // A 0-d float64 tensor is stored as a float64 scalar, so it reads back as a real.
  StateDict zero_d;
  zero_d.set("x", TensorD::scalar(0.25));
  io::save_state(dir.file("zero_d.npz"), zero_d);
  CHECK(io::load_state(dir.file("zero_d.npz")).real("x", "test") == 0.25);

  // A file of float32 arrays (save_npz, an older checkpoint) reads as float32 tensors.
  io::save_npz<float>(dir.file("f4.npz"), {{"w", Tensor::from({1, 2}, Shape{2})}});
  CHECK(io::load_state(dir.file("f4.npz")).tensor<float>("w", "test").to_vector() == std::vector<float>{1, 2});

  // An optimizer's state dict, through a checkpoint: the rate is the float64 scalar 0.001, steps int64 scalars.
  auto model = make_model(15);
  optim::Adam<float> opt(model.parameters(), 0.001);
  for (int t = 0; t < 3; ++t) {
    opt.zero_grad();
    model(Tensor::randn({4, 3})).pow(2.0f).mean().backward();
    opt.step();
  }
  nn::save_checkpoint(dir.file("run.npz"), model, opt.state_dict());
  const std::vector<io::NpzMember> run = io::read_npz(dir.file("run.npz"), "test");
  std::size_t reals = 0, integers = 0;
  for (const io::NpzMember& m : run) {
    CAPTURE(m.name);
    if (m.name == "optim.lr") {
      ++reals;
      CHECK(m.descr == "<f8");
      CHECK(m.shape == Shape{});
      double v;
      std::memcpy(&v, m.bytes.data(), 8);
      CHECK(v == 0.001);
    } else if (m.name.size() > 5 && m.name.compare(m.name.size() - 5, 5, ".step") == 0) {
      ++integers;
      CHECK(m.descr == "<i8");
      CHECK(m.shape == Shape{});
      std::int64_t v;
      std::memcpy(&v, m.bytes.data(), 8);
      CHECK(v == 3);
    } else {
      CHECK(m.descr == "<f4");
    }
  }
  CHECK(reals == 1);
  CHECK(integers == opt.params().size());
}

TEST_CASE("io: save_state / load_state (.npz) keep entries without values: empty tensors and empty words") {
  TempDir dir;
  StateDict in;
  in.set("no_words", std::vector<std::uint64_t>{});
  in.set("f32_empty", Tensor::zeros({0, 3}));
  in.set("f64_empty", TensorD::zeros({4, 0}));
  in.set("after", std::int64_t{5});
  io::save_state(dir.file("empty.npz"), in);
  const StateDict out = io::load_state(dir.file("empty.npz"));
  CHECK(bit_equal(out, in));
  CHECK(out.words("no_words", "test").empty());
  CHECK(out.tensor<double>("f64_empty", "test").shape() == (Shape{4, 0}));
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
    expect_io_error(dir.file("f8.npz"), {"float64 tensor", "0.weight"});
  }
  SUBCASE("a model entry stored as an integer") {
    StateDict state;
    for (const auto& [n, t] : source.state_dict()) state.set(n, t);
    state.set("1.running_var", std::int64_t{1});
    io::save_state(dir.file("int.npz"), state);
    expect_io_error(dir.file("int.npz"), {"entry '1.running_var' is a", "integer", "float32 tensor"});
  }
  SUBCASE("bad CRC in the last member, an optimizer entry after every model entry") {
    auto opt_model = make_model(7);
    optim::Adam<float> opt(opt_model.parameters(), 0.001);
    nn::save_checkpoint(dir.file("with_opt.npz"), source, opt.state_dict());
    auto b = read_bytes(dir.file("with_opt.npz"));
    const std::size_t cd = rd32(b, b.size() - 22 + 16);
    b[cd - 1] ^= 0x01;  // the last byte of the last member's values: optim.state.5.exp_avg_sq
    write_bytes(dir.file("opt_crc.npz"), b);
    expect_io_error(dir.file("opt_crc.npz"), {"CRC", "optim.state.5.exp_avg_sq"});
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
  // An Adam optimizer after 3 steps, its state saved with the model, plus one extra entry of each other kind.
  optim::Adam<float> opt(model.parameters(), 0.001);
  for (int t = 0; t < 3; ++t) {
    opt.zero_grad();
    model(Tensor::randn({4, 3})).pow(2.0f).mean().backward();
    opt.step();
  }
  StateDict extra = opt.state_dict();
  extra.set("ramp", Tensor::from({0, 0.5f, 1, 1.5f, 2, 2.5f}, {2, 3}));
  extra.set("scalar", Tensor::scalar(-2.25f));
  extra.set("third", 1.0 / 3.0);
  extra.set("epoch", std::int64_t{-7});
  extra.set("rng", std::vector<std::uint64_t>{0, ~std::uint64_t{0}, 0x0123456789abcdefu});
  nn::save_checkpoint(dir.file("ours.npz"), model, extra, "optim.");
  io::save_npz<double>(dir.file("ours64.npz"), {{"third", TensorD::scalar(1.0 / 3.0)}});

  // numpy checks names, dtypes, shapes and known values (the learning rate is the float64 0.001 and each step
  // count the int64 3, as they are), then re-saves everything plain and compressed.
  const std::string script = dir.file("check.py");
  std::ofstream(script) << R"PY(import sys
import numpy as np
src, plain, packed, src64 = sys.argv[1:5]
d = np.load(src)
model = ['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias', '1.running_mean', '1.running_var']
adam = ['optim.lr'] + [f'optim.state.{i}.{b}' for i in range(6) for b in ('step', 'exp_avg', 'exp_avg_sq')]
assert d.files == model + adam + ['optim.ramp', 'optim.scalar', 'optim.third', 'optim.epoch', 'optim.rng'], d.files
assert d['0.weight'].dtype == np.float32 and d['0.weight'].shape == (3, 5)
assert d['1.running_var'].shape == (5,)
lr = d['optim.lr']
assert lr.dtype == np.float64 and lr.shape == () and lr == 0.001 and lr.item() == 0.001, (lr.dtype, lr)
for i in range(6):
    step = d[f'optim.state.{i}.step']
    assert step.dtype == np.int64 and step.shape == () and step == 3 and step.item() == 3, (i, step.dtype, step)
    assert d[f'optim.state.{i}.exp_avg'].dtype == np.float32
    assert d[f'optim.state.{i}.exp_avg_sq'].shape == d[model[i]].shape
assert np.all(d['optim.state.0.exp_avg_sq'] > 0)
assert d['optim.scalar'].dtype == np.float32 and d['optim.scalar'].shape == () and d['optim.scalar'] == -2.25
assert np.array_equal(d['optim.ramp'], np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5)
assert d['optim.third'].dtype == np.float64 and d['optim.third'].shape == () and d['optim.third'] == 1.0 / 3.0
assert d['optim.epoch'].dtype == np.int64 and d['optim.epoch'] == -7
rng = d['optim.rng']
assert rng.dtype == np.uint64 and rng.shape == (3,), (rng.dtype, rng.shape)
assert rng.tolist() == [0, 2**64 - 1, 0x0123456789abcdef], rng.tolist()
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

  const StateDict ours = io::load_state(dir.file("ours.npz"));
  for (const char* f : {"np.npz", "npz_compressed.npz"}) {
    CAPTURE(f);
    CHECK(bit_equal(io::load_state(dir.file(f)), ours));
  }
  // And numpy's file loads straight into a model and an optimizer, bit for bit.
  auto copy = make_model(13);
  const StateDict extras = nn::load_checkpoint(dir.file("npz_compressed.npz"), copy, "optim.");
  CHECK(same_state(model, copy));
  CHECK(bit_equal(extras, extra));
  optim::Adam<float> copy_opt(copy.parameters(), 0.5);
  copy_opt.load_state_dict(only_names_of(extras, opt.state_dict()));
  CHECK(bit_equal(copy_opt.state_dict(), opt.state_dict()));
  CHECK(copy_opt.lr() == 0.001);
  CHECK(copy_opt.step_count(5) == 3);
}
