// Whole-file input and output shared by the readers and writers of data/, nn/, train/ and plot/.
//
// read_file returns the bytes of a file, decompressed when it is gzip-compressed. A gzip file is recognised by its
// first two bytes, the magic 1f 8b (RFC 1952), not by its name, so "digits.csv" and "t10k-images-idx3-ubyte" may
// be compressed or not. A damaged gzip stream (corrupt deflate data, a wrong CRC, a truncated member) throws IOError
// naming the file and what zlib found, rather than silently returning the part that could be decoded.
//
// write_file_atomic replaces a file in one step: the contents go to a temporary file in the same directory, which is
// flushed to disk (fsync) and then renamed over the target. Readers of the target (a plot viewer, a script tailing
// the training log) see either the old file or the new one, never a half-written one, and a crash or error leaves
// the old file intact; the temporary file is removed on error, and those of killed writers by the next write
// (io/atomic_file.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ad::io {

// True when the file starts with the gzip magic bytes 1f 8b. IOError if it cannot be opened.
bool is_gzip_file(const std::string& path);

// The contents of `path`, gunzipped when compressed. IOError naming the file when it cannot be opened or read, or
// when its gzip stream is damaged or truncated.
std::string read_file(const std::string& path);
// The same as bytes, for binary files (the IDX reader keeps this buffer as its data: no second copy).
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

// True when `path` names an existing regular file (or a symbolic link to one).
bool file_exists(const std::string& path);

// Writes `contents` to `path` atomically (temporary file + fsync + rename). IOError naming the file on failure.
void write_file_atomic(const std::string& path, const std::string& contents);

}  // namespace ad::io
