//===- SelectSchedule.cpp - attach #sparse_mla.schedule -------------------===//
//
// Decides, per sparse_mla.fwd op, which schedule lowers it on the target chip
// and records the decision as an attribute. Every later pass reads the
// schedule from the op; none guesses.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h"
#include "SparseMLA/Target/HardwareLimits.h"

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_SPARSEMLASELECTSCHEDULE
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {

/// Checks that the chip can run a schedule of `kind` at all.
LogicalResult checkChip(FwdOp op, const hw::Chip &chip, ScheduleKind kind) {
  if (kind == ScheduleKind::seesaw && !chip.supportsSeesaw())
    return op.emitOpError() << "seesaw schedule needs sm_90a (WGMMA, TMA and "
                               "setmaxnreg), but the target chip is "
                            << chip.name;
  if (kind == ScheduleKind::pipelined && chip.arch < 90)
    return op.emitOpError() << "pipelined schedule needs sm_90 or newer "
                               "(mbarrier try_wait), but the target chip is "
                            << chip.name;
  if (kind == ScheduleKind::simple && !chip.supportsSimple())
    return op.emitOpError() << "simple schedule needs sm_80 or newer (bf16 "
                               "and cp.async), but the target chip is "
                            << chip.name;
  return success();
}

struct SelectSchedulePass
    : public sparse_mla::impl::SparseMLASelectScheduleBase<SelectSchedulePass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<hw::Chip> chip = hw::parseChip(this->chip);
    if (!chip) {
      getOperation()->emitError()
          << "sparse-mla-select-schedule: invalid chip '" << this->chip
          << "', expected sm_XY or sm_XYa (e.g. sm_90a)";
      return signalPassFailure();
    }
    std::optional<ScheduleKind> requested;
    if (schedule != "default") {
      requested = symbolizeScheduleKind(schedule);
      if (!requested) {
        getOperation()->emitError()
            << "sparse-mla-select-schedule: invalid schedule '" << schedule
            << "', expected default, seesaw, simple or pipelined";
        return signalPassFailure();
      }
    }

    WalkResult result = getOperation()->walk([&](FwdOp op) {
      return succeeded(selectFor(op, *chip, requested))
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// `s` with its seesaw options persistent, split_tail and carried_pivot
  /// replaced.
  static ScheduleAttr withOptions(ScheduleAttr s, bool persistent,
                                  bool splitTail, bool carriedPivot) {
    return ScheduleAttr::get(s.getContext(), s.getKind(), s.getHeadsPerCta(),
                             s.getBlockK(), s.getStages(), s.getWarpgroups(),
                             s.getRegs(), persistent, s.getSharedValidity(),
                             s.getLazyRescale(), splitTail, carriedPivot);
  }

  LogicalResult selectFor(FwdOp op, const hw::Chip &chip,
                          std::optional<ScheduleKind> requested) {
    FwdOp::Problem problem = op.getProblem();
    // A schedule written by the user is theirs: check it, never replace it.
    if (ScheduleAttr existing = op.getScheduleAttr()) {
      if (requested && *requested != existing.getKind())
        return op.emitOpError()
               << "has a " << stringifyScheduleKind(existing.getKind())
               << " schedule, but the pass was asked for "
               << stringifyScheduleKind(*requested);
      return checkFits(op, chip, existing, problem);
    }

    ScheduleKind kind = requested.value_or(
        chip.supportsSeesaw() ? ScheduleKind::seesaw : ScheduleKind::simple);
    ScheduleAttr choice =
        getDefaultSchedule(op.getContext(), kind, problem.H / problem.G);
    if (!requested && kind == ScheduleKind::seesaw) {
      // The chip's default may fall back to simple; say which limit made it.
      std::string reason = whyScheduleCannotServe(
          choice, problem, chip.maxSharedMemoryPerBlock);
      if (!reason.empty()) {
        op.emitRemark() << "falling back to the simple schedule: " << reason;
        choice = getDefaultSchedule(op.getContext(), ScheduleKind::simple,
                                    problem.H / problem.G);
      }
    }
    if (!requested && choice.getKind() == ScheduleKind::simple)
      remarkFasterTarget(op, chip, problem);
    // With topk_length the seesaw kernel runs one CTA per tile: tiles then
    // differ in rounds, and the hardware's CTA scheduler balances them where
    // the persistent kernel's fixed tile order (t = ctaId + n x numCtas)
    // leaves some CTAs with far more rounds than others (lengths uniform in
    // [0, topk], H 128, S 4096: 2.06 ms one CTA per tile against 2.26 ms
    // persistent on an H100, bench/LOG.md step 68).
    if (problem.topkLength && choice.getKind() == ScheduleKind::seesaw)
      choice = withOptions(choice, /*persistent=*/false,
                           choice.getSplitTail(), choice.getCarriedPivot());
    // `choice` with the seesaw options this pass was asked for.
    if (carriedPivot && choice.getKind() == ScheduleKind::seesaw)
      choice = withOptions(choice, choice.getPersistent(),
                           choice.getSplitTail(), /*carried_pivot=*/true);
    if (splitTail && choice.getKind() == ScheduleKind::seesaw &&
        choice.getPersistent()) {
      ScheduleAttr split =
          withOptions(choice, choice.getPersistent(), /*split_tail=*/true,
                      choice.getCarriedPivot());
      // One round per tile leaves nothing to split: keep the plain kernel.
      std::string reason =
          whyScheduleCannotServe(split, problem, chip.maxSharedMemoryPerBlock);
      if (reason.empty())
        choice = split;
      else
        op.emitRemark() << "split-tail: not used for this op (" << reason
                        << ")";
    } else if (splitTail && choice.getKind() == ScheduleKind::seesaw) {
      // With topk_length the kernel runs one CTA per tile: no tail wave.
      op.emitRemark() << "split-tail: not used for this op (the seesaw "
                         "kernel runs one CTA per tile, so no tail of "
                         "tiles is left to split)";
    }
    if (failed(checkFits(op, chip, choice, problem)))
      return failure();
    op.setScheduleAttr(choice);
    return success();
  }

  /// The default for a chip without sm_90a's arch-specific features is the
  /// simple schedule; where the same card runs the seesaw kernel when
  /// compiled for sm_90a, say so: the difference is two orders of magnitude.
  static void remarkFasterTarget(FwdOp op, const hw::Chip &chip,
                                 const FwdOp::Problem &problem) {
    if (chip.arch != 90 || chip.archSpecific)
      return;
    std::optional<hw::Chip> fast = hw::parseChip("sm_90a");
    ScheduleAttr seesaw = getDefaultSchedule(
        op.getContext(), ScheduleKind::seesaw, problem.H / problem.G);
    if (!fast || !whyScheduleCannotServe(seesaw, problem,
                                         fast->maxSharedMemoryPerBlock)
                      .empty())
      return;
    op.emitRemark() << "chip " << chip.name
                    << " gets the simple schedule (portable, about 100x "
                       "slower): the seesaw schedule needs sm_90a's "
                       "arch-specific instructions (wgmma, setmaxnreg); the "
                       "same H100/H200 runs it with chip=sm_90a. "
                       "schedule=pipelined runs on "
                    << chip.name << " (about 1.6x the simple schedule)";
  }

  /// Checks that `schedule` runs on `chip` and serves the op's shape.
  static LogicalResult checkFits(FwdOp op, const hw::Chip &chip,
                                 ScheduleAttr schedule,
                                 const FwdOp::Problem &problem) {
    if (failed(checkChip(op, chip, schedule.getKind())))
      return failure();
    std::string reason = whyScheduleCannotServe(schedule, problem,
                                                chip.maxSharedMemoryPerBlock);
    if (!reason.empty())
      return op.emitOpError() << reason << " (target chip " << chip.name
                              << ")";
    return success();
  }
};

} // namespace
