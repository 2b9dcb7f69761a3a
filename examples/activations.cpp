// activations: the course's pictures of activation functions and their derivatives (seed 000: sigmoid, tanh, ReLU
// and leaky ReLU with a = 0.1 on np.linspace(-10, 10, 200); seed 001: ELU with alpha = 1), plus softplus, SiLU and
// GELU, which the library also has.
//
// The course codes every derivative by hand (sigmoid_derivative, tanh_derivative, ReLU_derivative, ...). Here the
// derivative comes from the library's reverse-mode autodiff instead: x is one tensor of the 200 points with
// requires_grad, and a single backward pass over s = sum_i f(x_i) gives ds/dx_i = f'(x_i), because f acts on each
// element alone (its Jacobian is diagonal). Each autodiff derivative is then compared with the closed form the
// course writes down, in double precision (TensorD): they agree to rounding error (~1e-16), which checks the
// library's backward rules for these ops. At the kinks of ReLU and leaky ReLU (x = 0, on the grid only for an odd
// --points) both use the one-sided value PyTorch uses: relu'(0) = 0, leaky_relu'(0) = a, the course's
// np.heaviside(x, 0).
//
// Nothing is trained. Output: one SVG per function (f solid, f' dashed), derivatives.svg with every f' together, and
// values.csv (x and, per function, f and f').
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "autodiff/tensor.h"
#include "examples/common/args.h"
#include "examples/common/experiment.h"
#include "io/file.h"
#include "plot/line_plot.h"

using namespace ad;

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Activation {
  std::string name;                          // file name and --functions word
  std::string label;                         // how the legends write f
  std::string title;                         // with its parameters, for the picture's title
  std::function<TensorD(const TensorD&)> f;  // the library's op
  std::function<double(double)> closed_f;    // the closed form of f, as the course writes it
  std::function<double(double)> closed_df;   // and of f'
};

double sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (std::exp(x) + 1); }

