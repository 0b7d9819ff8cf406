//===- SeesawToGPU.cpp - seesaw schedule: sparse_mla.fwd -> Hopper kernel -===//
//
// The warp-specialized sm_90a kernel of docs/seesaw-lowering.md: a producer
// warpgroup gathers KV blocks into two shared-memory stages, and two
// consumer warpgroups each take every other block, compute QK^T with WGMMA,
// agree on the row max, trade their P tiles through the stages' dead RoPE
// slices, and each accumulate one half of O from both blocks.
//
// Roles and channels are emitted as ws dialect ops (warp_specialize,
// channel.*), the warpgroup matrix ops as hopper ops (wgmma, wgmma_rs and
// the fence / commit / wait that thread their accumulators); the copies and
// the softmax as NVVM and arith ops (cp.async, TMA, ex2) on shared-memory
// addresses. The proxy fences come later, from ws-insert-proxy-fences.
//
//===----------------------------------------------------------------------===//

#include "../Common/KernelCommon.h"
#include "../Common/SeesawParams.h"
#include "../Common/PointerUtils.h"
#include "Hopper/IR/Hopper.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Dialect/Tile/IR/Tile.h"
#include "SparseMLA/Target/HardwareLimits.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include <cmath>

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_CONVERTSPARSEMLASEESAWTOGPU
#include "SparseMLA/Conversion/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {

//===----------------------------------------------------------------------===//
// Tile geometry
//===----------------------------------------------------------------------===//

/// Heads per CTA = WGMMA M = RoPE columns: the P tile [heads, block_k keys]
/// fits the RoPE slice [block_k keys, 64] of a stage (Dqk = 576) or a
/// buffer of that size (Dqk = Dv).
constexpr int64_t kRows = 64;
/// bf16 columns in one 128-byte swizzle row; a [64, 576] tile is 9 column
/// blocks ("atoms columns") of [64 rows, 64 columns], a [64, 512] one 8.
constexpr int64_t kAtomCols = 64;
constexpr int64_t kRowBytes = 128;
/// Rows per 128-byte swizzle pattern (PTX ISA "Shared memory matrix
/// layout", 128B swizzling mode; #sparse_mla_tile.shared).
constexpr int64_t kSwizzleRows = 8;
/// 16-byte pieces per 128-byte row.
constexpr int64_t kSegments = kRowBytes / hw::kCpAsyncBytes; // 8
/// Threads that copy one row together (one piece of each column block each).
constexpr int64_t kThreadsPerRow = kSegments;
/// lazy_rescale: how far (log2 units) a row's running max may exceed its
/// softmax pivot before the pivot moves. Weights are then at most 2^8 = 256,
/// far inside the range of bf16 P and f32 sums (the threshold FlashAttention
/// 4 uses for the same purpose).
constexpr double kLazyRescaleLog2 = 8.0;
/// carried_pivot: consumer 0 weights its own block against the pivot it
/// carries into the round, so that O_0 needs no rescale before its own GEMM
/// (bench/LOG.md step 51), unless the block's max exceeds that pivot by
/// more than this (log2 units): then against the block max minus this. Weights
/// stay below 2^32 (bf16 P and f32 O and sums hold them), and where the pivot
/// jumps the earlier O_0 and l_0, not rescaled to it, are at most topk weights
/// of 1 against a new weight of 2^32: a relative error of topk * 2^-32.
constexpr double kCarriedPivotSpanLog2 = 32.0;

/// Everything about the seesaw kernel's shapes, derived from the problem.
struct SeesawGeometry {
  int64_t dv, colBlocks, vBlocksPerHalf, rounds;
  int64_t headBlocks;   ///< H / heads_per_cta: tiles per (batch, token)
  int64_t blockK;       ///< keys per block (rows of a KV stage): 32 or 64
  int64_t kvBlockBytes; ///< one column block of a stage: [block_k, 64]
  SeesawLayout layout;  ///< offsets and tile sizes (getSeesawLayout)
};

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

/// How often a channel is used per tile: its iterations of tile n follow
/// those of the CTA's earlier tiles.
enum class ChannelUse {
  oncePerTile,        ///< the Q tile
  perRound,           ///< KV halves, P tiles, validity
  perRoundAndEpilogue ///< the row statistics: each round and the final sums
};

