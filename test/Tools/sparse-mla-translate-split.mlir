// The manifest of a seesaw package with a split kernel (split_tail): the
// split kernel's entry, its most parts (the rounds of a tile) and workspace
// per CTA under kernel.split, and the split plan's three parameters after
// Q's tensor map. No CUDA toolkit needed.
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" | sparse-mla-translate --manifest | FileCheck %s
// A launch whose workspace comes from a second split plan (another entry)
// is refused, naming the parameter: a package has one split kernel.
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" \
// RUN:   | sed -e 's/^\( *\)%%tiles, %%parts, %%workspace = sparse_mla.split_plan "sparse_mla_fwd_seesaw_split"\(.*\)$/&\n\1%%t2, %%p2, %%w2 = sparse_mla.split_plan "sparse_mla_fwd_seesaw"\2/' \
// RUN:         -e 's/%%workspace : !llvm.ptr<1>)/%%w2 : !llvm.ptr<1>)/' \
// RUN:   | not sparse-mla-translate --manifest 2>&1 | FileCheck %s --check-prefix=TWO
// TWO: error: kernel parameter 'workspace': a second split plan

// CHECK: "entry": "sparse_mla_fwd_seesaw",
// CHECK: "ctas_per_sm": 1,
// CHECK-NEXT: "split": {
// CHECK-NEXT: "entry": "sparse_mla_fwd_seesaw_split",
// CHECK-NEXT: "max_parts": 16,
// CHECK-NEXT: "workspace_bytes_per_cta": 135200
// CHECK-NEXT: },
// CHECK: "name": "q_map",
// CHECK-NEXT: "kind": "tensor_map"
// CHECK-NEXT: },
// CHECK-NEXT: {
// CHECK-NEXT: "name": "split_tiles",
// CHECK-NEXT: "kind": "split_tiles"
// CHECK-NEXT: },
// CHECK-NEXT: {
// CHECK-NEXT: "name": "split_parts",
// CHECK-NEXT: "kind": "split_parts"
// CHECK-NEXT: },
// CHECK-NEXT: {
// CHECK-NEXT: "name": "workspace",
// CHECK-NEXT: "kind": "workspace"
// CHECK-NEXT: }
// CHECK-NEXT: ],
// CHECK: "schedule": "#sparse_mla.schedule<seesaw, {{.*}}, persistent = true, split_tail = true>"

func.func @split(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                 %idx: memref<?x?x1x2048xi32>, %qs: i32,
                 %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true>}
  return
}
