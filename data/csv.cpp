#include "data/csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "autodiff/error.h"
#include "io/file.h"

namespace ad::data {
namespace {

// Rethrows an IOError of io::read_file under the name of the function the caller called:
// "read_file: 'x': cannot open ..." becomes "read_csv: 'x': cannot open ...".
[[noreturn]] void rethrow_as(const char* op, const IOError& e) {
  const std::string m = e.what();
  const std::size_t colon = m.find(": ");
  throw IOError(std::string(op) + (colon == std::string::npos ? ": " + m : m.substr(colon)));
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// A field as quoted in an error message: control bytes escaped as \xNN (a NUL would end the message: what() is a C
// string) and at most 40 characters, so a binary file read by mistake gives a readable one-line error.
std::string shown(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (i == 40) return out + "...";
    const unsigned char c = static_cast<unsigned char>(field[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

// Splits one line into fields. Unquoted fields are trimmed of spaces and tabs (unless one of those is the
// delimiter); a quoted field keeps its inner text verbatim, with "" standing for one quote.
// Returns false on an unterminated quote.
bool split_fields(const char* begin, const char* end, char delim, std::vector<std::string>& fields) {
  fields.clear();
  const bool trim = !is_blank(delim);
  const char* p = begin;
  while (true) {
    if (trim)
      while (p < end && is_blank(*p)) ++p;
    std::string field;
    if (p < end && *p == '"') {
      ++p;
      bool closed = false;
      while (p < end) {
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            field.push_back('"');
            p += 2;
            continue;
          }
          ++p;
          closed = true;
          break;
        }
        field.push_back(*p++);
      }
      if (!closed) return false;
      if (trim)
        while (p < end && is_blank(*p)) ++p;
      // Text between the closing quote and the delimiter is kept (it makes the field non-numeric, which is
      // reported with the field's text).
      while (p < end && *p != delim) field.push_back(*p++);
    } else {
      const char* start = p;
      while (p < end && *p != delim) ++p;
      const char* stop = p;
      if (trim)
        while (stop > start && is_blank(stop[-1])) --stop;
      field.assign(start, stop);
    }
    fields.push_back(std::move(field));
    if (p >= end) break;
    ++p;  // the delimiter; a delimiter at the very end gives a last, empty field
  }
  return true;
}

// What a field holds: a finite number, NaN or an infinity as spelled ("nan", "-inf", "Infinity", ...), a decimal
// number beyond the float range (it rounds to an infinity: IEEE 754 round-to-nearest takes every |x| >= 2^128 -
// 2^103, about 3.4028236e38, to inf), or no number at all.
enum class Field { NotANumber, Finite, NonFinite, Overflow };

// True when the decimal number in [b, e) (the whole text already matched by std::from_chars, so: an optional '-',
// digits with at most one '.', an optional exponent) is at least 1 in magnitude. std::from_chars gives the same
// error, result_out_of_range, for an overflow (|x| > FLT_MAX, about 3.4e38) and for an underflow (0 < |x| < about
// 1e-45); the order of magnitude tells them apart, far from either limit.
bool at_least_one(const char* b, const char* e) {
  if (b < e && *b == '-') ++b;
  bool nonzero = false, after_point = false;
  long int_digits = 0, leading_fraction_zeros = 0;
  for (; b < e && *b != 'e' && *b != 'E'; ++b) {
    if (*b == '.') {
      after_point = true;
    } else if (!nonzero) {
      if (*b != '0') {
        nonzero = true;
        if (!after_point) int_digits = 1;
      } else if (after_point) {
        ++leading_fraction_zeros;
      }
    } else if (!after_point) {
      ++int_digits;
    }
  }
  if (!nonzero) return false;  // zero (from_chars does not report it as out of range)
  const long magnitude = int_digits > 0 ? int_digits - 1 : -(leading_fraction_zeros + 1);
  long exponent = 0;
  if (b < e) {  // 'e' or 'E', then an optional sign and digits; saturated far beyond any float exponent
    ++b;
    const bool negative = b < e && *b == '-';
    if (b < e && (*b == '-' || *b == '+')) ++b;
    for (; b < e; ++b)
      if (exponent < 1000000) exponent = exponent * 10 + (*b - '0');
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent >= 0;
}

// Locale-independent number parsing (std::strtod would read "1,5" as 1.5 under a German locale). `out` is set unless
// the field is NotANumber; an Overflow gives the infinity of its sign.
Field parse_number(const std::string& s, float& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b < e && *b == '+') ++b;
  if (b == e) return Field::NotANumber;
  const auto r = std::from_chars(b, e, out);
  if (r.ptr != e) return Field::NotANumber;
  if (r.ec == std::errc()) return std::isfinite(out) ? Field::Finite : Field::NonFinite;
  if (r.ec == std::errc::result_out_of_range && at_least_one(b, e)) {
    out = *b == '-' ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    return Field::Overflow;
  }
  return Field::NotANumber;  // an underflow below the smallest float, as before
}

// Header::Auto: the first line is data when every field is a number. NaN, infinities and numbers beyond the float
// range count as numbers here whatever the options, so that such a line is reported (or read) rather than taken for
// a header and dropped.
bool all_numeric(const std::vector<std::string>& fields) {
  float v;
  for (const auto& f : fields)
    if (parse_number(f, v) == Field::NotANumber) return false;
  return true;
}

}  // namespace

std::size_t CsvTable::column_index(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  std::string known;
  for (std::size_t i = 0; i < columns.size() && i < 8; ++i) known += (i ? ", '" : "'") + columns[i] + "'";
  if (columns.size() > 8) known += ", ...";
  throw IndexError("CsvTable: no column named '" + name + "'" +
                   (columns.empty() ? std::string(" (the table has no header)") : " (columns: " + known + ")"));
}

Tensor CsvTable::column(std::size_t index) const {
  if (index >= cols())
    throw IndexError("CsvTable::column: index " + std::to_string(index) + " is out of range for " +
                     std::to_string(cols()) + " columns");
  Tensor out = Tensor::empty({rows()});
  float* dst = out.mutable_data();
  const float* src = values.data();
  for (std::size_t r = 0; r < rows(); ++r) dst[r] = src[r * cols() + index];
  return out;
}

Tensor CsvTable::column(const std::string& name) const { return column(column_index(name)); }

Tensor CsvTable::drop_column(std::size_t index) const {
  const std::size_t n = rows(), c = cols();
  if (index >= c)
    throw IndexError("CsvTable::drop_column: index " + std::to_string(index) + " is out of range for " +
                     std::to_string(c) + " columns");
  Tensor out = Tensor::empty({n, c - 1});
  float* dst = out.mutable_data();
  const float* src = values.data();
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t j = 0; j < c; ++j)
      if (j != index) *dst++ = src[r * c + j];
  return out;
}

CsvTable parse_csv(const std::string& text, const std::string& source, const CsvOptions& options) {
  const std::string where = "read_csv: '" + source + "'";
  auto fail_at = [&](std::size_t line, const std::string& what) -> void {
    throw IOError(where + " line " + std::to_string(line) + ": " + what);
  };

  CsvTable table;
  std::vector<float> values;
  std::vector<std::string> fields;
  std::size_t cols = 0, rows = 0, first_data_line = 0, line_no = 0;
  bool header_pending = options.header != Header::None;
  std::size_t header_line = 0;

  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!eol) eol = end;
    const char* line_end = eol;
    if (line_end > p && line_end[-1] == '\r') --line_end;
    const char* line_begin = p;
    p = eol < end ? eol + 1 : end;
    ++line_no;

