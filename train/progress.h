// Progress: what a training loop prints while it runs.
//
//   train::Progress progress(epochs, train.size());
//   for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
//     progress.start_epoch(epoch);
//     for (const data::Batch& b : loader) {
//       ... forward, backward, step ...
//       progress.step(b.size(), {{"loss", loss.item()}, {"acc", train::accuracy(b.labels, logits)}});
//     }
//     train::Metrics m = progress.end_epoch({{"val_loss", vl}, {"val_acc", va}});
//     history.add(epoch, m);
//   }
//
// On a terminal (stdout is a tty) one line is redrawn in place after each batch (at most ten times a second):
//   epoch 3/20 [=========>          ] 45% loss 0.1234 acc 96.1% 12,345 samples/s epoch ETA 0:07 run ETA 1:52
// (cut to the terminal's width) and is replaced at the end of the epoch by a summary. Anywhere else (a file, a pipe, CI
// logs) only the summary is printed, one line per epoch, so logs stay readable:
//   epoch 3/20 loss 0.1234 acc 96.1% val_loss 0.2345 val_acc 94.0% 12,345 samples/s 0:02
//
// The metrics shown during an epoch are running means over the samples seen so far, each batch weighted by its
// size (so a smaller last batch counts less), which is also what end_epoch returns. Samples per second and the ETAs
// (time left in the epoch, and in the whole run: this epoch's rest plus the epochs still to come at the same rate)
// come from the samples processed since start_epoch.
#pragma once
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

#include "train/history.h"

namespace ad::train {

enum class Display {
  Auto,   // Bar when printing to std::cout and stdout is a terminal, else Lines
  Bar,    // the redrawn progress bar
  Lines,  // one summary line per epoch
  Silent  // nothing
};

struct ProgressOptions {
  Display display = Display::Auto;
  std::ostream* out = nullptr;  // default: std::cout
  std::size_t bar_width = 20;
  double min_redraw_seconds = 0.1;  // the bar is redrawn at most this often (and always at the end of an epoch)
  std::function<double()> clock;    // seconds on a monotonic clock; default std::chrono::steady_clock (tests set it)
};

class Progress {
 public:
  // epochs and samples_per_epoch (e.g. DataLoader::num_samples()) set the "3/20" and the bar's 100%.
  Progress(std::size_t epochs, std::size_t samples_per_epoch, ProgressOptions options = {});

  // Starts epoch `epoch` (1-based): resets the running means, the sample count and the clock.
  void start_epoch(std::size_t epoch);
  // A batch of `batch_size` samples is done; metrics are its mean values (loss, accuracy, ...).
  void step(std::size_t batch_size, const Metrics& batch_metrics);
  void step(std::size_t batch_size, double loss) { step(batch_size, Metrics{{"loss", loss}}); }
  void step(std::size_t batch_size, double loss, double acc) {
    step(batch_size, Metrics{{"loss", loss}, {"acc", acc}});
  }
  // Ends the epoch: prints the summary with `extra` appended (validation metrics, learning rate) and returns the
  // epoch's running means followed by `extra`.
  Metrics end_epoch(const Metrics& extra = {});
  // Ends the epoch printing `all` as its summary (metrics computed elsewhere, e.g. by train::fit), not the running
  // means of step().
  void end_epoch_with(const Metrics& all);
  // Ends a bar line cut short (Ctrl-C): the next output starts on a fresh line.
  void interrupt();

  Display display() const { return display_; }  // the resolved mode (never Auto)
  double epoch_seconds() const;                 // time since start_epoch
  std::size_t samples_seen() const { return samples_; }

 private:
  void draw_bar();
  std::string head() const;  // "epoch 3/20"
  std::string rate() const;  // "12,345 samples/s" or "" before any time has passed
  void print_summary(const Metrics& all);
  double now() const;

  std::size_t epochs_, samples_per_epoch_, epoch_ = 0, samples_ = 0;
  ProgressOptions options_;
  std::ostream* out_;
  Display display_;
  Metrics sums_;  // sample-weighted sums of the batch metrics, in first-seen order
  double start_ = 0, last_draw_ = -1;
  std::size_t last_width_ = 0;  // of the bar line, to blank out leftovers of a longer previous one
};

}  // namespace ad::train
