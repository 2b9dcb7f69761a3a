// Reading numeric CSV files (comma- or otherwise-separated values) into a matrix.
//
// Every data row must have the same number of fields and every field must be a number (as written by C, Python or
// a spreadsheet: "3", "-0.5", "1e-3", "+2", "nan", "inf"; surrounding spaces and double quotes are ignored).
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
// field, the column (1-based) and its text: "read_csv: 'x.csv' line 7, column 3: 'abc' is not a number".
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
// has a ragged row, a non-numeric or empty field, or an unterminated quote.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

// The same parser on text already in memory; `source` names it in error messages (e.g. the file it came from).
CsvTable parse_csv(const std::string& text, const std::string& source, const CsvOptions& options = {});

}  // namespace ad::data
