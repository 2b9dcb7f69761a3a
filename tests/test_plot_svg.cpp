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
