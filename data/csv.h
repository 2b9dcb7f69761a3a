// Reading numeric CSV files (comma- or otherwise-separated values) into a matrix.
//
// Every data row must have the same number of fields and every field must be a finite number (as written by C,
// Python or a spreadsheet: "3", "-0.5", "1e-3", "+2"; surrounding spaces and double quotes are ignored).
// NaN and infinities, in any spelling the parser knows ("nan", "NaN", "inf", "-inf", "Infinity", ...) or as a
// number beyond the float range that would round to an infinity ("1e999", "-4e38"), are rejected unless
// CsvOptions::allow_non_finite is set: one NaN in a feature column turns every sum, mean, loss and gradient that
// reads it into NaN, so a data set is checked where its file and line are still known. (A first line holding them
// counts as data, not as a header, for Header::Auto.)
// Blank lines are skipped, "\r\n" line ends are accepted, and the file may be gzip-compressed (see io/file.h).
// A quoted field may contain the delimiter; "" inside quotes is a literal quote.
//
// The first line may be a header of column names:
//   Header::Auto  it is a header when at least one of its fields is not a number; it must then have as many
//                 fields as the data rows;
//   Header::Skip  it is a header whatever it contains (its fields are kept in `columns` as they are, and their
//                 number is not checked: some files put metadata there, like "569,30,malignant,benign");
//   Header::None  there is no header; the first line is data.
//
// Malformed input throws IOError naming the file, the line (1-based, counting every physical line) and, for a bad
// field, the column (1-based) and its text: "read_csv: 'x.csv' line 7, column 3: 'abc' is not a number", or
// "read_csv: 'x.csv' line 7, column 3 ('y'): 'nan' is not a finite number; CsvOptions::allow_non_finite accepts it"
// (with " (beyond the float range)" after "finite number" for a number like "1e999").
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::data {

enum class Header { Auto, Skip, None };

struct CsvOptions {
  char delimiter = ',';
  Header header = Header::Auto;
  // Read NaN and +-inf (and numbers beyond the float range, |x| > FLT_MAX ~ 3.4e38, as the infinity of their sign)
  // instead of rejecting them. Off by default: a non-finite value is not a measurement, and NaN propagates through
  // every arithmetic op (NaN + x = NaN, 0 * inf = NaN), so a single one silently poisons a whole model's training.
  bool allow_non_finite = false;
};

// A numeric table: the values as a (rows, cols) float matrix and the column names from the header, if any.
struct CsvTable {
  Tensor values;                     // (rows, cols)
  std::vector<std::string> columns;  // the header's fields; empty when there is no header

  std::size_t rows() const { return values.size(0); }
  std::size_t cols() const { return values.size(1); }
  // Position of the column called `name` in the header (IndexError naming it if there is none).
  std::size_t column_index(const std::string& name) const;
  // One column as a 1-D tensor (rows), by position or by header name.
  Tensor column(std::size_t index) const;
  Tensor column(const std::string& name) const;
  // The table without one column (e.g. the features without the label), as a (rows, cols - 1) matrix.
  Tensor drop_column(std::size_t index) const;
};

// Reads a CSV file (plain or gzip-compressed). IOError on a file that cannot be read, is empty (no data rows),
// has a ragged row, a non-numeric, non-finite (unless allowed) or empty field, or an unterminated quote.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

// The same parser on text already in memory; `source` names it in error messages (e.g. the file it came from).
CsvTable parse_csv(const std::string& text, const std::string& source, const CsvOptions& options = {});

}  // namespace ad::data
