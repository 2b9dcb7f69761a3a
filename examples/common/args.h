// A small command-line parser for the example programs.
//
//   examples::ArgParser args("gates", "Learns XOR, AND and OR with a 2-4-1 network.");
//   int epochs = 2000;
//   args.add_int("epochs", &epochs, "N", "passes over the training data", /*min=*/1);
//   args.parse(argc, argv);   // --help prints the usage and exits 0; a bad option exits 2
//
// Options are written "--name value" or "--name=value"; flags take no value. Every option has a default (the
// value its target holds when it is registered, shown by --help). Anything the parser does not accept (an unknown
// option, a missing or malformed value, a value out of range, a positional argument) prints
// "<program>: error: <what>" and "Try '<program> --help'." on stderr and exits with status 2, the convention of
// command-line tools for a usage error, so a script can tell it apart from a failed run (status 1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace examples {

class ArgParser {
 public:
  ArgParser(std::string program, std::string description);

  // Typed options. `min` / `max` bound the accepted values (inclusive).
  void add_int(const std::string& name, int* target, const std::string& metavar, const std::string& help, long min = 0,
               long max = 2147483647L);
  void add_size(const std::string& name, std::size_t* target, const std::string& metavar, const std::string& help,
                std::size_t min = 0);
  void add_seed(const std::string& name, std::uint64_t* target, const std::string& help);
  // A finite real number; with positive, it must be > 0, otherwise >= min.
  void add_double(const std::string& name, double* target, const std::string& metavar, const std::string& help,
                  double min = 0.0, bool positive = false);
  void add_string(const std::string& name, std::string* target, const std::string& metavar, const std::string& help);
  // One of a fixed set of words.
  void add_choice(const std::string& name, std::string* target, const std::vector<std::string>& choices,
                  const std::string& help);
  // A comma-separated list of positive sizes, e.g. "--hidden 256,128". allow_empty accepts "" (no hidden layer).
  void add_sizes(const std::string& name, std::vector<std::size_t>* target, const std::string& metavar,
                 const std::string& help, bool allow_empty = false);
  // Lists of sizes separated by colons, e.g. "--hidden-grid 50:100:100,50" (three architectures; "none" is the empty
  // list).
  void add_size_lists(const std::string& name, std::vector<std::vector<std::size_t>>* target,
                      const std::string& metavar, const std::string& help);
  // A comma-separated list of real numbers >= 0, e.g. "--lrs 0.001,0.01,0.1".
  void add_doubles(const std::string& name, std::vector<double>* target, const std::string& metavar,
                   const std::string& help);
  // A switch: present sets *target to true.
  void add_flag(const std::string& name, bool* target, const std::string& help);

  // Free text printed after the options by --help (e.g. example commands).
  void set_epilog(std::string epilog) { epilog_ = std::move(epilog); }

  // Parses the arguments into the targets. Exits 0 after printing the usage for -h / --help, 2 on a usage error.
  void parse(int argc, char** argv);
  // Tests whether an option was given on the command line (after parse()).
  bool given(const std::string& name) const;

  std::string usage() const;
  const std::string& program() const { return program_; }
  // Prints "<program>: error: <message>" and the --help hint to stderr, then exits with status 2. For checks
  // that involve several options, made by the program after parse().
  [[noreturn]] void fail(const std::string& message) const;

 private:
  struct Option {
    std::string name, metavar, help, default_text;
    bool is_flag = false;
    bool given = false;
    std::function<void(const std::string&)> set;  // throws std::invalid_argument with the reason
  };
  void add(Option option);
  Option* find(const std::string& name);

  std::string program_, description_, epilog_;
  std::vector<Option> options_;
};

// Formats a list the way --hidden and the CSV/heatmap labels show it: "256,128".
// "a,,b," -> {"a", "", "b", ""}: every item, the empty ones included (callers decide whether they are errors).
std::vector<std::string> split_commas(const std::string& text);

std::string join_sizes(const std::vector<std::size_t>& sizes);

}  // namespace examples
