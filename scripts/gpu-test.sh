#!/usr/bin/env bash
# GPU test matrix of the sparse_mla runtime and kernel packages.
#
#   bash scripts/gpu-test.sh PACKAGE_DIR RESULTS_DIR
#
# Run from the repository root on a machine with an NVIDIA GPU, CUDA 13,
# CMake and python3 (no MLIR needed). It
#   1. builds runtime/ (Release) into $BUILD_DIR (default /tmp/build-runtime),
#   2. prints `nvidia-smi -L`,
#   3. runs the runtime's unit tests (ctest; GPU tests included),
#   4. runs sparse-mla-run over the runtime's self-test packages (a plain
#      CUDA kernel built here) and over the compiler's packages found in
#      PACKAGE_DIR by name:
#        v32.smlapkg            H=128, G=1, topk=2048, causal=false
#        v32_causal.smlapkg     causal=true, kv_stride=1
#        v32_causal_s2.smlapkg  causal=true, kv_stride=2
#        g2.smlapkg             G=2
#        h64.smlapkg            H=64
#      (a missing package is reported as skipped),
#   5. runs compute-sanitizer memcheck on small adversarial runs,
#   6. if COMPARE_DIR is set, a differential stage: for each package name
#      (*.smlapkg) found in PACKAGE_DIR or COMPARE_DIR, a small uniform run
#      (timed, 3 iterations), a small adversarial run and one with
#      `--values spiky` (logits far apart) of
#      `sparse-mla-run PACKAGE_DIR/NAME --compare COMPARE_DIR/NAME`: the
#      PACKAGE_DIR kernel is checked against the float64 reference and every
#      output element against the COMPARE_DIR kernel's (e.g. COMPARE_DIR =
#      packages of another schedule); a name missing from either directory
#      is reported as skipped,
#   7. writes RESULTS_DIR/gpu-tests.json and RESULTS_DIR/gpu-tests.md (plus
#      each run's JSON and log under RESULTS_DIR/runs/).
# Exit status: 0 if the build, the unit tests and every run that was not
# skipped passed; 1 otherwise; 2 for a usage or build error; 3 on a machine
# without a GPU (said once, before anything runs).
#
# Environment: BUILD_DIR, JOBS (default 16), RUN_TIMEOUT (seconds per run,
# default 600), GTEST_SOURCE_DIR (GoogleTest sources if no GTest package is
# installed), SKIP_SELF_TEST=1 (skip the self-test packages), COMPARE_DIR
# (step 6), STAGES (default "packages,compare": steps 4-5 and step 6; e.g.
# STAGES=packages in one call and STAGES=compare in another, each writing
# its own RESULTS_DIR, when the whole matrix takes longer than one call may).
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 PACKAGE_DIR RESULTS_DIR" >&2
  exit 2
fi
PKG_DIR=$1
RES=$2
COMPARE_DIR=${COMPARE_DIR:-}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/require-gpu.sh"
require_gpu
BUILD=${BUILD_DIR:-/tmp/build-runtime}
JOBS=${JOBS:-16}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
mkdir -p "$RES/runs"
RES=$(cd "$RES" && pwd)
CASES="$RES/runs/cases.tsv"
: > "$CASES"

echo "== GPUs"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi -L 2>&1 | tee "$RES/nvidia-smi.txt"
else
  echo "nvidia-smi not found" | tee "$RES/nvidia-smi.txt"
fi

#--- Build --------------------------------------------------------------------#
echo "== building runtime/ in $BUILD"
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
[ -f "$BUILD/CMakeCache.txt" ] && GEN=()
CONF=(-S "$ROOT/runtime" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release)
[ -n "${GTEST_SOURCE_DIR:-}" ] && CONF+=("-DSPARSE_MLA_GTEST_SOURCE_DIR=$GTEST_SOURCE_DIR")
BUILD_OK=1
{ cmake "${CONF[@]}" && cmake --build "$BUILD" -j "$JOBS"; } > "$RES/build.log" 2>&1 || BUILD_OK=0
grep -E "GoogleTest|nvcc not found" "$RES/build.log" || true
if [ "$BUILD_OK" != 1 ]; then
  echo "BUILD FAILED; last lines of $RES/build.log:"
  tail -40 "$RES/build.log"
fi
RUN="$BUILD/sparse-mla-run"
NAIVE="$BUILD/naive"

#--- Unit tests ---------------------------------------------------------------#
UNIT_STATUS=skipped
if [ "$BUILD_OK" = 1 ] && [ -x "$BUILD/sparse_mla_runtime_test" ]; then
  echo "== unit tests (ctest)"
  if (cd "$BUILD" && ctest --output-on-failure -j 4) > "$RES/unit-tests.log" 2>&1; then
    UNIT_STATUS=pass
  else
    UNIT_STATUS=fail
  fi
  grep -E "tests passed|tests failed|\(Failed\)|\(Skipped\)" "$RES/unit-tests.log" | head -40
