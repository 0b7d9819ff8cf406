#!/bin/bash
# The GPU scripts of bench/LOG.md step 50 (run from the repository root on
# the GPU machine with packages-gpu/{seesaw,simple} built by
# scripts/build-packages.sh; OUT is the directory that comes back).
# Call 1 (always split, --split-parts 0/8/16; the split packages then in
# packages-gpu/split) and call 2 (past one wave) used the runtime before its
# split policy; calls 3 (policy), 4 (fixes) and 5 (h200) are below.
set -u
case "${1:-}" in
policy | fixes | h200) ;;
*) echo "usage: $0 policy|fixes|h200" >&2; exit 2;;
esac
P=packages-gpu/seesaw
nvidia-smi -L
B=/tmp/br
cmake -S runtime -B "$B" -DCMAKE_BUILD_TYPE=Release > /tmp/cmake.log 2>&1 || { tail -20 /tmp/cmake.log; exit 1; }
cmake --build "$B" -j16 > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
R=$B/sparse-mla-run
# c FLAGS...: one run, its check and compare lines reduced to PASS / FAIL.
c() { printf '%-44s ' "$*" | cut -c1-60 | tr -d '\n'; timeout 120 $R "$@" 2>&1 | grep -E '^(check|compare):' | sed -E 's/^(check|compare): (PASS|FAIL).*/\1 \2/' | tr '\n' ' '; echo "rc=${PIPESTATUS[0]}"; }
# tm LABEL PKG1 PKG2 FLAGS: both packages timed twice, alternating.
tm() { for pkg in $2 $3 $2 $3; do printf '%-10s %-26s ' "$1" "$pkg"; timeout 120 $R $P/$pkg $4 --check-rows 16 --warmup 2 --iters 10 2>&1 | grep -E '^(time|check)' | sed -E 's/check: (PASS|FAIL).*/\1/; s/\(min.*//' | tr '\n' ' '; echo; done; }
V=$P/v32.smlapkg; VS=$P/v32_split.smlapkg
case "$1" in
policy)
  {
  tm S16 v32.smlapkg v32_split.smlapkg "--B 1 --S 16 --Skv 8192 --indices uniform"
  tm S70 v32.smlapkg v32_split.smlapkg "--B 1 --S 70 --Skv 8192 --indices uniform"
  tm headline v32.smlapkg v32_split.smlapkg "--B 1 --S 4096 --Skv 8192 --indices uniform"
  tm dec-B8 v32_causal.smlapkg v32_causal_split.smlapkg "--B 8 --S 2 --Skv 8192 --q-start 6144 --indices causal"
  tm h64-S16 h64.smlapkg h64_split.smlapkg "--B 1 --S 16 --Skv 8192 --q-start 4096 --indices causal"
  tm k512-S16 topk512.smlapkg topk512_split.smlapkg "--B 1 --S 16 --Skv 8192 --q-start 4096 --indices causal"
  } > $OUT/policy.log 2>&1
  cat $OUT/policy.log
  mkdir -p /tmp/res; COMPARE_DIR=packages-gpu/simple SKIP_SELF_TEST=1 bash scripts/gpu-test.sh $P /tmp/res > $OUT/matrix.log 2>&1
  echo "matrix rc=$?"; cp /tmp/res/gpu-tests.md /tmp/res/gpu-tests.json $OUT/ 2>/dev/null
  tail -3 $OUT/matrix.log
  ;;
fixes)
  (cd $B && ctest 2>&1 | tail -2)
  {
  c $VS --B 1 --S 16 --Skv 4096 --indices adversarial --iters 0 --compare $V
  c $VS --B 1 --S 4 --Skv 2048 --indices adversarial --iters 0 --split-parts 16 --compare $V
  c $VS --B 1 --S 9 --Skv 2048 --indices adversarial --iters 0 --compare $V
  c $VS --B 1 --S 13 --Skv 2048 --indices adversarial --iters 0 --compare $V
  c $VS --B 3 --S 5 --Skv 300 --indices adversarial --iters 0 --launches 3 --compare $V
  c $P/v32_causal_split.smlapkg --B 2 --S 16 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --compare $P/v32_causal.smlapkg
  c $P/v32_causal_split.smlapkg --B 1 --S 16 --Skv 2048 --q-start 0 --indices causal --iters 0 --compare $P/v32_causal.smlapkg
  c $P/topk512_split.smlapkg --B 1 --S 16 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --split-any --compare $P/topk512.smlapkg
  c $P/h64_split.smlapkg --B 1 --S 16 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --compare $P/h64.smlapkg
  c $VS --B 1 --S 70 --Skv 2048 --indices adversarial --iters 0 --compare $V
  c $VS --B 2 --S 300 --Skv 2048 --indices adversarial --iters 0 --split-any --compare $V
  for tool in memcheck racecheck synccheck; do
    printf '%-10s ' $tool; timeout 200 compute-sanitizer --tool $tool $R $P/v32_causal_split.smlapkg --S 4 --Skv 256 --q-start 3 --indices adversarial --iters 0 --warmup 0 2>&1 | grep -E 'SUMMARY|^check' | tr '\n' ' '; echo
  done
  } > $OUT/checks.log 2>&1
  cat $OUT/checks.log
  {
  tm S16 v32.smlapkg v32_split.smlapkg "--B 1 --S 16 --Skv 8192 --indices uniform"
  tm S1 v32.smlapkg v32_split.smlapkg "--B 1 --S 1 --Skv 8192 --indices uniform"
  tm S70 v32.smlapkg v32_split.smlapkg "--B 1 --S 70 --Skv 8192 --indices uniform"
  tm dec-B8 v32_causal.smlapkg v32_causal_split.smlapkg "--B 8 --S 2 --Skv 8192 --q-start 6144 --indices causal"
  } > $OUT/time3.log 2>&1
  cat $OUT/time3.log
  ;;
h200)
  c $VS --B 1 --S 16 --Skv 4096 --indices adversarial --iters 0 --compare $V
  c $P/v32_causal_split.smlapkg --B 2 --S 16 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --compare $P/v32_causal.smlapkg
  tm S1 v32.smlapkg v32_split.smlapkg "--B 1 --S 1 --Skv 8192 --indices uniform"
  tm S16 v32.smlapkg v32_split.smlapkg "--B 1 --S 16 --Skv 8192 --indices uniform"
  tm S70 v32.smlapkg v32_split.smlapkg "--B 1 --S 70 --Skv 8192 --indices uniform"
  tm S400 v32.smlapkg v32_split.smlapkg "--B 1 --S 400 --Skv 8192 --indices uniform"
  tm dec-B8 v32_causal.smlapkg v32_causal_split.smlapkg "--B 8 --S 2 --Skv 8192 --q-start 6144 --indices causal"
  tm headline v32.smlapkg v32_split.smlapkg "--B 1 --S 4096 --Skv 8192 --indices uniform"
  ;;
esac
