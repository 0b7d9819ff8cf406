#!/usr/bin/env bash
# Every test: set up, build, then the lit suite (FileCheck, verifier
# diagnostics, mutation robustness) and the CTest unit tests.
#   bash scripts/test.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "== testing"
cmake --build "$BUILD_DIR" --target check-sparse-mla