elif [ "$BUILD_OK" = 1 ]; then
  echo "== unit tests: not built (no GoogleTest; set GTEST_SOURCE_DIR)" |
    tee "$RES/unit-tests.log"
fi

#--- Runs ---------------------------------------------------------------------#
# case GROUP NAME PACKAGE [sparse-mla-run flags...]
run_case() {
  local group=$1 name=$2 pkg=$3
  shift 3
  local cmd="sparse-mla-run $(basename "$pkg") $*"
  if [ "$BUILD_OK" != 1 ]; then
    printf '%s\t%s\t%s\trun\t%s\t%s\t%s\n' "$group" "$name" "$pkg" "-" "build failed" "$cmd" >> "$CASES"
    return
  fi
  if [ ! -f "$pkg" ]; then
    echo "-- $name: SKIPPED (no $pkg)"
    printf '%s\t%s\t%s\trun\t%s\t%s\t%s\n' "$group" "$name" "$pkg" "-" "skipped: package not found" "$cmd" >> "$CASES"
    return
  fi
  echo "-- $name: $cmd"
  local t0=$SECONDS rc
  timeout "$RUN_TIMEOUT" "$RUN" "$pkg" "$@" --json \
    > "$RES/runs/$name.json" 2> "$RES/runs/$name.log"
  rc=$?
  grep -E "^(check|scan|time|kernel|compare|compare-scan|compare-time):|^(PASS|FAIL)|error" "$RES/runs/$name.log" | sed 's/^/     /' | head -10
  echo "     exit $rc ($((SECONDS - t0)) s)"
  printf '%s\t%s\t%s\trun\t%s\t%s\t%s\n' "$group" "$name" "$pkg" "$rc" "" "$cmd" >> "$CASES"
}

# memcheck GROUP NAME PACKAGE [flags...]: compute-sanitizer over a small run.
memcheck_case() {
  local group=$1 name=$2 pkg=$3
  shift 3
  local cmd="compute-sanitizer --tool ${SAN_TOOL:-memcheck} sparse-mla-run $(basename "$pkg") $*"
  local san
  san=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  if [ "$BUILD_OK" != 1 ]; then
    printf '%s\t%s\t%s\tmemcheck\t%s\t%s\t%s\n' "$group" "$name" "$pkg" "-" "build failed" "$cmd" >> "$CASES"
    return
  fi
  if [ ! -f "$pkg" ]; then
    echo "-- $name: SKIPPED (no $pkg)"
    printf '%s\t%s\t%s\tmemcheck\t%s\t%s\t%s\n' "$group" "$name" "$pkg" "-" "skipped: package not found" "$cmd" >> "$CASES"
    return
  fi
  if [ ! -x "$san" ]; then
    echo "-- $name: SKIPPED (compute-sanitizer not found)"
    printf '%s\t%s\t%s\tmemcheck\t%s\t%s\t%s\n' "$group" "$name" "$pkg" "-" "skipped: compute-sanitizer not found" "$cmd" >> "$CASES"
    return
  fi
  echo "-- $name: $cmd"
  local t0=$SECONDS rc
  timeout "$RUN_TIMEOUT" "$san" --tool "${SAN_TOOL:-memcheck}" --error-exitcode 86 \
    --log-file "$RES/runs/$name.sanitizer.log" \
    "$RUN" "$pkg" "$@" --json \
    > "$RES/runs/$name.json" 2> "$RES/runs/$name.log"
  rc=$?
  grep -E "SUMMARY" "$RES/runs/$name.sanitizer.log" | sed 's/^/     /'
  echo "     exit $rc ($((SECONDS - t0)) s)"
  printf '%s\t%s\t%s\tmemcheck\t%s\t%s\t%s\n' "$group" "$name" "$pkg" "$rc" "" "$cmd" >> "$CASES"
}

