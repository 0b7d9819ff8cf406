// The system's stock mlir-opt with libSparseMLAPlugin.so: the dialects parse
// and print, the passes and the pipeline run, and the pipeline's output is
// the same as sparse-mla-opt's.
// RUN: %system_mlir_opt --load-dialect-plugin=%sparse_mla_plugin %s | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: %system_mlir_opt --load-dialect-plugin=%sparse_mla_plugin --load-pass-plugin=%sparse_mla_plugin %s --pass-pipeline="builtin.module(sparse-mla-select-schedule{chip=sm_90a})" | FileCheck %s --check-prefix=SCHEDULE
// RUN: %system_mlir_opt --load-dialect-plugin=%sparse_mla_plugin --load-pass-plugin=%sparse_mla_plugin %s --pass-pipeline="builtin.module(sparse-mla-to-nvvm{chip=sm_90a})" -o %t.plugin.mlir
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm=chip=sm_90a -o %t.opt.mlir
// RUN: cmp %t.plugin.mlir %t.opt.mlir
// RUN: FileCheck %s --check-prefix=NVVM --input-file=%t.plugin.mlir
// The ws dialect and its lowerings come with the plugin.
// RUN: %system_mlir_opt --load-dialect-plugin=%sparse_mla_plugin --load-pass-plugin=%sparse_mla_plugin %S/../WarpSpec/Conversion/ws-copy-kernel.mlir --pass-pipeline="builtin.module(gpu.module(convert-ws-warp-specialize-to-nvvm,convert-ws-channels-to-nvvm))" | FileCheck %s --check-prefix=WS
// A bad pipeline option is refused by name in the stock tool too.
// RUN: not %system_mlir_opt --load-dialect-plugin=%sparse_mla_plugin --load-pass-plugin=%sparse_mla_plugin %s --pass-pipeline="builtin.module(sparse-mla-to-nvvm{features=+ptx91})" 2>&1 | FileCheck %s --check-prefix=BAD

// ROUNDTRIP: sparse_mla.fwd q(%{{.*}} : memref<?x?x128x576xbf16>)
// SCHEDULE: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64
// NVVM: gpu.module @sparse_mla_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx86">]
// NVVM: wgmma.mma_async
// WS: nvvm.setmaxregister decrease 40
// WS: nvvm.mbarrier.try_wait.parity
// WS-NOT: ws.
// BAD: error: sparse-mla-to-nvvm: PTX feature '+ptx91' is not one LLVM's NVPTX backend knows

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 {causal = false}
  return
}
