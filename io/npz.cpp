#include "io/npz.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <vector>

#include "autodiff/error.h"
#include "io/atomic_file.h"

namespace ad::io {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "npz: tensor bytes are written as they are in memory, which must be little-endian ('<f4', '<f8')");

// ---- Zip format constants (PKWARE APPNOTE.TXT) ------------------------------------------------------------------
constexpr std::uint32_t kLocalSig = 0x04034b50;     // "PK\3\4": local file header
constexpr std::uint32_t kCentralSig = 0x02014b50;   // "PK\1\2": central directory entry
constexpr std::uint32_t kEndSig = 0x06054b50;       // "PK\5\6": end of central directory
constexpr std::uint32_t kZip64EndSig = 0x06064b50;  // zip64 end of central directory record
constexpr std::uint32_t kZip64LocSig = 0x07064b50;  // zip64 end of central directory locator
constexpr std::size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
constexpr std::uint16_t kVersion = 20;       // "2.0": the version that introduced stored/deflated members
constexpr std::uint16_t kUtf8Flag = 0x0800;  // general purpose bit 11: the name is UTF-8
// A fixed timestamp (1980-01-01 00:00, the DOS epoch), so the same tensors always give the same bytes.
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1, kDosTime = 0;
constexpr std::uint32_t kMax32 = 0xffffffffu;