# The same matrix for a family of packages: $1 group, $2 directory, $3 name
# prefix ("" for the compiler's packages, "naive_" for the self-test ones),
# $4 iterations on the big shape, $5 S of the memcheck runs.
matrix() {
  local g=$1 dir=$2 pre=$3 bigIters=$4 checkS=$5
  local v32="$dir/${pre}v32.smlapkg" c1="$dir/${pre}v32_causal.smlapkg"
  local c2="$dir/${pre}v32_causal_s2.smlapkg"
  local g2="$dir/${pre}g2.smlapkg" h64="$dir/${pre}h64.smlapkg"
  echo "== $g"
  run_case "$g" "$g-v32-big" "$v32" --B 1 --S 4096 --Skv 8192 --indices uniform --iters "$bigIters"
  run_case "$g" "$g-v32-uniform" "$v32" --B 2 --S 256 --Skv 4096 --indices uniform --iters 0
  run_case "$g" "$g-v32-causal-gen" "$v32" --B 1 --S 512 --Skv 2048 --indices causal --iters 0
  run_case "$g" "$g-v32-adversarial" "$v32" --B 1 --S 512 --Skv 2048 --indices adversarial --iters 0
  run_case "$g" "$g-v32-dynamic-B3" "$v32" --B 3 --S 128 --Skv 2048 --indices uniform --iters 0
  run_case "$g" "$g-causal-uniform" "$c1" --B 1 --S 512 --Skv 4096 --indices uniform --iters 0
  run_case "$g" "$g-causal-adversarial" "$c1" --B 1 --S 512 --Skv 2048 --indices adversarial --iters 0
  run_case "$g" "$g-causal-qstart1000" "$c1" --B 1 --S 512 --Skv 4096 --q-start 1000 --indices causal --iters 0
  run_case "$g" "$g-causal-s2-qstart1000" "$c2" --B 1 --S 512 --Skv 4096 --q-start 1000 --indices causal --iters 0
  run_case "$g" "$g-causal-s2-adversarial" "$c2" --B 2 --S 256 --Skv 1024 --q-start 7 --indices adversarial --iters 0
  run_case "$g" "$g-g2" "$g2" --B 1 --S 256 --Skv 4096 --indices uniform --iters 0
  run_case "$g" "$g-g2-adversarial" "$g2" --B 1 --S 256 --Skv 2048 --indices adversarial --iters 0
  run_case "$g" "$g-h64" "$h64" --B 1 --S 256 --Skv 4096 --indices uniform --iters 0
  # The scale at launch (the kernels' scale_log2 parameter): the check
  # computes with the same scale.
  run_case "$g" "$g-v32-scale0.3" "$v32" --B 1 --S 256 --Skv 4096 --indices uniform --sm-scale 0.3 --iters 0
  run_case "$g" "$g-causal-scale0.02" "$c1" --B 1 --S 256 --Skv 2048 --q-start 100 --indices adversarial --sm-scale 0.0208333 --iters 0
  # Logits far apart (--values spiky): the running max moves late and by
  # tens to hundreds of log2 units.
  run_case "$g" "$g-v32-spiky" "$v32" --B 1 --S 256 --Skv 4096 --indices uniform --values spiky --check-rows 256 --iters 0
  run_case "$g" "$g-causal-spiky" "$c1" --B 2 --S 128 --Skv 2048 --q-start 7 --indices adversarial --values spiky --check-rows 256 --iters 0
  run_case "$g" "$g-h64-spiky" "$h64" --B 1 --S 256 --Skv 4096 --q-start 100 --indices causal --values spiky --check-rows 256 --iters 0
  if [ "$g" = selftest ]; then
    # --dump, then --inputs on the dump: the same inputs (q_start from
    # meta.json) must pass again.
    local dump="$BUILD/dump-$g"
    rm -rf "$dump"
    run_case "$g" "$g-dump" "$c2" --B 2 --S 64 --Skv 512 --q-start 5 --indices adversarial --iters 0 --dump "$dump"
    run_case "$g" "$g-inputs" "$c2" --inputs "$dump" --iters 2 --warmup 1
    # --compare: the same kernel from its cubin and from its PTX (driver
    # JIT) must agree element for element, also on read-back inputs.
    run_case "$g" "$g-compare-ptx" "$dir/naive_small.smlapkg" --B 2 --S 64 --Skv 300 --indices adversarial --iters 2 --warmup 1 --compare "$dir/naive_small_ptx_only.smlapkg"
    run_case "$g" "$g-compare-inputs" "$c2" --inputs "$dump" --iters 0 --compare "$c2"
  fi
  memcheck_case "$g" "$g-memcheck-v32" "$v32" --S "$checkS" --Skv 256 --indices adversarial --iters 0 --warmup 0
  memcheck_case "$g" "$g-memcheck-causal-s2" "$c2" --S "$checkS" --Skv 256 --q-start 3 --indices adversarial --iters 0 --warmup 0
}

# STAGES (default "packages,compare"): which of the run stages run, so that
# the matrix can be split over calls of limited length.
stage() { case ",${STAGES:-packages,compare}," in *",$1,"*) return 0;; esac; return 1; }

if stage packages; then
if [ "${SKIP_SELF_TEST:-0}" != 1 ]; then
  # The plain self-test kernel is slow under memcheck: fewer tokens there.
  matrix selftest "$NAIVE" naive_ 0 2
