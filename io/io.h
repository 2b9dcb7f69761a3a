// Everything in io/: whole-file reads (plain or gzip-compressed), atomic file writes, NumPy .npz archives.
#pragma once
#include "io/atomic_file.h"
#include "io/file.h"
#include "io/npz.h"
