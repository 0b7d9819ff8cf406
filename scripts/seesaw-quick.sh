#!/usr/bin/env bash
# quick seesaw debug run on the GPU machine
set -u
nvidia-smi -L
B=/tmp/br
cmake -S runtime -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > /tmp/cmake.log 2>&1 || { tail -20 /tmp/cmake.log; exit 1; }
cmake --build $B -j16 --target sparse-mla-run > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
R=$B/sparse-mla-run
S=packages-gpu/seesaw; P=packages-gpu/simple
run() { echo "### $*"; timeout ${T:-60} "$@" 2>&1 | tail -${N:-6}; echo "rc=$?"; }
run $R $S/v32.smlapkg --B 1 --S 8 --Skv 512 --indices uniform --iters 0 --compare $P/v32.smlapkg
run $R $S/v32.smlapkg --B 1 --S 64 --Skv 2048 --indices adversarial --iters 0 --compare $P/v32.smlapkg
run $R $S/v32_causal.smlapkg --B 2 --S 128 --Skv 2048 --q-start 7 --indices adversarial --iters 0 --compare $P/v32_causal.smlapkg
T=120 run $R $S/v32.smlapkg --B 1 --S 4096 --Skv 8192 --indices uniform --iters 5 --warmup 2
