#!/usr/bin/env bash
# Builds a project outside this repository against the library the way the README's "Use it in your project" says,
# and runs it (tests/package/main.cpp: XOR with nn + optim, a checkpoint round trip, a gradcheck).
#   check.sh install-static SOURCE BUILD   installs BUILD (the suite's own static Release build) into a temporary
#                                          prefix; the README's CMake lines (find_package) and its pkg-config line
#   check.sh install-shared SOURCE BUILD   the same with a shared-library build (BUILD/package-shared, built here)
#   check.sh subproject SOURCE BUILD       add_subdirectory(SOURCE) from a parent project with its own build type,
#                                          flags and test targets, with shared libraries
# The CMakeLists.txt of the consumer and the pkg-config command are taken from README.md, not copied.
set -euo pipefail
mode=$1 src=$(cd "$2" && pwd) build=$(cd "$3" && pwd)
work="$build/package-$mode"
rm -rf "$work/prefix" "$work/consumer" "$work/consumer-build" "$work/consumer-dist" "$work/consumer-dist-build"
mkdir -p "$work/consumer"
jobs=$(nproc)
snippet() { cmake -DREADME="$src/README.md" -DNAME="$1" -DOUT="$2" -P "$src/cmake/readme_snippet.cmake"; }
cp "$src/tests/package/main.cpp" "$work/consumer/main.cpp"
# No flag of the project's own (warnings, -O3, -march) may reach the user's target through the usage requirements.
no_project_flags() {
  if grep -e '-march' -e '-Wpedantic' -e '-O3' "$work/consumer-build/CMakeFiles/app.dir/flags.make"; then
    echo "the library passes the project's own build flags on to the user's target"; exit 1
  fi
}

case "$mode" in
  install-static | install-shared)
    lib_build=$build
    if [ "$mode" = install-shared ]; then
      lib_build="$work/library-build"
      # Build type "None" (no optimisation flags; an empty one would become Release): what is checked is the
      # packaging, and -O3 made this the longest test of the suite.
      cmake -S "$src" -B "$lib_build" -DCMAKE_BUILD_TYPE=None -DBUILD_SHARED_LIBS=ON -DAD_BUILD_TESTS=OFF \
            -DAD_BUILD_EXAMPLES=OFF -DAD_BUILD_BENCH=OFF >/dev/null
      cmake --build "$lib_build" -j"$jobs" >/dev/null
    fi
    cmake --install "$lib_build" --prefix "$work/prefix" >/dev/null
    prefix="$work/prefix"
    libdir=$(dirname "$(find "$prefix" -name autodiff_cpp.pc)")/..

    echo "== CMake: find_package(autodiff_cpp 0.2) from the README"
    snippet consumer-cmake "$work/consumer/CMakeLists.txt"
    cmake -S "$work/consumer" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
    cmake --build "$work/consumer-build" >/dev/null
    (cd "$work/consumer-build" && ./app "$work/consumer-build/model.npz")
    if [ "$mode" = install-shared ]; then
      # The program must use the installed shared libraries, under their versioned names.
      readelf -d "$work/consumer-build/app" | grep -q 'NEEDED.*libad_nn\.so\.0\.2' ||
        { echo "app does not link libad_nn.so.0.2"; readelf -d "$work/consumer-build/app"; exit 1; }
      [ -e "$libdir/libad_nn.so.0.2.0" ] || { echo "libad_nn.so.0.2.0 was not installed"; exit 1; }
    fi
    no_project_flags

    if [ -e "$prefix/include/autodiff_cpp/dist/ddp.h" ] && command -v mpirun >/dev/null; then
      echo "== ad::dist: a data-parallel program, find_package + target_link_libraries(app PRIVATE ad::dist), mpirun -np 2"
      mkdir -p "$work/consumer-dist"
      cp "$src/tests/package/dist_main.cpp" "$work/consumer-dist/main.cpp"
      sed 's/ad::nn ad::optim/ad::dist ad::nn ad::optim/' "$work/consumer/CMakeLists.txt" >"$work/consumer-dist/CMakeLists.txt"
      cmake -S "$work/consumer-dist" -B "$work/consumer-dist-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
      cmake --build "$work/consumer-dist-build" >/dev/null
      OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        timeout 120 mpirun -np 2 --oversubscribe "$work/consumer-dist-build/app"
    fi

    echo "== pkg-config, the README's compile line"
    snippet consumer-pkg-config "$work/pkg-config.sh"
    (cd "$work/consumer" && PKG_CONFIG_PATH="$libdir/pkgconfig" LD_LIBRARY_PATH="$libdir" \
       bash -euo pipefail "$work/pkg-config.sh" && LD_LIBRARY_PATH="$libdir" ./app "$work/consumer/model.npz")
    ;;

  subproject)
    # A parent project with its own settings: they must come through unchanged.
    cp -r "$src/tests/package/parent/." "$work/consumer/"
    cmake -S "$work/consumer" -B "$work/consumer-build" -DAD_SOURCE_DIR="$src" -DBUILD_SHARED_LIBS=ON >/dev/null
    # Only what the user's program needs (the libraries it links and theirs), as a user's build would.
    cmake --build "$work/consumer-build" -j"$jobs" --target app >/dev/null
    (cd "$work/consumer-build" && ./app "$work/consumer-build/model.npz")
    readelf -d "$work/consumer-build/app" | grep -q 'NEEDED.*libad_nn\.so\.0\.2' ||
      { echo "app does not link libad_nn.so.0.2"; exit 1; }
    no_project_flags
    ;;
  *)
    echo "usage: check.sh install-static|install-shared|subproject SOURCE BUILD" >&2
    exit 2
    ;;
esac
echo "package check '$mode' passed"