fi
matrix packages "$PKG_DIR" "" 3 8
# Compiler-only variants: a partial last block, topk = 512, and a second
# schedule of the V3.2 op checked element for element against the first.
run_case packages packages-topk2000-causal "$PKG_DIR/topk2000.smlapkg" --B 1 --S 512 --Skv 4096 --q-start 1000 --indices causal --iters 0
run_case packages packages-topk2000-adversarial "$PKG_DIR/topk2000.smlapkg" --B 2 --S 128 --Skv 2048 --indices adversarial --iters 0
run_case packages packages-topk512 "$PKG_DIR/topk512.smlapkg" --B 1 --S 512 --Skv 4096 --q-start 1000 --indices causal --iters 0
SAN_TOOL=racecheck memcheck_case packages packages-racecheck-v32 "$PKG_DIR/v32.smlapkg" --S 4 --Skv 256 --indices adversarial --iters 0 --warmup 0
SAN_TOOL=synccheck memcheck_case packages packages-synccheck-v32 "$PKG_DIR/v32.smlapkg" --S 4 --Skv 256 --indices adversarial --iters 0 --warmup 0
# More tiles (2 x 140) than any card has SMs: a persistent kernel's CTAs run
# several tiles each, its channels crossing tile boundaries.
for tool in memcheck racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-tiles-topk512" "$PKG_DIR/topk512.smlapkg" --S 140 --Skv 1024 --q-start 10 --indices adversarial --iters 0 --warmup 0
done
run_case packages packages-pipelined-vs-v32 "$PKG_DIR/v32_pipelined.smlapkg" --B 2 --S 256 --Skv 4096 --indices adversarial --iters 2 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-pipelined-causal-vs-simple "$PKG_DIR/v32_causal_pipelined.smlapkg" --B 2 --S 256 --Skv 1024 --q-start 7 --indices adversarial --iters 0 --compare "$PKG_DIR/v32_causal.smlapkg"
for tool in memcheck racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-pipelined" "$PKG_DIR/v32_causal_pipelined.smlapkg" --S 4 --Skv 256 --q-start 3 --indices adversarial --iters 0 --warmup 0
done
run_case packages packages-wg2-vs-v32 "$PKG_DIR/v32_wg2.smlapkg" --B 2 --S 256 --Skv 4096 --indices adversarial --iters 2 --compare "$PKG_DIR/v32.smlapkg"
# Dqk == Dv = 512 (K = V): the simple schedule against float64, the
# pipelined one element for element against it, and sanitized.
run_case packages packages-v4-simple "$PKG_DIR/v4_simple.smlapkg" --B 1 --S 256 --Skv 4096 --q-start 1000 --indices causal --iters 0
run_case packages packages-v4-simple-adversarial "$PKG_DIR/v4_simple.smlapkg" --B 2 --S 64 --Skv 1024 --indices adversarial --iters 0
run_case packages packages-v4-pipelined-vs-simple "$PKG_DIR/v4_pipelined.smlapkg" --B 2 --S 128 --Skv 1024 --q-start 7 --indices adversarial --iters 0 --compare "$PKG_DIR/v4_simple.smlapkg"
SAN_TOOL=memcheck memcheck_case packages packages-memcheck-v4-pipelined "$PKG_DIR/v4_pipelined.smlapkg" --S 4 --Skv 256 --q-start 3 --indices adversarial --iters 0 --warmup 0
# attn_sink and topk_length: against float64 with sinks of every kind
# (-inf, +inf, finite) and lengths uniform in [0, topk] (0 and topk
# included) or outside it (clamped); the pipelined kernel element for element
# against the simple one; sanitized.
run_case packages packages-sl-simple "$PKG_DIR/sl_simple.smlapkg" --B 1 --S 256 --Skv 4096 --q-start 1000 --indices causal --attn-sink mixed --topk-length uniform --iters 0
run_case packages packages-sl-simple-wild "$PKG_DIR/sl_simple.smlapkg" --B 2 --S 64 --Skv 1024 --indices adversarial --attn-sink uniform --topk-length wild --iters 0
run_case packages packages-sl-pipelined-vs-simple "$PKG_DIR/sl_pipelined.smlapkg" --B 2 --S 128 --Skv 1024 --q-start 7 --indices adversarial --attn-sink mixed --topk-length uniform --iters 0 --compare "$PKG_DIR/sl_simple.smlapkg"
for tool in memcheck racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-sl-pipelined" "$PKG_DIR/sl_pipelined.smlapkg" --S 4 --Skv 256 --q-start 3 --indices adversarial --attn-sink mixed --topk-length wild --iters 0 --warmup 0
done
# attn_sink on the chip's default schedule (seesaw on sm_90a): against
# float64 with sinks of every kind, element for element against the simple
# kernel, sanitized.
run_case packages packages-sink-default "$PKG_DIR/sink_default.smlapkg" --B 1 --S 256 --Skv 4096 --q-start 1000 --indices causal --attn-sink mixed --iters 0
run_case packages packages-sink-default-inf "$PKG_DIR/sink_default.smlapkg" --B 1 --S 64 --Skv 2048 --q-start 3 --indices adversarial --attn-sink inf --iters 0
run_case packages packages-sink-default-vs-simple "$PKG_DIR/sink_default.smlapkg" --B 2 --S 128 --Skv 4096 --q-start 7 --indices adversarial --attn-sink uniform --iters 0 --compare "$PKG_DIR/sink_simple.smlapkg"
for tool in memcheck racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-sink-default" "$PKG_DIR/sink_default.smlapkg" --S 70 --Skv 1024 --q-start 10 --indices adversarial --attn-sink mixed --iters 0 --warmup 0
done
# topk_length on the chip's default schedule (seesaw on sm_90a: rounds per
# tile from the row's length, one CTA per tile) and on the persistent
# seesaw kernel, with attn_sink too:
# against float64 with lengths of every kind (0, topk, uniform, outside
# [0, topk]), element for element against the simple kernel, sanitized.
run_case packages packages-len-default "$PKG_DIR/len_default.smlapkg" --B 1 --S 256 --Skv 4096 --q-start 1000 --indices causal --topk-length uniform --iters 0
run_case packages packages-len-default-wild "$PKG_DIR/len_default.smlapkg" --B 2 --S 64 --Skv 2048 --q-start 3 --indices adversarial --topk-length wild --iters 0
run_case packages packages-len-default-zero "$PKG_DIR/len_default.smlapkg" --B 1 --S 64 --Skv 2048 --indices uniform --topk-length zero --iters 0
run_case packages packages-len-default-full "$PKG_DIR/len_default.smlapkg" --B 1 --S 128 --Skv 4096 --indices uniform --topk-length full --iters 0
run_case packages packages-len-default-vs-simple "$PKG_DIR/len_default.smlapkg" --B 2 --S 300 --Skv 4096 --q-start 7 --indices adversarial --topk-length uniform --iters 0 --compare "$PKG_DIR/len_simple.smlapkg"
run_case packages packages-len-persistent-vs-simple "$PKG_DIR/len_persistent.smlapkg" --B 2 --S 100 --Skv 4096 --q-start 7 --indices adversarial --topk-length uniform --iters 0 --compare "$PKG_DIR/len_simple.smlapkg"
run_case packages packages-sl-default-vs-simple "$PKG_DIR/sl_default.smlapkg" --B 2 --S 200 --Skv 2048 --q-start 7 --indices adversarial --attn-sink mixed --topk-length wild --iters 0 --compare "$PKG_DIR/sl_simple.smlapkg"
for tool in memcheck racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-len-default" "$PKG_DIR/len_default.smlapkg" --S 70 --Skv 1024 --q-start 10 --indices adversarial --topk-length uniform --iters 0 --warmup 0
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-len-persistent" "$PKG_DIR/len_persistent.smlapkg" --S 70 --Skv 1024 --q-start 10 --indices adversarial --topk-length uniform --iters 0 --warmup 0
done
# Dqk = Dv = 512 on the chip's default schedule (seesaw on sm_90a): against
# float64 and element for element against the simple kernel, with
# attn_sink and topk_length too, sanitized.
run_case packages packages-v4-default "$PKG_DIR/v4_default.smlapkg" --B 1 --S 256 --Skv 4096 --q-start 1000 --indices causal --iters 0
run_case packages packages-v4-default-vs-simple "$PKG_DIR/v4_default.smlapkg" --B 2 --S 300 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --compare "$PKG_DIR/v4_simple.smlapkg"
run_case packages packages-v4-default-spiky-vs-simple "$PKG_DIR/v4_default.smlapkg" --B 1 --S 256 --Skv 4096 --q-start 4000 --indices causal --values spiky --iters 0 --compare "$PKG_DIR/v4_simple.smlapkg"
run_case packages packages-v4-sl-default-vs-simple "$PKG_DIR/v4_sl_default.smlapkg" --B 2 --S 200 --Skv 2048 --q-start 7 --indices adversarial --attn-sink mixed --topk-length wild --iters 0 --compare "$PKG_DIR/v4_sl_simple.smlapkg"
for tool in memcheck racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-v4-default" "$PKG_DIR/v4_default.smlapkg" --S 70 --Skv 1024 --q-start 10 --indices adversarial --iters 0 --warmup 0
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-v4-sl-default" "$PKG_DIR/v4_sl_default.smlapkg" --S 70 --Skv 1024 --q-start 10 --indices adversarial --attn-sink mixed --topk-length uniform --iters 0 --warmup 0
done
# The seesaw schedule's shared_validity option against the default seesaw
# kernel (sm_90a packages only; skipped where they were not built).
run_case packages packages-sv-vs-v32 "$PKG_DIR/v32_sv.smlapkg" --B 2 --S 256 --Skv 4096 --indices adversarial --iters 2 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-sv-causal-vs-causal "$PKG_DIR/v32_causal_sv.smlapkg" --B 2 --S 150 --Skv 4096 --q-start 7 --indices adversarial --iters 0 --compare "$PKG_DIR/v32_causal.smlapkg"
for tool in racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-sv" "$PKG_DIR/v32_causal_sv.smlapkg" --S 70 --Skv 1024 --q-start 10 --indices adversarial --iters 0 --warmup 0
done
# The seesaw kernel with one CTA per tile (persistent = false) against the
# persistent default (sm_90a packages only; skipped where they were not
# built).
# carried_pivot (opt-in): the same op, compared element by element with the
# default kernel on adversarial indices (uniform values; on spiky values it
# is known to leave the tolerance, bench/LOG.md step 51).
run_case packages packages-cp-vs-v32 "$PKG_DIR/v32_cp.smlapkg" --B 2 --S 256 --Skv 4096 --indices adversarial --iters 2 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-np-vs-v32 "$PKG_DIR/v32_np.smlapkg" --B 2 --S 256 --Skv 4096 --indices adversarial --iters 2 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-np-causal-vs-causal "$PKG_DIR/v32_causal_np.smlapkg" --B 2 --S 150 --Skv 4096 --q-start 7 --indices adversarial --iters 0 --compare "$PKG_DIR/v32_causal.smlapkg"
SAN_TOOL=racecheck memcheck_case packages packages-racecheck-np "$PKG_DIR/v32_causal_np.smlapkg" --S 4 --Skv 256 --q-start 3 --indices adversarial --iters 0 --warmup 0
# The seesaw schedule's split_tail option (a split kernel for grids below
# one wave) against the default seesaw kernel (sm_90a packages only; skipped
# where they were not built): every tile split over 2-16 CTAs (5 and 7:
# parts of unequal round counts), causal rows
# with few or no valid keys, topk = 512 (one round per part, split although
# the runtime's policy would not), H = 64, repeated launches (the ticket
# counters are reset by each), grids past one and nine waves, and the
# sanitizers.
run_case packages packages-split-vs-v32 "$PKG_DIR/v32_split.smlapkg" --B 1 --S 16 --Skv 4096 --indices adversarial --iters 2 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-split-16parts "$PKG_DIR/v32_split.smlapkg" --B 1 --S 4 --Skv 2048 --indices adversarial --iters 0 --split-parts 16 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-split-7parts "$PKG_DIR/v32_split.smlapkg" --B 1 --S 9 --Skv 2048 --indices adversarial --iters 0 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-split-5parts "$PKG_DIR/v32_split.smlapkg" --B 1 --S 13 --Skv 2048 --indices adversarial --iters 0 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-split-launches "$PKG_DIR/v32_split.smlapkg" --B 3 --S 5 --Skv 300 --indices adversarial --iters 0 --launches 3 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-split-causal-vs-causal "$PKG_DIR/v32_causal_split.smlapkg" --B 2 --S 16 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --compare "$PKG_DIR/v32_causal.smlapkg"
run_case packages packages-split-causal-few-keys "$PKG_DIR/v32_causal_split.smlapkg" --B 1 --S 16 --Skv 2048 --q-start 0 --indices causal --iters 0 --compare "$PKG_DIR/v32_causal.smlapkg"
run_case packages packages-split-topk512 "$PKG_DIR/topk512_split.smlapkg" --B 1 --S 16 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --split-any --compare "$PKG_DIR/topk512.smlapkg"
run_case packages packages-split-h64 "$PKG_DIR/h64_split.smlapkg" --B 1 --S 16 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --compare "$PKG_DIR/h64.smlapkg"
run_case packages packages-split-past-one-wave "$PKG_DIR/v32_split.smlapkg" --B 1 --S 70 --Skv 2048 --indices adversarial --iters 0 --compare "$PKG_DIR/v32.smlapkg"
run_case packages packages-split-nine-waves "$PKG_DIR/v32_split.smlapkg" --B 2 --S 300 --Skv 2048 --indices adversarial --iters 0 --split-any --compare "$PKG_DIR/v32.smlapkg"
for tool in memcheck racecheck synccheck; do
  SAN_TOOL=$tool memcheck_case packages "packages-$tool-split" "$PKG_DIR/v32_causal_split.smlapkg" --S 4 --Skv 256 --q-start 3 --indices adversarial --iters 0 --warmup 0
