#!/usr/bin/python3
# The two .npz seeds of fuzz_npz written by NumPy rather than by this library (README.md, "Seeds"): deflated members
# (numpy.savez_compressed) and zip64 extra fields with float64 arrays, the reader's other code paths.
#   /usr/bin/python3 tests/fuzz/make_seeds_numpy.py OUT_DIR/npz
import io
import sys
import zipfile

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(0)
arrays = {"0.weight": rng.standard_normal((3, 4)).astype("<f4"), "0.bias": np.zeros(4, "<f4"),
          "1.weight": np.ones(4, "<f4"), "1.bias": np.zeros(4, "<f4"), "1.running_mean": np.zeros(4, "<f4"),
          "1.running_var": np.ones(4, "<f4"), "3.weight": rng.standard_normal((4, 2)).astype("<f4")}
np.savez_compressed(f"{out}/numpy_compressed.npz", **arrays)
with zipfile.ZipFile(f"{out}/numpy_zip64_f8.npz", "w") as z:
    for name, a in [("x", np.arange(6, dtype="<f8").reshape(2, 3)), ("s", np.array(2.5, "<f8"))]:
        npy = io.BytesIO()
        np.save(npy, a)
        with z.open(name + ".npy", "w", force_zip64=True) as f:
            f.write(npy.getvalue())
