// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per #sparse_mla.schedule parse and verifier message.

// expected-error @+1 {{unknown schedule kind 'bogus', expected 'seesaw', 'simple' or 'pipelined'}}
module attributes {test.schedule = #sparse_mla.schedule<bogus, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3>} {}

// -----

// expected-error @+1 {{unknown schedule parameter 'block', expected heads_per_cta, block_k, stages, warpgroups, regs, persistent, shared_validity, lazy_rescale, split_tail or carried_pivot}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block = 32, stages = 1, warpgroups = 1>} {}

// -----

// expected-error @+1 {{schedule parameter 'persistent' must be true or false, but got 'yes'}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = yes>} {}

// -----

// expected-error @+1 {{duplicate schedule parameter 'persistent'}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, persistent = false>} {}

// -----

// expected-error @+1 {{schedule persistent = true needs the seesaw kind, but got simple}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1, persistent = true>} {}

// -----

// expected-error @+1 {{schedule shared_validity = true needs the seesaw kind, but got pipelined}}
module attributes {test.schedule = #sparse_mla.schedule<pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 2, shared_validity = true>} {}

// -----

// expected-error @+1 {{schedule lazy_rescale = true needs the seesaw kind, but got simple}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1, lazy_rescale = true>} {}

// -----

// expected-error @+1 {{duplicate schedule parameter 'lazy_rescale'}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], lazy_rescale = true, lazy_rescale = false>} {}

// -----

// expected-error @+1 {{schedule parameter 'shared_validity' must be true or false, but got 'on'}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], shared_validity = on>} {}

// -----

// expected-error @+1 {{duplicate schedule parameter 'heads_per_cta'}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, heads_per_cta = 8, block_k = 32, stages = 1, warpgroups = 1>} {}

// -----

// expected-error @+1 {{duplicate schedule parameter 'regs'}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1, regs = [128], regs = [128]>} {}

// -----

// expected-error @+1 {{schedule is missing parameter 'stages'}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, warpgroups = 1>} {}

// -----

// expected-error @+1 {{schedule heads_per_cta must be >= 1, but got 0}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 0, block_k = 32, stages = 1, warpgroups = 1>} {}

// -----

// expected-error @+1 {{schedule block_k must be >= 1, but got -4}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = -4, stages = 1, warpgroups = 1>} {}

// -----

// expected-error @+1 {{schedule stages must be >= 1, but got 0}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 0, warpgroups = 1>} {}

// -----

// expected-error @+1 {{schedule warpgroups must be >= 1, but got 0}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 0>} {}

// -----

// expected-error @+1 {{schedule warpgroups = 9 exceeds the limit of 1024 threads per block (8 warpgroups)}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 9>} {}

// -----

// expected-error @+1 {{seesaw schedule heads_per_cta must be a multiple of 64 (the WGMMA M dimension), but got 32}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 32, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>} {}

// -----

// expected-error @+1 {{seesaw schedule block_k must be a multiple of 16 and at most 256 (WGMMA K and N limits), but got 40}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 40, stages = 2, warpgroups = 3, regs = [72, 216, 216]>} {}

// -----

// expected-error @+1 {{seesaw schedule block_k must be a multiple of 16 and at most 256 (WGMMA K and N limits), but got 512}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 512, stages = 2, warpgroups = 3, regs = [72, 216, 216]>} {}

// -----

// expected-error @+1 {{seesaw schedule stages must be even (one KV buffer per consumer per step), but got 3}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 3, warpgroups = 3, regs = [72, 216, 216]>} {}

// -----

// expected-error @+1 {{seesaw schedule needs warpgroups = 3 (producer, consumer 0, consumer 1), but got 2}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 2, regs = [216, 216]>} {}

// -----

// expected-error @+1 {{seesaw schedule needs regs, one setmaxnreg budget per warpgroup}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3>} {}

// -----

// expected-error @+1 {{schedule regs must have one entry per warpgroup (3), but has 2}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216]>} {}

// -----

// expected-error @+1 {{schedule regs[1] = 212 is not a valid setmaxnreg value (a multiple of 8 in [24, 256])}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 212, 216]>} {}

// -----

// expected-error @+1 {{schedule regs[0] = 16 is not a valid setmaxnreg value (a multiple of 8 in [24, 256])}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [16, 216, 216]>} {}

// -----

// expected-error @+1 {{schedule regs[2] = 264 is not a valid setmaxnreg value (a multiple of 8 in [24, 256])}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 264]>} {}

// -----

// expected-error @+1 {{schedule regs need 69632 registers per CTA, above the register file of 65536 per SM}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [80, 232, 232]>} {}

// -----

// expected-error @+1 {{simple schedule supports stages = 1 only, but got 2}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 1>} {}

// -----

// Products that would overflow int64 saturate: the schedule then needs more
// shared memory than any chip has, instead of wrapping to a small size.
func.func @huge_block(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                      %idx: memref<?x?x1x256xi32>, %qs: i32,
                      %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{simple schedule needs 9223372036854775807 bytes of shared memory for Dqk = 576, above the limit of 232448 bytes per block}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 4611686018427387904, stages = 1, warpgroups = 1>}
  return
}

// -----

// expected-error @+1 {{pipelined schedule needs warpgroups = 2 (producer, consumer), but got 3}}
module attributes {test.schedule = #sparse_mla.schedule<pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 3>} {}

// -----

// expected-error @+1 {{pipelined schedule needs stages >= 2 (a ring the producer fills ahead), but got 1}}
module attributes {test.schedule = #sparse_mla.schedule<pipelined, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 2>} {}

// -----

// expected-error @+1 {{schedule split_tail = true needs persistent = true (the split kernel takes the tiles the persistent one leaves)}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], split_tail = true>} {}

// -----

// expected-error @+1 {{schedule split_tail = true is not supported with lazy_rescale = true (the parts of a tile are merged by their running max)}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, lazy_rescale = true, split_tail = true>} {}

// -----

// expected-error @+1 {{schedule split_tail = true needs the seesaw kind, but got simple}}
module attributes {test.schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1, split_tail = true>} {}

// -----

// expected-error @+1 {{schedule carried_pivot = true needs the seesaw kind, but got pipelined}}
module attributes {test.schedule = #sparse_mla.schedule<pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232], carried_pivot = true>} {}

// -----

// expected-error @+1 {{schedule carried_pivot = true is not supported with lazy_rescale = true (lazy_rescale moves the pivot by its own rule)}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], lazy_rescale = true, carried_pivot = true>} {}

// -----

// expected-error @+1 {{duplicate schedule parameter 'carried_pivot'}}
module attributes {test.schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], carried_pivot = true, carried_pivot = false>} {}