done

fi  # stage packages

#--- Differential stage (COMPARE_DIR) -----------------------------------------#
# compare_case NAME PACKAGE COMPARE_PACKAGE [flags...]: a run with --compare;
# skipped (and reported) when either package is missing.
compare_case() {
  local name=$1 pkg=$2 other=$3
  shift 3
  if [ "$BUILD_OK" = 1 ] && [ -f "$pkg" ] && [ ! -f "$other" ]; then
    local cmd="sparse-mla-run $(basename "$pkg") $* --compare $other"
    echo "-- $name: SKIPPED (no counterpart $other)"
    printf '%s\t%s\t%s\trun\t%s\t%s\t%s\n' compare "$name" "$pkg" "-" "skipped: no counterpart in COMPARE_DIR ($other)" "$cmd" >> "$CASES"
    return
  fi
  if [ "$BUILD_OK" = 1 ] && [ ! -f "$pkg" ]; then
    local cmd="sparse-mla-run $(basename "$pkg") $* --compare $other"
    echo "-- $name: SKIPPED (no $pkg; only in COMPARE_DIR)"
    printf '%s\t%s\t%s\trun\t%s\t%s\t%s\n' compare "$name" "$pkg" "-" "skipped: no counterpart in PACKAGE_DIR ($pkg)" "$cmd" >> "$CASES"
    return
  fi
  run_case compare "$name" "$pkg" "$@" --compare "$other"
}