class SeesawEmitter {
public:
  SeesawEmitter(ImplicitLocOpBuilder &b, const FwdSpec &spec,
                ScheduleAttr schedule, ValueRange args,
                const SeesawGeometry &geo)
      : b(b), kb{b}, spec(spec), schedule(schedule), args(args), geo(geo),
        scaleLog2(kernelScaleLog2(b, spec, args)) {
    i32 = b.getI32Type();
    i64 = b.getI64Type();
    f32 = b.getF32Type();
    // The tile region: the first 1024-aligned shared address at or after
    // `layout.tiles` (dynamic shared memory is only 16-byte aligned).
    Value smem = gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr,
                           gpu::AddressSpaceAttr::get(
                               b.getContext(), gpu::AddressSpace::Workgroup)));
    Value base = arith::IndexCastOp::create(
        b, i32, memref::ExtractAlignedPointerAsIndexOp::create(b, smem));
    smemBase = base;
    Value unaligned =
        add(base, c32(geo.layout.tiles + hw::kSharedMemoryAlignment - 1));
    tiles = arith::AndIOp::create(b, unaligned,
                                  c32(~(hw::kSharedMemoryAlignment - 1)));
  }

  void setValidityChannels(Value consumer0, Value consumer1) {
    validCh = {consumer0, consumer1};
  }
  /// split_tail: the launch arguments of the split plan (tiles of the
  /// persistent kernel, parts per tile of the split kernel, workspace), and
  /// whether this is the split kernel.
  void setSplitPlan(Value tiles, Value parts, Value workspace,
                    bool isSplitKernel) {
    splitTiles = tiles;
    splitParts = parts;
    splitWorkspace = workspace;
    splitKernel = isSplitKernel;
  }
  /// Shared address (i32) of the validity bytes of KV stage `stage` (i32).
  Value validityOf(Value stage) {
    return add(add(smemBase, c32(geo.layout.validity)),
               mul(stage, c32(geo.blockK)));
  }

  //===--------------------------------------------------------------------===//
  // Tiles
  //===--------------------------------------------------------------------===//

  /// Runs `body(n)` for each tile this CTA computes, with `cta` viewing the
  /// tile and `n` its position in the CTA's sequence of tiles (i32).
  /// Not persistent: the one tile of the CTA's block ids, `n` null.
  /// Persistent: tiles t = ctaId, ctaId + numCtas, ... below B x S x
  /// (H / heads_per_cta), t = batch x (S x head blocks) + (token x head
  /// blocks + head block), the order of the non-persistent grid.
  void forEachTile(function_ref<void(Value)> body) {
    if (splitKernel) {
      // One part of one tile: tile (first split tile + ctaId / parts), its
      // rounds [roundBegin, roundEnd).
      viewTile();
      cta->prepareRowEntries();
      body(Value());
      return;
    }
    if (!schedule.getPersistent()) {
      cta.emplace(b, spec, schedule, args);
      cta->prepareRowEntries();
      roundBase = c32(0);
      rowLength = cta->rowLength;
      body(Value());
      return;
    }
    // Only the CTA's tile counter n stays live across a tile (and, with
    // topk_length, the rounds of its earlier tiles): the tile id
    // t = ctaId + n x numCtas and the bounds are recomputed from special
    // registers and parameters each time (in i32: the runtime keeps the tile
    // count below 2^31). Kept in registers across the tile loop, they had
    // the consumers spill.
    SmallVector<Type> carried = {i32};
    SmallVector<Value> inits = {c32(0)};
    if (dynamicRounds()) {
      carried.push_back(i32);
      inits.push_back(c32(0));
    }
    auto loop = scf::WhileOp::create(b, carried, inits);
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Location> locs(carried.size(), b.getLoc());
    {
      Block *before = b.createBlock(&loop.getBefore(), {}, carried, locs);
      Value n = before->getArgument(0);
      // Unsigned: ids and counts are below 2^31, so t + numCtas never wraps.
      Value more = arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                         tileOf(n), numTiles());
      scf::ConditionOp::create(b, more, before->getArguments());
    }
    Block *after = b.createBlock(&loop.getAfter(), {}, carried, locs);
    Value n = after->getArgument(0);
    tileCounter = n;
    viewTile();
    cta->prepareRowEntries();
    roundBase = dynamicRounds() ? after->getArgument(1) : Value();
    rowLength = cta->rowLength;
    body(n);
    SmallVector<Value> next = {add(n, c32(1))};
    if (dynamicRounds())
      next.push_back(add(roundBase, roundsOfTile(tileRowLength())));
    scf::YieldOp::create(b, next);
  }

  /// The current tile's rounds (index), after its round loop.
  Value tileRoundsIndex() {
    // From the row's length loaded again rather than kept live.
    return dynamicRounds() ? toIndex(roundsOfTile(tileRowLength()))
                           : kb.idx(geo.rounds);
  }
  /// Whether round `i` (index) of a loop over [.., `end`) is the tile's
  /// last (i1): with topk_length compared with the loop's bound, which is
  /// live through the loop anyway.
  Value isLastRound(Value i, Value end) {
    Value last = dynamicRounds()
                     ? arith::SubIOp::create(b, end, kb.idx(1)).getResult()
                     : kb.idx(geo.rounds - 1);
    return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, i, last);
  }

  /// Whether a tile's round count depends on its row (topk_length): then
  /// channel iterations count the rounds of the CTA's earlier tiles
  /// (`roundBase`) instead of multiplying a fixed count.
  bool dynamicRounds() { return spec.p.topkLength; }
  /// The current tile's rounds (i32): topk / (2 block_k), or with
  /// topk_length ceil(length / (2 block_k)) and at least one (a row of
  /// length 0 still runs one round, every entry masked and none read, so
  /// the consumers' epilogue always follows a round).
  Value roundsOfTile(Value length) {
    if (!dynamicRounds())
      return Value();
    const int64_t perRound = 2 * geo.blockK;
    Value r = arith::DivUIOp::create(
        b, add(length, c32(perRound - 1)), c32(perRound));
    return arith::MaxUIOp::create(b, r, c32(1));
  }
  /// The current tile's row length (i32, clamped): persistent, loaded again
  /// from the tile counter where it is used (in a consumer's round loop,
  /// one register fewer held through the loop than the value from the
  /// tile's start; the load hits L1), else the value from the tile's start.
  Value tileRowLength() {
    if (!tileCounter)
      return rowLength;
    Value t = tileOf(tileCounter);
    Value perBatch = tilesPerBatch();
    Value token = arith::DivUIOp::create(
        b, arith::RemUIOp::create(b, t, perBatch), c32(geo.headBlocks));
    Value batch = arith::DivUIOp::create(b, t, perBatch);
    return cta->loadRowLength(toIndex(batch), toIndex(token));
  }

  /// A special register read where it is used (side-effecting asm: not
  /// hoisted out of loops into a live register).
  Value sreg(StringRef name) {
    return inlineAsm(i32, {}, ("mov.u32 $0, %" + name + ";").str(), "=r");
  }
  /// Tiles per batch: S x (H / heads_per_cta) (i32).
  Value tilesPerBatch() {
    return mul(opaque(toI32(memref::DimOp::create(b, args[0], kb.idx(1)))),
               c32(geo.headBlocks));
  }
  Value numTiles() {
    // split_tail: the persistent kernel computes the first `tiles` of them,
    // the runtime's choice (the split kernel the rest).
    if (splitTiles)
      return opaque(splitTiles);
    return mul(tilesPerBatch(),
               opaque(toI32(memref::DimOp::create(b, args[0], kb.idx(0)))));
  }
  /// Tile n of this CTA: ctaId + n x numCtas (i32).
  Value tileOf(Value n) {
    Value gx = sreg("nctaid.x");
    Value ctaId = add(mul(sreg("ctaid.y"), gx), sreg("ctaid.x"));
    return add(ctaId, mul(n, mul(gx, sreg("nctaid.y"))));
  }
  /// Persistent: (re)computes `cta` for the current tile from the counter
  /// (the coordinates are recomputed where they are needed rather than kept
  /// in registers across the loops between).
  void viewTile() {
    if (!tileCounter && !splitKernel)
      return;
    Value t = splitKernel ? splitTile() : tileOf(tileCounter);
    Value perBatch = tilesPerBatch();
    auto index = [&](Value v) {
      return arith::IndexCastOp::create(b, b.getIndexType(), v).getResult();
    };
    cta.emplace(b, spec, schedule, args,
                index(arith::RemUIOp::create(b, t, perBatch)),
                index(arith::DivUIOp::create(b, t, perBatch)));
  }

  /// The split kernel: this CTA's part of its tile, and the tile (i32).
  Value splitPart() {
    return arith::RemUIOp::create(b, sreg("ctaid.x"), opaque(splitParts));
  }
  Value splitTile() {
    return add(opaque(splitTiles),
               arith::DivUIOp::create(b, sreg("ctaid.x"), opaque(splitParts)));
  }
  /// The first round of part `k` of a tile, k x rounds / parts (i32): parts
  /// differ by at most one round.
  Value partRound(Value k) {
    return arith::DivUIOp::create(b, mul(k, c32(geo.rounds)),
                                  opaque(splitParts));
  }
  /// This CTA's rounds [begin, end) (index): all of them but in the split
  /// kernel.
  std::pair<Value, Value> roundRange() {
    if (!splitKernel)
      return {kb.idx(0), dynamicRounds() ? toIndex(roundsOfTile(rowLength))
                                         : kb.idx(geo.rounds)};
    Value part = splitPart();
    return {toIndex(partRound(part)), toIndex(partRound(add(part, c32(1))))};
  }
  Value toIndex(Value i32Value) {
    return arith::IndexCastOp::create(b, b.getIndexType(), i32Value);
  }
  /// The channel iteration of round `i` (index) of a channel used `use`
  /// times per tile: in the split kernel counted from the part's first
  /// round (recomputed here rather than held through the loop).
  Value roundIteration(Value n, Value i, ChannelUse use) {
    if (!splitKernel)
      return iteration(n, i, use);
    return arith::SubIOp::create(b, i, toIndex(partRound(splitPart())));
  }

  /// Bit `k` of the i32 `mask`, as an i1.
  Value bitOf(Value mask, int64_t k) {
    Value bit = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, mask, c32(k)), c32(1));
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ne, bit, c32(0));
  }

  /// The channel iteration of step `i` of tile `n` for a channel used
  /// `use` times per tile (`i` itself when not persistent). With a fixed
  /// round count R: n x {1, R, R + 1} + i; with topk_length the CTA's
  /// earlier tiles' rounds sum to `roundBase`: n + i, roundBase + i,
  /// roundBase + n + i.
  Value iteration(Value n, Value i, ChannelUse use) {
    if (!n)
      return i;
    // In i32 (fewer registers for the hoisted n x perTile).
    Value before;
    if (!dynamicRounds())
      before = mul(n, c32(use == ChannelUse::oncePerTile ? 1
                          : use == ChannelUse::perRound  ? geo.rounds
                                                         : geo.rounds + 1));
    else if (use == ChannelUse::oncePerTile)
      before = n;
    else if (use == ChannelUse::perRound)
      before = roundBase;
    else
      before = add(roundBase, n);
    return arith::IndexCastOp::create(b, b.getIndexType(),
                                      add(before, toI32(i)));
  }

  //===--------------------------------------------------------------------===//
  // i32 shared addresses
  //===--------------------------------------------------------------------===//

  Value c32(int64_t v) { return kb.i32(v); }
  Value c64(int64_t v) { return arith::ConstantIntOp::create(b, i64, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value toI32(Value index) { return arith::IndexCastOp::create(b, i32, index); }
  Value ptr3(Value addr) {
    return LLVM::IntToPtrOp::create(
        b, LLVM::LLVMPointerType::get(b.getContext(), 3), addr);
  }
  /// Stage (i32) of slot `slot` of consumer `c`'s blocks: consumer c uses
  /// stages c, c + 2, ...
  Value stageOf(int c, Value slot) {
    return add(mul(toI32(slot), c32(2)), c32(c));
  }

  /// Where consumer `c`'s P tile goes: consumer 0's into the RoPE slice of
  /// its stage (dead after its QK^T; the R half is freed by consumer 1 only
  /// after reading it), or with Dqk = Dv (no RoPE slice) into a buffer of
  /// its own; consumer 1's into the P buffer, so that its R half is free
  /// once its own GEMM is done. The p channels order each buffer's reuse.
  Value pTileOf(int c, Value stageAddr) {
    if (c == 0 && geo.layout.pBuffer0 < 0)
      return add(stageAddr, c32((geo.colBlocks - 1) * geo.kvBlockBytes));
    int64_t offset = c == 0 ? geo.layout.pBuffer0 : geo.layout.pBuffer;
    return opaque(add(tiles, c32(offset - geo.layout.tiles)));
  }

  /// Shared address of KV stage `stage` (i32); the Q tile comes first.
  Value tile(Value stage) {
    return add(add(tiles, c32(geo.layout.qTileBytes)),
               mul(stage, c32(geo.layout.stageBytes)));
  }
  Value qTile() { return tiles; }
  /// Byte offset of the 16-byte piece `seg` of column block `cb` in row
  /// `row` of a swizzled KV stage: the piece index is XORed with the row's
  /// position in its 8-row swizzle group (all i32).
  Value swizzled(Value row, Value cb, Value seg) {
    Value phase = arith::AndIOp::create(b, row, c32(kSwizzleRows - 1));
    Value piece = arith::XOrIOp::create(b, seg, phase);
    return add(add(mul(cb, c32(geo.kvBlockBytes)), mul(row, c32(kRowBytes))),
               arith::ShLIOp::create(b, piece, c32(4)));
  }

  //===--------------------------------------------------------------------===//
  // Producer
  //===--------------------------------------------------------------------===//

  /// Column blocks of half `h` of a stage: L = V columns of consumer 0,
  /// R = those of consumer 1 plus the RoPE slice (if Dqk = 576).
  std::pair<int64_t, int64_t> halfBlocks(int h) const {
    if (h == 0)
      return {0, geo.vBlocksPerHalf};
    return {geo.vBlocksPerHalf, geo.colBlocks};
  }

  /// The producer warpgroup (thread `tid`): for each tile, the Q tile, then
  /// the KV blocks of every round.
  void producer(Value tid, ArrayRef<Value> kvCh, Value qCh, Value qBars,
                Value qMap) {
    Value row8 = kb.div(tid, kThreadsPerRow);
    Value seg = toI32(kb.rem(tid, kThreadsPerRow));

    forEachTile([&](Value n) {
      loadQTile(tid, qCh, qBars, qMap, n);
      produceKvBlocks(kvCh, n, row8, seg);
    });
    // Leave no copy in flight behind the role.
    NVVM::CpAsyncCommitGroupOp::create(b);
    NVVM::CpAsyncWaitGroupOp::create(b, 0);
  }

  /// Rows of a KV block each producer thread copies (one per pass), and the
  /// rows the warpgroup copies in one pass.
  int64_t producerPasses() const {
    return geo.blockK / (hw::kWarpgroupSize / kThreadsPerRow);
  }
  static constexpr int64_t kRowsPerPass = hw::kWarpgroupSize / kThreadsPerRow;

  /// Q tile by TMA: one thread copies the 9 column blocks [64 heads, 64
  /// columns] (128B-swizzled, the layout wgmma reads) onto the channel's
  /// full barrier, whose phase completes once all their bytes landed.
  void loadQTile(Value tid, Value qCh, Value qBars, Value qMap, Value n) {
    MLIRContext *ctx = b.getContext();
    // Persistent: the consumers free the tile once both have run their
    // last QK^T of the previous tile.
    auto acquire = ws::ChannelAcquireOp::create(
        b, b.getIndexType(), ws::TokenType::get(ctx), qCh,
        iteration(n, kb.idx(0), ChannelUse::oncePerTile),
        ws::ChannelSide::producer);
    ws::ChannelReleaseOp::create(b, qCh, acquire.getSlot(), acquire.getToken(),
                                 ws::ChannelSide::producer, /*async=*/false,
                                 b.getI64IntegerAttr(geo.layout.qTileBytes));
    Value lead =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, kb.idx(0));
    kb.when(lead, [&] {
      Value full = rawPointer(b, qBars, kb.idx(0), /*addrSpace=*/3);
      Value head0 = toI32(cta->head0), token = toI32(cta->token),
            batch = toI32(cta->batch);
      // Per tile, or the nine addresses would take 18 registers. Q is
      // read once: evicted from L2 first, which leaves L2 to the KV rows
      // that every tile gathers (Skv = 32768: -1.5%, bench/LOG.md).
      tile::TmaLoadOp::create(b, qMap, ValueRange{head0, token, batch},
                              perTile(qTile()), full, qLayout(),
                              /*evict_first=*/true);
    });
  }

  /// KV blocks 2i + s into stage s, for every round of tile `n`; `row8` and
  /// `seg` are this thread's row within a pass and its 16-byte piece.
  void produceKvBlocks(ArrayRef<Value> kvCh, Value n, Value row8, Value seg) {
    // This thread's piece of its rows in the kv group of the tile: the
    // address of the piece in row 0 (rows are st[1] elements apart).
    auto kvMeta = memref::ExtractStridedMetadataOp::create(b, cta->kv);
    ValueRange st = kvMeta.getStrides();
    Value pieceElem = kb.add(
        kb.add(kvMeta.getOffset(), kb.mul(cta->batch, st[0])),
        kb.add(kb.mul(cta->group, st[2]),
               kb.mul(arith::IndexCastOp::create(b, b.getIndexType(), seg),
                      kb.idx(hw::kCpAsyncBytes / 2))));
    Value kvPiece = kb.add(memref::ExtractAlignedPointerAsIndexOp::create(
                               b, kvMeta.getBaseBuffer()),
                           kb.mul(pieceElem, kb.idx(2)));
    Value rowBytes = kb.mul(st[1], kb.idx(2));
    auto [roundBegin, roundEnd] = roundRange();
    kb.loop(roundBegin, roundEnd, kb.idx(1), [&](Value i) {
      // Channel iteration of this round (KV halves and validity).
      Value g = roundIteration(n, i, ChannelUse::perRound);
      // Both blocks' indices at the start of the round, before the wait
      // for the first half: R1, freed while the producer is still copying
      // L0, then starts without an index load between its wait and its
      // copies (decode-like shape 5.7% faster, bench/LOG.md step 28).
      // The second halves (R0, L1) load their block's indices again, from
      // L1, rather than keep eight registers through the round (with them
      // kept, the H = 64 kernel spills).
      std::array<SmallVector<Value>, 2> firstHalf = {taggedRows(i, 0, row8),
                                                     taggedRows(i, 1, row8)};
      // The V columns of each consumer's own block first (freed after its
      // own GEMM: L0, R1), then R0 before L1 (both freed by the cross
      // GEMMs). R0 first measured 3.5% faster (bench/LOG.md step 8) and,
      // after consumer 1's P tile moved before its own GEMM so that L1 is
      // now freed first, still 2.9% faster (step 40): consumer 0 needs R0
      // for the second part of its QK^T.
      for (auto [c, h] : {std::pair<int, int>{0, 0}, {1, 1}, {0, 1}, {1, 0}}) {
        SmallVector<Value> tagged =
            h == c ? firstHalf[c] : taggedRows(i, c, row8);
        copyKvHalf(c, h, kvCh[2 * c + h], g, tagged, row8, seg, kvPiece,
                   rowBytes);
      }
    });
  }

  /// This thread's rows of consumer `c`'s block of round `i` (one per
  /// pass) and their indices: one register per row, the index or -1 where
  /// the entry is invalid.
  SmallVector<Value> taggedRows(Value i, int c, Value row8) {
    Value blk = kb.add(kb.mul(i, kb.idx(2)), kb.idx(c));
    Value first = kb.mul(blk, kb.idx(geo.blockK));
    SmallVector<Value> tagged;
    for (int64_t pass = 0; pass < producerPasses(); ++pass) {
      Value j = kb.add(kb.idx(pass * kRowsPerPass), row8);
      // topk is a multiple of 2 x block_k: every entry exists.
      auto [valid, raw] = cta->rowEntry(kb.add(first, j));
      tagged.push_back(arith::SelectOp::create(b, valid, raw, c32(-1)));
    }
    return tagged;
  }

  /// Half `h` of consumer `c`'s block into its stage through channel `ch`
  /// at iteration `g`: this thread's rows `tagged` (taggedRows), from its
  /// piece `kvPiece` of KV row 0, rows `rowBytes` apart.
  void copyKvHalf(int c, int h, Value ch, Value g, ArrayRef<Value> tagged,
                  Value row8, Value seg, Value kvPiece, Value rowBytes) {
    MLIRContext *ctx = b.getContext();
    auto acquire = ws::ChannelAcquireOp::create(b, b.getIndexType(),
                                                ws::TokenType::get(ctx), ch, g,
                                                ws::ChannelSide::producer);
    // Rows row8 + 16 pass share their swizzle phase (row & 7): one
    // offset for all passes.
    Value dst = perTile(add(tile(stageOf(c, acquire.getSlot())),
                            swizzled(toI32(row8), c32(0), seg)));
    SmallVector<Value> valid;
    for (Value t : tagged)
      valid.push_back(
          arith::CmpIOp::create(b, arith::CmpIPredicate::sge, t, c32(0)));
    if (validCh[c] && h == c)
      storeValidity(c, g, row8, valid);
    auto [cbBegin, cbEnd] = halfBlocks(h);
    for (int64_t pass = 0; pass < producerPasses(); ++pass) {
      // An invalid entry copies 0 bytes from row 0: nothing is read.
      Value bytes = arith::SelectOp::create(b, valid[pass],
                                            c32(hw::kCpAsyncBytes), c32(0));
      Value row = arith::IndexCastOp::create(
          b, b.getIndexType(), arith::MaxSIOp::create(b, tagged[pass], c32(0)));
      Value src = perTile(kb.add(kvPiece, kb.mul(row, rowBytes)));
      // This thread's piece of each column block of the half: 16-byte
      // cp.async, zero-filled where invalid.
      tile::CopyRowAsyncOp::create(
          b, src, add(dst, c32(pass * kRowsPerPass * kRowBytes)), bytes,
          stageLayout(), cbBegin * kAtomCols, cbEnd * kAtomCols);
    }
    ws::ChannelReleaseOp::create(b, ch, acquire.getSlot(), acquire.getToken(),
                                 ws::ChannelSide::producer, /*async=*/true);
  }

  /// shared_validity: with the block's first half, its validity for
  /// consumer c, one byte per key (the eight threads of a row store the
  /// same byte: no branch).
  void storeValidity(int c, Value g, Value row8, ArrayRef<Value> valid) {
    MLIRContext *ctx = b.getContext();
    auto put = ws::ChannelAcquireOp::create(b, b.getIndexType(),
                                            ws::TokenType::get(ctx), validCh[c],
                                            g, ws::ChannelSide::producer);
    Value base = add(validityOf(stageOf(c, put.getSlot())), toI32(row8));
    for (int64_t pass = 0; pass < producerPasses(); ++pass)
      LLVM::StoreOp::create(
          b, arith::ExtUIOp::create(b, b.getI8Type(), valid[pass]),
          ptr3(add(base, c32(pass * kRowsPerPass))));
    ws::ChannelReleaseOp::create(b, validCh[c], put.getSlot(), put.getToken(),
                                 ws::ChannelSide::producer,
                                 /*async=*/false);
  }

  //===--------------------------------------------------------------------===//
  // WGMMA
  //===--------------------------------------------------------------------===//

  /// The layouts of the tiles the consumers' products read: the Q tile
  /// [64 heads, Dqk] and a KV stage [block_k keys, Dqk], both in 128-byte
  /// swizzled 64-column blocks, and a P tile (pLayout).
  tile::SharedLayoutAttr qLayout() {
    return tile::SharedLayoutAttr::get(b.getContext(), kRows,
                                       geo.colBlocks * kAtomCols, kRowBytes);
  }
  tile::SharedLayoutAttr stageLayout() {
    return tile::SharedLayoutAttr::get(b.getContext(), geo.blockK,
                                       geo.colBlocks * kAtomCols, kRowBytes);
  }
  /// The first V column of consumer `c`'s half of O.
  int64_t vColumns(int c) const { return c * geo.dv / 2; }

  /// The P tile [64 heads, block_k keys] (bf16, K-major) in a stage's RoPE
  /// slice: 128B-swizzled rows for 64 keys (the layout of every other
  /// tile), no-swizzle core matrices for 32 keys (64-byte rows).
  bool pSwizzled() const { return geo.blockK == kAtomCols; }
  /// The P tile's layout: swizzled like the stages for 64 keys, core
  /// matrices without swizzle for 32.
  tile::SharedLayoutAttr pLayout() {
    return tile::SharedLayoutAttr::get(b.getContext(), kRows, geo.blockK,
                                       pSwizzled() ? kRowBytes : 0);
  }

  LLVM::LLVMStructType accType(int64_t n) {
    return LLVM::LLVMStructType::getLiteral(b.getContext(),
                                            SmallVector<Type>(n / 2, f32));
  }

  /// Waits for every wgmma group in flight, whose result `acc` is: the
  /// accumulator to read from here on.
  Value waitFor(Value acc) {
    return tile::MmaWaitOp::create(b, acc.getType(), acc).getResult(0);
  }

  /// A side-effecting inline-asm statement with one result: LLVM keeps it
  /// in place relative to the other side effects (waits, fences, wgmma).
  Value inlineAsm(Type result, ValueRange operands, StringRef text,
                  StringRef constraints) {
    return LLVM::InlineAsmOp::create(b, result, operands, text, constraints,
                                     /*has_side_effects=*/true,
                                     /*is_align_stack=*/false,
                                     LLVM::tailcallkind::TailCallKind::None,
                                     LLVM::AsmDialectAttr(), ArrayAttr())
        .getResult(0);
  }

  /// Side-effecting inline asm without results.
  void asmStatement(ValueRange operands, StringRef text,
                    StringRef constraints) {
    LLVM::InlineAsmOp::create(b, Type(), operands, text, constraints,
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None,
                              LLVM::AsmDialectAttr(), ArrayAttr());
  }

  /// `v` (i32) as a value LLVM cannot see through or move out of the loop
  /// it is in: shared addresses derived from it (wgmma descriptors, P-tile
  /// stores) are then computed where used instead of being hoisted and held
  /// in registers across the round loop.
  Value opaque(Value v) { return inlineAsm(i32, v, "mov.b32 $0, $1;", "=r,r"); }
  /// In a persistent kernel, `v` (i32 or index) through an opaque copy made
  /// at this use: an address that is the same for every tile would
  /// otherwise be hoisted out of the tile loop into a register held
  /// throughout, which the producer's 40 registers cannot afford. `v`
  /// itself when each CTA computes one tile.
  Value perTile(Value v) {
    if (!tileCounter)
      return v;
    if (!v.getType().isIndex())
      return opaque(v);
    Value bits = arith::IndexCastOp::create(b, i64, v);
    return arith::IndexCastOp::create(
        b, b.getIndexType(), inlineAsm(i64, bits, "mov.b64 $0, $1;", "=l,l"));
  }

  Value extract(Value acc, int64_t i) {
    return LLVM::ExtractValueOp::create(b, acc, i);
  }

  //===--------------------------------------------------------------------===//
  // Consumers
  //===--------------------------------------------------------------------===//

  Value ex2(Value x) {
    return LLVM::CallIntrinsicOp::create(
               b, f32, b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f32"),
               ValueRange{x})
        .getResult(0);
  }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  /// Reduces over the four lanes that hold one accumulator row.
  Value quadReduce(Value v, bool isMax) {
    for (int64_t offset : {1, 2}) {
      Value other = gpu::ShuffleOp::create(b, v, offset, hw::kWarpSize,
                                           gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      v = isMax ? fmax(v, other) : fadd(v, other);
    }
    return v;
  }

  /// Shared address of row `row`'s statistic in the exchange slot of
  /// consumer `owner`.
  Value statAddr(int owner, Value row) {
    return ptr3(add(add(smemBase, c32(geo.layout.stats + owner * kRows * 4)),
                    mul(toI32(row), c32(4))));
  }
  /// Publishes `values` (one per accumulator row this thread holds) in
  /// consumer `owner`'s slot, through channel `ch` at `iteration`.
  void publish(std::array<Value, 2> values, Value ch, Value iteration,
               int owner, Value lane, std::array<Value, 2> rows) {
    MLIRContext *ctx = b.getContext();
    auto put = ws::ChannelAcquireOp::create(
        b, b.getIndexType(), ws::TokenType::get(ctx), ch, iteration,
        ws::ChannelSide::producer);
    Value leader = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                         kb.rem(lane, 4), kb.idx(0));
    kb.when(leader, [&] {
      for (int r = 0; r < 2; ++r)
        LLVM::StoreOp::create(b, values[r], statAddr(owner, rows[r]));
    });
    ws::ChannelReleaseOp::create(b, ch, put.getSlot(), put.getToken(),
                                 ws::ChannelSide::producer, /*async=*/false);
  }
  /// Receives the values consumer `owner` published through `ch`.
  std::array<Value, 2> receive(Value ch, Value iteration, int owner,
                               std::array<Value, 2> rows) {
    MLIRContext *ctx = b.getContext();
    auto get = ws::ChannelAcquireOp::create(
        b, b.getIndexType(), ws::TokenType::get(ctx), ch, iteration,
        ws::ChannelSide::consumer);
    std::array<Value, 2> values;
    for (int r = 0; r < 2; ++r)
      values[r] = LLVM::LoadOp::create(b, f32, statAddr(owner, rows[r]));
    ws::ChannelReleaseOp::create(b, ch, get.getSlot(), get.getToken(),
                                 ws::ChannelSide::consumer, /*async=*/false);
    return values;
  }

  /// The softmax pivot of a row after it has seen max `max`, from pivot
  /// `prev`: `max` itself, or with lazy_rescale `prev` while `max` exceeds
  /// it by at most kLazyRescaleLog2 (-inf + 8 is -inf: the first valid
  /// max always moves it).
  Value movePivot(Value prev, Value max) {
    if (!schedule.getLazyRescale())
      return max;
    Value far = arith::CmpFOp::create(
        b, arith::CmpFPredicate::OGT, max,
        fadd(prev, kb.f32(static_cast<float>(kLazyRescaleLog2))));
    return arith::SelectOp::create(b, far, max, prev);
  }

  /// `acc` (an O half) with each row scaled by its factor (`factor[h]`
  /// for the rows of `acc` registers 4j + 2h, 4j + 2h + 1). With
  /// lazy_rescale only where some row of the warp moved its pivot from
  /// `from` to `to`: a warp-uniform branch (the factor of a row that did
  /// not move is exactly 1, so skipping is exact).
  Value rescaled(Value acc, std::array<Value, 2> factor,
                 std::array<Value, 2> from, std::array<Value, 2> to) {
    auto type = cast<LLVM::LLVMStructType>(acc.getType());
    auto scale = [&] {
      Value result = LLVM::UndefOp::create(b, type);
      for (int64_t r = 0, e = type.getBody().size(); r < e; ++r)
        result = LLVM::InsertValueOp::create(
            b, result, fmul(extract(acc, r), factor[(r % 4) / 2]), r);
      return result;
    };
    if (!schedule.getLazyRescale())
      return scale();
    Value moved = arith::OrIOp::create(
        b, arith::CmpFOp::create(b, arith::CmpFPredicate::UNE, from[0], to[0]),
        arith::CmpFOp::create(b, arith::CmpFPredicate::UNE, from[1], to[1]));
    Value anyMoved = NVVM::VoteSyncOp::create(b, b.getI1Type(), c32(-1), moved,
                                              NVVM::VoteSyncKind::any);
    auto branch = scf::IfOp::create(b, TypeRange{type}, anyMoved,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(branch.thenBlock());
    scf::YieldOp::create(b, scale());
    b.setInsertionPointToStart(branch.elseBlock());
    scf::YieldOp::create(b, acc);
    return branch.getResult(0);
  }

  /// The split kernel's epilogue of consumer `c` (thread `tid`, lane
  /// `lane`): this part's O half `o`, row pivots `m` and row sums `total`
  /// go to the workspace; each warp then takes a ticket for its 16 rows of
  /// its tile, and the warp with the last ticket merges every part's rows
  /// in part order and writes them (`writeOut`). Workspace: a block of
  /// seesawSplitWorkspaceBytes(nO) per CTA of the split grid: 8 i32 ticket
  /// counters (consumer x 4 + warp; those of a tile's first part count for
  /// the tile; zero before and after each launch, whatever the grid), then
  /// the part's values, value v of thread t of consumer c at f32 index
  /// (c x (nO + 4) + v) x 128 + t (coalesced).
  void
  mergeParts(int c, Value tid, Value lane, Value o, std::array<Value, 2> m,
             std::array<Value, 2> total,
             function_ref<void(Value, std::array<Value, 2>,
                               std::array<Value, 2>, function_ref<Value(int)>)>
                 writeOut) {
    auto type = cast<LLVM::LLVMStructType>(o.getType());
    const int64_t nO = type.getBody().size();
    const int64_t perThread = nO + 4; // O registers, 2 pivots, 2 row sums
    auto global = LLVM::LLVMPointerType::get(b.getContext(), 1);
    Value workspace = LLVM::PtrToIntOp::create(b, i64, splitWorkspace);
    auto zext = [&](Value v) { return arith::ExtUIOp::create(b, i64, v); };
    auto byteAddr = [&](Value base, Value index32) {
      return arith::AddIOp::create(
          b, base, arith::ShLIOp::create(b, zext(index32), c64(2)));
    };
    auto blockOf = [&](Value k) {
      return arith::AddIOp::create(
          b, workspace,
          arith::MulIOp::create(b, zext(k), c64(seesawSplitWorkspaceBytes(nO))));
    };
    Value t = toI32(tid);
    Value warp = toI32(kb.div(tid, hw::kWarpSize));
    auto slot = [&](Value k, int64_t v) {
      return byteAddr(blockOf(k),
                      add(c32(kSeesawSplitCounterBytes / 4 +
                              (c * perThread + v) * hw::kWarpgroupSize),
                          t));
    };
    auto toPtr = [&](Value addr) {
      return LLVM::IntToPtrOp::create(b, global, addr).getResult();
    };
    // 1. This part.
    Value me = sreg("ctaid.x");
    for (int64_t v = 0; v < nO; ++v)
      LLVM::StoreOp::create(b, extract(o, v), toPtr(slot(me, v)));
    for (int r = 0; r < 2; ++r) {
      LLVM::StoreOp::create(b, m[r], toPtr(slot(me, nO + r)));
      LLVM::StoreOp::create(b, total[r], toPtr(slot(me, nO + 2 + r)));
    }
    // 2. The ticket: every lane's stores are ordered before its warp's
    // increment (its fence, then the warp barrier, which orders memory among
    // the lanes), which releases them at GPU scope; the increment of the
    // last part acquires every part's (PTX ISA "Memory Consistency Model":
    // release and acquire patterns).
    asmStatement({}, "fence.acq_rel.gpu;", "");
    asmStatement({}, "bar.warp.sync -1;", "");
    Value parts = opaque(splitParts);
    // The tile's parts are CTAs firstPart .. firstPart + parts - 1.
    Value firstPart = mul(arith::DivUIOp::create(b, me, parts), parts);
    Value counter = byteAddr(blockOf(firstPart), add(c32(4 * c), warp));
    Value first =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, kb.idx(0));
    Value taken = kb.ifElse(
        first, i32,
        [&] {
          return inlineAsm(i32, ValueRange{counter},
                           "atom.acq_rel.gpu.global.add.u32 $0, [$1], 1;",
                           "=r,l");
        },
        [&] { return c32(0); });
    taken = gpu::ShuffleOp::create(b, taken, 0, hw::kWarpSize,
                                   gpu::ShuffleMode::IDX)
                .getShuffleResult();
    Value last = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, taken,
                                       arith::SubIOp::create(b, parts, c32(1)));
    kb.when(last, [&] {
      // Every part has counted: reset the counter for the next launch, and
      // pass lane 0's acquire on to the other lanes (its fence, then the
      // warp barrier) before they read the parts (L2 loads: other SMs wrote
      // them).
      kb.when(first, [&] { LLVM::StoreOp::create(b, c32(0), toPtr(counter)); });
      asmStatement({}, "fence.acq_rel.gpu;", "");
      asmStatement({}, "bar.warp.sync -1;", "");
      auto load = [&](Value k, int64_t v) {
        return inlineAsm(f32, ValueRange{slot(k, v)},
                         "ld.global.cg.f32 $0, [$1];", "=f,l");
      };
      Value negInf = kb.negInf(), zero = kb.f32(0.0);
      Value numParts = arith::IndexCastOp::create(b, b.getIndexType(), parts);
      // The rows' maxima over the parts, then their pivots (0 while a row
      // has nothing valid, as in the rounds).
      auto maxLoop = scf::ForOp::create(b, kb.idx(0), numParts, kb.idx(1),
                                        ValueRange{negInf, negInf});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(maxLoop.getBody());
        Value k = add(firstPart, toI32(maxLoop.getInductionVar()));
        SmallVector<Value> next;
        for (int r = 0; r < 2; ++r)
          next.push_back(fmax(maxLoop.getRegionIterArgs()[r], load(k, nO + r)));
        scf::YieldOp::create(b, next);
      }
      std::array<Value, 2> rowMax, pivot;
      for (int r = 0; r < 2; ++r) {
        rowMax[r] = maxLoop.getResult(r);
        Value none = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ,
                                           rowMax[r], negInf);
        pivot[r] = arith::SelectOp::create(b, none, zero, rowMax[r]);
      }
      // Sum of the parts, each scaled from its pivot to the rows' pivot.
      auto sumLoop = scf::ForOp::create(
          b, kb.idx(0), numParts, kb.idx(1),
          ValueRange{zero, zero, LLVM::ZeroOp::create(b, type)});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(sumLoop.getBody());
        ValueRange acc = sumLoop.getRegionIterArgs();
        Value k = add(firstPart, toI32(sumLoop.getInductionVar()));
        std::array<Value, 2> scale;
        SmallVector<Value> next;
        for (int r = 0; r < 2; ++r) {
          scale[r] = ex2(fsub(load(k, nO + r), pivot[r]));
          next.push_back(
              math::FmaOp::create(b, load(k, nO + 2 + r), scale[r], acc[r]));
        }
        Value sum = acc[2];
        for (int64_t v = 0; v < nO; ++v)
          sum = LLVM::InsertValueOp::create(
              b, sum,
              math::FmaOp::create(b, load(k, v), scale[(v % 4) / 2],
                                  extract(acc[2], v)),
              v);
        next.push_back(sum);
        scf::YieldOp::create(b, next);
      }
      writeOut(sumLoop.getResult(2), rowMax, rowMax,
               [&](int r) { return sumLoop.getResult(r); });
    });
  }

  /// What a consumer's code depends on and does not change: which consumer
  /// it is, its channels, its tile shapes and this thread's place in the
  /// accumulator fragment.
  struct ConsumerSetup {
    int c;            ///< this consumer
    int p;            ///< its peer, 1 - c
    bool lazy;        ///< lazy_rescale
    int64_t nS;       ///< S accumulator registers
    int64_t halfCols; ///< columns of O per consumer
    int64_t nO;       ///< O accumulator registers
    Value tid, lane;
    std::array<Value, 2> rows; ///< this thread's two accumulator rows
    Value colPair;             ///< its first column of each 8-column group
    ArrayRef<Value> kvCh;
    Value qCh;
    std::array<Value, 2> maxCh, pCh;
  };

  /// A consumer's values for one tile, set before its round loop.
  struct ConsumerTile {
    /// The tile's position in the CTA's sequence of tiles (i32; null when
    /// the CTA computes one tile).
    Value n;
    ws::ChannelAcquireOp qHeld;
    Value negInf, zero;
    LLVM::LLVMStructType oType, sType;
    Value roundBegin, roundEnd;
    /// Without shared_validity: the validity mask is carried through the
    /// round loop, at iter_arg `maskIdx`.
    bool carriedMask;
    unsigned maskIdx;
  };

  /// What one round of a consumer computes, phase by phase.
  struct ConsumerRound {
    Value i;
    ValueRange carried;
    std::array<Value, 2> m, l; ///< the carried pivots and row sums
    Value o;                   ///< the carried O half
    std::array<Value, 2> roundRows;
    Value g, gs;               ///< channel iterations (KV and P; statistics)
    Value mask;                ///< validity of this thread's columns
    Value s;                   ///< S = Q K^T
    Value stage;               ///< shared address of this consumer's stage
    ws::ChannelAcquireOp ownV; ///< the half of the block with its own V
    SmallVector<Value> masked;
    std::array<Value, 2> blockMax, mine, q;
    bool ownPivot; ///< carried_pivot, consumer 0: weights against m
    std::array<Value, 2> pivot, alpha;
    SmallVector<Value> weight;
    std::array<Value, 2> newL;
    Value scaled; ///< O before the own GEMM
    Value acc;    ///< O during and after the GEMMs
    std::array<Value, 2> roundPivot, beta;
    Value nextMask;
  };

  /// Consumer `c` (thread `tid` of its warpgroup): for each tile, the
  /// rounds over its blocks (consumerRound), then the epilogue.
  void consumer(int c, Value tid, ArrayRef<Value> kvCh, Value qCh,
                std::array<Value, 2> maxCh, std::array<Value, 2> pCh) {
    ConsumerSetup cs;
    cs.c = c;
    cs.p = 1 - c;
    cs.lazy = schedule.getLazyRescale();
    cs.nS = geo.blockK / 2;
    cs.halfCols = geo.dv / 2;
    cs.nO = cs.halfCols / 2;
    cs.tid = tid;
    cs.kvCh = kvCh;
    cs.qCh = qCh;
    cs.maxCh = maxCh;
    cs.pCh = pCh;
    // Accumulator fragment: warp w holds rows 16w .. 16w+15; lane l holds
    // rows 16w + l/4 (registers 4j, 4j+1) and 16w + l/4 + 8 (4j+2, 4j+3),
    // columns 8j + 2(l%4) + {0, 1}. PTX ISA "wgmma .m64nNk16 register
    // fragment layout for accumulator matrix D".
    Value warp = kb.div(tid, hw::kWarpSize);
    Value lane = kb.rem(tid, hw::kWarpSize);
    Value row0 = kb.add(kb.mul(warp, kb.idx(16)), kb.div(lane, 4));
    Value row1 = kb.add(row0, kb.idx(8));
    cs.lane = lane;
    cs.rows = {row0, row1};
    cs.colPair = kb.mul(kb.rem(lane, 4), kb.idx(2));

    forEachTile([&](Value n) { consumerTile(cs, n); });
  }

  /// One tile of a consumer: its round loop, then its epilogue.
  void consumerTile(const ConsumerSetup &cs, Value n) {
    MLIRContext *ctx = b.getContext();
    const int c = cs.c;
    ConsumerTile ts;
    ts.n = n;
    // Q must have landed (TMA writes and wgmma reads both go through the
    // async proxy: no proxy fence).
    ts.qHeld = ws::ChannelAcquireOp::create(
        b, b.getIndexType(), ws::TokenType::get(ctx), cs.qCh,
        iteration(n, kb.idx(0), ChannelUse::oncePerTile),
        ws::ChannelSide::consumer);

    Value negInf = kb.negInf(), zero = kb.f32(0.0);
    ts.negInf = negInf;
    ts.zero = zero;
    ts.oType = accType(cs.halfCols);
    ts.sType = accType(geo.blockK);
    Value oInit = LLVM::ZeroOp::create(b, ts.oType);
    // Carried per row: the pivot m that the weights, l and O are relative
    // to (the running max, or with lazy_rescale at most kLazyRescaleLog2
    // below it), the row sum l and O; with lazy_rescale consumer 1 also
    // carries the running max itself, for max_logits.
    SmallVector<Value> inits = {negInf, negInf, zero, zero, oInit};
    if (cs.lazy && c == 1)
      inits.append({negInf, negInf});
    std::tie(ts.roundBegin, ts.roundEnd) = roundRange();
    ts.carriedMask = !validCh[c];
    ts.maskIdx = inits.size();
    // In bounds whatever the range: a part's first round,
    // part x rounds / parts, is below the tile's round count even when
    // the part is empty.
    if (ts.carriedMask)
      inits.push_back(validityMask(cs, ts.roundBegin));
    auto loop =
        scf::ForOp::create(b, ts.roundBegin, ts.roundEnd, kb.idx(1), inits);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      consumerRound(cs, ts, loop);
    }
    consumerEpilogue(cs, ts, loop);
  }

  /// Validity of this thread's nS / 2 columns of round `r`'s block, from
  /// the indices in global memory, as one bit mask (one register, not
  /// nS / 2 predicates). Each round's mask is loaded during the previous
  /// round's cross GEMM (the first round's before the loop) and carried
  /// into the round: loaded at the round's start, the loads were still in
  /// flight at the proxy fence after the KV acquire, whose MEMBAR waits
  /// for them (headline 3.9% faster, bench/LOG.md step 56). Without
  /// shared_validity; with it the mask comes from shared memory.
  Value validityMask(const ConsumerSetup &cs, Value r) {
    Value first =
        kb.mul(kb.add(kb.mul(r, kb.idx(2)), kb.idx(cs.c)), kb.idx(geo.blockK));
    Value mask = c32(0);
    for (int64_t q = 0; q < cs.nS; q += 4)
      for (int64_t e = 0; e < 2; ++e) {
        Value col = kb.add(kb.idx(8 * (q / 4) + e), cs.colPair);
        Value v = cta->rowEntry(kb.add(first, col)).first;
        Value bit = arith::ShLIOp::create(b, arith::ExtUIOp::create(b, i32, v),
                                          c32(q / 2 + e));
        mask = arith::OrIOp::create(b, mask, bit);
      }
    return mask;
  }

  /// One round of a consumer, phase by phase, into the round loop's body.
  void consumerRound(const ConsumerSetup &cs, const ConsumerTile &ts,
                     scf::ForOp loop) {
    ConsumerRound rs;
    rs.i = loop.getInductionVar();
    rs.carried = loop.getRegionIterArgs();
    rs.m = {rs.carried[0], rs.carried[1]};
    rs.l = {rs.carried[2], rs.carried[3]};
    rs.o = rs.carried[4];
    // This thread's rows through an opaque copy each round: the shared
    // addresses derived from them (statistics, P tile pieces) are then
    // computed here instead of being hoisted out of the loops into some
    // twenty registers held throughout.
    for (int h = 0; h < 2; ++h)
      rs.roundRows[h] = arith::IndexCastOp::create(b, b.getIndexType(),
                                                   opaque(toI32(cs.rows[h])));
    // Channel iterations: KV halves and P tiles once per round, the
    // statistics once per round and once more for the epilogue's sums.
    rs.g = roundIteration(ts.n, rs.i, ChannelUse::perRound);
    rs.gs = roundIteration(ts.n, rs.i, ChannelUse::perRoundAndEpilogue);

    // Validity of this thread's nS / 2 columns (validityMask).
    rs.mask = ts.carriedMask ? rs.carried[ts.maskIdx] : c32(0);
    if (validCh[cs.c])
      loadSharedValidity(cs, rs);

    computeScores(cs, ts, rs);
    maskAndRowMax(cs, ts, rs);
    exchangeRowMax(cs, rs);
    computeWeights(cs, ts, rs);
    // Consumer 1's P tile is final here (it already used m'): published
    // before its own GEMM is issued rather than after, which measured
    // 2.4% faster on the headline shape (bench/LOG.md step 35).
    if (cs.c == 1)
      storeP(cs, rs);
    ownGemm(cs, rs);
    repairToRoundMax(cs, ts, rs);

    // Consumer 0's P tile, scaled by beta in step 5.
    if (cs.c == 0)
      storeP(cs, rs);

    releaseOwnV(cs, rs);
    crossGemmAndFinish(cs, ts, rs);
  }

  /// shared_validity: the bytes the producer wrote for this block; the
  /// thread's columns come in adjacent pairs (one 16-bit load).
  void loadSharedValidity(const ConsumerSetup &cs, ConsumerRound &rs) {
    MLIRContext *ctx = b.getContext();
    const int c = cs.c;
    auto get = ws::ChannelAcquireOp::create(b, b.getIndexType(),
                                            ws::TokenType::get(ctx), validCh[c],
                                            rs.g, ws::ChannelSide::consumer);
    Value base = add(validityOf(stageOf(c, get.getSlot())), toI32(cs.colPair));
    Type i16 = b.getI16Type();
    for (int64_t k = 0; k < cs.nS / 4; ++k) {
      Value pair = arith::ExtUIOp::create(
          b, i32,
          LLVM::LoadOp::create(b, i16, ptr3(add(base, c32(8 * k))),
                               /*alignment=*/2));
      for (int64_t e = 0; e < 2; ++e) {
        Value byte = arith::AndIOp::create(
            b, arith::ShRUIOp::create(b, pair, c32(8 * e)), c32(0xff));
        Value v =
            arith::CmpIOp::create(b, arith::CmpIPredicate::ne, byte, c32(0));
        rs.mask = arith::OrIOp::create(
            b, rs.mask,
            arith::ShLIOp::create(b, arith::ExtUIOp::create(b, i32, v),
                                  c32(2 * k + e)));
      }
    }
    ws::ChannelReleaseOp::create(b, validCh[c], get.getSlot(), get.getToken(),
                                 ws::ChannelSide::consumer,
                                 /*async=*/false);
  }

  /// 1. S = Q K^T over all Dqk columns, half by half in the order the
  /// halves are refilled (consumer 0: L then R; consumer 1: R then L).
  void computeScores(const ConsumerSetup &cs, const ConsumerTile &ts,
                     ConsumerRound &rs) {
    MLIRContext *ctx = b.getContext();
    const int c = cs.c;
    Value kvLeft = cs.kvCh[2 * c], kvRight = cs.kvCh[2 * c + 1];
    Value qAddr = opaque(qTile());
    Value s = LLVM::ZeroOp::create(b, ts.sType);
    bool firstStep = true;
    for (int h : {c, 1 - c}) {
      auto acq = ws::ChannelAcquireOp::create(
          b, b.getIndexType(), ws::TokenType::get(ctx),
          h == 0 ? kvLeft : kvRight, rs.g, ws::ChannelSide::consumer);
      if (h == c)
        rs.ownV = acq;
      // (cp.async wrote the half through the generic proxy, wgmma reads it
      // through the async proxy: ws-insert-proxy-fences fences here.)
      if (!rs.stage)
        rs.stage = opaque(tile(stageOf(c, acq.getSlot())));
      auto [cbBegin, cbEnd] = halfBlocks(h);
      s = tile::MmaAsyncOp::create(
          b, s.getType(), s, ValueRange{qAddr}, rs.stage, qLayout(),
          stageLayout(), cbBegin * kAtomCols, (cbEnd - cbBegin) * kAtomCols,
          /*n_offset=*/0, /*transpose_b=*/true, /*zero_init=*/firstStep);
      firstStep = false;
    }
    rs.s = waitFor(s);
    // Persistent: after the tile's last QK^T this consumer is done with Q;
    // once both are, the producer loads the next tile's.
    ws::ChannelAcquireOp qHeld = ts.qHeld;
    if (ts.n)
      kb.when(isLastRound(rs.i, ts.roundEnd), [&] {
        ws::ChannelReleaseOp::create(b, cs.qCh, qHeld.getSlot(),
                                     qHeld.getToken(),
                                     ws::ChannelSide::consumer,
                                     /*async=*/false);
      });
  }

  /// 2. Invalid columns -inf; row max of this block. The max is taken on
  /// S itself and scaled once: the scale is positive (the verifier
  /// requires sm_scale > 0) and rounding is monotone, so this is the max
  /// of the scaled logits; the weights (step 4) then take the scale in
  /// their one fma each, a multiply per element fewer in the stretch
  /// where both consumers compete for issue slots (bench/LOG.md step
  /// 41).
  /// (A launch's scale is checked > 0 by the runtime, as the
  /// verifier checks the op's.)
  void maskAndRowMax(const ConsumerSetup &cs, const ConsumerTile &ts,
                     ConsumerRound &rs) {
    const int64_t nS = cs.nS;
    Value negInf = ts.negInf;
    rs.masked.assign(nS, Value());
    for (int64_t r = 0; r < nS; ++r)
      rs.masked[r] = arith::SelectOp::create(
          b, bitOf(rs.mask, (r / 4) * 2 + r % 2), extract(rs.s, r), negInf);
    rs.blockMax = {negInf, negInf};
    for (int64_t r = 0; r < nS; ++r) {
      int half = (r % 4) / 2;
      rs.blockMax[half] = fmax(rs.blockMax[half], rs.masked[r]);
    }
    for (int r = 0; r < 2; ++r)
      rs.blockMax[r] =
          fmul(quadReduce(rs.blockMax[r], /*isMax=*/true), scaleLog2);
  }

  /// 3. The max hand-off. Consumer 0 goes first with its own max m0 =
  /// max(m, block max) and publishes it; consumer 1 waits for it, forms
  /// the round's max m' = max(m0, its block max) and publishes m'.
  /// Consumer 0 later repairs what it computed with m0 by exp2(m0 - m').
  /// With lazy_rescale the published values are max(m, block max)
  /// (m0) and max(m0, block max) (m'), and each consumer derives the
  /// pivots from them by the same rule (movePivot): consumer 0's q0
  /// from m and m0, the round's q' from q0 and m'.
  void exchangeRowMax(const ConsumerSetup &cs, ConsumerRound &rs) {
    for (int r = 0; r < 2; ++r)
      rs.mine[r] = fmax(rs.m[r], rs.blockMax[r]);
    if (cs.c == 0) {
      publish(rs.mine, cs.maxCh[0], rs.gs, /*owner=*/0, cs.lane, rs.roundRows);
      for (int r = 0; r < 2; ++r)
        rs.q[r] = movePivot(rs.m[r], rs.mine[r]);
    } else {
      std::array<Value, 2> first =
          receive(cs.maxCh[0], rs.gs, /*owner=*/0, rs.roundRows);
      for (int r = 0; r < 2; ++r)
        rs.mine[r] = fmax(first[r], rs.blockMax[r]);
      publish(rs.mine, cs.maxCh[1], rs.gs, /*owner=*/1, cs.lane, rs.roundRows);
      for (int r = 0; r < 2; ++r)
        rs.q[r] = movePivot(movePivot(rs.m[r], first[r]), rs.mine[r]);
    }
  }

  /// While nothing valid has been seen a max is -inf; subtract 0 instead
  /// so every weight is exp2(-inf) = 0 rather than NaN.
  Value pivotOf(const ConsumerTile &ts, Value max) {
    Value noneYet =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, max, ts.negInf);
    return arith::SelectOp::create(b, noneYet, ts.zero, max);
  }

  /// The block's weights against the round's pivot, the new row sums and
  /// O rescaled to the pivot (before the own GEMM).
  void computeWeights(const ConsumerSetup &cs, const ConsumerTile &ts,
                      ConsumerRound &rs) {
    const int64_t nS = cs.nS;
    Value negInf = ts.negInf, zero = ts.zero;
    // carried_pivot: consumer 0 weights its block against the
    // pivot m it carries in, not m0, so O_0 and l_0 need no rescale
    // before its own GEMM: 128 multiplies and an exponential off the
    // path to that GEMM (1.2% on the headline shape, bench/LOG.md step
    // 51). Step 5 brings everything to m' with one factor exp2(q - m'),
    // as it did from m0. A row's first valid max takes m0 itself (O_0 and
    // l_0 are still 0) and a jump beyond kCarriedPivotSpanLog2 takes
    // m0 - kCarriedPivotSpanLog2, which bounds the weights. The largest
    // weight of a block that moves the max is then 2^(m0 - m) rounded to
    // bf16 in the own GEMM instead of exactly 1; the P tile consumer 1
    // reads is scaled to m' in f32 first, as before.
    rs.ownPivot = cs.c == 0 && schedule.getCarriedPivot();
    if (rs.ownPivot)
      for (int r = 0; r < 2; ++r) {
        Value first = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ,
                                            rs.m[r], negInf);
        Value floor = fsub(rs.mine[r], kb.f32(kCarriedPivotSpanLog2));
        rs.q[r] =
            arith::SelectOp::create(b, first, rs.mine[r], fmax(rs.m[r], floor));
      }
    for (int r = 0; r < 2; ++r) {
      rs.pivot[r] = pivotOf(ts, rs.q[r]);
      if (!rs.ownPivot)
        rs.alpha[r] = ex2(fsub(rs.m[r], rs.pivot[r]));
    }
    rs.weight.assign(nS, Value());
    std::array<Value, 2> rowSum = {zero, zero};
    for (int64_t r = 0; r < nS; ++r) {
      int half = (r % 4) / 2;
      // exp2(S scale - pivot); an invalid column's -inf gives 0.
      rs.weight[r] =
          ex2(math::FmaOp::create(b, rs.masked[r], scaleLog2,
                                  arith::NegFOp::create(b, rs.pivot[half])));
      rowSum[half] = fadd(rowSum[half], rs.weight[r]);
    }
    for (int r = 0; r < 2; ++r)
      rs.newL[r] = rs.ownPivot
                       ? fadd(rs.l[r], rowSum[r])
                       : math::FmaOp::create(b, rs.l[r], rs.alpha[r], rowSum[r])
                             .getResult();
    rs.scaled = rs.ownPivot ? rs.o : rescaled(rs.o, rs.alpha, rs.m, rs.q);
  }

  /// 6. P_c (bf16, at m') to where the peer's cross GEMM reads it
  /// (pTileOf), then published: run for consumer 1 before its own GEMM,
  /// for consumer 0 after step 5.
  void storeP(const ConsumerSetup &cs, ConsumerRound &rs) {
    MLIRContext *ctx = b.getContext();
    const int c = cs.c;
    auto putP = ws::ChannelAcquireOp::create(b, b.getIndexType(),
                                             ws::TokenType::get(ctx), cs.pCh[c],
                                             rs.g, ws::ChannelSide::producer);
    tile::StoreFragmentOp::create(b, rs.weight, pTileOf(c, rs.stage),
                                  rs.roundRows[0], rs.roundRows[1], cs.lane,
                                  pLayout());
    // The whole warpgroup has written the tile, then one release. The
    // peer's wgmma reads it through the async proxy: the peer fences
    // after its acquire (a bidirectional fence here compiled to a
    // MEMBAR that waited for this thread's out stores of the previous
    // tile, bench/LOG.md step 57).
    gpu::BarrierOp::create(b);
    ws::ChannelReleaseOp::create(b, cs.pCh[c], putP.getSlot(), putP.getToken(),
                                 ws::ChannelSide::producer,
                                 /*async=*/false);
  }

  /// 4. O_c += P_c V_c[:, half c] with P_c from registers: the S
  /// accumulator fragment of columns 16k .. 16k+15 is the A fragment of
  /// k-step k (rows g, g+8; columns 2t, 2t+8).
  void ownGemm(const ConsumerSetup &cs, ConsumerRound &rs) {
    rs.acc = tile::MmaAsyncOp::create(
        b, rs.scaled.getType(), rs.scaled, rs.weight, rs.stage,
        /*a_layout=*/nullptr, stageLayout(), /*k_offset=*/0, geo.blockK,
        vColumns(cs.c), /*transpose_b=*/false, /*zero_init=*/false);
  }

  /// 5. Consumer 0 learns m' and repairs: its P tile for the peer is
  /// scaled by beta = exp2(m0 - m'), and so are O_0 and l_0 once the
  /// GEMM above has landed. Consumer 1 already used m'.
  void repairToRoundMax(const ConsumerSetup &cs, const ConsumerTile &ts,
                        ConsumerRound &rs) {
    rs.roundPivot = rs.q;
    if (cs.c != 0)
      return;
    std::array<Value, 2> roundMax =
        receive(cs.maxCh[1], rs.gs, /*owner=*/1, rs.roundRows);
    for (int r = 0; r < 2; ++r) {
      rs.roundPivot[r] = movePivot(rs.q[r], roundMax[r]);
      rs.beta[r] = ex2(fsub(rs.q[r], pivotOf(ts, rs.roundPivot[r])));
      rs.newL[r] = fmul(rs.newL[r], rs.beta[r]);
    }
    for (int64_t r = 0; r < cs.nS; ++r)
      rs.weight[r] = fmul(rs.weight[r], rs.beta[(r % 4) / 2]);
  }

  /// The own GEMM has read its V half: hand it back to the producer.
  /// With carried_pivot released before consumer 0's rescale, which
  /// reads only registers (measured with it; the default keeps the
  /// order the GPU matrix has checked longest: no difference either
  /// way without it, bench/LOG.md step 51).
  void releaseOwnV(const ConsumerSetup &cs, ConsumerRound &rs) {
    rs.acc = waitFor(rs.acc);
    auto release = [&] {
      ws::ChannelReleaseOp::create(b, rs.ownV.getChannel(), rs.ownV.getSlot(),
                                   rs.ownV.getToken(),
                                   ws::ChannelSide::consumer,
                                   /*async=*/false);
    };
    if (rs.ownPivot)
      release();
    if (cs.c == 0)
      rs.acc = hopper::PinOp::create(
                   b, rs.acc.getType(),
                   rescaled(rs.acc, rs.beta, rs.q, rs.roundPivot))
                   .getResult(0);
    if (!rs.ownPivot)
      release();
  }

  /// 7. O_c += P_p V_p[:, half c], P_p from the peer's stage; then 8., the
  /// releases, and the values the round carries into the next.
  void crossGemmAndFinish(const ConsumerSetup &cs, const ConsumerTile &ts,
                          ConsumerRound &rs) {
    MLIRContext *ctx = b.getContext();
    const int c = cs.c, p = cs.p;
    auto peerKv = ws::ChannelAcquireOp::create(
        b, b.getIndexType(), ws::TokenType::get(ctx), cs.kvCh[2 * p + c], rs.g,
        ws::ChannelSide::consumer);
    auto getP = ws::ChannelAcquireOp::create(b, b.getIndexType(),
                                             ws::TokenType::get(ctx), cs.pCh[p],
                                             rs.g, ws::ChannelSide::consumer);
    // (The peer's P tile (st.shared) and the peer block's V half
    // (cp.async) were written through the generic proxy: one fence after
    // both acquires, from ws-insert-proxy-fences.)
    // (The waits above are branches: the product's lowering restates the
    // register fence, so the chain needs no compiler-inserted one.)
    Value peerStage = opaque(tile(stageOf(p, peerKv.getSlot())));
    rs.acc = tile::MmaAsyncOp::create(
        b, rs.acc.getType(), rs.acc, ValueRange{pTileOf(p, peerStage)},
        peerStage, pLayout(), stageLayout(), /*k_offset=*/0, geo.blockK,
        vColumns(c), /*transpose_b=*/false, /*zero_init=*/false);
    // The next round's validity, loaded while the cross GEMM runs (the
    // last round reloads its own: in bounds, unused; the range never ends
    // past the tile's last round).
    if (ts.carriedMask) {
      Value last = arith::SubIOp::create(b, ts.roundEnd, kb.idx(1));
      rs.nextMask = validityMask(
          cs, arith::MinUIOp::create(b, kb.add(rs.i, kb.idx(1)), last));
    }
    rs.acc = waitFor(rs.acc);

    // 8. Both stages and the peer's P tile are free again.
    ws::ChannelReleaseOp::create(b, cs.pCh[p], getP.getSlot(), getP.getToken(),
                                 ws::ChannelSide::consumer,
                                 /*async=*/false);
    ws::ChannelReleaseOp::create(b, peerKv.getChannel(), peerKv.getSlot(),
                                 peerKv.getToken(), ws::ChannelSide::consumer,
                                 /*async=*/false);
    SmallVector<Value> next = {rs.roundPivot[0], rs.roundPivot[1], rs.newL[0],
                               rs.newL[1], rs.acc};
    if (cs.lazy && c == 1)
      next.append(
          {fmax(rs.carried[5], rs.mine[0]), fmax(rs.carried[6], rs.mine[1])});
    if (ts.carriedMask)
      next.push_back(rs.nextMask);
    scf::YieldOp::create(b, next);
  }

  /// Epilogue: total row sums, normalize, write this half of out; consumer
  /// 0 writes lse, max_logits comes from the consumer that carries the
  /// running max. A row with no valid entry has sum 0: out = 0,
  /// lse = +inf, max_logits = -inf.
  void consumerEpilogue(const ConsumerSetup &cs, const ConsumerTile &ts,
                        scf::ForOp loop) {
    const int c = cs.c, p = cs.p;
    std::array<Value, 2> m = {loop.getResult(0), loop.getResult(1)};
    // The running max (max_logits): the pivot, or with lazy_rescale what
    // consumer 1 carried.
    std::array<Value, 2> runningMax = m;
    if (cs.lazy && c == 1)
      runningMax = {loop.getResult(5), loop.getResult(6)};
    std::array<Value, 2> l = {quadReduce(loop.getResult(2), false),
                              quadReduce(loop.getResult(3), false)};
    Value o = loop.getResult(4);
    // The coordinates again, for the stores (recomputed rather than kept
    // in registers through the loop).
    viewTile();
    // This thread's rows. With one head block per token (H / G = 64) the
    // head offset is 0 and the addresses derived from the rows are the
    // same for every tile, so LLVM hoists them out of the tile loop and
    // holds them throughout, in registers consumer 0 needs in its round
    // (with lazy_rescale, consumer 1 too): there they come from a
    // per-tile copy (H = 64 2.5-2.9% faster, bench/LOG.md step 52; with
    // lazy_rescale or carried_pivot the hoisted form spills). Consumer 1
    // keeps the hoisted form (the copy measured 0.3% slower there).
    std::array<Value, 2> tileRows = cs.rows;
    if (geo.headBlocks == 1 && (cs.lazy || c == 0))
      for (int h = 0; h < 2; ++h)
        tileRows[h] = perTile(cs.rows[h]);
    Value sums = iteration(ts.n, tileRoundsIndex(),
                           ChannelUse::perRoundAndEpilogue);
    if (splitKernel) {
      auto [first, end] = roundRange();
      sums = arith::SubIOp::create(b, end, first);
    }
    publish(l, cs.maxCh[c], sums, c, cs.lane, tileRows);
    std::array<Value, 2> peerL = receive(cs.maxCh[p], sums, p, tileRows);
    auto writeOut = [&](Value o, std::array<Value, 2> m,
                        std::array<Value, 2> runningMax,
                        function_ref<Value(int)> totalOf) {
      writeConsumerOut(cs, ts, tileRows, o, m, runningMax, totalOf);
    };
    auto rowTotal = [&](int r) { return fadd(l[r], peerL[r]); };
    if (splitKernel)
      mergeParts(c, cs.tid, cs.lane, o, m, {rowTotal(0), rowTotal(1)},
                 writeOut);
    else
      writeOut(o, m, runningMax, rowTotal);
  }

  /// Normalizes `o` by the row sums (`totalOf(r)` of row r, emitted
  /// here) and writes this consumer's half of out, and lse / max_logits,
  /// for rows `tileRows` relative to pivots `m` with running maxima
  /// `runningMax`.
  void writeConsumerOut(const ConsumerSetup &cs, const ConsumerTile &ts,
                        std::array<Value, 2> tileRows, Value o,
                        std::array<Value, 2> m, std::array<Value, 2> runningMax,
                        function_ref<Value(int)> totalOf) {
    Value zero = ts.zero;
    std::array<Value, 2> total, any, inv;
    for (int r = 0; r < 2; ++r) {
      total[r] = totalOf(r);
      any[r] =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, total[r], zero);
      inv[r] = arith::SelectOp::create(
          b, any[r],
          arith::DivFOp::create(b, kb.f32(1.0),
                                withSink(total[r], m[r], tileRows[r])),
          zero);
    }
    // bf16 pairs of this thread: row `h`, columns 8j + 2(l%4) + {0, 1}.
    SmallVector<std::array<Value, 2>> pk(cs.nO / 4);
    for (int64_t j = 0; j < cs.nO / 4; ++j)
      for (int h = 0; h < 2; ++h)
        pk[j][h] = kb.packBf16(fmul(extract(o, 4 * j + 2 * h), inv[h]),
                               fmul(extract(o, 4 * j + 2 * h + 1), inv[h]));
    storeOutHalf(cs, tileRows, o, inv, pk);
    storeRowStats(cs, tileRows, m, runningMax, total, any);
  }

  /// The normalizer of a row with sum `total` relative to pivot `m` (log2
  /// units): `total` itself, or with attn_sink total + exp2(sink log2(e) -
  /// m). Then out = O / (total + exp(sink - lse) total) = O / total x
  /// 1 / (1 + exp(sink - lse)), since lse = (m + log2 total) ln 2; a sink
  /// of -inf adds 0, one of +inf gives out = 0. lse is unchanged.
  Value withSink(Value total, Value m, Value tileRow) {
    if (!cta->attnSink)
      return total;
    Value head = kb.add(cta->head0, tileRow);
    Value sink = memref::LoadOp::create(b, cta->attnSink, ValueRange{head});
    Value sinkLog2 = fmul(sink, kb.f32(static_cast<float>(M_LOG2E)));
    return fadd(total, ex2(fsub(sinkLog2, m)));
  }

  /// This consumer's half of out for the tile's rows `tileRows`: `o`
  /// scaled by the rows' `inv`, or its bf16 pairs `pk`. Where out's rows
  /// are 16-byte aligned (the usual dense layout), the four lanes of a row
  /// trade pairs (three xor shuffles) so that each writes one whole 16-byte
  /// piece: a quad covers 64 contiguous bytes per store instead of 8. Other
  /// layouts take plain 2-byte stores, which any layout allows.
  void storeOutHalf(const ConsumerSetup &cs, std::array<Value, 2> tileRows,
                    Value o, std::array<Value, 2> inv,
                    ArrayRef<std::array<Value, 2>> pk) {
    auto outMeta = memref::ExtractStridedMetadataOp::create(b, cta->out);
    Value outBase = memref::ExtractAlignedPointerAsIndexOp::create(b, cta->out);
    Value aligned = arith::CmpIOp::create(
        b, arith::CmpIPredicate::eq,
        kb.rem(kb.add(outBase, kb.mul(outMeta.getOffset(), kb.idx(2))), 16),
        kb.idx(0));
    for (int d = 0; d < 3; ++d)
      aligned = arith::AndIOp::create(
          b, aligned,
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                kb.rem(outMeta.getStrides()[d], 8), kb.idx(0)));
    auto ifAligned = scf::IfOp::create(b, aligned, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifAligned.thenBlock()->getTerminator());
    storeOutPieces(cs, tileRows, outMeta, pk);
    b.setInsertionPoint(ifAligned.elseBlock()->getTerminator());
    for (int64_t r = 0; r < cs.nO; ++r) {
      int half = (r % 4) / 2;
      Value v = fmul(extract(o, r), inv[half]);
      Value col =
          kb.add(kb.idx(cs.c * cs.halfCols + 8 * (r / 4) + r % 2), cs.colPair);
      kb.store(
          arith::TruncFOp::create(b, b.getBF16Type(), v), cta->out,
          {cta->batch, cta->token, kb.add(cta->head0, tileRows[half]), col});
    }
  }

  /// The aligned form of storeOutHalf: each lane writes whole 16-byte
  /// pieces of its rows, gathered from the bf16 pairs `pk` of its quad.
  void storeOutPieces(const ConsumerSetup &cs, std::array<Value, 2> tileRows,
                      memref::ExtractStridedMetadataOp outMeta,
                      ArrayRef<std::array<Value, 2>> pk) {
    Value t = toI32(kb.rem(cs.lane, 4));
    auto pick = [&](ArrayRef<Value> four, Value which) {
      Value v = four[0];
      for (int q = 1; q < 4; ++q)
        v = arith::SelectOp::create(
            b,
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq, which, c32(q)),
            four[q], v);
      return v;
    };
    for (int64_t k = 0; k < cs.nO / 16; ++k)
      for (int h = 0; h < 2; ++h) {
        SmallVector<Value> four;
        for (int q = 0; q < 4; ++q)
          four.push_back(pk[4 * k + q][h]);
        // Lane t gathers piece 4k + t: its own pair, and from lane t ^ x
        // the pair that lane holds of the same piece.
        std::array<Value, 4> fromLane; // indexed by x
        fromLane[0] = pick(four, t);
        for (int x = 1; x < 4; ++x) {
          Value send = pick(four, arith::XOrIOp::create(b, t, c32(x)));
          fromLane[x] = gpu::ShuffleOp::create(b, send, x, hw::kWarpSize,
                                               gpu::ShuffleMode::XOR)
                            .getShuffleResult();
        }
        // Element u of the piece comes from lane u = t ^ x.
        Value vec = LLVM::UndefOp::create(b, VectorType::get({4}, i32));
        for (int u = 0; u < 4; ++u) {
          Value x = arith::XOrIOp::create(b, t, c32(u));
          vec =
              LLVM::InsertElementOp::create(b, vec, pick(fromLane, x), c32(u));
        }
        Value col =
            kb.add(kb.idx(cs.c * cs.halfCols + 32 * k),
                   kb.mul(arith::IndexCastOp::create(b, b.getIndexType(), t),
                          kb.idx(8)));
        Value head = kb.add(cta->head0, tileRows[h]);
        ValueRange st = outMeta.getStrides();
        Value elem = kb.add(
            kb.add(outMeta.getOffset(), kb.mul(cta->batch, st[0])),
            kb.add(kb.add(kb.mul(cta->token, st[1]), kb.mul(head, st[2])),
                   col));
        Value addr = rawPointer(b, outMeta.getBaseBuffer(),
                                kb.mul(elem, kb.idx(2)), /*addrSpace=*/1);
        // Streaming store (.cs): out is written once and not read
        // back, so it should not displace KV rows from L2.
        SmallVector<Value> operands = {addr};
        for (int u = 0; u < 4; ++u)
          operands.push_back(LLVM::ExtractElementOp::create(b, vec, c32(u)));
        asmStatement(operands, "st.global.cs.v4.b32 [$0], {$1, $2, $3, $4};",
                     "l,r,r,r,r");
      }
  }

  /// Consumer 0 writes lse; max_logits comes from whichever consumer
  /// carries the running max.
  void storeRowStats(const ConsumerSetup &cs, std::array<Value, 2> tileRows,
                     std::array<Value, 2> m, std::array<Value, 2> runningMax,
                     std::array<Value, 2> total, std::array<Value, 2> any) {
    const bool writesLse = cs.c == 0;
    const bool writesMax = cta->maxLogits && cs.c == (cs.lazy ? 1 : 0);
    if (!writesLse && !writesMax)
      return;
    Value leader = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                         kb.rem(cs.lane, 4), kb.idx(0));
    kb.when(leader, [&] {
      for (int r = 0; r < 2; ++r) {
        Value head = kb.add(cta->head0, tileRows[r]);
        if (writesLse) {
          Value safeSum =
              arith::SelectOp::create(b, any[r], total[r], kb.f32(1.0));
          Value lseLog2 = fadd(m[r], math::Log2Op::create(b, safeSum));
          Value lseVal = fmul(lseLog2, kb.f32(M_LN2));
          kb.store(arith::SelectOp::create(b, any[r], lseVal, kb.posInf()),
                   cta->lse, {cta->batch, cta->token, head});
        }
        if (writesMax)
          kb.store(arith::SelectOp::create(b, any[r],
                                           fmul(runningMax[r], kb.f32(M_LN2)),
                                           kb.negInf()),
                   cta->maxLogits, {cta->batch, cta->token, head});
      }
    });
  }

