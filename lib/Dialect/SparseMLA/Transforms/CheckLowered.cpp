//===- CheckLowered.cpp - no sparse_mla.fwd may survive a pipeline --------===//

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h"

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_SPARSEMLACHECKLOWERED
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {
struct CheckLoweredPass
    : public sparse_mla::impl::SparseMLACheckLoweredBase<CheckLoweredPass> {
  using Base::Base;

  void runOnOperation() override {
    bool left = false;
    getOperation()->walk([&](FwdOp op) {
      left = true;
      InFlightDiagnostic diag = op.emitOpError();
      if (ScheduleAttr schedule = op.getScheduleAttr())
        diag << "has a " << stringifyScheduleKind(schedule.getKind())
             << " schedule, which no pass of this pipeline lowers yet";
      else
        diag << "was not lowered: it has no schedule";
    });
    if (left)
      signalPassFailure();
  }
};
} // namespace