void put16(std::string& b, std::uint16_t v) {
  b.push_back(static_cast<char>(v & 0xff));
  b.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint16_t get16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t get32(const unsigned char* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
std::uint64_t get64(const unsigned char* p) { return std::uint64_t(get32(p)) | std::uint64_t(get32(p + 4)) << 32; }

std::uint32_t crc32_of(std::uint32_t crc, const void* data, std::size_t n) {
  // zlib's crc32 of a null buffer returns its initial value 0, not `crc`: an empty vector's data() may be null.
  if (n == 0) return crc;
  return static_cast<std::uint32_t>(crc32_z(crc, static_cast<const Bytef*>(data), n));
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

template <class T>
constexpr const char* descr_of() {
  return sizeof(T) == 4 ? "<f4" : "<f8";
}

// ---- .npy header --------------------------------------------------------------------------------------------------
// Magic, version 1.0, header length (uint16 LE), then the dict padded with spaces and ended by '\n' so that the data
// starts at a multiple of 64 bytes (what NumPy writes; it keeps the data aligned when the file is memory-mapped).
std::string npy_header(const char* descr, const Shape& s) {
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t d = 0; d < s.rank(); ++d) dict += (d ? ", " : "") + std::to_string(s[d]);
  if (s.rank() == 1) dict += ",";  // Python's one-element tuple "(3,)"
  dict += "), }";
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string h = "\x93NUMPY";
  h.push_back('\x01');
  h.push_back('\x00');
  put16(h, static_cast<std::uint16_t>(dict.size()));
  return h + dict;
}

// ---- Reading ------------------------------------------------------------------------------------------------------
struct RawArray {
  std::string name;   // the member name without ".npy"
  std::string descr;  // "<f4", "<f8", "<i8" or "<u8"
  Shape shape;
  std::vector<unsigned char> data;  // the whole .npy member
  std::size_t data_offset = 0;      // where the values start in `data`
};

class Reader {
 public:
  Reader(std::string path, std::string op) : path_(std::move(path)), op_(std::move(op)) {}

  std::vector<RawArray> read() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) bad(std::string("cannot open the file: ") + std::strerror(errno));
    struct stat st;
    if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) bad("is a directory, not an .npz file");
    try {
      file_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure& e) {  // libstdc++ throws on a failing read(2) here
      bad(std::string("read error: ") + e.what());
    }
    if (in.bad()) bad("read error");
    const std::size_t size = file_.size();
    if (size < 4) bad("the file is too short (" + std::to_string(size) + " bytes) to be an .npz archive");
    const std::uint32_t magic = get32(file_.data());
    if (magic != kLocalSig && magic != kEndSig)
      bad("wrong magic bytes " + hex32(magic) + ": not an .npz (zip) archive, which starts with \"PK\\3\\4\"");

    // The end-of-central-directory record is the last 22 bytes plus an optional comment: search backwards for a
    // signature whose comment length reaches exactly the end of the file.
    std::size_t eocd = std::string::npos;
    for (std::size_t p = size >= kEndSize ? size - kEndSize + 1 : 0; p-- > 0 && size - p <= kEndSize + 0xffff;) {
      if (get32(&file_[p]) == kEndSig && p + kEndSize + get16(&file_[p + 20]) == size) {
        eocd = p;
        break;
      }
    }
    if (eocd == std::string::npos)
      bad("no end-of-central-directory record: the file is truncated or is not a zip archive");
    std::uint64_t entries = get16(&file_[eocd + 10]);
    std::uint64_t cd_size = get32(&file_[eocd + 12]);
    std::uint64_t cd_offset = get32(&file_[eocd + 16]);
    std::uint64_t cd_end_limit = eocd;
    if (entries == 0xffff || cd_size == kMax32 || cd_offset == kMax32) {
      // Zip64: a locator just before the record points to the zip64 record with 64-bit fields.
      if (eocd < 20 || get32(&file_[eocd - 20]) != kZip64LocSig) bad("zip64 end-of-central-directory locator missing");
      const std::uint64_t rec = get64(&file_[eocd - 20 + 8]);
      if (rec > eocd - 20 || eocd - 20 - rec < 56 || get32(&file_[rec]) != kZip64EndSig)
        bad("corrupt zip64 end-of-central-directory record");
      entries = get64(&file_[rec + 32]);
      cd_size = get64(&file_[rec + 40]);
      cd_offset = get64(&file_[rec + 48]);
      cd_end_limit = rec;
    }
    if (cd_offset > cd_end_limit || cd_size > cd_end_limit - cd_offset)
      bad("the central directory lies outside the file: the file is truncated or corrupt");

    std::vector<RawArray> arrays;
    std::set<std::string> names;
    std::size_t p = cd_offset;
    const std::size_t cd_end = cd_offset + cd_size;
    for (std::uint64_t i = 0; i < entries; ++i) {
      if (p + kCentralSize > cd_end || get32(&file_[p]) != kCentralSig)
        bad("corrupt central directory (entry " + std::to_string(i) + ")");
      const unsigned char* c = &file_[p];
      const std::uint16_t flags = get16(c + 8), method = get16(c + 10);
      const std::uint32_t crc = get32(c + 16);
      std::uint64_t csize = get32(c + 20), usize = get32(c + 24);
      const std::size_t nlen = get16(c + 28), elen = get16(c + 30), klen = get16(c + 32);
      std::uint64_t offset = get32(c + 42);
      if (p + kCentralSize + nlen + elen + klen > cd_end)
        bad("corrupt central directory (entry " + std::to_string(i) + ")");
      const std::string member(reinterpret_cast<const char*>(c + kCentralSize), nlen);
      read_zip64_extra(c + kCentralSize + nlen, elen, usize, csize, offset, member);
      p += kCentralSize + nlen + elen + klen;

      if (flags & 1) bad("member '" + member + "' is encrypted");
      if (member.size() < 5 || member.compare(member.size() - 4, 4, ".npy") != 0)
        bad("member '" + member + "' is not a .npy array");
      RawArray a;
      a.name = member.substr(0, member.size() - 4);
      if (!names.insert(a.name).second) bad("array '" + a.name + "' appears twice");
      a.data = member_data(member, method, offset, csize, usize);
      const std::uint32_t actual = crc32_of(0, a.data.data(), a.data.size());
      if (actual != crc)
        bad("member '" + member + "': CRC-32 mismatch (recorded " + hex32(crc) + ", computed " + hex32(actual) +
            "): the data is corrupt");
      parse_npy(a);
      arrays.push_back(std::move(a));
    }
    return arrays;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const { throw IOError(op_ + ": '" + path_ + "': " + what); }

  // Zip64 extra field (id 1): 64-bit values for those of (uncompressed size, compressed size, offset) that are
  // 0xffffffff in the fixed fields, in that order.
  void read_zip64_extra(const unsigned char* e, std::size_t len, std::uint64_t& usize, std::uint64_t& csize,
                        std::uint64_t& offset, const std::string& member) const {
    std::size_t q = 0;
    while (q + 4 <= len) {
      const std::uint16_t id = get16(e + q), n = get16(e + q + 2);
      if (q + 4 + n > len) bad("member '" + member + "': corrupt extra field");
      if (id == 1) {
        std::size_t r = q + 4;
        for (std::uint64_t* v : {&usize, &csize, &offset}) {
          if (*v != kMax32) continue;
          if (r + 8 > q + 4 + n) bad("member '" + member + "': corrupt zip64 extra field");
          *v = get64(e + r);
          r += 8;
        }
      }
      q += 4 + std::size_t(n);
    }
    if (usize == kMax32 || csize == kMax32 || offset == kMax32)
      bad("member '" + member + "': zip64 sizes missing from its extra field");
  }

  std::vector<unsigned char> member_data(const std::string& member, std::uint16_t method, std::uint64_t offset,
                                         std::uint64_t csize, std::uint64_t usize) const {
    const std::size_t size = file_.size();
    if (offset > size || size - offset < kLocalSize || get32(&file_[offset]) != kLocalSig)
      bad("member '" + member + "': bad local header (the file is truncated or corrupt)");
    const std::size_t nlen = get16(&file_[offset + 26]), elen = get16(&file_[offset + 28]);
    const std::uint64_t start = offset + kLocalSize + nlen + elen;
    if (start > size || nlen != member.size() ||
        std::memcmp(file_.data() + offset + kLocalSize, member.data(), nlen) != 0)
      bad("member '" + member + "': the local header does not match the central directory");
    if (csize > size - start)
      bad("member '" + member + "': its data runs " + std::to_string(csize - (size - start)) +
          " bytes past the end of the file (truncated)");
    const unsigned char* src = file_.data() + start;
    if (method == 0) {  // stored
      if (csize != usize) bad("member '" + member + "': stored member with different compressed and plain sizes");
      return std::vector<unsigned char>(src, src + csize);
    }
    if (method != 8) bad("member '" + member + "': unsupported compression method " + std::to_string(method));
    // Deflated (numpy.savez_compressed): a raw deflate stream (negative window bits: no zlib header). Deflate
    // expands at most ~1032:1, so a larger recorded size is corrupt (and must not trigger a huge allocation).
    if (usize > csize * 1032 + 1024 || usize >= kMax32 || csize >= kMax32)
      bad("member '" + member + "': implausible sizes (" + std::to_string(csize) + " compressed, " +
          std::to_string(usize) + " plain)");
    std::vector<unsigned char> out(usize);
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) bad("member '" + member + "': cannot initialise zlib");
    zs.next_in = const_cast<Bytef*>(src);
    zs.avail_in = static_cast<uInt>(csize);
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(usize);
    const int rc = inflate(&zs, Z_FINISH);
    const std::uint64_t produced = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || produced != usize) bad("member '" + member + "': corrupt deflate data");
    return out;
  }

  // Finds `key` in the header dict (quoted either way) and returns the position after its ':'.
  std::size_t value_pos(const std::string& h, const char* key, const std::string& who) const {
    for (const char q : {'\'', '"'}) {
      const std::size_t k = h.find(std::string(1, q) + key + q);
      if (k == std::string::npos) continue;
      const std::size_t colon = h.find(':', k);
      if (colon != std::string::npos) return colon + 1;
    }
    bad(who + ": the .npy header has no '" + key + "' entry");
  }

  void parse_npy(RawArray& a) const {
    const std::string who = "array '" + a.name + "'";
    const std::vector<unsigned char>& d = a.data;
    if (d.size() < 10 || std::memcmp(d.data(), "\x93NUMPY", 6) != 0)
      bad(who + ": wrong magic bytes, not a .npy array (expected \"\\x93NUMPY\")");
    const unsigned major = d[6];
    std::size_t hlen = 0, hstart = 0;
    if (major == 1) {
      hlen = get16(&d[8]);
      hstart = 10;
    } else if (major == 2 || major == 3) {
      if (d.size() < 12) bad(who + ": truncated .npy header");
      hlen = get32(&d[8]);
      hstart = 12;
    } else {
      bad(who + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(d[7]));
    }
    if (hlen > d.size() - hstart) bad(who + ": truncated .npy header");
    const std::string h(reinterpret_cast<const char*>(&d[hstart]), hlen);

    std::size_t v = h.find_first_of("'\"", value_pos(h, "descr", who));
    const std::size_t v_end = v == std::string::npos ? v : h.find(h[v], v + 1);
    if (v_end == std::string::npos) bad(who + ": malformed 'descr' in the .npy header");
    a.descr = h.substr(v + 1, v_end - v - 1);
    if (a.descr != "<f4" && a.descr != "<f8" && a.descr != "<i8" && a.descr != "<u8")
      bad(who + ": unsupported dtype '" + a.descr +
          "' (little-endian float32 '<f4', float64 '<f8', int64 '<i8' and uint64 '<u8' are read)");

    v = h.find_first_not_of(' ', value_pos(h, "fortran_order", who));
    if (v != std::string::npos && h.compare(v, 4, "True") == 0)
      bad(who + ": Fortran-ordered arrays are not supported (save with numpy.ascontiguousarray)");
    if (v == std::string::npos || h.compare(v, 5, "False") != 0) bad(who + ": malformed 'fortran_order'");

    v = h.find('(', value_pos(h, "shape", who));
    const std::size_t close = v == std::string::npos ? v : h.find(')', v);
    if (close == std::string::npos) bad(who + ": malformed 'shape' in the .npy header");
    std::size_t numel = 1;
    const std::string dims = h.substr(v + 1, close - v - 1);
    std::size_t q = 0;
    while (true) {
      q = dims.find_first_not_of(" ,", q);
      if (q == std::string::npos) break;
      std::size_t end = dims.find_first_not_of("0123456789", q);
      if (end == q) bad(who + ": malformed 'shape' (" + dims + ")");
      if (end == std::string::npos) end = dims.size();
      const std::string digits = dims.substr(q, end - q);
      if (digits.size() > 18 || a.shape.rank() == Shape::kMaxRank) bad(who + ": unsupported shape (" + dims + ")");
      const std::size_t n = std::stoull(digits);
      if (n != 0 && numel > std::numeric_limits<std::size_t>::max() / n) bad(who + ": shape too large");
      numel *= n;
      a.shape.push_back(n);
      q = end;
    }

    const std::size_t item = a.descr == "<f4" ? 4 : 8;
    const std::size_t have = d.size() - hstart - hlen;
    if (numel > have / item)
      bad(who + ": truncated data (" + std::to_string(have) + " bytes for shape " + a.shape.str() + " of " + a.descr +
          ", which needs " + std::to_string(numel) + " x " + std::to_string(item) + ")");
    if (have != numel * item)
      bad(who + ": " + std::to_string(have - numel * item) + " unexpected bytes after the data");
    a.data_offset = hstart + hlen;
  }

  std::string path_, op_;
  std::vector<unsigned char> file_;
};

}  // namespace

