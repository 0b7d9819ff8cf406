#!/usr/bin/env bash
# Every test: set up, build, then the lit suite (FileCheck, verifier
# diagnostics, mutation robustness) and the CTest unit tests.
#   bash scripts/test.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "== testing"
cmake --build "$BUILD_DIR" --target check-sparse-mla

# The runtime (CUDA driver API only, no MLIR) builds wherever a CUDA toolkit
# is; without a GPU its GPU tests skip themselves, the rest must pass.
CUDA_ROOT=${CUDA_HOME:-/usr/local/cuda}
if [ -f "$CUDA_ROOT/include/cuda.h" ]; then
  echo "== runtime: building and testing in $BUILD_DIR/runtime"
  cmake -S "$ROOT/runtime" -B "$BUILD_DIR/runtime" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCUDAToolkit_ROOT="$CUDA_ROOT" > /dev/null
  cmake --build "$BUILD_DIR/runtime" -j "$JOBS"
  ctest --test-dir "$BUILD_DIR/runtime" --output-on-failure
else
  echo "== runtime: SKIPPED (no CUDA toolkit at $CUDA_ROOT; set CUDA_HOME)"
fi

# The install, the CMake package, a downstream project and the plugin.
BUILD_DIR=$BUILD_DIR bash "$ROOT/scripts/test-install.sh"
