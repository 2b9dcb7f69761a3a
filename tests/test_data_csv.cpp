// CSV reading: header detection, delimiters, quoting, gzip, and precise errors (file, line, column, problem).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/error.h"
#include "data/csv.h"
#include "data/dataset.h"
#include "io/file.h"
#include "test_data_util.h"

using namespace ad;
using namespace ad::data;

TEST_CASE("data: read_csv detects a header of names and reads the values row by row") {
  test_util::TempDir dir;
  test_util::write_bytes(dir.file("t.csv"), "x, y ,label\n1,2.5,0\n-3,1e-3,1\n\n+4,\"5\",2\n");
  const CsvTable t = read_csv(dir.file("t.csv"));
  CHECK(t.columns == std::vector<std::string>{"x", "y", "label"});
  REQUIRE(t.rows() == 3);
  REQUIRE(t.cols() == 3);
  CHECK(t.values.to_vector() == std::vector<float>{1, 2.5f, 0, -3, 1e-3f, 1, 4, 5, 2});
  CHECK(t.column("y").to_vector() == std::vector<float>{2.5f, 1e-3f, 5});
  CHECK(t.column_index("label") == 2);
  CHECK_THROWS_WITH_AS(t.column("z"), doctest::Contains("no column named 'z'"), IndexError);
  CHECK(t.drop_column(1).to_vector() == std::vector<float>{1, 0, -3, 1, 4, 2});
}

TEST_CASE("data: read_csv header modes auto, skip and none") {
  SUBCASE("auto: an all-numeric first line is data") {
    const CsvTable t = parse_csv("1,2\n3,4\n", "mem");
    CHECK(t.columns.empty());
    CHECK(t.rows() == 2);
  }
  SUBCASE("skip: the first line is a header even when numeric, and may have another field count") {
    CsvOptions o;
    o.header = Header::Skip;
    const CsvTable t = parse_csv("2,3,a,b\n1,2,3\n4,5,6\n", "mem", o);
    CHECK(t.columns == std::vector<std::string>{"2", "3", "a", "b"});
    CHECK(t.rows() == 2);
    CHECK(t.cols() == 3);
  }
  SUBCASE("none: a non-numeric first line is an error") {
    CsvOptions o;
    o.header = Header::None;
    CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2\n", "mem", o), doctest::Contains("line 1, column 1: 'a' is not a number"),
                         IOError);
  }
  SUBCASE("auto: a header must have as many fields as the rows") {
    CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2,3\n", "mem"),
                         doctest::Contains("line 2: 3 fields, but the header on line 1 has 2"), IOError);
  }
}

TEST_CASE("data: read_csv with other delimiters, CRLF line ends and quoted fields") {
  CsvOptions semi;
  semi.delimiter = ';';
  const CsvTable t = parse_csv("\"a;1\";b\r\n1.5;2\r\n", "mem", semi);
  CHECK(t.columns == std::vector<std::string>{"a;1", "b"});
  CHECK(t.values.to_vector() == std::vector<float>{1.5f, 2});
  // "1,5" is not 1.5: numbers are parsed independently of the locale.
  CHECK_THROWS_WITH_AS(parse_csv("1;2\n1,5;2\n", "mem", semi), doctest::Contains("'1,5' is not a number"), IOError);
  CsvOptions tab;
  tab.delimiter = '\t';
  CHECK(parse_csv("1\t2\n3\t4\r\n", "mem", tab).values.to_vector() == std::vector<float>{1, 2, 3, 4});
  CHECK(parse_csv("\"say \"\"hi\"\"\",b\n1,2\n", "mem").columns[0] == "say \"hi\"");
}

