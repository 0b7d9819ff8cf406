//===- Barriers.cpp - barriers between tile ops that share a tile ---------===//
//
// Every thread of a group runs its share of each tile op, so an op that
// reads what another wrote (or writes what another read or wrote) since the
// last barrier must wait for the group. Tiles are identified by their
// allocation and the element range a view of it covers.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/Dialect/Tile/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::sparse_mla::tile {
#define GEN_PASS_DEF_SPARSEMLATILEBARRIERS
#include "SparseMLA/Dialect/Tile/Transforms/Passes.h.inc"
} // namespace mlir::sparse_mla::tile

using namespace mlir;
using namespace mlir::sparse_mla::tile;

namespace {

/// A tile access: elements [lo, hi) of the buffer `root` (an allocation, a
/// block argument, or a rows value a lowering materializes).
struct Access {
  Value root;
  int64_t lo = 0, hi = std::numeric_limits<int64_t>::max();
  bool write = false;

  bool overlaps(const Access &o) const {
    return root == o.root && lo < o.hi && o.lo < hi;
  }
};

/// The buffer `v` views and the element range it covers (the whole buffer
/// unless its layout's offset and strides are static).
Access accessOf(Value v, bool write) {
  Access a;
  a.write = write;
  auto type = cast<MemRefType>(v.getType());
  int64_t offset;
  SmallVector<int64_t> strides;
  if (succeeded(type.getStridesAndOffset(strides, offset)) &&
      !ShapedType::isDynamic(offset) && type.hasStaticShape() &&
      llvm::none_of(strides, ShapedType::isDynamic)) {
    int64_t last = offset;
    for (auto [size, stride] : llvm::zip(type.getShape(), strides))
      last += (size - 1) * stride;
    a.lo = offset;
    a.hi = last + 1;
  }
  while (Operation *def = v.getDefiningOp()) {
    if (auto sub = dyn_cast<memref::SubViewOp>(def))
      v = sub.getSource();
    else if (auto cast = dyn_cast<memref::CastOp>(def))
      v = cast.getSource();
    else
      break;
  }
  a.root = v;
  return a;
}

/// The workgroup tiles `op` (a tile op) reads and writes.
SmallVector<Access> accessesOf(Operation *op) {
  SmallVector<Access> result;
  if (auto rows = dyn_cast<BlockRowsOp>(op)) {
    if (rows.isMaterialized())
      result.push_back(Access{rows.getRows(), 0,
                              std::numeric_limits<int64_t>::max(), true});
    return result;
  }
  if (auto gather = dyn_cast<GatherOp>(op); gather && gather.getAsync())
    return result;
  SmallVector<MemoryEffects::EffectInstance> effects;
  cast<MemoryEffectOpInterface>(op).getEffects(effects);
  for (const MemoryEffects::EffectInstance &e : effects) {
    Value v = e.getValue();
    auto type = v ? dyn_cast<MemRefType>(v.getType()) : MemRefType();
    if (!type || !gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(type))
      continue;
    if (isa<MemoryEffects::Read>(e.getEffect()) ||
        isa<MemoryEffects::Write>(e.getEffect()))
      result.push_back(accessOf(v, isa<MemoryEffects::Write>(e.getEffect())));
  }
  for (Value operand : op->getOperands())
    if (isa<RowsType>(operand.getType()))
      result.push_back(
          Access{operand, 0, std::numeric_limits<int64_t>::max(), false});
  return result;
}

/// Ops that touch no memory (views, arithmetic, coordinates) or only
/// allocate it.
bool touchesNoMemory(Operation *op) {
  auto iface = dyn_cast<MemoryEffectOpInterface>(op);
  if (!iface)
    return false;
  SmallVector<MemoryEffects::EffectInstance> effects;
  iface.getEffects(effects);
  return llvm::all_of(effects, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Allocate, MemoryEffects::Free>(e.getEffect());
  });
}

class BarrierPlacer {
public:
  /// Places the barriers of `block`, where a group starts with nothing
  /// pending (a kernel or a role).
  void run(Block &block) {
    pending.clear();
    walk(block);
  }

private:
  void flushBefore(Operation *op) {
    if (pending.empty())
      return;
    OpBuilder b(op);
    gpu::BarrierOp::create(b, op->getLoc());
    pending.clear();
  }

  void walk(Block &block) {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (op.hasTrait<OpTrait::IsTerminator>())
        continue;
      if (isa<TileDialect>(op.getDialect())) {
        visitTileOp(&op);
      } else if (isa<ws::WarpSpecializeOp>(op)) {
        flushBefore(&op);
        for (Region &role : op.getRegions())
          run(role.front());
        pending.clear();
      } else if (op.getNumRegions() > 0) {
        // A loop or a conditional: its body starts and ends synchronized
        // (an iteration's writes must not meet the next one's reads).
        flushBefore(&op);
        for (Region &region : op.getRegions())
          for (Block &inner : region) {
            walk(inner);
            flushBefore(inner.getTerminator());
          }
      } else if (isa<gpu::BarrierOp>(op)) {
        pending.clear();
      } else if (!touchesNoMemory(&op)) {
        flushBefore(&op);
      }
    }
  }

  void visitTileOp(Operation *op) {
    SmallVector<Access> accesses = accessesOf(op);
    bool conflict = llvm::any_of(accesses, [&](const Access &a) {
      return llvm::any_of(pending, [&](const Access &p) {
        return (a.write || p.write) && a.overlaps(p);
      });
    });
    if (conflict)
      flushBefore(op);
    llvm::append_range(pending, accesses);
  }

  SmallVector<Access> pending;
};

struct TileBarriersPass
    : public mlir::sparse_mla::tile::impl::SparseMLATileBarriersBase<TileBarriersPass> {
  void runOnOperation() override {
    gpu::GPUFuncOp func = getOperation();
    if (func.getBody().empty())
      return;
    BarrierPlacer().run(func.getBody().front());
  }
};

} // namespace
