#!/usr/bin/env bash
# Benchmark driver, run on the GPU machine from the repository root:
#   bash bench/run.sh RESULTS_DIR LABEL=PACKAGE_DIR [LABEL=PACKAGE_DIR ...]
# e.g. bash bench/run.sh /tmp/bench simple=packages-simple seesaw=packages
#      PEER=flash_mla bash bench/run.sh /tmp/bench seesaw=packages-seesaw
#
# Builds runtime/, measures the card's bf16 matmul rate (torch, 8192^3), then
# for every schedule label and every line of bench/suite.tsv runs
# sparse-mla-run with the correctness check on and timing (warm-up, L2
# flushed between runs, median of ITERS), then measures the matmul rate again.
# The ratios use the higher of the two rates: a card that has been busy
# (warmer, lower clocks) gives a lower matmul rate, which would flatter the
# ratio. Writes RESULTS_DIR/bench.json and RESULTS_DIR/bench.md (card, shape,
# ms, TFLOPS, TB/s, ratio to matmul, pass/fail; both matmul measurements).
# SUITE=FILE runs another suite file of the same format instead.
# Exit status 1 if any check failed; 3 on a machine without a GPU.
#
# PEER=flash_mla (or torch-ref, which checks the harness itself) adds the
# side-by-side suite: for each line of PEER_SUITE (default
# bench/peer-suite.tsv; only the names in PEER_CASES when set),
# bench/side_by_side.py runs the first label's package and the peer in one
# process on the same generated inputs: both checked against float64 on
# sampled rows, compared element by element, then timed interleaved (BURST
# iterations, default 10, then SUSTAINED, default 60). Writes
# RESULTS_DIR/side-by-side/NAME.json and RESULTS_DIR/side-by-side.md. Where
# the peer cannot be imported the suite is skipped, and says so. SUITE=/dev/null
# runs the side-by-side suite alone.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 RESULTS_DIR LABEL=PACKAGE_DIR..." >&2; exit 2; }
RES=$1; shift
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/require-gpu.sh"
require_gpu
BUILD=${BUILD_DIR:-/tmp/build-runtime}
ITERS=${ITERS:-5}
SUITE=${SUITE:-$ROOT/bench/suite.tsv}
PEER_SUITE=${PEER_SUITE:-$ROOT/bench/peer-suite.tsv}
[ -r "$SUITE" ] || { echo "no suite file $SUITE" >&2; exit 2; }
mkdir -p "$RES/runs"

echo "== $(nvidia-smi -L | head -1)"
cmake -S "$ROOT/runtime" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > "$RES/runs/build.log" 2>&1 &&
  cmake --build "$BUILD" -j "${JOBS:-16}" >> "$RES/runs/build.log" 2>&1 ||
  { tail -30 "$RES/runs/build.log"; exit 2; }

matmul() { # OUT_JSON
  python3 "$ROOT/bench/matmul.py" 8192 20 > "$1" || echo '{"check": "fail"}' > "$1"
  cat "$1"
}
echo "== bf16 matmul rate (before the suite)"
matmul "$RES/runs/matmul.json"

: > "$RES/runs/index.tsv"
for spec in "$@"; do
  label=${spec%%=*}; dir=${spec#*=}
  while IFS=$'\t' read -r name pkg flags; do
    case "$name" in ''|\#*) continue;; esac
    out="$RES/runs/$label-$name.json"
    if [ ! -f "$dir/$pkg.smlapkg" ]; then
      echo "-- $label $name: SKIPPED (no $dir/$pkg.smlapkg)"
      printf '%s\t%s\t%s\t%s\n' "$label" "$name" "skipped" "$dir/$pkg.smlapkg $flags" >> "$RES/runs/index.tsv"
      continue
    fi
    cmd="sparse-mla-run $pkg.smlapkg $flags --check-rows 32 --warmup 2 --iters $ITERS --json"
    echo "-- $label $name: $cmd"
    # shellcheck disable=SC2086
    "$BUILD/sparse-mla-run" "$dir/$pkg.smlapkg" $flags --check-rows 32 --warmup 2 --iters "$ITERS" --json > "$out" 2> "$out.log"
    printf '%s\t%s\t%s\t%s\n' "$label" "$name" "$?" "$cmd" >> "$RES/runs/index.tsv"
  done < "$SUITE"
done

if [ -n "${PEER:-}" ]; then
  firstdir=${1#*=}
  plabel="peer-$PEER"
  mkdir -p "$RES/side-by-side"
  export SPARSE_MLA_RUNTIME_LIB=${SPARSE_MLA_RUNTIME_LIB:-$BUILD/libsparse_mla_runtime.so}
  if [ "$PEER" = flash_mla ] && ! python3 -c "import torch, flash_mla" 2> "$RES/runs/peer-import.log"; then
    echo "-- $plabel: SKIPPED (cannot import flash_mla: $(tail -1 "$RES/runs/peer-import.log"))"
  else
    while IFS=$'\t' read -r name pkg flags; do
      case "$name" in ''|\#*) continue;; esac
      if [ -n "${PEER_CASES:-}" ]; then
        case " $PEER_CASES " in *" $name "*) ;; *) continue;; esac
      fi
      out="$RES/side-by-side/$name.json"
      if [ ! -f "$firstdir/$pkg.smlapkg" ]; then
        echo "-- $plabel $name: SKIPPED (no $firstdir/$pkg.smlapkg)"
        continue
      fi
      echo "-- $plabel $name: bench/side_by_side.py $pkg.smlapkg $flags --impl $PEER"
      # shellcheck disable=SC2086
      python3 "$ROOT/bench/side_by_side.py" "$firstdir/$pkg.smlapkg" $flags --impl "$PEER" \
        --burst "${BURST:-10}" --sustained "${SUSTAINED:-60}" > "$out" 2> "$out.log"
      echo "   status $?: $(tail -1 "$out.log")"
    done < "$PEER_SUITE"
    python3 "$ROOT/bench/side_by_side.py" --summarize "$RES/side-by-side" > "$RES/side-by-side.md"
    cat "$RES/side-by-side.md"
  fi
fi

echo "== bf16 matmul rate (after the suite)"
matmul "$RES/runs/matmul-after.json"

python3 "$ROOT/bench/summarize.py" "$RES"
