"""Host time per call of the launch paths, on a GPU: each repetition puts a
~20 ms sleep kernel on the stream first, so the timed calls only enqueue
behind it and never wait for the GPU:

  python3 python/bench/overhead.py [--calls 50] [--reps 30]

Each path is timed as calls back to back, no synchronization inside, the
median over --reps repetitions; every path's result is checked once against
the float64 reference first."""
import argparse
import ctypes
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
import sparse_mla  # noqa: E402
from sparse_mla import _ops, _runtime  # noqa: E402
from reference import check, make_inputs, reference  # noqa: E402


def per_call_us(fn, calls, reps):
    """Host time per call while the GPU is busy with a sleep kernel, so the
    calls only enqueue (they never wait for the GPU)."""
    fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(reps):
        torch.cuda._sleep(40_000_000)  # ~20 ms of GPU time ahead of the calls
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        t1 = time.perf_counter()
        torch.cuda.synchronize()
        samples.append((t1 - t0) / calls * 1e6)
    return statistics.median(samples), min(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args()
    q, kv, idx = make_inputs(1, 1, 128, 4096, 2048, seed=1)
    out = torch.empty(1, 1, 128, 512, dtype=torch.bfloat16, device="cuda")
    lse = torch.empty(1, 1, 128, device="cuda")
    ml = torch.empty_like(lse)
    ref = reference(q, kv, idx, causal=False)

    pkg = _ops._prepare(q, kv, idx, 0, None, False, 1, "default", 512)[0]
    lib = _runtime.library()
    stream = torch.cuda.current_stream().cuda_stream
    T = _runtime.TENSOR
    bufs = []
    for t, dt in ((q, 1), (kv, 1), (idx, 3), (out, 1), (lse, 2), (ml, 2)):
        b = ctypes.create_string_buffer(T.size)
        r = t.dim()
        pad = (0,) * (4 - r)
        T.pack_into(b, 0, t.data_ptr(), dt, r, *t.shape, *pad, *t.stride(), *pad)
        bufs.append(b)
    ptrs = [ctypes.addressof(b) for b in bufs]
    launch = lib.smla_launch
    launch_ex = lib.smla_launch_ex
    h = pkg.handle

    def c_api():
        launch(h, ptrs[0], ptrs[1], ptrs[2], 0, ptrs[3], ptrs[4], ptrs[5],
               stream)

    def c_api_trusted():
        launch_ex(h, ptrs[0], ptrs[1], ptrs[2], 0, ptrs[3], ptrs[4], ptrs[5],
                  stream, 0.0, _runtime.LAUNCH_TRUSTED_MEMORY)

    def ctypes_floor():
        lib.smla_package_loaded_binary(h)

    paths = [
        ("smla_launch (C API through ctypes, operands prepacked)", c_api),
        ("smla_launch_ex(TRUSTED_MEMORY) (what the Python path calls)",
         c_api_trusted),
        ("a trivial runtime call through ctypes (ctypes' own cost)", ctypes_floor),
        ("sparse_mla.fwd(q, kv, idx, out=, lse=, max_logits=)",
         lambda: sparse_mla.fwd(q, kv, idx, causal=False, out=out, lse=lse,
                                max_logits=ml)),
        ("sparse_mla.fwd(q, kv, idx) (allocates the outputs)",
         lambda: sparse_mla.fwd(q, kv, idx, causal=False)),
        ("sparse_mla.flash_mla_sparse_fwd(q, kv, idx, scale)",
         lambda: sparse_mla.flash_mla_sparse_fwd(q[0], kv[0], idx[0], 1 / 24)),
        ("torch.ops.sparse_mla.fwd (through the dispatcher)",
         lambda: torch.ops.sparse_mla.fwd(q, kv, idx, 0, 1 / 24, False, 1,
                                          "default", 512)),
    ]
    # The pieces of the functional path, each alone.
    plan = _ops._plan(q, kv, idx, 0, None, False, 1, "default", 512)
    data = (q.data_ptr(), kv.data_ptr(), idx.data_ptr(), out.data_ptr(),
            lse.data_ptr(), ml.data_ptr())
    drv = _runtime.driver()
    raw_stream = _ops._stream
    paths += [
        ("  piece: the call signature (plan key) and lookup",
         lambda: _ops._plans.get(_ops._signature(
             q, kv, idx, 0, None, False, 1, "default", 512, 4, None))),
        ("  piece: three q.new_empty (the outputs)",
         lambda: (q.new_empty((1, 1, 128, 512)),
                  q.new_empty((1, 1, 128), dtype=torch.float32),
                  q.new_empty((1, 1, 128), dtype=torch.float32))),
        ("  piece: three torch.empty(..., device=)",
         lambda: (torch.empty((1, 1, 128, 512), dtype=torch.bfloat16,
                              device=q.device),
                  torch.empty((1, 1, 128), dtype=torch.float32,
                              device=q.device),
                  torch.empty((1, 1, 128), dtype=torch.float32,
                              device=q.device))),
        ("  piece: six data_ptr() calls",
         lambda: (q.data_ptr(), kv.data_ptr(), idx.data_ptr(),
                  out.data_ptr(), lse.data_ptr(), ml.data_ptr())),
        ("  piece: the context's device (one driver call)",
         drv.current_device),
        ("  piece: the current stream", lambda: raw_stream(0)),
        ("  piece: launch_packed (pointers patched, ctypes, C launch)",
         lambda: plan.pkg.launch_packed(plan.packed, data, 0,
                                        raw_stream(0), plan.scale,
                                        _runtime.LAUNCH_TRUSTED_MEMORY)),
    ]
    try:
        import flash_mla
        paths.append(("flash_mla.flash_mla_sparse_fwd (the peer)",
                      lambda: flash_mla.flash_mla_sparse_fwd(q[0], kv[0], idx[0],
                                                             1 / 24)))
    except Exception:  # noqa: BLE001
        pass

    # Correctness of each path once.
    c_api()
    torch.cuda.synchronize()
    check(out, lse, ml, ref, what="C API")
    out.zero_()
    c_api_trusted()
    torch.cuda.synchronize()
    check(out, lse, ml, ref, what="C API, trusted memory")
    for what in ("fwd", "fwd, planned (second call)"):
        o, l, m = sparse_mla.fwd(q, kv, idx, causal=False)
        torch.cuda.synchronize()
        check(o, l, m, ref, what=what)
    for what in ("fwd(out=)", "fwd(out=), planned (second call)"):
        out.zero_()
        sparse_mla.fwd(q, kv, idx, causal=False, out=out, lse=lse,
                       max_logits=ml)
        torch.cuda.synchronize()
        check(out, lse, ml, ref, what=what)
    o, l, m = torch.ops.sparse_mla.fwd(q, kv, idx, 0, 1 / 24, False, 1,
                                       "default", 512)
    torch.cuda.synchronize()
    check(o, l, m, ref, what="torch.ops")

    print("%s, torch %s; host time per call, median (min) of %d x %d calls"
          % (torch.cuda.get_device_name(), torch.__version__, args.reps,
             args.calls))
    fast = _ops._fast
    print("launch path: %s" % ("C++ (build-extension)" if fast else "ctypes"))
    for name, fn in paths:
        med, lo = per_call_us(fn, args.calls, args.reps)
        print("  %-62s %7.2f us (%.2f)" % (name, med, lo))
    if fast is not None:  # The same calls through the ctypes path.
        _ops._fast = None
        o, l, m = sparse_mla.fwd(q, kv, idx, causal=False)
        torch.cuda.synchronize()
        check(o, l, m, ref, what="fwd [ctypes]")
        for name, fn in paths[3:7]:
            med, lo = per_call_us(fn, args.calls, args.reps)
            print("  %-62s %7.2f us (%.2f)" % (name + " [ctypes]", med, lo))
        _ops._fast = fast


if __name__ == "__main__":
    main()