std::vector<Activation> make_activations(double slope, double alpha) {
  char leaky[64], elu[64];
  std::snprintf(leaky, sizeof leaky, "Leaky ReLU (a = %g)", slope);
  std::snprintf(elu, sizeof elu, "ELU (alpha = %g)", alpha);
  const double softplus_threshold = 20;  // softplus(x) = x above it (PyTorch's default), so its slope is 1 there
  return {
      {"sigmoid", "sigmoid", "Sigmoid", [](const TensorD& x) { return ad::sigmoid(x); }, sigmoid,
       // the course's sigma'(x) = 1 / (e^(x/2) + e^(-x/2))^2
       [](double x) { return 1 / std::pow(std::exp(x / 2) + std::exp(-x / 2), 2); }},
      {"tanh", "tanh", "Hyperbolic tangent", [](const TensorD& x) { return ad::tanh(x); },
       [](double x) { return std::tanh(x); },
       // the course's tanh'(x) = 4 / (e^x + e^(-x))^2 = 1 / cosh^2(x)
       [](double x) { return 4 / std::pow(std::exp(x) + std::exp(-x), 2); }},
      {"relu", "ReLU", "ReLU", [](const TensorD& x) { return ad::relu(x); }, [](double x) { return std::max(0.0, x); },
       // np.heaviside(x, 0)
       [](double x) { return x > 0 ? 1.0 : 0.0; }},
      {"leaky_relu", "leaky ReLU", leaky, [slope](const TensorD& x) { return ad::leaky_relu(x, slope); },
       [slope](double x) { return std::max(slope * x, x); },
       // the course's a + heaviside(x, 0) (1 - a)
       [slope](double x) { return slope + (x > 0 ? 1.0 : 0.0) * (1 - slope); }},
      {"elu", "ELU", elu, [alpha](const TensorD& x) { return ad::elu(x, alpha); },
       [alpha](double x) { return x < 0 ? alpha * (std::exp(x) - 1) : x; },
       // alpha e^x for x < 0, 1 for x > 0; at 0 the left limit alpha, as PyTorch
       [alpha](double x) { return x <= 0 ? alpha * std::exp(x) : 1.0; }},
      {"softplus", "softplus", "Softplus", [](const TensorD& x) { return ad::softplus(x); },
       [=](double x) { return x > softplus_threshold ? x : std::log1p(std::exp(x)); },
       // softplus'(x) = sigmoid(x), 1 where softplus is x itself
       [=](double x) { return x > softplus_threshold ? 1.0 : sigmoid(x); }},
      {"silu", "SiLU", "SiLU", [](const TensorD& x) { return ad::silu(x); }, [](double x) { return x * sigmoid(x); },
       // (x s)' = s + x s (1 - s), s = sigmoid(x)
       [](double x) { return sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)); }},
      {"gelu", "GELU", "GELU", [](const TensorD& x) { return ad::gelu(x); },
       [](double x) { return x * 0.5 * std::erfc(-x / std::sqrt(2.0)); },
       // (x Phi(x))' = Phi(x) + x phi(x), Phi and phi the standard normal CDF and density
       [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)) + x * std::exp(-x * x / 2) / std::sqrt(2 * kPi); }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  double range = 10, slope = 0.1, alpha = 1, tolerance = 1e-12;
  std::size_t points = 200;
  std::string functions = "sigmoid,tanh,relu,leaky_relu,elu,softplus,silu,gelu", out = "out/activations";

  examples::ArgParser args("activations",
                           "Plots activation functions and their derivatives on x in [-range, range], the derivatives "
                           "computed by the library's autodiff (one backward pass) and checked against their closed "
                           "forms in double precision.");
  args.add_double("range", &range, "R",
                  "x runs over linspace(-R, R, points), as the course's np.linspace(-10, 10, 200)", 0.0,
                  /*positive=*/true);
  args.add_size("points", &points, "N", "number of points of x (an odd number puts x = 0, the ReLU kink, on the grid)",
                2);
  args.add_string("functions", &functions, "LIST",
                  "comma-separated subset of sigmoid, tanh, relu, leaky_relu, elu, softplus, silu, gelu");
  args.add_double("leaky-slope", &slope, "A", "slope a of leaky ReLU for x < 0 (the course's 0.1)");
  args.add_double("elu-alpha", &alpha, "ALPHA", "alpha of ELU (the course's 1)", 0.0, /*positive=*/true);
  args.add_double("tolerance", &tolerance, "T",
                  "largest accepted |autodiff - closed form| of a derivative; the program fails above it", 0.0, true);
  args.add_string("out", &out, "DIR", "directory for the SVG pictures and values.csv");
  args.set_epilog(
      "Examples:\n  activations\n  activations --range 3 --points 201 --functions relu,leaky_relu,elu\n"
      "  activations --functions gelu,silu --range 5");
  args.parse(argc, argv);

  const std::vector<Activation> all = make_activations(slope, alpha);
  std::vector<Activation> chosen;
  for (const std::string& name : examples::split_commas(functions)) {
    if (name.empty()) continue;  // "a,,b" names a and b
    auto it = std::find_if(all.begin(), all.end(), [&](const Activation& a) { return a.name == name; });
    if (it == all.end()) args.fail("unknown function '" + name + "' in --functions");
    chosen.push_back(*it);
  }
  if (chosen.empty()) args.fail("--functions names no function");

  try {
    examples::make_directories(out);
    // np.linspace(-R, R, N): x_i = -R + 2R i / (N - 1), both ends included.
    std::vector<double> xs(points);
    for (std::size_t i = 0; i < points; ++i)
      xs[i] = -range + 2 * range * static_cast<double>(i) / static_cast<double>(points - 1);
    const bool zero_on_grid = std::find(xs.begin(), xs.end(), 0.0) != xs.end();
    std::cout << "activations: " << points << " points on [-" << range << ", " << range << "]"
              << (zero_on_grid ? " (x = 0 among them)" : " (x = 0 not among them)")
              << "; f' by autodiff (backward of sum_i f(x_i)) against the closed form, in double\n\n";
    std::printf("%-12s %22s %22s %14s %14s\n", "function", "max |f' autodiff - f'|", "max |f lib - f closed|",
                "f' at x_min", "f' at x_max");

    std::vector<std::string> files;
    std::vector<plot::Series> derivatives;
    std::ostringstream csv;
    csv.precision(17);
    std::vector<std::vector<double>> columns;
    std::string header = "x";
    double worst = 0;
    std::string worst_name;
    for (const Activation& a : chosen) {
      const TensorD x = TensorD::from(xs, Shape{points}, /*requires_grad=*/true);
      const TensorD y = a.f(x);
      y.sum().backward();  // d/dx_i sum_j f(x_j) = f'(x_i)
      const std::vector<double> f = y.to_vector();
      const std::vector<double> df = x.grad().to_vector();
      double max_df = 0, max_f = 0;
      for (std::size_t i = 0; i < points; ++i) {
        // A NaN anywhere (a broken rule, an overflow) counts as an infinite difference.
        const double d_df = std::abs(df[i] - a.closed_df(xs[i])), d_f = std::abs(f[i] - a.closed_f(xs[i]));
        max_df = std::max(max_df, std::isnan(d_df) ? HUGE_VAL : d_df);
        max_f = std::max(max_f, std::isnan(d_f) ? HUGE_VAL : d_f);
      }
      std::printf("%-12s %22.3g %22.3g %14.6g %14.6g\n", a.name.c_str(), max_df, max_f, df.front(), df.back());
      if (max_df >= worst) {
        worst = max_df;
        worst_name = a.name;
      }

      plot::LinePlotOptions po;
      po.title = a.title + " and its derivative (autodiff)";
      po.x_label = "x";
      const std::string path = out + "/" + a.name + ".svg";
      plot::save_line_plot(path, {{a.label, f, xs}, {"derivative (autodiff)", df, xs, /*dashed=*/true}}, po);
      files.push_back(path);
      derivatives.push_back({a.label + "'", df, xs});
      header += "," + a.name + "," + a.name + "_grad";
      columns.push_back(f);
      columns.push_back(df);
    }

    plot::LinePlotOptions po;
    po.title = "The derivatives by autodiff";
    po.x_label = "x";
    files.push_back(out + "/derivatives.svg");
    plot::save_line_plot(files.back(), derivatives, po);
    csv << header << "\n";
    for (std::size_t i = 0; i < points; ++i) {
      csv << xs[i];
      for (const auto& c : columns) csv << "," << c[i];
      csv << "\n";
    }
    files.push_back(out + "/values.csv");
    io::write_file_atomic(files.back(), csv.str());
    std::cout << "\n";
    for (const auto& file : files) std::cout << "wrote " << file << "\n";

    std::printf("largest difference between the autodiff and closed-form derivatives: %.3g (%s); tolerance %.3g\n",
                worst, worst_name.c_str(), tolerance);
    examples::print_result({{"max_abs_diff", worst},
                            {"functions", static_cast<double>(chosen.size())},
                            {"points", static_cast<double>(points)}});
    if (!(worst <= tolerance)) {
      std::cerr << "activations: the autodiff derivative of " << worst_name << " differs from its closed form by "
                << worst << ", more than --tolerance " << tolerance << "\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "activations: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
