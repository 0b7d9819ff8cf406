//===- PartitionPipelined.cpp - tile program -> producer/consumer roles ---===//
//
// IR level 2 -> 3 for the pipelined schedule: the gathers move to a producer
// role that fills a ring of KV slots through a channel; everything else runs
// in a consumer role that drains it.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/Dialect/Tile/Transforms/Passes.h"
#include "WarpSpec/IR/HopperLimits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::sparse_mla::tile {
#define GEN_PASS_DEF_SPARSEMLATILEPARTITIONPIPELINED
#include "SparseMLA/Dialect/Tile/Transforms/Passes.h.inc"
} // namespace mlir::sparse_mla::tile

using namespace mlir;
using namespace mlir::sparse_mla::tile;

namespace {

/// Threads of each role: one warpgroup.
constexpr int64_t kRoleWarps = ws::hw::kWarpsPerWarpgroup,
                  kRoleThreads = ws::hw::kWarpgroupSize;

/// What the partition needs to know about the tile program.
struct Program {
  scf::ForOp loop;     ///< the loop over kv blocks
  GatherOp gather;     ///< its one gather
  Value kvTile;        ///< the gather's destination: slot 0 of the ring
  Value ring;          ///< [stages, block_k, pitch]
  SmallVector<int64_t> slotSizes; ///< the slot view's sizes
};

FailureOr<Program> analyze(gpu::GPUFuncOp func) {
  Program p;
  SmallVector<GatherOp> gathers;
  func.walk([&](GatherOp g) { gathers.push_back(g); });
  if (gathers.size() != 1)
    return func.emitOpError() << "a pipelined partition needs exactly one "
                                 "sparse_mla_tile.gather, but found "
                              << gathers.size();
  p.gather = gathers.front();
  p.loop = dyn_cast<scf::ForOp>(p.gather->getParentOp());
  if (!p.loop || p.loop->getParentOp() != func)
    return p.gather.emitOpError()
           << "must be directly in a loop of the kernel's body to be "
              "pipelined";
  p.kvTile = p.gather.getDest();
  auto slot = p.kvTile.getDefiningOp<memref::SubViewOp>();
  auto ringType =
      slot ? dyn_cast<MemRefType>(slot.getSource().getType()) : MemRefType();
  if (!slot || ringType.getRank() != 3 || !slot.getSource().getDefiningOp<memref::AllocOp>())
    return p.gather.emitOpError()
           << "must gather into a slot of a [stages, rows, pitch] ring "
              "allocation to be pipelined";
  p.ring = slot.getSource();
  p.slotSizes = llvm::to_vector(slot.getStaticSizes());
  return p;
}

/// Whether `op` loads from an argument of the kernel that nothing in the
/// kernel writes (an input such as topk_length): each role may load it.
bool readsAnInput(Operation *op) {
  auto load = dyn_cast<memref::LoadOp>(op);
  auto arg = load ? dyn_cast<BlockArgument>(load.getMemRef()) : BlockArgument();
  if (!arg || !isa<gpu::GPUFuncOp>(arg.getOwner()->getParentOp()))
    return false;
  return llvm::none_of(arg.getUsers(), [&](Operation *user) {
    // The roles being built capture it; what they do with it is a clone of
    // what the program does.
    if (isa<ws::WarpSpecializeOp>(user))
      return false;
    auto effects = dyn_cast<MemoryEffectOpInterface>(user);
    return !effects ||
           effects.getEffectOnValue<MemoryEffects::Write>(arg).has_value();
  });
}

/// Builds one role: its body is cloned from the program, with every pure
/// value it uses from the kernel's body recomputed at its start.
class RoleBuilder {
public:
  /// `provided`: a value each iteration provides (the slot's KV tile), not
  /// recomputed.
  RoleBuilder(OpBuilder &b, Block &kernel, IRMapping map, Value provided)
      : b(b), kernel(kernel), map(std::move(map)), provided(provided) {}

  /// Clones into the role's start, in program order, the pure ops of the
  /// kernel body whose values `ops` use, and those defining `values`
  /// (transitively).
  LogicalResult cloneInputs(ArrayRef<Operation *> ops, ValueRange values = {}) {
    llvm::SetVector<Value> needed;
    for (Operation *op : ops)
      collect(op, needed);
    for (Value v : values)
      need(v, needed);
    llvm::SmallPtrSet<Operation *, 16> defs;
    for (Value v : needed)
      if (Operation *def = v.getDefiningOp())
        defs.insert(def);
    for (Operation &op : kernel.without_terminator()) {
      if (!defs.contains(&op))
        continue;
      if (!isMemoryEffectFree(&op) && !readsAnInput(&op))
        return op.emitOpError()
               << "is used by a role but has memory effects; only pure ops "
                  "and loads of the kernel's read-only arguments are "
                  "recomputed in each role";
      b.clone(op, map);
    }
    return success();
  }

