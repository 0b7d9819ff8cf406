// A target LLVM's NVPTX backend does not know is refused by name before it
// reaches LLVM (which would ignore the feature and then abort in
// instruction selection), and no diagnostic prints the module.
// RUN: not sparse-mla-translate --ptx --gpu-module=ptx91 %s 2>&1 | FileCheck %s --check-prefix=PTX91
// RUN: not sparse-mla-translate --ptx --gpu-module=noplus %s 2>&1 | FileCheck %s --check-prefix=NOPLUS
// RUN: not sparse-mla-translate --ptx --gpu-module=old %s 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not sparse-mla-translate --ptx --gpu-module=chip %s 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not sparse-mla-translate --ptx --gpu-module=sm75 %s 2>&1 | FileCheck %s --check-prefix=SM75
// RUN: not sparse-mla-translate --ptx --gpu-module=ok --toolkit=%t.missing %s 2>&1 | FileCheck %s --check-prefix=TOOLKIT

// PTX91: error: gpu.module @ptx91: PTX feature '+ptx91' is not one LLVM's NVPTX backend knows (PTX ISA features +ptxNN up to +ptx{{[0-9]+}})
// NOPLUS: error: gpu.module @noplus: PTX feature 'ptx86' must start with '+' or '-' (e.g. +ptx86)
// OLD: error: gpu.module @old: PTX feature '+ptx78' is older than sm_90a allows: it needs PTX ISA 8.0 or newer (+ptx80)
// CHIP: error: gpu.module @chip: chip 'sm_95' is not a processor LLVM's NVPTX backend knows (known: {{.*}}sm_90a)
// SM75: error: gpu.module @sm75: chip 'sm_75' is not supported: every schedule needs sm_80 or newer
// TOOLKIT: error: --toolkit '{{.*}}.missing' is not a directory (expected a CUDA toolkit root holding bin/ptxas and nvvm/libdevice)
// PTX91-NOT: gpu.func
// TOOLKIT-NOT: gpu.func

module attributes {gpu.container_module} {
  gpu.module @ptx91 [#nvvm.target<chip = "sm_90a", features = "+ptx91">] {
    gpu.func @f() kernel {
      gpu.return
    }
  }
  gpu.module @noplus [#nvvm.target<chip = "sm_90a", features = "ptx86">] {
  }
  gpu.module @old [#nvvm.target<chip = "sm_90a", features = "+ptx78">] {
  }
  gpu.module @chip [#nvvm.target<chip = "sm_95", features = "+ptx86">] {
  }
  gpu.module @sm75 [#nvvm.target<chip = "sm_75", features = "+ptx80">] {
  }
  gpu.module @ok [#nvvm.target<chip = "sm_90a", features = "+ptx86">] {
    gpu.func @g() kernel {
      gpu.return
    }
  }
}
