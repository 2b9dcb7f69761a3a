#include "train/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include "train/format.h"

namespace ad::train {
namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Columns of the terminal on stdout (0 if unknown): a bar line longer than that would wrap, and '\r' would then
// only return to the start of its last row, leaving a trail of stale rows.
std::size_t terminal_columns() {
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) return ws.ws_col;
  return 0;
}

}  // namespace

Progress::Progress(std::size_t epochs, std::size_t samples_per_epoch, ProgressOptions options)
    : epochs_(epochs), samples_per_epoch_(samples_per_epoch), options_(std::move(options)) {
  out_ = options_.out ? options_.out : &std::cout;
  display_ = options_.display;
  if (display_ == Display::Auto)
    display_ = out_ == &std::cout && ::isatty(STDOUT_FILENO) ? Display::Bar : Display::Lines;
  if (!options_.clock) options_.clock = steady_seconds;
  start_ = now();
}

double Progress::now() const { return options_.clock(); }
double Progress::epoch_seconds() const { return now() - start_; }

void Progress::start_epoch(std::size_t epoch) {
  epoch_ = epoch;
  samples_ = 0;
  sums_.clear();
  start_ = now();
  last_draw_ = -1;
  last_width_ = 0;
}

void Progress::step(std::size_t batch_size, const Metrics& batch_metrics) {
  samples_ += batch_size;
  for (const auto& metric : batch_metrics) {
    auto it = std::find_if(sums_.begin(), sums_.end(), [&](const auto& p) { return p.first == metric.first; });
    if (it == sums_.end()) it = sums_.insert(sums_.end(), {metric.first, 0.0});
    it->second += metric.second * static_cast<double>(batch_size);
  }
  if (display_ != Display::Bar) return;
  const double t = now();
  if (last_draw_ < 0 || t - last_draw_ >= options_.min_redraw_seconds || samples_ >= samples_per_epoch_) {
    last_draw_ = t;
    draw_bar();
  }
}

std::string Progress::head() const { return "epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_); }

std::string Progress::rate() const {
  const double dt = epoch_seconds();
  if (!(dt > 0) || samples_ == 0) return "";
  return format_thousands(static_cast<std::uint64_t>(std::llround(static_cast<double>(samples_) / dt))) + " samples/s";
}

void Progress::draw_bar() {
  const double frac =
      samples_per_epoch_ ? std::min(1.0, static_cast<double>(samples_) / static_cast<double>(samples_per_epoch_)) : 1.0;
  const std::size_t w = options_.bar_width;
  const auto filled = static_cast<std::size_t>(frac * static_cast<double>(w));
  std::string bar =
      filled >= w ? std::string(w, '=') : std::string(filled, '=') + ">" + std::string(w - filled - 1, ' ');
  std::string line = head() + " [" + bar + "] " + std::to_string(static_cast<int>(frac * 100.0)) + "%";
  const double n = samples_ ? static_cast<double>(samples_) : 1.0;
  for (const auto& [name, sum] : sums_) line += " " + name + " " + format_metric(name, sum / n);
  const std::string r = rate();
  if (!r.empty()) {
    line += " " + r;
    const double per_sample = epoch_seconds() / static_cast<double>(samples_);
    const double left = samples_per_epoch_ > samples_ ? static_cast<double>(samples_per_epoch_ - samples_) : 0.0;
    const double later = epochs_ > epoch_ ? static_cast<double>((epochs_ - epoch_) * samples_per_epoch_) : 0.0;
    line +=
        " epoch ETA " + format_duration(left * per_sample) + " run ETA " + format_duration((left + later) * per_sample);
  }
  if (out_ == &std::cout) {
    const std::size_t cols = terminal_columns();
    if (cols > 1 && line.size() > cols - 1) line.resize(cols - 1);
  }
  const std::size_t width = line.size();
  if (width < last_width_) line += std::string(last_width_ - width, ' ');
  last_width_ = width;
  *out_ << '\r' << line << std::flush;
}

Metrics Progress::end_epoch(const Metrics& extra) {
  Metrics result;
  const double n = samples_ ? static_cast<double>(samples_) : 1.0;
  for (const auto& [name, sum] : sums_) result.emplace_back(name, sum / n);
  result.insert(result.end(), extra.begin(), extra.end());
  print_summary(result);
  return result;
}

void Progress::end_epoch_with(const Metrics& all) { print_summary(all); }

void Progress::interrupt() {
  if (display_ == Display::Bar && last_width_ > 0) *out_ << '\n' << std::flush;
  last_width_ = 0;
}

void Progress::print_summary(const Metrics& result) {
  if (display_ == Display::Silent) return;
  std::string line = head();
  for (const auto& [name, value] : result)
    if (name != "time") line += " " + name + " " + format_metric(name, value);
  const std::string r = rate();
  if (!r.empty()) line += " " + r;
  line += " " + format_duration(epoch_seconds());
  if (epochs_ > epoch_ && epoch_seconds() > 0)
    line += ", run ETA " + format_duration(epoch_seconds() * static_cast<double>(epochs_ - epoch_));
  if (display_ == Display::Bar) {
    const std::size_t width = line.size();
    if (width < last_width_) line += std::string(last_width_ - width, ' ');
    *out_ << '\r';
  }
  *out_ << line << '\n' << std::flush;
  last_width_ = 0;
}

}  // namespace ad::train