  Operation *clone(Operation *op) { return b.clone(*op, map); }
  IRMapping &mapping() { return map; }

private:
  void collect(Operation *op, llvm::SetVector<Value> &needed) {
    llvm::SetVector<Value> used;
    for (Value v : op->getOperands())
      used.insert(v);
    getUsedValuesDefinedAbove(op->getRegions(), used);
    for (Value v : used)
      need(v, needed);
  }

  void need(Value v, llvm::SetVector<Value> &needed) {
    if (v == provided || map.contains(v) || needed.contains(v))
      return;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != &kernel)
      return;
    needed.insert(v);
    collect(def, needed);
  }

  OpBuilder &b;
  Block &kernel;
  IRMapping map;
  Value provided;
};

struct PartitionPipelinedPass
    : public mlir::sparse_mla::tile::impl::SparseMLATilePartitionPipelinedBase<
          PartitionPipelinedPass> {
  void runOnOperation() override;

private:
  LogicalResult buildProducer(RoleBuilder &r, Program &p,
                              Value channel);
  LogicalResult buildConsumer(RoleBuilder &r, Program &p, Value channel,
                              ArrayRef<Operation *> rest);
  /// The loop of the role, with its iteration's slot acquired on `side` and
  /// the program's KV tile mapped to that slot's view.
  std::pair<scf::ForOp, Value> openIteration(RoleBuilder &r, Program &p,
                                             Value channel,
                                             ws::ChannelSide side);
  OpBuilder *builder = nullptr;
};

