// The progress display with a fake clock: the redrawn bar on a terminal, one line per epoch elsewhere.
#include <doctest/doctest.h>

#include <sstream>

#include "train/format.h"
#include "train/progress.h"

using namespace ad::train;

TEST_CASE("train: number formatting for progress lines") {
  CHECK(format_thousands(0) == "0");
  CHECK(format_thousands(999) == "999");
  CHECK(format_thousands(12345) == "12,345");
  CHECK(format_thousands(1234567) == "1,234,567");
  CHECK(format_duration(7) == "0:07");
  CHECK(format_duration(125.4) == "2:05");
  CHECK(format_duration(3725) == "1:02:05");
  CHECK(format_duration(-1) == "-:--");
  CHECK(format_metric("acc", 0.9612) == "96.1%");
  CHECK(format_metric("val_accuracy", 1.0) == "100.0%");
  CHECK(format_metric("loss", 0.12344) == "0.1234");
  CHECK(format_metric("lr", 2.5e-5) == "2.50e-05");
}

TEST_CASE("train: Progress draws an updating bar with running means, rate, and the epoch's and the run's ETA") {
  std::ostringstream out;
  double t = 100.0;
  ProgressOptions o;
  o.display = Display::Bar;
  o.out = &out;
  o.bar_width = 10;
  o.clock = [&] { return t; };
  Progress p(20, 1000, o);
  p.start_epoch(3);
  t += 0.5;
  p.step(250, 0.2, 0.9);  // 25% after 0.5 s: 500 samples/s, 750 left -> 1.5 s
  CHECK(out.str() == "\repoch 3/20 [==>       ] 25% loss 0.2000 acc 90.0% 500 samples/s epoch ETA 0:02 run ETA 0:36");
  t += 0.01;
  p.step(200, 0.1, 1.0);  // within 0.1 s of the last draw: not redrawn
  CHECK(out.str().find("45%") == std::string::npos);
  t += 0.5;
  out.str("");
  p.step(50, 0.1, 1.0);  // 500 samples: means (250 * 0.2 + 250 * 0.1) / 500 = 0.15, acc 95%
  CHECK(out.str() == "\repoch 3/20 [=====>    ] 50% loss 0.1500 acc 95.0% 495 samples/s epoch ETA 0:01 run ETA 0:35");
  t += 1.0;
  out.str("");
  p.step(500, 0.05, 1.0);  // the last batch is always drawn
  CHECK(out.str().find("[==========] 100%") != std::string::npos);
  out.str("");
  const Metrics m = p.end_epoch({{"val_acc", 0.94}});
  REQUIRE(m.size() == 3);
  CHECK(m[0].first == "loss");
  CHECK(m[0].second == doctest::Approx(0.1));  // (250*0.2 + 250*0.1 + 500*0.05) / 1000
  CHECK(m[2].second == 0.94);
  const std::string summary = out.str();
  CHECK(summary.rfind("\repoch 3/20 loss 0.1000 acc 97.5% val_acc 94.0% 498 samples/s 0:02", 0) == 0);  // 1000 / 2.01 s
  CHECK(summary.back() == '\n');
  // The summary is padded to blank out the longer bar line it replaces.
  CHECK(summary.size() - 2 >=
        std::string("epoch 3/20 [==========] 100% loss 0.1000 acc 97.5% 498 samples/s ETA 0:00").size());
}

TEST_CASE("train: Progress prints one plain line per epoch when not on a terminal") {
  std::ostringstream out;
  double t = 0;
  ProgressOptions o;
  o.out = &out;  // Display::Auto resolves to Lines for anything but a terminal on stdout
  o.clock = [&] { return t; };
  Progress p(2, 100, o);
  CHECK(p.display() == Display::Lines);
  for (std::size_t e = 1; e <= 2; ++e) {
    p.start_epoch(e);
    for (int b = 0; b < 4; ++b) {
      t += 0.25;
      p.step(25, 1.0 / static_cast<double>(e));
    }
    p.end_epoch();
  }
  CHECK(out.str() ==
        "epoch 1/2 loss 1.0000 100 samples/s 0:01, run ETA 0:01\nepoch 2/2 loss 0.5000 100 samples/s 0:01\n");

  std::ostringstream quiet;
  o.out = &quiet;
  o.display = Display::Silent;
  Progress s(1, 10, o);
  s.start_epoch(1);
  s.step(10, 0.5);
  CHECK(s.end_epoch()[0].second == 0.5);
  CHECK(quiet.str().empty());
}