if [ -n "$COMPARE_DIR" ] && stage compare; then
  echo "== compare: $PKG_DIR vs $COMPARE_DIR"
  if [ ! -d "$COMPARE_DIR" ]; then
    echo "COMPARE_DIR $COMPARE_DIR is not a directory" >&2
  fi
  names=$( (ls "$PKG_DIR" "$COMPARE_DIR" 2>/dev/null) | grep -E '\.smlapkg$' | sort -u)
  [ -z "$names" ] && echo "-- no *.smlapkg in either directory"
  for f in $names; do
    n=${f%.smlapkg}
    compare_case "compare-$n-uniform" "$PKG_DIR/$f" "$COMPARE_DIR/$f" \
      --B 1 --S 256 --Skv 4096 --indices uniform --iters 3 --warmup 1
    compare_case "compare-$n-adversarial" "$PKG_DIR/$f" "$COMPARE_DIR/$f" \
      --B 2 --S 128 --Skv 1024 --q-start 7 --indices adversarial --iters 0
    compare_case "compare-$n-spiky" "$PKG_DIR/$f" "$COMPARE_DIR/$f" \
      --B 1 --S 128 --Skv 2048 --q-start 7 --indices adversarial --values spiky --iters 0
  done
fi

#--- Results ------------------------------------------------------------------#
python3 - "$RES" "$UNIT_STATUS" "$BUILD_OK" "$COMPARE_DIR" <<'EOF'
import json, os, sys

