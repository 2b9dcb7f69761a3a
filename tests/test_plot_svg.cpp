// SVG output: escaping, well-formedness (a small tag-balance parser), expected text, atomic writes, and the plots
// (line plot, heatmap, decision boundary, image grid) on small inputs.
#include <doctest/doctest.h>

#include <cmath>

#include "autodiff/error.h"
#include "data/digits.h"
#include "plot/plot.h"
#include "test_data_util.h"

using namespace ad;
using namespace ad::plot;

namespace {

// Parse-level check of an SVG document: it starts with <svg, every tag is closed in order, attribute values are
// quoted, no raw '<' or unescaped '&' appears in text, and nothing follows the root element. Returns "" when well
// formed, else what is wrong.
std::string xml_problem(const std::string& doc) {
  if (doc.rfind("<svg", 0) != 0) return "does not start with <svg";
  std::vector<std::string> stack;
  std::size_t i = 0;
  bool root_closed = false;
  auto check_text = [](const std::string& text) -> std::string {
    for (std::size_t k = 0; k < text.size(); ++k)
      if (text[k] == '&') {
        const std::size_t semi = text.find(';', k);
        const std::string ent = semi == std::string::npos ? "" : text.substr(k, semi - k + 1);
        if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&apos;")
          return "unescaped & in '" + text.substr(k, 12) + "'";
      }
    return "";
  };
  while (i < doc.size()) {
    const std::size_t lt = doc.find('<', i);
    const std::string text = doc.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    if (auto p = check_text(text); !p.empty()) return p;
    if (root_closed && text.find_first_not_of(" \n\t\r") != std::string::npos) return "text after the root element";
    if (lt == std::string::npos) break;
    // Find the end of the tag, skipping '>' inside quoted attribute values.
    std::size_t k = lt + 1;
    bool in_quote = false;
    while (k < doc.size() && (in_quote || doc[k] != '>')) {
      if (doc[k] == '"') in_quote = !in_quote;
      if (doc[k] == '<' && !in_quote) return "'<' inside a tag at " + std::to_string(k);
      ++k;
    }
    if (k >= doc.size()) return "unterminated tag";
    const std::string tag = doc.substr(lt + 1, k - lt - 1);
    if (auto p = check_text(tag); !p.empty()) return p;
    if (root_closed) return "element after the root: <" + tag + ">";
    if (tag.empty()) return "empty tag";
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> closes <" + (stack.empty() ? "" : stack.back()) + ">";
      stack.pop_back();
      if (stack.empty()) root_closed = true;
    } else if (tag.back() != '/') {
      stack.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
    i = k + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (!root_closed) return "no root element";
  return "";
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("plot: text is escaped and documents are well formed") {
  CHECK(escape_xml("a < b & \"c\" > 'd'") == "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;");
  CHECK(svg_number(3.14159) == "3.14");
  CHECK(svg_number(2.0) == "2");
  CHECK(svg_number(-0.001) == "0");
  Svg svg(100, 50);
  svg.begin_group("opacity=\"0.5\"").text(10, 20, "x < y & \"z\"").rect(0, 0, 10, 10, "#ff0000");
  const std::string doc = svg.str();  // the open group is closed
  CHECK(xml_problem(doc) == "");
  CHECK(doc.find(">x &lt; y &amp; &quot;z&quot;</text>") != std::string::npos);
  CHECK(xml_problem("<svg><g></svg>") != "");  // the checker itself catches mistakes
  CHECK(xml_problem("<svg>a & b</svg>") != "");
  CHECK_THROWS_AS(Svg(0, 10), ValueError);
  CHECK_THROWS_AS(Svg(10, 10).end_group(), ValueError);
}

TEST_CASE("plot: nice ticks at 1-2-5 steps and short labels") {
  const Ticks t = nice_ticks(0.13, 0.87, 6);
  CHECK(t.step == doctest::Approx(0.2));
  CHECK(t.lo == doctest::Approx(0.0));
  CHECK(t.hi == doctest::Approx(1.0));
  CHECK(t.values.size() == 6);
  CHECK(tick_label(t.values[1], t.step) == "0.2");
  CHECK(nice_ticks(1, 20, 8).step == 5);
  CHECK(nice_ticks(3, 3).values.size() >= 2);  // an empty range is widened
  CHECK(tick_label(1500, 500) == "1500");
  CHECK(tick_label(0.0125, 0.0025) == "0.013");  // three decimals for a step of 0.0025
}

TEST_CASE("plot: line plot of learning curves with a legend, NaN gaps and escaped labels") {
  const double nan = std::nan("");
  const std::vector<Series> series = {{"train <loss>", {1.0, 0.6, 0.4, 0.3}}, {"val & test", {1.1, nan, 0.5, 0.45}}};
  LinePlotOptions o;
  o.title = "Loss & accuracy";
  o.y_label = "cross-entropy";
  const std::string doc = line_plot_svg(series, o);
  CHECK(xml_problem(doc) == "");
  CHECK(doc.find("Loss &amp; accuracy") != std::string::npos);
  CHECK(doc.find("train &lt;loss&gt;") != std::string::npos);
  CHECK(doc.find(">epoch</text>") != std::string::npos);
  CHECK(count(doc, "<polyline") == 2);  // the NaN leaves a lone point and a run of two in the second series
  CHECK(count(doc, "<circle") == 7);    // every finite point is marked
  CHECK_THROWS_WITH_AS(line_plot_svg({{"bad", {1, 2}, {1}}}), doctest::Contains("series 'bad' has 1 x values and 2 y"),
                       ValueError);
  CHECK_THROWS_AS(line_plot_svg({}), ValueError);
}

TEST_CASE("plot: files are written atomically and failures name the file") {
  test_util::TempDir dir;
  const std::string path = dir.file("curve.svg");
  test_util::write_bytes(path, "old");
  save_line_plot(path, {{"acc", {0.5, 0.9}}});
  const std::string doc = test_util::read_bytes(path);
  CHECK(xml_problem(doc) == "");
  CHECK(dir.entries() == std::vector<std::string>{"curve.svg"});  // replaced in place, no temporary left
  CHECK_THROWS_WITH_AS(save_line_plot(dir.file("missing/dir/x.svg"), {{"acc", {0.5}}}),
                       doctest::Contains("missing/dir/x.svg"), IOError);
}

TEST_CASE("plot: heatmap with a colour scale, cell labels and NaN cells") {
  HeatmapOptions o;
  o.title = "validation accuracy";
  o.row_labels = {"lr 0.001", "lr 0.01"};
  o.col_labels = {"16", "32", "64 units & more"};
  o.percent = true;
  o.decimals = 1;
  o.color_label = "accuracy";
  const std::string doc = heatmap_svg({{0.81, 0.853, std::nan("")}, {0.9, 0.953, 0.97}}, o);
  CHECK(xml_problem(doc) == "");
  CHECK(doc.find(">95.3%</text>") != std::string::npos);
  CHECK(doc.find(">85.3%</text>") != std::string::npos);
  CHECK(doc.find("64 units &amp; more") != std::string::npos);
  CHECK(doc.find("#d9d9d9") != std::string::npos);  // the NaN cell
  CHECK(doc.find(">accuracy</text>") != std::string::npos);
  CHECK_THROWS_WITH_AS(heatmap_svg({{1, 2}, {3}}), doctest::Contains("row 1 has 1 values, row 0 has 2"), ValueError);
  CHECK_THROWS_AS(heatmap_svg({{1, 2}},
                              [] {
                                HeatmapOptions h;
                                h.row_labels = {"a", "b"};
                                return h;
                              }()),
                  ValueError);
}

TEST_CASE("plot: decision boundary of a 2-D classifier with class-coloured points") {
  // Two classes split by the line x1 + x2 = 0; the "model" returns P(class 1) = sigmoid(4 (x1 + x2)).
  const Tensor X = Tensor::from({-1, -1, -0.5f, -1, 1, 0.5f, 1, 1}, {4, 2});
  const std::vector<std::size_t> labels = {0, 0, 1, 1};
  std::size_t calls = 0;
  Shape seen;
  auto predict = [&](const Tensor& grid) {
    ++calls;
    seen = grid.shape();
    return sigmoid((grid.sum(1) * 4.0f));
  };
  DecisionBoundaryOptions o;
  o.title = "linear <boundary>";
  o.class_names = {"negative", "positive"};
  o.resolution = 40;
  const std::string doc = decision_boundary_svg(X, labels, predict, o);
  CHECK(calls == 1);
  CHECK(seen == Shape{1600, 2});
  CHECK(xml_problem(doc) == "");
  CHECK(doc.find("linear &lt;boundary&gt;") != std::string::npos);
  CHECK(doc.find(">positive</text>") != std::string::npos);
  CHECK(count(doc, "<circle") == 4 + 2);  // the points and the legend
  // Runs of equal colour are merged: far fewer rectangles than the 1600 cells.
  CHECK(count(doc, "<rect") < 800);

  // Three classes: softmax of logits is accepted; the raw logits are not probabilities and are refused by name.
  auto logits = [](const Tensor& grid) {
    return concat<float>({narrow(grid, 1, 0, 1) * 3.0f, narrow(grid, 1, 1, 1) * 3.0f, grid.sum(1, true) * -3.0f}, 1);
  };
  CHECK(xml_problem(decision_boundary_svg(X, {0, 1, 2, 2}, [&](const Tensor& g) { return logits(g).softmax(1); })) ==
        "");
  CHECK_THROWS_WITH_AS(decision_boundary_svg(X, {0, 1, 2, 2}, logits), doctest::Contains("not a probability"),
                       ValueError);
  CHECK_THROWS_AS(decision_boundary_svg(Tensor::zeros({4, 3}), labels, predict), ShapeError);
  CHECK_THROWS_WITH_AS(decision_boundary_svg(X, labels, [](const Tensor&) { return Tensor::zeros({5}); }),
                       doctest::Contains("the predictor returned shape [5]"), ShapeError);
}

TEST_CASE("plot: image grid of digits with captions") {
  const data::Dataset digits = data::load_digits(std::string(AD_SOURCE_DIR) + "/data/sets/digits.csv.gz");
  std::vector<std::size_t> rows;
  std::vector<std::string> captions;
  for (std::size_t i = 0; i < 12; ++i) {
    rows.push_back(i);
    captions.push_back("true " + std::to_string(digits.labels[i]) + " / pred " +
                       std::to_string((digits.labels[i] + 1) % 10));
  }
  ImageGridOptions o;
  o.columns = 5;
  o.pixel_size = 6;
  o.title = "misclassified <digits>";
  test_util::TempDir dir;
  save_image_grid(dir.file("grid.svg"), data::gather_rows(digits.X, rows), 8, 8, captions, o);
  const std::string doc = test_util::read_bytes(dir.file("grid.svg"));
  CHECK(xml_problem(doc) == "");
  CHECK(doc.find(">true 0 / pred 1</text>") != std::string::npos);
  CHECK(doc.find("misclassified &lt;digits&gt;") != std::string::npos);
  CHECK(count(doc, "shape-rendering") == 12);  // one group per image

  // (K, h, w) input, and size checks.
  CHECK(xml_problem(image_grid_svg(Tensor::rand({3, 5, 4}), 0, 0)) == "");
  CHECK_THROWS_WITH_AS(image_grid_svg(Tensor::zeros({2, 10}), 3, 3), doctest::Contains("not images of 3 x 3"),
                       ShapeError);
  CHECK_THROWS_AS(image_grid_svg(Tensor::zeros({2, 9}), 3, 3, {"only one"}), ValueError);
}

TEST_CASE("plot: dashed series are drawn and listed with a dashed line") {
  const std::vector<double> x = {0, 1, 2, 3};
  Series truth{"truth", {0, 1, 4, 9}, x};
  Series fit{"fit", {0.1, 1.2, 3.8, 9.1}, x, /*dashed=*/true};
  const std::string doc = line_plot_svg({truth, fit});
  CHECK(xml_problem(doc) == "");
  CHECK(count(doc, "<polyline") == 2);
  CHECK(count(doc, "stroke-dasharray") == 2);  // the fit's curve and its legend line; the truth is solid
  const std::size_t dashed_line = doc.find("<polyline", doc.find("<polyline") + 1);
  CHECK(doc.find("stroke-dasharray", dashed_line) < doc.find("/>", dashed_line));  // on the second (fit) curve
  CHECK(doc.find("stroke-dasharray") > doc.find("<polyline"));                     // not on the first
  CHECK(line_plot_svg({truth}).find("stroke-dasharray") == std::string::npos);
}

TEST_CASE("plot: a logarithmic y axis has ticks at powers of ten and skips values <= 0") {
  CHECK(power_of_ten_label(-2) == "0.01");
  CHECK(power_of_ten_label(0) == "1");
  CHECK(power_of_ten_label(3) == "1000");
  CHECK(power_of_ten_label(-5) == "1e-5");
  CHECK(power_of_ten_label(6) == "1e6");
  const Ticks t = log_ticks(0.003, 2.5);  // decades 1e-3 .. 1e1
  CHECK(t.values == std::vector<double>{-3, -2, -1, 0, 1});
  CHECK(t.labels == std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10"});
  CHECK(t.lo == -3);
  CHECK(t.hi == 1);
  CHECK(t.minor.size() == 4 * 8);                                         // 2..9 in each of the four decades
  CHECK(log_ticks(0.01, 0.01).values == std::vector<double>{-2, -1});     // at least one decade
  CHECK(log_ticks(1e-30, 1e30).values.size() <= 11);                      // many decades: every few
  CHECK(log_ticks(-1, 5).labels == std::vector<std::string>{"1", "10"});  // no positive range: [1, 10]

  const double nan = std::nan("");
  // A loss falling from 2 to 0.004, with a 0 and a negative value (no logarithm: skipped, breaking the line) and NaN.
  const std::vector<Series> series = {{"loss", {2.0, 0.5, 0.0, 0.05, -1.0, 0.01, nan, 0.004}}};
  LinePlotOptions o;
  o.log_y = true;
  o.y_label = "loss";
  const std::string doc = line_plot_svg(series, o);
  CHECK(xml_problem(doc) == "");
  for (const char* label : {">0.001</text>", ">0.01</text>", ">0.1</text>", ">1</text>", ">10</text>"})
    CHECK_MESSAGE(doc.find(label) != std::string::npos, label);
  CHECK(doc.find(">0.5</text>") == std::string::npos);  // no linear ticks
  CHECK(count(doc, "<circle") == 5);                    // the five positive values
  CHECK(count(doc, "<polyline") == 1);                  // 2, 0.5 | 0 | 0.05 | -1 | 0.01 | NaN | 0.004: one run of two
  CHECK(count(doc, "#f1f1f1") > 0);                     // the minor grid at 2..9 x 10^k

  // Bounds given in data units; a non-positive one is refused.
  o.y_min = 1e-4;
  o.y_max = 10.0;
  const std::string bounded = line_plot_svg(series, o);
  CHECK(bounded.find(">1e-4</text>") != std::string::npos);
  o.y_min = 0.0;
  CHECK_THROWS_WITH_AS(line_plot_svg(series, o), doctest::Contains("line_plot: log_y needs a positive y_min, got 0"),
                       ValueError);
  o.y_min = {};
  o.y_max = -1.0;
  CHECK_THROWS_WITH_AS(line_plot_svg(series, o), doctest::Contains("y_max"), ValueError);
  // Without log_y, 0 and negative values are drawn as before.
  CHECK(count(line_plot_svg(series), "<circle") == 7);
}

TEST_CASE("plot: heatmap cells that are NaN or infinite are grey and labelled") {
  const double nan = std::nan(""), inf = HUGE_VAL;
  HeatmapOptions o;
  o.percent = true;
  o.decimals = 1;
  const std::string doc = heatmap_svg({{0.5, nan}, {inf, -inf}, {0.9, 0.7}}, o);
  CHECK(xml_problem(doc) == "");
  CHECK(doc.find(">nan</text>") != std::string::npos);
  CHECK(doc.find(">inf</text>") != std::string::npos);
  CHECK(doc.find(">-inf</text>") != std::string::npos);
  CHECK(count(doc, "fill=\"#d9d9d9\"") == 3);  // neutral grey, not a colour of the scale
  CHECK(doc.find(">90.0%</text>") != std::string::npos);
  CHECK(doc.find("nan%") == std::string::npos);
  // The colour scale spans the finite values only (0.5 .. 0.9), as if the others were absent.
  CHECK(doc.find(">0.9</text>") != std::string::npos);
  // A label of the caller's choice, e.g. for runs that diverged; none when values are not shown.
  o.non_finite_label = "diverged";
  const std::string named = heatmap_svg({{0.5, nan}, {inf, 0.7}}, o);
  CHECK(count(named, ">diverged</text>") == 2);
  o.nan_label = "not run";  // NaN cells told apart from the infinite ones
  const std::string both = heatmap_svg({{0.5, nan}, {inf, 0.7}}, o);
  CHECK(count(both, ">diverged</text>") == 1);
  CHECK(count(both, ">not run</text>") == 1);
  o.show_values = false;
  CHECK(heatmap_svg({{0.5, nan}}, o).find("diverged") == std::string::npos);
}
