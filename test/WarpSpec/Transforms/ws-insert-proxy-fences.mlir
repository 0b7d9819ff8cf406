// RUN: sparse-mla-opt %s --ws-insert-proxy-fences | FileCheck %s

// Small producer/consumer kernels (no attention): the fence each channel
// needs follows from how its slots are written and read while held.

!bars = memref<2xi64, #gpu.address_space<workgroup>>
!acc = !llvm.struct<(f32, f32, f32, f32)>

// st.shared (generic proxy) read by a bulk copy to global memory (async
// proxy): the reader fences right after its acquire.
// CHECK-LABEL: gpu.func @store_then_bulk_copy
// CHECK: role "producer"
// CHECK-NOT: nvvm.fence
// CHECK: role "consumer"
// CHECK: ws.channel.acquire consumer
// CHECK-NEXT: nvvm.fence.proxy.sync_restrict {order = #nvvm.mem_order<acquire>}
// CHECK-NEXT: nvvm.cp.async.bulk.global.shared.cta
// CHECK-NOT: nvvm.fence
// CHECK: gpu.return
gpu.module @fences {
  gpu.func @store_then_bulk_copy(%bars: !bars, %smem: !llvm.ptr<3>, %gmem: !llvm.ptr<1>, %v: f32) kernel {
    %ch = ws.channel.create %bars producers(128) consumers(128) : !bars -> !ws.channel<1>
    ws.warp_specialize (%ch, %smem, %gmem, %v) : !ws.channel<1>, !llvm.ptr<3>, !llvm.ptr<1>, f32
      role "producer" warps(4) regs(40) (%c: !ws.channel<1>, %s: !llvm.ptr<3>, %g: !llvm.ptr<1>, %x: f32) {
        %i = arith.constant 0 : index
        %slot, %tok = ws.channel.acquire producer %c[%i] : !ws.channel<1>
        llvm.store %x, %s : f32, !llvm.ptr<3>
        ws.channel.release producer %c[%slot], %tok : !ws.channel<1>
        ws.role_return
      }
      role "consumer" warps(4) regs(232) (%c: !ws.channel<1>, %s: !llvm.ptr<3>, %g: !llvm.ptr<1>, %x: f32) {
        %i = arith.constant 0 : index
        %n = arith.constant 512 : i32
        %slot, %tok = ws.channel.acquire consumer %c[%i] : !ws.channel<1>
        nvvm.cp.async.bulk.global.shared.cta %g, %s, %n : !llvm.ptr<1>, !llvm.ptr<3>
        ws.channel.release consumer %c[%slot], %tok : !ws.channel<1>
        ws.role_return
      }
    gpu.return
  }

  // TMA bytes (async proxy: the release counts them) read by ld.shared and
  // by wgmma: no fence either way. st.shared read by ld.shared: none.
  // CHECK-LABEL: gpu.func @no_fence_needed
  // CHECK-NOT: nvvm.fence
  // CHECK: gpu.return
  gpu.func @no_fence_needed(%bars: !bars, %bars2: !bars, %smem: !llvm.ptr<3>, %acc: !acc, %d: i64, %v: f32) kernel {
    %tma = ws.channel.create %bars producers(128) consumers(128) : !bars -> !ws.channel<1>
    %st = ws.channel.create %bars2 producers(128) consumers(128) : !bars -> !ws.channel<1>
    ws.warp_specialize (%tma, %st, %smem, %acc, %d, %v) : !ws.channel<1>, !ws.channel<1>, !llvm.ptr<3>, !acc, i64, f32
      role "producer" warps(4) regs(40) (%c: !ws.channel<1>, %c2: !ws.channel<1>, %s: !llvm.ptr<3>, %a: !acc, %dd: i64, %x: f32) {
        %i = arith.constant 0 : index
        %slot, %tok = ws.channel.acquire producer %c[%i] : !ws.channel<1>
        ws.channel.release producer %c[%slot], %tok tx(512) : !ws.channel<1>
        %slot2, %tok2 = ws.channel.acquire producer %c2[%i] : !ws.channel<1>
        llvm.store %x, %s : f32, !llvm.ptr<3>
        ws.channel.release producer %c2[%slot2], %tok2 : !ws.channel<1>
        ws.role_return
      }
      role "consumer" warps(4) regs(232) (%c: !ws.channel<1>, %c2: !ws.channel<1>, %s: !llvm.ptr<3>, %a: !acc, %dd: i64, %x: f32) {
        %i = arith.constant 0 : index
        %slot, %tok = ws.channel.acquire consumer %c[%i] : !ws.channel<1>
        %y = llvm.load %s : !llvm.ptr<3> -> f32
        %r = hopper.wgmma %a, %dd, %dd : !acc
        ws.channel.release consumer %c[%slot], %tok : !ws.channel<1>
        %slot2, %tok2 = ws.channel.acquire consumer %c2[%i] : !ws.channel<1>
        %z = llvm.load %s : !llvm.ptr<3> -> f32
        ws.channel.release consumer %c2[%slot2], %tok2 : !ws.channel<1>
        ws.role_return
      }
    gpu.return
  }

  // Two slots written through the generic proxy (cp.async; st.shared
  // inside a branch) and acquired one after the other by a role whose wgmma
  // (an op of another dialect, through SharedMemoryProxyOpInterface) reads
  // them: one fence after both acquires. The second slot is kept to the end
  // of the loop body (no release there): its reads count up to it.
  // CHECK-LABEL: gpu.func @adjacent_acquires
  // CHECK: role "consumer"
  // CHECK: ws.channel.acquire consumer
  // CHECK-NEXT: ws.channel.acquire consumer
  // CHECK-NEXT: nvvm.fence.proxy.sync_restrict {order = #nvvm.mem_order<acquire>}
  // CHECK-NOT: nvvm.fence
  // CHECK: gpu.return
  gpu.func @adjacent_acquires(%bars: !bars, %bars2: !bars, %smem: !llvm.ptr<3>, %gmem: !llvm.ptr<1>, %acc: !acc, %d: i64, %v: f32, %p: i1) kernel {
    %a = ws.channel.create %bars producers(128) consumers(128) : !bars -> !ws.channel<1>
    %b = ws.channel.create %bars2 producers(128) consumers(128) : !bars -> !ws.channel<1>
    ws.warp_specialize (%a, %b, %smem, %gmem, %acc, %d, %v, %p) : !ws.channel<1>, !ws.channel<1>, !llvm.ptr<3>, !llvm.ptr<1>, !acc, i64, f32, i1
      role "producer" warps(4) regs(40) (%ca: !ws.channel<1>, %cb: !ws.channel<1>, %s: !llvm.ptr<3>, %g: !llvm.ptr<1>, %ac: !acc, %dd: i64, %x: f32, %pp: i1) {
        %i = arith.constant 0 : index
        %n = arith.constant 16 : i32
        %s1, %t1 = ws.channel.acquire producer %ca[%i] : !ws.channel<1>
        nvvm.cp.async.shared.global %s, %g, 16, cache = cg, %n : !llvm.ptr<3>, !llvm.ptr<1>, i32
        ws.channel.release producer %ca[%s1], %t1 async : !ws.channel<1>
        %s2, %t2 = ws.channel.acquire producer %cb[%i] : !ws.channel<1>
        scf.if %pp {
          llvm.store %x, %s : f32, !llvm.ptr<3>
        }
        ws.channel.release producer %cb[%s2], %t2 : !ws.channel<1>
        ws.role_return
      }
      role "consumer" warps(4) regs(232) (%ca: !ws.channel<1>, %cb: !ws.channel<1>, %s: !llvm.ptr<3>, %g: !llvm.ptr<1>, %ac: !acc, %dd: i64, %x: f32, %pp: i1) {
        %c0 = arith.constant 0 : index
        %c1 = arith.constant 1 : index
        scf.for %i = %c0 to %c1 step %c1 {
          %s1, %t1 = ws.channel.acquire consumer %ca[%i] : !ws.channel<1>
          %s2, %t2 = ws.channel.acquire consumer %cb[%i] : !ws.channel<1>
          %r = hopper.wgmma %ac, %dd, %dd : !acc
          ws.channel.release consumer %ca[%s1], %t1 : !ws.channel<1>
        }
        ws.role_return
      }
    gpu.return
  }

  // What a producer writes after its release is not the channel's: no fence.
  // CHECK-LABEL: gpu.func @write_after_release
  // CHECK-NOT: nvvm.fence
  // CHECK: gpu.return
  gpu.func @write_after_release(%bars: !bars, %smem: !llvm.ptr<3>, %gmem: !llvm.ptr<1>, %v: f32) kernel {
    %ch = ws.channel.create %bars producers(128) consumers(128) : !bars -> !ws.channel<1>
    ws.warp_specialize (%ch, %smem, %gmem, %v) : !ws.channel<1>, !llvm.ptr<3>, !llvm.ptr<1>, f32
      role "producer" warps(4) regs(40) (%c: !ws.channel<1>, %s: !llvm.ptr<3>, %g: !llvm.ptr<1>, %x: f32) {
        %i = arith.constant 0 : index
        %slot, %tok = ws.channel.acquire producer %c[%i] : !ws.channel<1>
        ws.channel.release producer %c[%slot], %tok tx(512) : !ws.channel<1>
        llvm.store %x, %s : f32, !llvm.ptr<3>
        ws.role_return
      }
      role "consumer" warps(4) regs(232) (%c: !ws.channel<1>, %s: !llvm.ptr<3>, %g: !llvm.ptr<1>, %x: f32) {
        %i = arith.constant 0 : index
        %n = arith.constant 512 : i32
        %slot, %tok = ws.channel.acquire consumer %c[%i] : !ws.channel<1>
        nvvm.cp.async.bulk.global.shared.cta %g, %s, %n : !llvm.ptr<1>, !llvm.ptr<3>
        ws.channel.release consumer %c[%slot], %tok : !ws.channel<1>
        ws.role_return
      }
    gpu.return
  }
}