res, unit_status, build_ok = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
compare_dir = sys.argv[4] or None
runs = []
with open(os.path.join(res, "runs", "cases.tsv")) as f:
    for line in f:
        group, name, pkg, kind, rc, note, cmd = line.rstrip("\n").split("\t", 6)
        r = {"group": group, "name": name, "package": pkg, "kind": kind,
             "command": cmd, "exit_code": None if rc == "-" else int(rc)}
        out = {}
        path = os.path.join(res, "runs", name + ".json")
        if os.path.exists(path):
            try:
                with open(path) as jf:
                    text = jf.read().strip()
                if text:
                    out = json.loads(text.splitlines()[-1])
            except Exception as e:  # a crash may leave no or broken JSON
                r["parse_error"] = str(e)
        if note.startswith("skipped"):
            r["status"] = "skipped"
            r["reason"] = note
        elif note:
            r["status"] = "error"
            r["reason"] = note
        else:
            ok = r["exit_code"] == 0
            if kind == "memcheck":
                san = os.path.join(res, "runs", name + ".sanitizer.log")
                summary = ""
                if os.path.exists(san):
                    for l in open(san, errors="replace"):
                        # memcheck/synccheck: "ERROR SUMMARY: N errors";
                        # racecheck: "RACECHECK SUMMARY: N hazards displayed
                        # (E errors, W warnings)".
                        if "SUMMARY" in l:
                            summary = l.strip().lstrip("= ").strip()
                r["sanitizer"] = summary
                ok = ok and ("ERROR SUMMARY: 0 errors" in summary or
                             "RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)" in summary)
            r["status"] = "pass" if ok else "fail"
            if not ok and r["exit_code"] not in (0, 1, 2, 3, 86):
                r["reason"] = "exit code %s (crash or timeout)" % r["exit_code"]
        for k in ("card", "binary", "chip", "entry", "schedule", "shape",
                  "attrs", "generator", "check", "timing", "deterministic",
                  "compare", "compare_timing", "error"):
            if k in out:
                r[k] = out[k]
        runs.append(r)

card = next((r["card"] for r in runs if r.get("card")), None)
smi = open(os.path.join(res, "nvidia-smi.txt")).read().strip()
counted = [r for r in runs if r["status"] != "skipped"]
failed = [r for r in counted if r["status"] != "pass"]
summary = {
    "runs": len(runs),
    "passed": sum(r["status"] == "pass" for r in runs),
    "failed": len(failed),
    "skipped": sum(r["status"] == "skipped" for r in runs),
    "unit_tests": unit_status,
    "build": "pass" if build_ok else "fail",
}
ok = build_ok and unit_status in ("pass", "skipped") and not failed
summary["ok"] = ok
doc = {"card": card, "nvidia_smi": smi, "compare_dir": compare_dir,
       "summary": summary, "runs": runs}
