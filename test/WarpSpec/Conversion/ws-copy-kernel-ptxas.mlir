// The producer/consumer copy kernel of ws-copy-kernel.mlir, lowered through
// the ws passes and upstream GPU-to-NVVM to PTX for sm_90a and assembled by
// ptxas: the role budgets are honoured (no C7508), nothing spills, and the
// mbarrier protocol reaches the PTX.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %S/ws-copy-kernel.mlir --pass-pipeline="builtin.module(nvvm-attach-target{chip=sm_90a features=+ptx80 O=3},gpu.module(convert-ws-warp-specialize-to-nvvm,convert-ws-channels-to-nvvm,convert-scf-to-cf,convert-gpu-to-nvvm,convert-nvvm-to-llvm,reconcile-unrealized-casts))" -o %t.mlir
// RUN: sparse-mla-translate --ptx --gpu-module=copy_kernels --toolkit=%cuda_toolkit %t.mlir -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7508

// PTX: .entry copy(
// PTX: .maxntid 256, 1, 1
// PTX: .minnctapersm 1
// The four barriers of the shared array: full[0], empty[0], full[1],
// empty[1], at bytes 0, 16, 8, 24.
// PTX: mbarrier.init.shared.b64 {{\[}}[[BARS:[A-Za-z_0-9]+]]],
// PTX-NEXT: mbarrier.init.shared.b64 {{\[}}[[BARS]]+16],
// PTX-NEXT: mbarrier.init.shared.b64 {{\[}}[[BARS]]+8],
// PTX-NEXT: mbarrier.init.shared.b64 {{\[}}[[BARS]]+24],
// PTX: bar.sync 0;
// PTX: setmaxnreg.dec.sync.aligned.u32 40;
// PTX: mbarrier.try_wait.parity.shared.b64
// PTX: mbarrier.arrive.shared.b64
// PTX: setmaxnreg.dec.sync.aligned.u32 232;
// PTX: mbarrier.try_wait.parity.shared.b64
// PTX: mbarrier.arrive.shared.b64 {{.*}}+16];

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
