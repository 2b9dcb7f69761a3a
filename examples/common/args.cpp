#include "examples/common/args.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace examples {

namespace {

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Whole-string conversions: "12abc", "", " 3" and out-of-range values are rejected rather than half-read.
long parse_long(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    throw std::invalid_argument("'" + text + "' is not a whole number");
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0') throw std::invalid_argument("'" + text + "' is not a whole number");
  if (errno == ERANGE) throw std::invalid_argument("'" + text + "' is out of range");
  return v;
}

double parse_real(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    throw std::invalid_argument("'" + text + "' is not a number");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (*end != '\0') throw std::invalid_argument("'" + text + "' is not a number");
  if (errno == ERANGE || !std::isfinite(v)) throw std::invalid_argument("'" + text + "' is not a finite number");
  return v;
}

}  // namespace

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, ',')) parts.push_back(part);
  if (!text.empty() && text.back() == ',') parts.emplace_back();  // "1,2," has an empty last item
  return parts;
}

std::string join_sizes(const std::vector<std::size_t>& sizes) {
  std::string s;
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? "," : "") + std::to_string(sizes[i]);
  return s;
}

ArgParser::ArgParser(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

void ArgParser::add(Option option) {
  if (find(option.name)) throw std::logic_error("ArgParser: option --" + option.name + " registered twice");
  options_.push_back(std::move(option));
}

ArgParser::Option* ArgParser::find(const std::string& name) {
  for (auto& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

bool ArgParser::given(const std::string& name) const {
  for (const auto& o : options_)
    if (o.name == name) return o.given;
  throw std::logic_error("ArgParser::given: no option --" + name);
}

void ArgParser::add_int(const std::string& name, int* target, const std::string& metavar, const std::string& help,
                        long min, long max) {
  add({name, metavar, help, std::to_string(*target), false, false, [=](const std::string& text) {
         const long v = parse_long(text);
         if (v < min || v > max)
           throw std::invalid_argument(std::to_string(v) + " is outside [" + std::to_string(min) + ", " +
                                       std::to_string(max) + "]");
         *target = static_cast<int>(v);
       }});
}

void ArgParser::add_size(const std::string& name, std::size_t* target, const std::string& metavar,
                         const std::string& help, std::size_t min) {
  add({name, metavar, help, std::to_string(*target), false, false, [=](const std::string& text) {
         const long v = parse_long(text);
         if (v < 0 || static_cast<std::size_t>(v) < min)
           throw std::invalid_argument(std::to_string(v) + " is below the minimum " + std::to_string(min));
         *target = static_cast<std::size_t>(v);
       }});
}

void ArgParser::add_seed(const std::string& name, std::uint64_t* target, const std::string& help) {
  add({name, "N", help, std::to_string(*target), false, false, [=](const std::string& text) {
         if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
           throw std::invalid_argument("'" + text + "' is not a non-negative whole number");
         errno = 0;
         const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
         if (errno == ERANGE) throw std::invalid_argument("'" + text + "' is out of range");
         *target = v;
       }});
}

void ArgParser::add_double(const std::string& name, double* target, const std::string& metavar, const std::string& help,
                           double min, bool positive) {
  add({name, metavar, help, format_double(*target), false, false, [=](const std::string& text) {
         const double v = parse_real(text);
         if (positive && !(v > 0)) throw std::invalid_argument(text + " must be positive");
         if (!positive && v < min) throw std::invalid_argument(text + " is below the minimum " + format_double(min));
         *target = v;
       }});
}

void ArgParser::add_string(const std::string& name, std::string* target, const std::string& metavar,
                           const std::string& help) {
  add({name, metavar, help, target->empty() ? "" : *target, false, false, [=](const std::string& text) {
         if (text.empty()) throw std::invalid_argument("the value must not be empty");
         *target = text;
       }});
}

void ArgParser::add_choice(const std::string& name, std::string* target, const std::vector<std::string>& choices,
                           const std::string& help) {
  std::string metavar;
  for (const auto& c : choices) metavar += (metavar.empty() ? "" : "|") + c;
  add({name, metavar, help, *target, false, false, [=](const std::string& text) {
         for (const auto& c : choices)
           if (text == c) {
             *target = text;
             return;
           }
         throw std::invalid_argument("'" + text + "' is not one of " + metavar);
       }});
}

namespace {

// "256,128" -> {256, 128}; "none" or "" -> {} when allow_empty.
std::vector<std::size_t> parse_sizes(const std::string& text, bool allow_empty) {
  std::vector<std::size_t> sizes;
  if (text.empty() || text == "none") {
    if (!allow_empty) throw std::invalid_argument("at least one size is needed");
    return sizes;
  }
  for (const auto& part : split_commas(text)) {
    long v = 0;
    try {
      v = parse_long(part);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("'" + text + "' is not a comma-separated list of sizes such as 256,128");
    }
    if (v <= 0) throw std::invalid_argument("'" + text + "': every size must be positive");
    sizes.push_back(static_cast<std::size_t>(v));
  }
  return sizes;
}

}  // namespace

void ArgParser::add_sizes(const std::string& name, std::vector<std::size_t>* target, const std::string& metavar,
                          const std::string& help, bool allow_empty) {
  add({name, metavar, help, target->empty() ? "none" : join_sizes(*target), false, false,
       [=](const std::string& text) { *target = parse_sizes(text, allow_empty); }});
}

void ArgParser::add_size_lists(const std::string& name, std::vector<std::vector<std::size_t>>* target,
                               const std::string& metavar, const std::string& help) {
  std::string def;
  for (const auto& sizes : *target) def += (def.empty() ? "" : ":") + (sizes.empty() ? "none" : join_sizes(sizes));
  add({name, metavar, help, def, false, false, [=](const std::string& text) {
         std::vector<std::vector<std::size_t>> lists;
         std::size_t begin = 0;
         while (true) {
           const std::size_t end = text.find(':', begin);
           lists.push_back(parse_sizes(text.substr(begin, end - begin), /*allow_empty=*/true));
           if (end == std::string::npos) break;
           begin = end + 1;
         }
         *target = lists;
       }});
}

void ArgParser::add_doubles(const std::string& name, std::vector<double>* target, const std::string& metavar,
                            const std::string& help) {
  std::string def;
  for (double v : *target) def += (def.empty() ? "" : ",") + format_double(v);
  add({name, metavar, help, def, false, false, [=](const std::string& text) {
         std::vector<double> values;
         for (const auto& part : split_commas(text)) {
           const double v = parse_real(part);
           if (v < 0) throw std::invalid_argument("'" + text + "': every value must be >= 0");
           values.push_back(v);
         }
         if (values.empty()) throw std::invalid_argument("at least one value is needed");
         *target = values;
       }});
}

void ArgParser::add_flag(const std::string& name, bool* target, const std::string& help) {
  add({name, "", help, "", true, false, [=](const std::string&) { *target = true; }});
}

namespace {

// Appends `text` to `os`, broken at spaces into lines of at most `width` columns, each continuation line indented by
// `indent` spaces; `column` is where the text starts on the first line.
void wrap(std::ostream& os, const std::string& text, std::size_t column, std::size_t indent, std::size_t width = 100) {
  std::istringstream words(text);
  std::string word;
  bool first = true;
  while (words >> word) {
    if (!first && column + 1 + word.size() > width) {
      os << "\n" << std::string(indent, ' ');
      column = indent;
    } else if (!first) {
      os << ' ';
      ++column;
    }
    os << word;
    column += word.size();
    first = false;
  }
}

}  // namespace

std::string ArgParser::usage() const {
  std::ostringstream os;
  os << "Usage: " << program_ << " [options]\n\n";
  wrap(os, description_, 0, 0);
  os << "\n\nOptions:\n";
  // Option names in a column of at most 30 characters; a longer one puts its help on the next line.
  const std::size_t max_head = 30;
  std::vector<std::string> heads, helps;
  std::size_t width = 0;
  for (const auto& o : options_) {
    heads.push_back("  --" + o.name + (o.is_flag ? "" : " " + o.metavar));
    helps.push_back(o.help + (!o.is_flag && !o.default_text.empty() ? " (default: " + o.default_text + ")" : ""));
    if (heads.back().size() <= max_head) width = std::max(width, heads.back().size());
  }
  heads.emplace_back("  -h, --help");
  helps.emplace_back("show this help and exit");
  const std::size_t indent = width + 2;
  for (std::size_t i = 0; i < heads.size(); ++i) {
    os << heads[i];
    if (heads[i].size() > width)
      os << "\n" << std::string(indent, ' ');
    else
      os << std::string(indent - heads[i].size(), ' ');
    wrap(os, helps[i], indent, indent);
    os << "\n";
  }
  if (!epilog_.empty()) os << "\n" << epilog_ << (epilog_.back() == '\n' ? "" : "\n");
  return os.str();
}

void ArgParser::fail(const std::string& message) const {
  std::cerr << program_ << ": error: " << message << "\nTry '" << program_ << " --help'.\n";
  std::exit(2);
}

void ArgParser::parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << usage();
      std::exit(0);
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) fail("unexpected argument '" + arg + "'");
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    Option* o = find(name);
    if (!o) fail("unknown option '--" + name + "'");
    std::string value;
    if (o->is_flag) {
      if (eq != std::string::npos) fail("option '--" + name + "' takes no value");
    } else if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fail("option '--" + name + "' needs a value (" + o->metavar + ")");
    }
    try {
      o->set(value);
    } catch (const std::invalid_argument& e) {
      fail("invalid value for '--" + name + "': " + e.what());
    }
    o->given = true;
  }
}

}  // namespace examples
