# Sourced by the scripts that run kernels (scripts/gpu-test.sh,
# scripts/seesaw-quick.sh, bench/run.sh): on a machine without a usable
# NVIDIA GPU they say so once and exit 3 before building or running
# anything.
require_gpu() {
  local listing
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "error: no NVIDIA GPU here (nvidia-smi not found): $(basename "$0") runs kernels and needs a machine with an NVIDIA GPU and its driver (README.md, 'Running on a GPU')" >&2
    exit 3
  fi
  if ! listing=$(nvidia-smi -L 2>&1) || ! grep -q '^GPU ' <<<"$listing"; then
    echo "error: no usable NVIDIA GPU here (nvidia-smi -L: ${listing:-no output}): $(basename "$0") runs kernels and needs a machine with an NVIDIA GPU and its driver (README.md, 'Running on a GPU')" >&2
    exit 3
  fi
}
