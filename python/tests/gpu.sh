#!/usr/bin/env bash
# The Python package on a GPU machine: install, pytest (the >2^31-element
# pool included) through the ctypes launch path, then build-extension and
# pytest through the C++ one, host overhead. Logs under ${1:-/tmp/python-gpu}.
#   bash python/tests/gpu.sh [RESULTS_DIR]
# FlashMLA (for the drop-in test and the overhead table) is imported when
# PYTHONPATH holds the peer's stand-in module (bench/README.md).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RES=${1:-/tmp/python-gpu}
mkdir -p "$RES"
source "$ROOT/scripts/require-gpu.sh"
require_gpu
PY=${PYTHON:-python3}
"$PY" -m pip install --no-deps "$ROOT/python" > "$RES/install.log" 2>&1 ||
  { cat "$RES/install.log"; exit 1; }
cd /tmp  # the installed package, not the source tree
rc=0
export SPARSE_MLA_KERNEL_PATH=${SPARSE_MLA_KERNEL_PATH:-$ROOT/python/tests/kernels}
# Both launch paths: ctypes alone, then with the C++ half built.
echo "== pytest, ctypes launch path"
SPARSE_MLA_FAST_PATH=0 SPARSE_MLA_EXPECT_FAST=0 \
SPARSE_MLA_BIG_POOL=${SPARSE_MLA_BIG_POOL:-1} \
  "$PY" -m pytest -q -rs "$ROOT/python/tests" 2>&1 | tee "$RES/pytest-ctypes.log"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
echo "== build-extension"
"$PY" -m sparse_mla build-extension 2>&1 | tee "$RES/build-extension.log"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
echo "== pytest, C++ launch path"
SPARSE_MLA_EXPECT_FAST=1 SPARSE_MLA_BIG_POOL=0 \
  "$PY" -m pytest -q -rs "$ROOT/python/tests" 2>&1 | tee "$RES/pytest-fast.log"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
"$PY" "$ROOT/python/bench/overhead.py" 2>&1 | tee "$RES/overhead.log" || rc=1
exit $rc