with open(os.path.join(res, "gpu-tests.json"), "w") as f:
    json.dump(doc, f, indent=2)

def num(v, fmt):
    return fmt % v if isinstance(v, (int, float)) else ""

lines = ["# GPU tests", "",
         "Card: **%s**" % (card or "unknown"), "",
         "```", smi, "```", "",
         "Build: %s. Unit tests (ctest): %s. Runs: %d passed, %d failed, %d skipped."
         % (summary["build"], unit_status, summary["passed"], summary["failed"],
            summary["skipped"]), "",
         "| run | command | result | binary | max err out / lse | median ms | TFLOPS | TB/s |",
         "|---|---|---|---|---|---|---|---|"]
for r in runs:
    chk = r.get("check") or {}
    tim = r.get("timing") or {}
    result = r["status"].upper()
    if r["status"] == "skipped":
        result = "skipped (%s)" % r["reason"].replace("skipped: ", "")
    elif r.get("error"):
        result += ": " + r["error"][:120].replace("|", "/")
    elif r.get("reason"):
        result += ": " + r["reason"]
    elif r.get("sanitizer"):
        result += " (" + r["sanitizer"] + ")"
    errs = ""
    if "max_abs_err_out" in chk:
        errs = "%.2g / %.2g" % (chk["max_abs_err_out"] or 0,
                                chk.get("max_abs_err_lse") or 0)
    lines.append("| %s | `%s` | %s | %s | %s | %s | %s | %s |" % (
        r["name"], r["command"], result, r.get("binary", ""), errs,
        num(tim.get("median_ms"), "%.3f"), num(tim.get("tflops"), "%.1f"),
        num(tim.get("tbps"), "%.2f")))
cmp_runs = [r for r in runs if "compare" in r or r["group"] == "compare"]
if cmp_runs:
    lines += ["", "## Differential runs (--compare)", "",
              "COMPARE_DIR: %s" % (compare_dir or "(self-test only)"), "",
              "| run | compared with | result | rows differing | out / cosine / lse / max_logits mismatches | max diff out / lse | min cosine | main ms | compare ms | speedup |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in cmp_runs:
        c = r.get("compare") or {}
        t1 = r.get("timing") or {}
        t2 = r.get("compare_timing") or {}
        if r["status"] == "skipped":
            result = "skipped (%s)" % r["reason"].replace("skipped: ", "")
        else:
            result = c.get("status", r["status"]).upper()
            if r.get("error"):
                result += ": " + r["error"][:120].replace("|", "/")
        counts = ""
        if "out_mismatches" in c:
            ml = c.get("max_logits_mismatches")
            counts = "%s / %s / %s / %s" % (c["out_mismatches"], c["cosine_failures"],
                                            c["lse_mismatches"], "-" if ml is None else ml)
        diffs = ""
        if "max_abs_diff_out" in c:
            diffs = "%.2g / %.2g" % (c["max_abs_diff_out"] or 0, c.get("max_abs_diff_lse") or 0)
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], os.path.basename(c.get("package", "")) or "", result,
            c.get("mismatched_rows", ""), counts, diffs,
            num(c.get("min_cosine"), "%.7f"), num(t1.get("median_ms"), "%.3f"),
            num(t2.get("median_ms"), "%.3f"), num(t2.get("speedup"), "%.2fx")))
if failed:
    lines += ["", "## Failures", ""]
    for r in failed:
        what = "check failed"
        if (r.get("compare") or {}).get("status") == "fail":
            what = ("differential check failed" if (r.get("check") or {}).get("status") != "fail"
                    else "check and differential check failed")
        lines.append("- **%s**: %s" % (r["name"], r.get("error") or r.get("reason")
                                       or r.get("sanitizer") or what))
        for m in ((r.get("check") or {}).get("first_failures") or [])[:5]:
            lines.append("  - " + m)
        cmp = r.get("compare") or {}
        for m in (cmp.get("first_mismatches") or [])[:5]:
            lines.append("  - compare: " + m.get("message", ""))
        for m in ((cmp.get("scan") or {}).get("first_failures") or [])[:3]:
            lines.append("  - compare scan: " + m)
with open(os.path.join(res, "gpu-tests.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines[8:]))
print("\n%s: %d passed, %d failed, %d skipped; unit tests %s; build %s" % (
    "OK" if ok else "FAILED", summary["passed"], summary["failed"],
    summary["skipped"], unit_status, summary["build"]))
sys.exit(0 if ok else 1)
EOF
rc=$?
[ "$BUILD_OK" != 1 ] && exit 2
exit $rc
