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

# The Python package's tests that need neither torch nor a GPU; the others
# (python/tests/test_gpu.py, pytest) run on a GPU machine: python/tests/gpu.sh.
echo "== python package: unit tests (no torch, no GPU)"
RUNTIME_LIB=$BUILD_DIR/runtime/libsparse_mla_runtime.so
[ -f "$RUNTIME_LIB" ] || RUNTIME_LIB=
SPARSE_MLA_BIN=$BUILD_DIR/bin SPARSE_MLA_RUNTIME_LIB=$RUNTIME_LIB \
  python3 -m unittest discover -s "$ROOT/python/tests" -p 'test_cpu*.py'
if python3 -c "import torch" 2>/dev/null; then
  echo "== python package: torch is here; GPU tests: bash python/tests/gpu.sh"
else
  echo "== python package: torch tests SKIPPED (no torch here; python/tests/gpu.sh on a GPU machine)"
fi
if python3 -m pip --version >/dev/null 2>&1; then
  echo "== python package: pip install into a fresh target"
  PYTMP=$(mktemp -d)
  SPARSE_MLA_RUNTIME_LIB=$RUNTIME_LIB SPARSE_MLA_SKIP_RUNTIME=$([ -n "$RUNTIME_LIB" ] && echo 0 || echo 1) \
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --no-deps --no-index --target "$PYTMP/site" "$ROOT/python"
  (cd "$PYTMP" && PYTHONPATH=$PYTMP/site SPARSE_MLA_BIN=$PYTMP python3 -m sparse_mla find \
    'H=128 G=1 Dqk=576 Dv=512 topk=2048 causal=false' | grep -q "$PYTMP/site/sparse_mla/kernels/")
  rm -rf "$PYTMP"
else
  echo "== python package: pip install SKIPPED (no pip here)"
fi

# The install, the CMake package, a downstream project and the plugin.
BUILD_DIR=$BUILD_DIR bash "$ROOT/scripts/test-install.sh"
