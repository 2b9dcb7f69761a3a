// Draws the scaling CSV of bench/run_train_step.sh --scaling --csv as two SVG line plots of GEMM throughput
// (GFLOP/s, higher is better) for this library, the raw-BLAS reference and PyTorch: against the batch size
// (784-256-256-10) and against the hidden width (784-W-W-10, batch 128), both on log2 axes.
// Usage: scaling_plot scaling.csv out_prefix   (writes out_prefix_batch.svg and out_prefix_width.svg)
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plot/line_plot.h"

namespace {

struct Row {
  std::string config;
  double batch, ours_ms, ref_ms, torch_ms, gflops;
  double width() const { return std::stod(config.substr(1)); }
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

void plot(const std::vector<Row>& rows, char kind, const std::string& path) {
  ad::plot::Series ours{"this library", {}, {}}, ref{"raw BLAS reference", {}, {}}, torch{"PyTorch 1.13", {}, {}};
  for (const Row& r : rows) {
    if (r.config[0] != kind) continue;
    const double x = std::log2(kind == 'B' ? r.batch : r.width());
    const double flops_ms = r.gflops * r.ours_ms;  // GFLOP/s x ms = MFLOP of one step
    ours.x.push_back(x);
    ours.y.push_back(r.gflops);
    ref.x.push_back(x);
    ref.y.push_back(flops_ms / r.ref_ms);
    if (r.torch_ms > 0) {
      torch.x.push_back(x);
      torch.y.push_back(flops_ms / r.torch_ms);
    }
  }
  std::vector<ad::plot::Series> series = {ours, ref};
  if (!torch.y.empty()) series.push_back(torch);
  ad::plot::LinePlotOptions o;
  o.title = kind == 'B' ? "Training step 784-256-256-10: throughput vs batch size"
                        : "Training step 784-W-W-10, batch 128: throughput vs width";
  o.x_label = kind == 'B' ? "log2(batch size)" : "log2(hidden width W)";
  o.y_label = "GEMM GFLOP/s";
  o.y_min = 0;
  o.width = 720;
  ad::plot::save_line_plot(path, series, o);
  std::printf("wrote %s\n", path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: scaling_plot scaling.csv out_prefix\n");
    return 2;
  }
  try {
    std::ifstream in(argv[1]);
    if (!in) throw std::runtime_error(std::string("cannot open ") + argv[1]);
    std::string line;
    std::getline(in, line);  // header: config,widths,batch,ours_ms,ref_ms,ours_over_ref,torch_ms,gflops_ours
    std::vector<Row> rows;
    while (std::getline(in, line)) {
      const std::vector<std::string> f = split(line);
      if (f.size() != 8) throw std::runtime_error(std::string(argv[1]) + ": bad row '" + line + "'");
      rows.push_back({f[0], std::stod(f[2]), std::stod(f[3]), std::stod(f[4]), f[6].empty() ? 0 : std::stod(f[6]),
                      std::stod(f[7])});
    }
    plot(rows, 'B', std::string(argv[2]) + "_batch.svg");
    plot(rows, 'W', std::string(argv[2]) + "_width.svg");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scaling_plot: %s\n", e.what());
    return 1;
  }
  return 0;
}