private:
  ImplicitLocOpBuilder &b;
  KernelBuilder kb;
  FwdSpec spec;
  ScheduleAttr schedule;
  ValueRange args;
  /// The tile being computed (set by forEachTile).
  std::optional<CtaView> cta;
  /// Persistent: the CTA's tile counter (i32) in the current tile.
  Value tileCounter;
  /// With topk_length: the rounds of the CTA's earlier tiles (i32, 0 when
  /// not persistent) and the current tile's row length (CtaView::rowLength
  /// at the tile's start; a view recomputed inside the tile has none).
  Value roundBase, rowLength;
  /// shared_validity: the channels of consumer 0's and 1's block validity.
  std::array<Value, 2> validCh;
  /// split_tail: the split plan's launch arguments (see setSplitPlan).
  Value splitTiles, splitParts, splitWorkspace;
  bool splitKernel = false;
  const SeesawGeometry &geo;
  Value scaleLog2; ///< f32: the kernel's scale_log2 parameter.
  Type i32, i64, f32;
  Value smemBase, tiles;
};

/// Emits the seesaw kernel body into `func`: the channels, then the
/// warp_specialize with the producer and the two consumers.

void buildSeesawKernelBody(gpu::GPUFuncOp func, const FwdSpec &spec,
                           ScheduleAttr schedule, const SeesawGeometry &geo,
                           bool isSplitKernel) {
  MLIRContext *ctx = func.getContext();
  Block &entry = func.getBody().front();
  ImplicitLocOpBuilder b(func.getLoc(), ctx);
  b.setInsertionPointToStart(&entry);
  KernelBuilder kb{b};
  const int64_t wgThreads = hw::kWarpgroupSize;
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);

  Value smem = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  int64_t nextBarrier = geo.layout.barriers;
  Value lastBars;
  auto channel = [&](int64_t depth, int64_t producers, int64_t consumers) {
    lastBars = memref::ViewOp::create(
        b, MemRefType::get({2 * depth}, b.getI64Type(), nullptr, wg), smem,
        kb.idx(nextBarrier), ValueRange{});
    nextBarrier += 2 * depth * hw::kMBarrierBytes;
    return ws::ChannelCreateOp::create(b, ws::ChannelType::get(ctx, depth),
                                       lastBars, b.getI64IntegerAttr(producers),
                                       b.getI64IntegerAttr(consumers))
        .getResult();
  };
  // KV stages, split into halves: for consumer c's blocks (stages c, c + 2,
  // ...), the L half (V columns of consumer 0) and the R half (those of
  // consumer 1 and the RoPE slice), each filled by the producer and freed by
  // the one consumer that reads it last.
  SmallVector<Value> kvCh;
  for (int i = 0; i < 4; ++i)
    kvCh.push_back(channel(schedule.getStages() / 2, wgThreads, wgThreads));
  // The Q tile: filled once, read by both consumers until the end.
  Value qCh = channel(1, wgThreads, 2 * wgThreads);
  Value qBars = lastBars; // the TMA copies complete on its full barrier
  // Row max (per round) and row sum (after the last) of consumer c, and its
  // P tile, each read by the other consumer.
  Value max0 = channel(1, wgThreads, wgThreads);
  Value max1 = channel(1, wgThreads, wgThreads);
  Value p0 = channel(1, wgThreads, wgThreads);
  Value p1 = channel(1, wgThreads, wgThreads);
  // shared_validity: the validity of consumer c's blocks (one byte per key),
  // written by the producer, read by consumer c.
  SmallVector<Value> validCh;
  if (schedule.getSharedValidity())
    for (int c = 0; c < 2; ++c)
      validCh.push_back(
          channel(schedule.getStages() / 2, wgThreads, wgThreads));
  // The layout (getSeesawLayout) must have room for every barrier above.
  if (nextBarrier >
      geo.layout.barriers + geo.layout.numBarriers * hw::kMBarrierBytes)
    llvm::report_fatal_error("seesaw kernel: more mbarriers than the shared "
                             "memory layout reserves");

  // Kernel arguments: the op's operands, scale_log2, Q's tensor map, the
  // split plan.
  SmallVector<Value> captures(entry.getArguments());
  const size_t numArgs = captures.size();
  const size_t numOpArgs =
      numArgs - 1 - (schedule.getSplitTail() ? kSeesawSplitPlanParams : 0);
  llvm::append_range(captures, kvCh);
  captures.append({qCh, max0, max1, p0, p1, qBars});
  llvm::append_range(captures, validCh);
  ArrayRef<int32_t> regs = schedule.getRegs();
  auto roles = ws::WarpSpecializeOp::create(
      b, TypeRange{}, captures,
      b.getStrArrayAttr({"producer", "consumer0", "consumer1"}),
      b.getDenseI32ArrayAttr({4, 4, 4}),
      b.getDenseI32ArrayAttr({regs[0], regs[1], regs[2]}),
      /*numRegions=*/3);
  SmallVector<Type> argTypes(ValueRange(captures).getTypes());
  SmallVector<Location> argLocs(argTypes.size(), func.getLoc());
  for (int role = 0; role < 3; ++role) {
    Block *body =
        b.createBlock(&roles.getPartitions()[role], {}, argTypes, argLocs);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    ValueRange args = body->getArguments();
    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    Value roleTid = arith::SubIOp::create(b, tid, kb.idx(role * wgThreads));
    SeesawEmitter k(b, spec, schedule, args.take_front(numOpArgs), geo);
    Value qMap = args[numOpArgs];
    if (schedule.getSplitTail())
      k.setSplitPlan(args[numOpArgs + 1], args[numOpArgs + 2],
                     args[numOpArgs + 3], isSplitKernel);
    ValueRange ch = args.drop_front(numArgs);
    SmallVector<Value> kv(ch.take_front(4));
    if (!validCh.empty())
      k.setValidityChannels(ch[10], ch[11]);
    if (role == 0)
      k.producer(roleTid, kv, ch[4], ch[9], qMap);
    else
      k.consumer(role - 1, roleTid, kv, ch[4], {ch[5], ch[6]}, {ch[7], ch[8]});
    ws::RoleReturnOp::create(b);
  }
  b.setInsertionPointAfter(roles);
  gpu::ReturnOp::create(b);
}

