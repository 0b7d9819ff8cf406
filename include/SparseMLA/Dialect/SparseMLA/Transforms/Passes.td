//===- Passes.td - sparse_mla transformation passes ------*- tablegen -*-===//

#ifndef SPARSEMLA_TRANSFORMS_PASSES_TD
#define SPARSEMLA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SparseMLASelectSchedule : Pass<"sparse-mla-select-schedule"> {
  let summary = "Attach a #sparse_mla.schedule to every sparse_mla.fwd op";
  let description = [{
    Decides how each `sparse_mla.fwd` op will be lowered for the target chip
    and records the decision as the op's `schedule` attribute.

    * An op that already has a schedule keeps it; the pass checks that it can
      run on the chip and serve the op's shape.
    * Otherwise, with `schedule=default`, the op gets the chip's default:
      `seesaw` on `sm_90a`, `simple` elsewhere. When the seesaw schedule
      cannot serve the shape (it needs `H/G` a multiple of 64, `Dqk = 576`,
      `Dv = 512`, `topk` a multiple of 128), the op falls back to `simple`
      and the pass emits a remark naming the limit.
    * With `schedule=seesaw`, `simple` or `pipelined`, the op gets that kind's
      default; a shape or chip it cannot serve is an error naming the limit.
    * With `split-tail=true`, a seesaw schedule the pass chooses also gets
      `split_tail = true` (a split kernel for grids below one wave and the
      last partial wave of small grids; twice the compile time and package
      size), where the shape allows it (at least two rounds per tile).
      Schedules written on the op are left as written.
    * With `carried-pivot=true`, a seesaw schedule the pass chooses also
      gets `carried_pivot = true` (faster, but its rounding can leave the out
      tolerance where logits jump far; see the schedule attribute). Schedules
      written on the op are left as written.

    Example, on sm_90a:

    ```mlir
    sparse_mla.fwd q(...) ... {causal = false}
    // becomes
    sparse_mla.fwd q(...) ... {causal = false, schedule =
        #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64,
                             stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target chip, sm_XY or sm_XYa (e.g. sm_90a, sm_80)">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"default\"",
           "Schedule kind to use: default (chip's choice), seesaw, simple or "
           "pipelined">,
    Option<"splitTail", "split-tail", "bool", /*default=*/"false",
           "Give the seesaw schedules this pass chooses split_tail = true">,
    Option<"carriedPivot", "carried-pivot", "bool", /*default=*/"false",
           "Give the seesaw schedules this pass chooses carried_pivot = true">,
  ];
}

def SparseMLACheckLowered : Pass<"sparse-mla-check-lowered"> {
  let summary = "Fail on any sparse_mla.fwd op that no lowering consumed";
  let description = [{
    Runs after the schedule lowerings of a pipeline: an op still present
    here has a schedule that no pass of the pipeline lowers,
    and the pass reports it instead of letting a later stage fail obscurely
    or a package come out without the kernel.
  }];
}

#endif // SPARSEMLA_TRANSFORMS_PASSES_TD
