#!/usr/bin/env bash
# Rebuilds the kernel packages shipped with the Python package
# (python/sparse_mla/kernels: the configurations of
# python/sparse_mla/_prebuilt.py) with the compiler built in build/bin. Run
# after any change to the compiler's output; the Python unit tests fail on a
# stale set.
#   bash scripts/build-python-kernels.sh [CHIP]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SPARSE_MLA_BIN=${SPARSE_MLA_BIN:-$ROOT/build/bin}
cd "$ROOT/python"
exec python3 -m sparse_mla prebuilt --chip "${1:-sm_90a}"