TEST_CASE("data: read_csv names the file, line and column of a non-numeric or empty field") {
  test_util::TempDir dir;
  const std::string path = dir.file("bad.csv");
  test_util::write_bytes(path, "a,b,c\n1,2,3\n4,five,6\n");
  CHECK_THROWS_WITH_AS(read_csv(path),
                       ("read_csv: '" + path + "' line 3, column 2 ('b'): 'five' is not a number").c_str(), IOError);
  test_util::write_bytes(path, "1,2,3\n4,,6\n");
  CHECK_THROWS_WITH_AS(read_csv(path), ("read_csv: '" + path + "' line 2, column 2: empty field").c_str(), IOError);
  test_util::write_bytes(path, "1,2,3\n4,5,6,\n");
  CHECK_THROWS_WITH_AS(read_csv(path), doctest::Contains("line 2: 4 fields, expected 3"), IOError);
  test_util::write_bytes(path, "1,\"2\n");
  CHECK_THROWS_WITH_AS(read_csv(path), doctest::Contains("line 1: unterminated quoted field"), IOError);
}

TEST_CASE("data: read_csv rejects NaN and infinite values unless allowed, naming file, line and column") {
  test_util::TempDir dir;
  const std::string path = dir.file("nonfinite.csv");
  const std::string hint = "; CsvOptions::allow_non_finite accepts it";
  // Every spelling std::from_chars reads as NaN or an infinity, and numbers that round to an infinity as floats.
  const std::vector<std::string> spelled = {"nan",  "NaN", "-nan",     "nan(1)",    "inf",    "-inf",
                                            "+inf", "INF", "Infinity", "-infinity", "\"nan\""};
  for (const std::string& field : spelled) {
    CAPTURE(field);
    test_util::write_bytes(path, "a,b,c\n1,2,3\n4," + field + ",6\n");
    const std::string text = field[0] == '"' ? field.substr(1, field.size() - 2) : field;
    CHECK_THROWS_WITH_AS(
        read_csv(path),
        ("read_csv: '" + path + "' line 3, column 2 ('b'): '" + text + "' is not a finite number" + hint).c_str(),
        IOError);
  }
  for (const std::string field : {"1e999", "-1e999", "3.5e38", "-4e38", "1e99999999999999999999", "0.0001e43"}) {
    CAPTURE(field);
    test_util::write_bytes(path, "1,2,3\n4,5," + field + "\n");
    CHECK_THROWS_WITH_AS(read_csv(path),
                         ("read_csv: '" + path + "' line 2, column 3: '" + field +
                          "' is not a finite number (beyond the float range)" + hint)
                             .c_str(),
                         IOError);
  }
  // The same from text in memory, and on the first line (data, not a header, for Header::Auto).
  CHECK_THROWS_WITH_AS(parse_csv("inf,1\n2,3\n", "mem"),
                       ("read_csv: 'mem' line 1, column 1: 'inf' is not a finite number" + hint).c_str(), IOError);
  CsvOptions none;
  none.header = Header::None;
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n3,-Infinity\n", "mem", none),
                       doctest::Contains("line 2, column 2: '-Infinity' is not a finite number"), IOError);

  // Finite values next to the limits are read as before: the largest float, denormals, signed zero.
  const CsvTable edge = parse_csv("3.4028235e38,-3.4028235e38,1e-40,-0\n", "mem");
  CHECK(edge.values.to_vector() ==
        std::vector<float>{std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(), 1e-40f, -0.0f});
  CHECK(std::signbit(edge.values.data()[3]));

  // Allowed: NaN, the infinities and numbers beyond the float range as the infinity of their sign.
  CsvOptions allow;
  allow.allow_non_finite = true;
  test_util::write_bytes(path, "x,y,z\nnan,inf,-inf\n1e999,-1e999,Infinity\n\"NaN\",2.5,-0.5\n");
  for (const CsvTable& t : {read_csv(path, allow), parse_csv(test_util::read_bytes(path), path, allow)}) {
    CHECK(t.columns == std::vector<std::string>{"x", "y", "z"});
    REQUIRE(t.rows() == 3);
    const std::vector<float> v = t.values.to_vector();
    CHECK(std::isnan(v[0]));
    CHECK((std::isinf(v[1]) && v[1] > 0));
    CHECK((std::isinf(v[2]) && v[2] < 0));
    CHECK((std::isinf(v[3]) && v[3] > 0));
    CHECK((std::isinf(v[4]) && v[4] < 0));
    CHECK((std::isinf(v[5]) && v[5] > 0));
    CHECK(std::isnan(v[6]));
    CHECK(v[7] == 2.5f);
    CHECK(v[8] == -0.5f);
  }
  // The option does not make other text a number.
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n3,nanx\n", "mem", allow), doctest::Contains("'nanx' is not a number"), IOError);
}

