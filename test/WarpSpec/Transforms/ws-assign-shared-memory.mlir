// RUN: sparse-mla-opt %s -split-input-file --ws-assign-shared-memory -verify-diagnostics | FileCheck %s
// RUN: sparse-mla-opt %s -split-input-file --ws-assign-shared-memory=alignment=16 -verify-diagnostics | FileCheck %s --check-prefix=A16

// Workgroup allocations become views of the dynamic shared memory, in
// program order, each at the next multiple of the alignment; one base per
// isolated region (the kernel, each role); the kernel records the bytes.
// CHECK-LABEL: gpu.func @kernel
// CHECK-SAME: ws.dynamic_shared_memory = 392 : i64
// CHECK-NEXT: %[[BASE:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[BASE]][%[[C0]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<10xf32, #gpu.address_space<workgroup>>
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NEXT: memref.view %[[BASE]][%[[C128]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4xi64, #gpu.address_space<workgroup>>
// Global memory is not placed.
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: ws.warp_specialize
// CHECK: role "only"
// CHECK-NEXT: %[[RBASE:.*]] = gpu.dynamic_shared_memory
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK-NEXT: memref.view %[[RBASE]][%[[C256]]][] : {{.*}} to memref<34xi32, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.alloc() : memref<{{.*}}workgroup
// A16: ws.dynamic_shared_memory = 216 : i64
// A16: arith.constant 48 : index
// A16: arith.constant 80 : index
module attributes {gpu.container_module} {
  func.func @host() {
    %c1 = arith.constant 1 : index
    %smem = arith.constant 512 : i32
    gpu.launch_func @kernels::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) dynamic_shared_memory_size %smem
    return
  }
  gpu.module @kernels {
    gpu.func @kernel() kernel {
      %a = memref.alloc() : memref<10xf32, #gpu.address_space<workgroup>>
      %b = memref.alloc() : memref<4xi64, #gpu.address_space<workgroup>>
      %g = memref.alloc() : memref<4xf32>
      ws.warp_specialize (%a) : memref<10xf32, #gpu.address_space<workgroup>>
        role "only" warps(4) regs(64) (%a0: memref<10xf32, #gpu.address_space<workgroup>>) {
          %c = memref.alloc() : memref<34xi32, #gpu.address_space<workgroup>>
          ws.role_return
        }
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @host() {
    %c1 = arith.constant 1 : index
    %smem = arith.constant 10 : i32
    // Alignment 128: 132 bytes; alignment 16: 20.
    // expected-error-re @+1 {{launches a kernel whose workgroup buffers take {{132|20}} bytes of dynamic shared memory, but passes 10 bytes}}
    gpu.launch_func @kernels::@small blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) dynamic_shared_memory_size %smem
    return
  }
  gpu.module @kernels {
    gpu.func @small() kernel {
      %a = memref.alloc() : memref<1xf32, #gpu.address_space<workgroup>>
      %b = memref.alloc() : memref<1xf32, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
}

// -----

gpu.module @kernels {
  gpu.func @dynamic(%n: index) kernel {
    // expected-error @+1 {{in workgroup memory must have a static shape and the identity layout to be placed, but has type 'memref<?xf32, #gpu.address_space<workgroup>>'}}
    %a = memref.alloc(%n) : memref<?xf32, #gpu.address_space<workgroup>>
    gpu.return
  }
}
