#!/usr/bin/env python3
"""The card's bf16 matrix-multiply rate, measured the way the kernels are:
CUDA events, warm-up, median of N runs. Prints one JSON object."""
import json
import sys

import torch


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
    iters = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    torch.manual_seed(0)
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(5):
        torch.matmul(a, b)
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        torch.matmul(a, b)
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    median = times[len(times) // 2]
    # A check that the product is a product: one entry against float64.
    c = torch.matmul(a, b)
    ref = (a[0].double() @ b[:, 0].double()).item()
    ok = abs(c[0, 0].double().item() - ref) <= 1e-2 * max(1.0, abs(ref))
    print(json.dumps({
        "card": torch.cuda.get_device_name(0),
        "n": n, "median_ms": median, "min_ms": times[0], "max_ms": times[-1],
        "tflops": 2.0 * n ** 3 / (median * 1e-3) / 1e12, "check": "pass" if ok else "fail",
        "torch": torch.__version__,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