TEST_CASE("data: read_csv rejects ragged rows, empty files and header-only files") {
  test_util::TempDir dir;
  const std::string path = dir.file("r.csv");
  test_util::write_bytes(path, "1,2,3\n4,5,6\n\n7,8\n");
  CHECK_THROWS_WITH_AS(read_csv(path), ("read_csv: '" + path + "' line 4: 2 fields, expected 3 (as on line 1)").c_str(),
                       IOError);
  test_util::write_bytes(path, "");
  CHECK_THROWS_WITH_AS(read_csv(path), ("read_csv: '" + path + "' is empty (no data rows)").c_str(), IOError);
  test_util::write_bytes(path, "\n  \n");
  CHECK_THROWS_WITH_AS(read_csv(path), doctest::Contains("is empty"), IOError);
  test_util::write_bytes(path, "a,b\n");
  CHECK_THROWS_WITH_AS(read_csv(path), doctest::Contains("has a header but no data rows"), IOError);
  CHECK_THROWS_WITH_AS(read_csv(dir.file("missing.csv")),
                       doctest::Contains(("'" + dir.file("missing.csv") + "': cannot open: No such file").c_str()),
                       IOError);
}

TEST_CASE("data: read_csv reads gzip-compressed files and reports damaged ones") {
  test_util::TempDir dir;
  const std::string gz = dir.file("t.csv.gz");
  std::string text = "a,b\n";
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + "," + std::to_string(i * 0.5) + "\n";
  test_util::write_gzip(gz, text);
  CHECK(io::is_gzip_file(gz));
  const CsvTable t = read_csv(gz);
  CHECK(t.rows() == 2000);
  CHECK(t.values.at({1999, 1}) == doctest::Approx(999.5));

  // A gzip header followed by garbage: the deflate stream is invalid.
  const std::string bytes = test_util::read_bytes(gz);
  std::string garbage = bytes.substr(0, 10) + std::string(200, '\xff');
  test_util::write_bytes(dir.file("garbage.csv.gz"), garbage);
  CHECK_THROWS_WITH_AS(read_csv(dir.file("garbage.csv.gz")),
                       doctest::Contains(("'" + dir.file("garbage.csv.gz") + "': corrupt gzip stream").c_str()),
                       IOError);
  // Cut in the middle of the compressed data.
  test_util::write_bytes(dir.file("cut.csv.gz"), bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH_AS(read_csv(dir.file("cut.csv.gz")),
                       doctest::Contains(("'" + dir.file("cut.csv.gz") + "': truncated gzip stream").c_str()), IOError);
}

TEST_CASE("data: classification_dataset takes the label column out and checks the labels") {
  const CsvTable t = parse_csv("f1,f2,y\n0.5,1,1\n2,3,0\n", "mem");
  const Dataset d = classification_dataset(t, 2);
  CHECK(d.X.shape() == Shape{2, 2});
  CHECK(d.labels == std::vector<std::size_t>{1, 0});
  CHECK(d.feature_names == std::vector<std::string>{"f1", "f2"});
  CHECK(d.num_classes() == 2);
  CHECK_THROWS_WITH_AS(classification_dataset(t, 0), doctest::Contains("value 0.5"), ValueError);
  const Dataset r = regression_dataset(t, 0);
  CHECK(r.y.to_vector() == std::vector<float>{0.5f, 2});
  CHECK(r.X.shape() == Shape{2, 2});
}