    const char* q = line_begin;
    while (q < line_end && (is_blank(*q))) ++q;
    if (q == line_end) continue;  // blank line

    if (!split_fields(line_begin, line_end, options.delimiter, fields)) fail_at(line_no, "unterminated quoted field");

    if (header_pending) {
      header_pending = false;
      if (options.header == Header::Skip || !all_numeric(fields)) {
        table.columns = fields;
        header_line = line_no;
        continue;
      }
    }

    if (rows == 0) {
      cols = fields.size();
      first_data_line = line_no;
      if (options.header == Header::Auto && header_line && table.columns.size() != cols)
        fail_at(line_no, std::to_string(cols) + " fields, but the header on line " + std::to_string(header_line) +
                             " has " + std::to_string(table.columns.size()));
      values.reserve(cols * (text.size() / static_cast<std::size_t>(line_end - line_begin + 1) + 1));
    } else if (fields.size() != cols) {
      fail_at(line_no, std::to_string(fields.size()) + " fields, expected " + std::to_string(cols) + " (as on line " +
                           std::to_string(first_data_line) + ")");
    }
    for (std::size_t j = 0; j < fields.size(); ++j) {
      float v = 0;
      const Field kind = parse_number(fields[j], v);
      if (kind == Field::NotANumber || (kind != Field::Finite && !options.allow_non_finite)) {
        std::string col = "column " + std::to_string(j + 1);
        if (j < table.columns.size() && !table.columns[j].empty()) col += " ('" + shown(table.columns[j]) + "')";
        std::string problem;
        if (fields[j].empty())
          problem = "empty field";
        else if (kind == Field::NotANumber)
          problem = "'" + shown(fields[j]) + "' is not a number";
        else
          problem = "'" + shown(fields[j]) + "' is not a finite number" +
                    (kind == Field::Overflow ? " (beyond the float range)" : "") +
                    "; CsvOptions::allow_non_finite accepts it";
        throw IOError(where + " line " + std::to_string(line_no) + ", " + col + ": " + problem);
      }
      values.push_back(v);
    }
    ++rows;
  }

  if (rows == 0) throw IOError(where + (header_line ? " has a header but no data rows" : " is empty (no data rows)"));
  table.values = Tensor::from(values, {rows, cols});
  return table;
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const IOError& e) {
    rethrow_as("read_csv", e);
  }
  return parse_csv(text, path, options);
}

}  // namespace ad::data
