// No data lost: a process killed at a random moment while it writes a checkpoint never leaves a
// checkpoint that fails to load, is a mixture of two saves, or is older than the last save that returned; and the
// temporary files of killed writers do not accumulate.
//
// A child process saves two alternating models (1 MiB each) with a save counter in a loop and reports each save
// that returned through a pipe; the parent SIGKILLs it after a random delay of up to 1.5 times a save,
// then loads the checkpoint. 100 trials here (3-4 s on a busy 2-core VM: every save waits for fsync), 20 under
// sanitizers; AD_CHECKPOINT_KILL_TRIALS=2000 for a longer run, which also prints a summary.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "autodiff/autodiff.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"

using namespace ad;
namespace fs = std::filesystem;

namespace {

// Under a sanitizer every fork copies the page tables of terabytes of shadow mappings (about 150 ms per trial with
// ASan here): 20 trials there, enough to check the save and load paths for memory errors.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kTrials = 20;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
constexpr int kTrials = 20;
#else
constexpr int kTrials = 100;
#endif
#else
constexpr int kTrials = 100;
#endif

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.numel() * sizeof(float)) == 0;
}

// Saves number n: model n % 2 plus the counter n as the extra entry "run.n", an integer (int64 in the file).
void save(const std::string& path, nn::Linear<float>* const models[2], std::uint64_t n) {
  StateDict extra;
  extra.set("n", static_cast<std::int64_t>(n));
  nn::save_checkpoint(path, *models[n % 2], extra, "run.");
}

// The child: saves first, first + 1, ... until killed, writing each number to `report` once its save returned.
[[noreturn]] void writer(const std::string& path, nn::Linear<float>* const models[2], std::uint64_t first, int report) {
  for (std::uint64_t n = first;; ++n) {
    try {
      save(path, models, n);
    } catch (...) {
      ::_exit(3);
    }
    if (::write(report, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) ::_exit(4);
  }
}

std::size_t temporaries(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("checkpoint: a writer killed at random moments never loses or corrupts the previous checkpoint") {
  const char* env = std::getenv("AD_CHECKPOINT_KILL_TRIALS");
  const int trials = env ? std::atoi(env) : kTrials;
  const fs::path dir = fs::temp_directory_path() / ("ad_kill_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "model.npz").string();

  manual_seed(1);
  nn::Linear<float> a(256, 1024), b(256, 1024), probe(256, 1024);
  nn::Linear<float>* const models[2] = {&a, &b};

  // Checkpoint 0, then the time a forked writer takes from fork() to the end of its first save (2-3 times a save in
  // the parent: its first writes fault in copy-on-write pages). The kills are spread over 1.5 times that, so that
  // they land before, during and after the first save and in the second.
  save(path, models, 0);
  std::vector<double> forked_save_us;
  for (std::uint64_t n = 1; n <= 3; ++n) {  // the median of three, as fsync times vary on a busy machine
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t timer = ::fork();
    REQUIRE(timer >= 0);
    if (timer == 0) {
      save(path, models, n);
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(timer, &status, 0) == timer);
    REQUIRE(WIFEXITED(status));
    forked_save_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(forked_save_us.begin(), forked_save_us.end());
  const double window_us = 1.5 * forked_save_us[1];
  std::uint64_t current = 3;  // the number the file holds

  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(0, static_cast<int>(window_us));
  int lost = 0, mid_write = 0, after_a_save = 0, max_temporaries = 0;
  std::uint64_t saves = 0;
  for (int trial = 0; trial < trials; ++trial) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t parent = ::getpid(), pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test, should it be killed itself
      if (::getppid() != parent) ::_exit(5);
      writer(path, models, current + 1, fds[1]);
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE_MESSAGE(WIFSIGNALED(status), "the writer exited with code " << WEXITSTATUS(status));

    bool reported = false;
    std::uint64_t last = 0, n = 0;
    while (::read(fds[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
      last = n;
      reported = true;
      ++saves;
    }
    ::close(fds[0]);
    after_a_save += reported;

    const std::size_t temps = temporaries(dir);
    mid_write += temps > 0;
    max_temporaries = std::max(max_temporaries, static_cast<int>(temps));

    // The file must load, hold a whole save, and be the last save that returned or the one in flight.
    {
      NoGradGuard no_grad;  // values from the previous trial must not pass for a load
      probe.weight.fill_(-7.0f);
      probe.bias.fill_(-7.0f);
    }
    std::uint64_t in_file = 0;
    bool ok = false;
    try {
      const StateDict extra = nn::load_checkpoint(path, probe, "run.");
      const std::int64_t n_in_file = extra.integer("n", "checkpoint kill test");
      in_file = static_cast<std::uint64_t>(n_in_file);
      const std::uint64_t done = reported ? last : current;
      ok = extra.size() == 1 && n_in_file >= 0 && (in_file == done || in_file == done + 1) &&
           bit_equal(probe.weight, models[in_file % 2]->weight) && bit_equal(probe.bias, models[in_file % 2]->bias);
    } catch (const Error& e) {
      MESSAGE("trial " << trial << ": " << std::string(e.what()));
    }
    if (!ok) {
      ++lost;
      MESSAGE("trial " << trial << ": the checkpoint holds save " << in_file << ", the last save that returned was "
                       << (reported ? last : current));
    }
    current = in_file;
  }
  CHECK(lost == 0);
  // At most the killed writer's temporary is left; the next save (the next writer's first) removes it.
  CHECK(max_temporaries <= 1);
  save(path, models, current + 1);
  CHECK(temporaries(dir) == 0);
  if (env)
    std::printf(
        "checkpoint kill test: %d trials (%d killed while a temporary file existed, %d after at least one save "
        "returned; %llu saves returned), %d checkpoints lost, at most %d temporary file left, kills within "
        "%.1f ms (1.5 forked 1 MiB saves)\n",
        trials, mid_write, after_a_save, static_cast<unsigned long long>(saves), lost, max_temporaries,
        window_us / 1000);
  fs::remove_all(dir);
}
