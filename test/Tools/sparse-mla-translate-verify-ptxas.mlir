// sparse-mla-translate refuses a kernel that ptxas reports as running
// outside its plan: setmaxnreg ignored (info C7508), or a stack frame (local
// memory). --verify-ptxas=false lets it through.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(nvvm-attach-target{chip=sm_90a features=+ptx80},gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm,reconcile-unrealized-casts))" -o %t.mlir
// RUN: not sparse-mla-translate --ptx --gpu-module=ignored --toolkit=%cuda_toolkit %t.mlir -o /dev/null 2>&1 | FileCheck %s --check-prefix=IGNORED
// RUN: not sparse-mla-translate --ptx --gpu-module=local --toolkit=%cuda_toolkit %t.mlir -o /dev/null 2>&1 | FileCheck %s --check-prefix=LOCAL
// RUN: sparse-mla-translate --ptx --gpu-module=ignored --verify-ptxas=false --toolkit=%cuda_toolkit %t.mlir | FileCheck %s --check-prefix=UNCHECKED

// IGNORED: error: ptxas -v -arch=sm_90a reports:
// IGNORED-NEXT: (C7508) Potential Performance Loss: 'setmaxnreg' ignored
// LOCAL: error: ptxas -v -arch=sm_90a reports:
// LOCAL-NEXT: {{[1-9][0-9]*}} bytes stack frame
// UNCHECKED: setmaxnreg.inc.sync.aligned.u32 216;

// No register count at entry: ptxas ignores the setmaxnreg.
gpu.module @ignored {
  gpu.func @k() kernel {
    nvvm.setmaxregister increase 216
    gpu.return
  }
}

// A private array indexed at run time lives in local memory.
gpu.module @local {
  gpu.func @k(%out: memref<256xf32>, %i: index, %j: index) kernel {
    %buf = memref.alloca() : memref<256xf32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    scf.for %k = %c0 to %c256 step %c1 {
      %v = memref.load %out[%k] : memref<256xf32>
      %w = arith.mulf %v, %v : f32
      memref.store %w, %buf[%k] : memref<256xf32>
    }
    %one = arith.constant 1.0 : f32
    memref.store %one, %buf[%j] : memref<256xf32>
    %x = memref.load %buf[%i] : memref<256xf32>
    memref.store %x, %out[%j] : memref<256xf32>
    gpu.return
  }
}
