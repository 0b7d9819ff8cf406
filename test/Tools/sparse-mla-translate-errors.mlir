// Each refusal of sparse-mla-translate names what is wrong; none crashes.
// RUN: not sparse-mla-translate --ptx --gpu-module=nope %s 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not sparse-mla-translate --ptx --gpu-module=notarget %s 2>&1 | FileCheck %s --check-prefix=NOTARGET
// RUN: not sparse-mla-translate --ptx --gpu-module=amd %s 2>&1 | FileCheck %s --check-prefix=AMD
// RUN: not sparse-mla-translate --manifest --gpu-module=k %s 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not sparse-mla-translate --manifest --kernel=f %s 2>&1 | FileCheck %s --check-prefix=ENTRY
// RUN: not sparse-mla-translate --manifest --kernel=h %s 2>&1 | FileCheck %s --check-prefix=ABI

// MISSING: error: no gpu.module named @nope
// NOTARGET: error: gpu.module @notarget must have exactly one target (run nvvm-attach-target or sparse-mla-to-nvvm)
// AMD: error: gpu.module @amd must target NVVM, but has #rocdl.target
// MODE: error: --gpu-module needs --ptx
// ENTRY: error: sparse_mla.kernel_info names entry 'g', but the launch calls @f
// ABI: error: kernel parameter 'x' has a type the package ABI does not know: 'f64'

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f() kernel {
      gpu.return
    }
    gpu.func @h(%x: f64) kernel {
      gpu.return
    }
  }
  gpu.module @notarget {
  }
  gpu.module @amd [#rocdl.target<chip = "gfx90a">] {
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) {sparse_mla.kernel_info = {block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, entry = "g", grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}, params = []}}
    %x = arith.constant 1.0 : f64
    gpu.launch_func @k::@h blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : f64) {sparse_mla.kernel_info = {block = array<i64: 128, 1, 1>, dynamic_shared_memory = 0 : i64, entry = "h", grid = [{dim = "S", multiplier = 2 : i64}, {dim = "B", multiplier = 1 : i64}, {multiplier = 1 : i64}], op = {B, Dqk = 64 : i64, Dv = 32 : i64, G = 1 : i64, H = 8 : i64, S, Skv, causal = true, has_max_logits = false, kv_stride = 1 : i64, schedule = "s", sm_scale = 1.250000e-01 : f64, topk = 32 : i64}, params = ["x"]}}
    return
  }
}
