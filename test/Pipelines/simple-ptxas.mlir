// The simple kernel assembles with ptxas for sm_90a and for sm_80 (where
// ptxas exists), with no spills and no local memory.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a schedule=simple" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.sm90.ptx
// RUN: FileCheck %s --check-prefix=PTX --implicit-check-not=.extern < %t.sm90.ptx
// RUN: %ptxas -v -arch=sm_90a %t.sm90.ptx -o %t.sm90.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_80" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit -o %t.sm80.ptx
// RUN: %ptxas -v -arch=sm_80 %t.sm80.ptx -o %t.sm80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// Newer chips get the PTX ISA they need (sm_100a: 8.6, sm_120: 8.7);
// --verify-ptxas assembles each for its chip.
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_100a" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit | FileCheck %s --check-prefix=SM100
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_120" | sparse-mla-translate --ptx --toolkit=%cuda_toolkit | FileCheck %s --check-prefix=SM120
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="schedule=simple" | sparse-mla-translate --package --toolkit=%cuda_toolkit -o %t.smlapkg
// RUN: od -A n -c -N 8 %t.smlapkg | FileCheck %s --check-prefix=MAGIC

// PTX: .target sm_90a
// PTX: .entry sparse_mla_fwd_simple(
// PTX: .maxntid 128, 1, 1
// PTX: bar.sync 0;
// PTX: ex2.approx

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// MAGIC: S M L A P K G \0
// SM100: .version 8.6
// SM100: .target sm_100a
// SM120: .version 8.7
// SM120: .target sm_120

func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = false}
  return
}