std::pair<scf::ForOp, Value>
PartitionPipelinedPass::openIteration(RoleBuilder &r, Program &p,
                                      Value channel,
                                      ws::ChannelSide side) {
  OpBuilder &b = *builder;
  Location loc = p.loop.getLoc();
  IRMapping &map = r.mapping();
  auto loop = scf::ForOp::create(b, loc, map.lookup(p.loop.getLowerBound()),
                                 map.lookup(p.loop.getUpperBound()),
                                 map.lookup(p.loop.getStep()));
  map.map(p.loop.getInductionVar(), loop.getInductionVar());
  b.setInsertionPoint(loop.getBody()->getTerminator());
  // The channel owns the ring: the acquire returns the slot's view, and the
  // KV tile is that view's leading columns, as slot 0's was.
  auto acquire = ws::ChannelAcquireOp::create(b, loc, channel,
                                              loop.getInductionVar(), side);
  Value view = acquire.getView();
  auto viewType = cast<MemRefType>(view.getType());
  SmallVector<OpFoldResult> offsets(viewType.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides;
  for (int64_t s : ArrayRef<int64_t>(p.slotSizes).drop_front()) {
    sizes.push_back(b.getIndexAttr(s));
    strides.push_back(b.getIndexAttr(1));
  }
  auto type = cast<MemRefType>(memref::SubViewOp::inferResultType(
      viewType, offsets, sizes, strides));
  Value slotTile =
      memref::SubViewOp::create(b, loc, type, view, offsets, sizes, strides);
  map.map(p.kvTile, slotTile);
  return {loop, acquire.getToken()};
}

LogicalResult PartitionPipelinedPass::buildProducer(RoleBuilder &r,
                                                    Program &p,
                                                    Value channel) {
  auto rows = p.gather.getRows().getDefiningOp<BlockRowsOp>();
  if (!rows || rows->getBlock() != p.loop.getBody())
    return p.gather.emitOpError()
           << "must read rows a sparse_mla_tile.block_rows of its loop "
              "computes, to be pipelined";
  if (failed(r.cloneInputs({rows}, {p.loop.getLowerBound(),
                                    p.loop.getUpperBound(),
                                    p.loop.getStep()})))
    return failure();
  OpBuilder::InsertionGuard guard(*builder);
  auto [loop, token] =
      openIteration(r, p, channel, ws::ChannelSide::producer);
  r.clone(rows);
  auto gather = cast<GatherOp>(r.clone(p.gather));
  gather.setAsync(true);
  Value slot = token.getDefiningOp<ws::ChannelAcquireOp>().getSlot();
  ws::ChannelReleaseOp::create(*builder, p.gather.getLoc(), channel, slot,
                               token, ws::ChannelSide::producer,
                               /*async=*/true);
  return success();
}

LogicalResult PartitionPipelinedPass::buildConsumer(
    RoleBuilder &r, Program &p, Value channel, ArrayRef<Operation *> rest) {
  if (failed(r.cloneInputs(rest)))
    return failure();
  for (Operation *op : rest) {
    if (op != p.loop.getOperation()) {
      r.clone(op);
      continue;
    }
    OpBuilder::InsertionGuard guard(*builder);
    auto [loop, token] =
        openIteration(r, p, channel, ws::ChannelSide::consumer);
    for (Operation &inner : p.loop.getBody()->without_terminator())
      if (&inner != p.gather.getOperation())
        r.clone(&inner);
    Value slot = token.getDefiningOp<ws::ChannelAcquireOp>().getSlot();
    ws::ChannelReleaseOp::create(*builder, p.loop.getLoc(), channel, slot,
                                 token, ws::ChannelSide::consumer,
                                 /*async=*/false);
  }
  return success();
}

void PartitionPipelinedPass::runOnOperation() {
  gpu::GPUFuncOp func = getOperation();
  auto regs = func->getAttrOfType<DenseI32ArrayAttr>(kPipelineRegsAttrName);
  if (!regs)
    return;
  if (regs.size() != 2) {
    func.emitOpError() << kPipelineRegsAttrName
                       << " must hold 2 register budgets (producer, "
                          "consumer), but holds "
                       << regs.size();
    return signalPassFailure();
  }
  FailureOr<Program> program = analyze(func);
  if (failed(program))
    return signalPassFailure();
  Program &p = *program;
  Block &kernel = func.getBody().front();
  Operation *ret = kernel.getTerminator();
  MLIRContext *ctx = func.getContext();
  OpBuilder b(ret);
  builder = &b;
  Location loc = func.getLoc();

  // The ring's channel: a full and an empty barrier per slot.
  const int64_t stages = cast<MemRefType>(p.ring.getType()).getDimSize(0);
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Value bars = memref::AllocOp::create(
      b, loc, MemRefType::get({2 * stages}, b.getI64Type(), nullptr, wg));
  auto ringType = cast<MemRefType>(p.ring.getType());
  Value channel = ws::ChannelCreateOp::create(
      b, loc, ws::ChannelType::get(ctx, stages, ringType), bars, p.ring,
      b.getI64IntegerAttr(kRoleThreads), b.getI64IntegerAttr(kRoleThreads));

  // Captures: the kernel's arguments, its buffers and the channel.
  SmallVector<Value> captures(kernel.getArguments());
  SmallVector<Operation *> rest;
  for (Operation &op : kernel.without_terminator()) {
    if (isa<memref::AllocOp>(op) && &op != bars.getDefiningOp() &&
        op.getResult(0) != p.ring)
      captures.push_back(op.getResult(0));
    else if (isa<TileDialect>(op.getDialect()) || &op == p.loop.getOperation())
      rest.push_back(&op);
  }
  captures.push_back(channel);
  auto roles = ws::WarpSpecializeOp::create(
      b, loc, TypeRange{}, captures, b.getStrArrayAttr({"producer", "consumer"}),
      b.getDenseI32ArrayAttr({kRoleWarps, kRoleWarps}), regs,
      /*numRegions=*/2);
  SmallVector<Type> types(ValueRange(captures).getTypes());
  SmallVector<Location> locs(types.size(), loc);
  for (unsigned i = 0; i < 2; ++i) {
    Block *body = b.createBlock(&roles.getPartitions()[i], {}, types, locs);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    IRMapping map;
    map.map(captures, body->getArguments());
    RoleBuilder r(b, kernel, std::move(map), p.kvTile);
    Value ch = body->getArguments().back();
    if (failed(i == 0 ? buildProducer(r, p, ch)
                      : buildConsumer(r, p, ch, rest)))
      return signalPassFailure();
    ws::RoleReturnOp::create(b, loc);
  }

  // The program now lives in the roles: drop it (and its inputs) here.
  SmallVector<Operation *> dead;
  for (Operation &op : kernel.without_terminator())
    if (&op != roles && &op != channel.getDefiningOp() &&
        !isa<memref::AllocOp>(op))
      dead.push_back(&op);
  for (Operation *op : llvm::reverse(dead))
    op->erase();
  func->removeAttr(kPipelineRegsAttrName);
}

} // namespace