void write_npz(const std::string& path, const std::vector<NpzMember>& members, const std::string& op) {
  // Validate everything before the file is created.
  if (members.size() >= 0xffff)
    throw ValueError(op + ": '" + path + "': too many arrays (" + std::to_string(members.size()) + ")");
  std::set<std::string> names;
  for (const NpzMember& m : members) {
    const std::string& name = m.name;
    if (name.empty()) throw ValueError(op + ": '" + path + "': an array name is empty");
    if (name.size() > 0xff00) throw ValueError(op + ": '" + path + "': array name too long");
    if (!names.insert(name).second) throw ValueError(op + ": '" + path + "': the name '" + name + "' appears twice");
    const std::size_t item = m.descr == "<f4" ? 4 : 8;
    if (m.descr != "<f4" && m.descr != "<f8" && m.descr != "<i8" && m.descr != "<u8")
      throw ValueError(op + ": '" + path + "': array '" + name + "' has the unsupported dtype '" + m.descr + "'");
    if (m.bytes.size() != m.shape.numel() * item)
      throw ValueError(op + ": '" + path + "': array '" + name + "' holds " + std::to_string(m.bytes.size()) +
                       " bytes for shape " + m.shape.str() + " of " + m.descr);
  }

  io::AtomicFile file(path, op);
  std::string central;
  std::uint64_t offset = 0;
  for (const NpzMember& m : members) {
    const std::string& name = m.name;
    const std::string member = name + ".npy";
    const std::string header = npy_header(m.descr.c_str(), m.shape);
    const std::size_t bytes = m.bytes.size();
    const std::uint64_t size = header.size() + std::uint64_t(bytes);
    if (size >= kMax32 || offset >= kMax32)
      throw IOError(op + ": '" + path + "': array '" + name + "' does not fit a zip archive without zip64 (4 GiB)");
    const std::uint32_t crc = crc32_of(crc32_of(0, header.data(), header.size()), m.bytes.data(), bytes);
    bool ascii = true;
    for (const char ch : member) ascii = ascii && static_cast<unsigned char>(ch) < 0x80;
    const std::uint16_t flags = ascii ? 0 : kUtf8Flag;

    // Fields shared by the local header and the central directory entry, from "version needed" to the name length.
    std::string common;
    put16(common, kVersion);
    put16(common, flags);
    put16(common, 0);  // method: stored
    put16(common, kDosTime);
    put16(common, kDosDate);
    put32(common, crc);
    put32(common, static_cast<std::uint32_t>(size));  // compressed size
    put32(common, static_cast<std::uint32_t>(size));  // uncompressed size
    put16(common, static_cast<std::uint16_t>(member.size()));
    put16(common, 0);  // extra field length

    std::string local;
    put32(local, kLocalSig);
    local += common + member + header;
    file.write(local);
    file.write(m.bytes.data(), bytes);

    put32(central, kCentralSig);
    put16(central, kVersion);  // version made by (MS-DOS attributes, no Unix permissions)
    central += common;
    put16(central, 0);  // comment length
    put16(central, 0);  // disk number
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, static_cast<std::uint32_t>(offset));
    central += member;
    offset += kLocalSize + member.size() + size;
  }
  if (offset + central.size() >= kMax32) throw IOError(op + ": '" + path + "': archive larger than 4 GiB");
  std::string end;
  put32(end, kEndSig);
  put16(end, 0);  // this disk
  put16(end, 0);  // disk with the central directory
  put16(end, static_cast<std::uint16_t>(members.size()));
  put16(end, static_cast<std::uint16_t>(members.size()));
  put32(end, static_cast<std::uint32_t>(central.size()));
  put32(end, static_cast<std::uint32_t>(offset));
  put16(end, 0);  // comment length
  file.write(central + end);
  file.commit();
}

