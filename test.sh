#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest:
# unit and integration tests in a Release build, the same under AddressSanitizer
# and UndefinedBehaviorSanitizer, then each fuzz target for a short time.
#
#   ./test.sh [--quick]     --quick skips the sanitizer and fuzz builds
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
jobs="$(nproc)"

"$repo_dir/scripts/setup.sh" --build-type Release --build-dir "$repo_dir/build"
(cd "$repo_dir/build" && ctest --output-on-failure -j "$jobs" -L 'unit|integration')

if [[ $quick -eq 0 ]]; then
  echo "test.sh: sanitizer build (ASan, UBSan)"
  cmake -S "$repo_dir" -B "$repo_dir/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DSIGHTLINE_SANITIZE=ON -DSIGHTLINE_BENCH=OFF >/dev/null
  cmake --build "$repo_dir/build-asan" -j "$jobs"
  (cd "$repo_dir/build-asan" && SIGHTLINE_CHURN_ROUNDS=100 ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs" -L 'unit|integration')

  echo "test.sh: fuzz targets (clang, libFuzzer)"
  cmake -S "$repo_dir" -B "$repo_dir/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSIGHTLINE_FUZZ=ON -DSIGHTLINE_BENCH=OFF \
    -DSIGHTLINE_TESTS=ON >/dev/null
  cmake --build "$repo_dir/build-fuzz" -j "$jobs" --target fuzz_targets
  (cd "$repo_dir/build-fuzz" && ctest --output-on-failure -L fuzz)
fi
