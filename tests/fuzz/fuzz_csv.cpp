// Fuzz harness for the CSV reader (data/csv.h): parse_csv on text in memory, and read_csv on a file (plain or
// gzip-compressed), with the options chosen by the first input byte, then the table's accessors.
//
// Input layout: byte 0 chooses the options, byte 1 the accessor arguments, the rest is the text.
//   bits 0-1  header: Auto, Skip, None (3 = Auto)
//   bits 2-4  delimiter: , ; \t space | : and (7) the next byte itself, whatever it is ('"', '\n', '\0', ...)
//   bits 5-6  entry point: parse_csv, read_csv on the text, read_csv on the text gzipped by the harness
//   bit 7     allow_non_finite
//
// Oracle: only IOError for the text (csv.h documents no other failure of the readers), only IndexError from the
// accessors given a bad column; a table has rows x cols values with rows, cols >= 1, only finite values unless
// allow_non_finite is set, a header exactly when the options and the first line say so, and the same table whichever
// entry point read it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "autodiff/error.h"
#include "data/csv.h"
#include "fuzz_util.h"

namespace {

using ad::data::CsvOptions;
using ad::data::CsvTable;
using ad::data::Header;

// The table's accessors: column by index and by name, drop_column; a column outside the table is an IndexError.
void check_accessors(const CsvTable& t, std::uint8_t arg) {
  const std::size_t rows = t.rows(), cols = t.cols();
  const std::size_t j = arg % (cols + 2);  // sometimes one or two past the end
  try {
    const ad::Tensor c = t.column(j);
    if (j >= cols) fuzz::finding("column(" + std::to_string(j) + ") accepted an index past the last column");
    if (c.shape() != ad::Shape{rows}) fuzz::finding("column() has the wrong shape " + c.shape().str());
    for (std::size_t r = 0; r < rows; ++r) {
      const float a = c.data()[r], b = t.values.data()[r * cols + j];
      if (std::memcmp(&a, &b, sizeof a) != 0) fuzz::finding("column() differs from the table");
    }
  } catch (const ad::IndexError&) {
    if (j < cols) fuzz::finding("column(" + std::to_string(j) + ") rejected a valid index");
  }
  try {
    const ad::Tensor d = t.drop_column(j);
    if (j >= cols) fuzz::finding("drop_column accepted an index past the last column");
    if (d.shape() != ad::Shape{rows, cols - 1}) fuzz::finding("drop_column() has the wrong shape " + d.shape().str());
  } catch (const ad::IndexError&) {
    if (j < cols) fuzz::finding("drop_column rejected a valid index");
  }
  // By name: the first column of that name in the header, IndexError when no column has it.
  const std::string name = j < t.columns.size() ? t.columns[j] : "no such column";
  std::size_t first = SIZE_MAX;  // no column has that name
  for (std::size_t k = 0; k < t.columns.size(); ++k)
    if (t.columns[k] == name) {
      first = k;
      break;
    }
  try {
    const std::size_t k = t.column_index(name);
    if (k != first) fuzz::finding("column_index found the wrong column");
    // Header::Skip keeps any number of names, so a name may lie past the last data column.
    const ad::Tensor c = t.column(name);
    if (k >= cols) fuzz::finding("column(name) accepted a column past the last one");
    if (c.shape() != ad::Shape{rows}) fuzz::finding("column(name) has the wrong shape");
  } catch (const ad::IndexError&) {
    if (first < cols) fuzz::finding("column(name) rejected a column that exists");
  }
}

// Structural checks of a successfully read table.
void check_table(const CsvTable& t, const CsvOptions& opt) {
  if (t.values.dim() != 2) fuzz::finding("values are not a matrix: " + t.values.shape().str());
  if (t.rows() == 0 || t.cols() == 0) fuzz::finding("an empty table was returned instead of IOError");
  if (opt.header == Header::None && !t.columns.empty()) fuzz::finding("Header::None produced column names");
  if (opt.header == Header::Skip && t.columns.empty()) fuzz::finding("Header::Skip kept no header line");
  if (opt.header == Header::Auto && !t.columns.empty() && t.columns.size() != t.cols())
    fuzz::finding("Header::Auto accepted a header with another number of fields than the rows");
  if (!opt.allow_non_finite)
    for (std::size_t i = 0; i < t.values.numel(); ++i)
      if (!std::isfinite(t.values.data()[i])) fuzz::finding("a non-finite value was read without allow_non_finite");
}

bool same_table(const CsvTable& a, const CsvTable& b) {
  return a.columns == b.columns && a.values.shape() == b.values.shape() &&
         std::memcmp(a.values.data(), b.values.data(), a.values.numel() * sizeof(float)) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static fuzz::MemFile file;
  static const Header headers[4] = {Header::Auto, Header::Skip, Header::None, Header::Auto};
  static const char delimiters[7] = {',', ';', '\t', ' ', '|', ':', ','};
  CsvOptions opt;
  opt.header = headers[data[0] & 3];
  const unsigned d = (data[0] >> 2) & 7;
  const std::uint8_t* text = data + 2;
  std::size_t text_size = size - 2;
  if (d < 7) {
    opt.delimiter = delimiters[d];
  } else {
    if (text_size == 0) return 0;
    opt.delimiter = static_cast<char>(text[0]);
    ++text;
    --text_size;
  }
  const unsigned entry = (data[0] >> 5) & 3;
  opt.allow_non_finite = (data[0] >> 7) != 0;
  const std::string s(reinterpret_cast<const char*>(text), text_size);

  bool parsed = false;
  CsvTable in_memory;
  try {
    in_memory = ad::data::parse_csv(s, "fuzz.csv", opt);
    parsed = true;
    check_table(in_memory, opt);
    check_accessors(in_memory, data[1]);
  } catch (const ad::IOError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "parse_csv");
  }
  if (entry == 0) return 0;

  // The same text from a file must give the same table or fail the same way. A text that starts with the gzip
  // magic bytes is read as gzip by read_csv (not by parse_csv), so that comparison only holds for other texts.
  const bool gzip_magic = text_size >= 2 && text[0] == 0x1f && text[1] == 0x8b;
  if (entry == 2)
    file.write(fuzz::gzip(text, text_size));
  else
    file.write(text, text_size);
  try {
    const CsvTable from_file = ad::data::read_csv(file.path(), opt);
    check_table(from_file, opt);
    if ((entry == 2 || !gzip_magic) && (!parsed || !same_table(in_memory, from_file)))
      fuzz::finding("read_csv and parse_csv disagree on the same text");
  } catch (const ad::IOError&) {
    if ((entry == 2 || !gzip_magic) && parsed) fuzz::finding("read_csv failed on a text that parse_csv accepts");
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "read_csv");
  }
  return 0;
}