/// What the seesaw body needs of the tile program in `func` (made by
/// convert-sparse-mla-to-tiles for a seesaw schedule and marked with
/// tile::kSeesawAttrName): the problem from its tiles' global operands,
/// the optional operands and the causal rule from the block rows and the
/// finish, the compiled scale from the logits matmul, the kv stride from
/// the mark. Fails, naming what differs, on a program of another form.
FailureOr<FwdSpec> readTileProgram(gpu::GPUFuncOp func, DictionaryAttr mark) {
  FwdSpec spec;
  auto kvStride = mark.getAs<IntegerAttr>("kv_stride");
  if (!kvStride)
    return func.emitOpError() << tile::kSeesawAttrName
                              << " must hold `kv_stride` (integer), but is "
                              << mark;
  spec.kvStride = kvStride.getInt();
  tile::LoadOp load;
  tile::BlockRowsOp rows;
  tile::GatherOp gather;
  tile::MatmulOp logits;
  tile::FinishOp finish;
  // The program's tile ops, by name: exactly those of one op's program.
  llvm::StringMap<int> counts;
  func.walk([&](Operation *op) {
    if (!isa<tile::TileDialect>(op->getDialect()))
      return;
    ++counts[op->getName().getStringRef()];
    if (auto o = dyn_cast<tile::LoadOp>(op))
      load = o;
    else if (auto o = dyn_cast<tile::BlockRowsOp>(op))
      rows = o;
    else if (auto o = dyn_cast<tile::GatherOp>(op))
      gather = o;
    else if (auto o = dyn_cast<tile::MatmulOp>(op); o && o.getTransposeB())
      logits = o;
    else if (auto o = dyn_cast<tile::FinishOp>(op))
      finish = o;
  });
  const llvm::StringMap<int> expected = {
      {tile::LoadOp::getOperationName(), 1},
      {tile::FillOp::getOperationName(), 3},
      {tile::BlockRowsOp::getOperationName(), 1},
      {tile::GatherOp::getOperationName(), 1},
      {tile::MatmulOp::getOperationName(), 2},
      {tile::SoftmaxStepOp::getOperationName(), 1},
      {tile::FinishOp::getOperationName(), 1}};
  bool same = counts.size() == expected.size() && logits;
  for (const auto &[name, n] : expected)
    same = same && counts.lookup(name) == n;
  // The logits are masked by, and the gather reads, the block's rows.
  if (!same || gather.getRows() != rows.getRows() ||
      logits.getMask() != rows.getRows())
    return func.emitOpError()
           << "is marked " << tile::kSeesawAttrName
           << " but its body is not the tile program of one sparse_mla.fwd "
              "(one load, three fills, then per block: block_rows, the gather "
              "and the logits matmul masked by its rows, softmax_step, the "
              "P V matmul; one finish), as convert-sparse-mla-to-tiles makes "
              "it";
  spec.p = getFwdProblem(load.getSource(), gather.getSource(),
                         rows.getIndices(), finish.getOut(), finish.getLse(),
                         finish.getMaxLogits(),
                         static_cast<bool>(finish.getSink()),
                         static_cast<bool>(rows.getLength()));
  const FwdOp::Problem &p = spec.p;
  spec.causal = static_cast<bool>(rows.getLastVisible());
  spec.hasMaxLogits = static_cast<bool>(finish.getMaxLogits());
  // The program's operands must be the kernel's parameters in the package's
  // order (the body reads them by position).
  ValueRange args = func.getArguments();
  unsigned next = 4 + p.attnSink + p.topkLength;
  if (args.size() < spec.numOperands() || load.getSource() != args[0] ||
      gather.getSource() != args[1] || rows.getIndices() != args[2] ||
      finish.getOut() != args[next] || finish.getLse() != args[next + 1] ||
      (spec.hasMaxLogits && finish.getMaxLogits() != args[next + 2]) ||
      (p.attnSink && finish.getSink() != args[4]))
    return func.emitOpError()
           << "tile program's global operands are not the kernel's "
              "parameters in the package order (q, kv, indices, q_start, "
              "[attn_sink], [topk_length], out, lse, [max_logits])";
  // A compiled scale is the logits matmul's constant.
  if (auto cst = logits.getScale().getDefiningOp<arith::ConstantOp>())
    spec.compiledScaleLog2 =
        static_cast<float>(cast<FloatAttr>(cst.getValue()).getValueAsDouble());
  return spec;
}