template <class T>
void save_npz(const std::string& path, const NamedTensors<T>& tensors) {
  std::vector<NpzMember> members;
  members.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) throw ValueError("save_npz: '" + path + "': array '" + name + "' is an undefined tensor");
    NpzMember m{name, descr_of<T>(), t.shape(), std::vector<unsigned char>(t.numel() * sizeof(T))};
    if (t.numel()) std::memcpy(m.bytes.data(), t.data(), m.bytes.size());
    members.push_back(std::move(m));
  }
  write_npz(path, members, "save_npz");
}

std::vector<NpzMember> read_npz(const std::string& path, const std::string& op) {
  std::vector<NpzMember> out;
  for (RawArray& a : Reader(path, op).read()) {
    NpzMember m{a.name, a.descr, a.shape, {}};
    m.bytes.assign(a.data.begin() + static_cast<std::ptrdiff_t>(a.data_offset), a.data.end());
    out.push_back(std::move(m));
  }
  return out;
}

template <class T>
NamedTensors<T> load_npz(const std::string& path) {
  std::vector<RawArray> arrays = Reader(path, "load_npz").read();
  NamedTensors<T> out;
  out.reserve(arrays.size());
  for (const RawArray& a : arrays) {
    if (a.descr != descr_of<T>())
      throw IOError("load_npz: '" + path + "': array '" + a.name + "' has dtype '" + a.descr + "', but " +
                    (sizeof(T) == 4 ? "float32 ('<f4')" : "float64 ('<f8')") + " tensors were requested");
    TensorT<T> t = TensorT<T>::empty(a.shape);
    if (t.numel() > 0) std::memcpy(t.mutable_data(), a.data.data() + a.data_offset, t.numel() * sizeof(T));
    out.emplace_back(a.name, std::move(t));
  }
  return out;
}

template void save_npz<float>(const std::string&, const NamedTensors<float>&);
template void save_npz<double>(const std::string&, const NamedTensors<double>&);
template NamedTensors<float> load_npz<float>(const std::string&);
template NamedTensors<double> load_npz<double>(const std::string&);

}  // namespace ad::io
