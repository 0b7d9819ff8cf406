// Errors of --sparse-mla-select-schedule: each RUN line asks for something
// the chip or the shape cannot give and checks the diagnostic names it.
//
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule="chip=sm_80 schedule=seesaw" 2>&1 | FileCheck %s --check-prefix=SEESAW-SM80
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=chip=sm_75 2>&1 | FileCheck %s --check-prefix=SM75
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=chip=gfx90a 2>&1 | FileCheck %s --check-prefix=BAD-CHIP
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=schedule=fast 2>&1 | FileCheck %s --check-prefix=BAD-KIND
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=schedule=seesaw 2>&1 | FileCheck %s --check-prefix=SEESAW-SHAPE
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=schedule=simple 2>&1 | FileCheck %s --check-prefix=MISMATCH
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=chip=sm_86 2>&1 | FileCheck %s --check-prefix=SMEM-SM86
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=chip=sm_90 2>&1 | FileCheck %s --check-prefix=SEESAW-SM90
// RUN: not sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule="chip=sm_86 schedule=pipelined" 2>&1 | FileCheck %s --check-prefix=PIPELINED-SM86

// SEESAW-SM80: error: 'sparse_mla.fwd' op seesaw schedule needs sm_90a (WGMMA, TMA and setmaxnreg), but the target chip is sm_80
// SM75: error: 'sparse_mla.fwd' op simple schedule needs sm_80 or newer (bf16 and cp.async), but the target chip is sm_75
// BAD-CHIP: error: sparse-mla-select-schedule: invalid chip 'gfx90a', expected sm_XY or sm_XYa (e.g. sm_90a)
// BAD-KIND: error: sparse-mla-select-schedule: invalid schedule 'fast', expected default, seesaw, simple or pipelined
// SEESAW-SHAPE: error: 'sparse_mla.fwd' op seesaw schedule needs topk to be a multiple of 2 x block_k = 128, but got 2000 (target chip sm_90a)
// MISMATCH: error: 'sparse_mla.fwd' op has a seesaw schedule, but the pass was asked for simple
// SMEM-SM86: error: 'sparse_mla.fwd' op simple schedule needs 130816 bytes of shared memory for Dqk = 576, above the limit of 101376 bytes per block (target chip sm_86)
// PIPELINED-SM86: error: 'sparse_mla.fwd' op pipelined schedule needs sm_90 or newer (mbarrier try_wait), but the target chip is sm_86
// SEESAW-SM90: error: 'sparse_mla.fwd' op seesaw schedule needs sm_90a (WGMMA, TMA and setmaxnreg), but the target chip is sm_90

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
  return
}

// -----

func.func @odd_topk(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                    %idx: memref<?x?x1x2000xi32>, %qs: i32,
                    %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2000xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
  return
}

// -----

func.func @user_seesaw(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                       %idx: memref<?x?x1x256xi32>, %qs: i32,
                       %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

// Fits sm_90a's 227 KiB, not sm_86's 99 KiB.
func.func @big_simple(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                      %idx: memref<?x?x1x256xi32>, %qs: i32,
                      %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 64, stages = 1, warpgroups = 1>}
  return
}
