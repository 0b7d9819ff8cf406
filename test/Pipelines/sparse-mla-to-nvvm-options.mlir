// Every option of sparse-mla-to-nvvm is checked when the pipeline is
// parsed: a value that works nowhere is refused by name before any pass
// runs (nothing reaches LLVM to be ignored or to abort on).
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="features=+ptx91" 2>&1 | FileCheck %s --check-prefix=PTX91
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="features=+ptx78" 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="features=ptx86" 2>&1 | FileCheck %s --check-prefix=NOPLUS
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="features=+wgmma" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_95" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_75" 2>&1 | FileCheck %s --check-prefix=SM75
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="chip=h100" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="opt-level=4" 2>&1 | FileCheck %s --check-prefix=OPT
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="opt-level=-1" 2>&1 | FileCheck %s --check-prefix=OPTNEG
// RUN: not sparse-mla-opt %s --sparse-mla-to-nvvm="schedule=fast" 2>&1 | FileCheck %s --check-prefix=SCHED
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a features=+ptx86,+ptx87" -o /dev/null

// PTX91: error: sparse-mla-to-nvvm: PTX feature '+ptx91' is not one LLVM's NVPTX backend knows (PTX ISA features +ptxNN up to +ptx{{[0-9]+}})
// OLD: error: sparse-mla-to-nvvm: PTX feature '+ptx78' is older than sm_90a allows: it needs PTX ISA 8.0 or newer (+ptx80)
// NOPLUS: error: sparse-mla-to-nvvm: PTX feature 'ptx86' must start with '+' or '-'
// UNKNOWN: error: sparse-mla-to-nvvm: PTX feature '+wgmma' is not one LLVM's NVPTX backend knows
// CHIP: error: sparse-mla-to-nvvm: chip 'sm_95' is not a processor LLVM's NVPTX backend knows (known: {{.*}})
// SM75: error: sparse-mla-to-nvvm: chip 'sm_75' is not supported: every schedule needs sm_80 or newer
// NAME: error: sparse-mla-to-nvvm: invalid chip 'h100', expected sm_XY or sm_XYa (e.g. sm_90a)
// OPT: error: sparse-mla-to-nvvm: invalid opt-level 4, expected 0 to 3
// OPTNEG: error: sparse-mla-to-nvvm: invalid opt-level -1, expected 0 to 3
// SCHED: error: sparse-mla-to-nvvm: invalid schedule 'fast', expected default, seesaw, simple or pipelined

func.func @small(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                 %idx: memref<?x?x1x2048xi32>, %qs: i32,
                 %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 {causal = false}
  return
}
