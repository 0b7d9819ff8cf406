// The value hand-off kernel of ws-expand-value-transfers.mlir lowered through
// the ws passes and upstream GPU-to-NVVM to PTX for sm_90a and assembled by
// ptxas: the ring's stores and loads sit between the mbarrier waits and
// arrivals, the role budgets hold (no C7508) and nothing spills.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %S/ws-expand-value-transfers.mlir --pass-pipeline="builtin.module(nvvm-attach-target{chip=sm_90a features=+ptx80 O=3},gpu.module(ws-expand-value-transfers,ws-insert-proxy-fences,convert-ws-warp-specialize-to-nvvm,convert-ws-channels-to-nvvm,expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-gpu-to-nvvm,convert-nvvm-to-llvm,reconcile-unrealized-casts))" -o %t.mlir
// RUN: sparse-mla-translate --ptx --gpu-module=value_kernels --toolkit=%cuda_toolkit %t.mlir -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508

// PTX: .entry row_max(
// PTX: setmaxnreg.dec.sync.aligned.u32 40;
// PTX: mbarrier.try_wait.parity.shared.b64
// PTX: st.shared.b32
// PTX: mbarrier.arrive.shared.b64
// PTX: setmaxnreg.dec.sync.aligned.u32 232;
// PTX: mbarrier.try_wait.parity.shared.b64
// PTX: ld.shared.b32
// PTX: mbarrier.arrive.shared.b64

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