struct ConvertSeesawToGPUPass
    : public sparse_mla::impl::ConvertSparseMLASeesawToGPUBase<
          ConvertSeesawToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<gpu::GPUFuncOp> funcs;
    getOperation().walk([&](gpu::GPUFuncOp func) {
      if (func->hasAttr(tile::kSeesawAttrName))
        funcs.push_back(func);
    });
    for (gpu::GPUFuncOp func : funcs)
      if (failed(lower(func)))
        return signalPassFailure();
  }

  LogicalResult lower(gpu::GPUFuncOp func) {
    auto mark = func->getAttrOfType<DictionaryAttr>(tile::kSeesawAttrName);
    auto schedule = mark ? mark.getAs<ScheduleAttr>("schedule") : nullptr;
    auto split = mark ? mark.getAs<BoolAttr>("split") : nullptr;
    if (!schedule || schedule.getKind() != ScheduleKind::seesaw || !split)
      return func.emitOpError()
             << tile::kSeesawAttrName
             << " must be a dictionary with a seesaw `schedule` and `split` "
                "(bool), but is "
             << func->getAttr(tile::kSeesawAttrName);
    FailureOr<FwdSpec> spec = readTileProgram(func, mark);
    if (failed(spec))
      return failure();
    const FwdOp::Problem &p = spec->p;
    std::string why = whySeesawKernelCannotServe(schedule, p);
    if (!why.empty())
      return func.emitOpError() << why;
    SeesawGeometry geo;
    geo.dv = p.Dv;
    geo.colBlocks = p.Dqk / kAtomCols;
    geo.vBlocksPerHalf = p.Dv / 2 / kAtomCols;
    geo.blockK = schedule.getBlockK();
    geo.kvBlockBytes = geo.blockK * kRowBytes;
    geo.rounds = p.topk / (2 * schedule.getBlockK());
    geo.headBlocks = p.H / schedule.getHeadsPerCta();
    geo.layout = getSeesawLayout(schedule, p.Dqk);

    // The tile program gives way to the warp-specialized body.
    Block &entry = func.getBody().front();
    while (!entry.empty())
      entry.back().erase();
    func->removeAttr(tile::kSeesawAttrName);
    // Q's tensor map is passed by value (a __grid_constant__ CUtensorMap):
    // its index among the lowered arguments (memrefs expand to their
    // descriptors: 3 + 2 x rank values), for sparse-mla-by-value-params
    // once the kernel is an llvm.func.
    const size_t extra = seesawExtraParamTypes(func.getContext(), schedule).size();
    int64_t lowered = 0;
    for (Type t : func.getArgumentTypes().drop_back(extra))
      lowered += isa<MemRefType>(t) ? 3 + 2 * cast<MemRefType>(t).getRank() : 1;
    func->setAttr("sparse_mla.by_value_params",
                  DenseI64ArrayAttr::get(func.getContext(), {lowered}));
    buildSeesawKernelBody(func, *spec, schedule, geo, split.getValue());
    return success();
  }
};

} // namespace
