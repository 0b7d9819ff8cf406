//===- SparseMLAAttrs.cpp - #sparse_mla.schedule --------------------------===//

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::sparse_mla;

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAAttrs.cpp.inc"

void SparseMLADialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Parsing and printing
//===----------------------------------------------------------------------===//

// #sparse_mla.schedule<kind (`,` key `=` value)*>, keys in any order.
Attribute ScheduleAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess())
    return {};
  StringRef kindName;
  SMLoc kindLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&kindName))
    return {};
  std::optional<ScheduleKind> kind = symbolizeScheduleKind(kindName);
  if (!kind) {
    parser.emitError(kindLoc, "unknown schedule kind '")
        << kindName << "', expected 'seesaw', 'simple' or 'pipelined'";
    return {};
  }

  std::optional<int64_t> headsPerCta, blockK, stages, warpgroups;
  SmallVector<int32_t> regs;
  bool seenRegs = false;
  std::optional<bool> persistent, sharedValidity, lazyRescale, splitTail,
      carriedPivot;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (key == "regs") {
      if (seenRegs) {
        parser.emitError(keyLoc, "duplicate schedule parameter 'regs'");
        return {};
      }
      seenRegs = true;
      if (parser.parseCommaSeparatedList(
              AsmParser::Delimiter::Square, [&]() -> ParseResult {
                int32_t value = 0;
                if (parser.parseInteger(value))
                  return failure();
                regs.push_back(value);
                return success();
              }))
        return {};
      continue;
    }
    if (std::optional<bool> *flag =
            llvm::StringSwitch<std::optional<bool> *>(key)
                .Case("persistent", &persistent)
                .Case("shared_validity", &sharedValidity)
                .Case("lazy_rescale", &lazyRescale)
                .Case("split_tail", &splitTail)
                .Case("carried_pivot", &carriedPivot)
                .Default(nullptr)) {
      if (*flag) {
        parser.emitError(keyLoc, "duplicate schedule parameter '")
            << key << "'";
        return {};
      }
      StringRef value;
      SMLoc valueLoc = parser.getCurrentLocation();
      if (parser.parseKeyword(&value))
        return {};
      if (value != "true" && value != "false") {
        parser.emitError(valueLoc, "schedule parameter '")
            << key << "' must be true or false, but got '" << value << "'";
        return {};
      }
      *flag = value == "true";
      continue;
    }
    std::optional<int64_t> *slot =
        llvm::StringSwitch<std::optional<int64_t> *>(key)
            .Case("heads_per_cta", &headsPerCta)
            .Case("block_k", &blockK)
            .Case("stages", &stages)
            .Case("warpgroups", &warpgroups)
            .Default(nullptr);
    if (!slot) {
      parser.emitError(keyLoc, "unknown schedule parameter '")
          << key
          << "', expected heads_per_cta, block_k, stages, warpgroups, regs"
             ", persistent, shared_validity, lazy_rescale, split_tail or "
             "carried_pivot";
      return {};
    }
    if (slot->has_value()) {
      parser.emitError(keyLoc, "duplicate schedule parameter '") << key << "'";
      return {};
    }
    int64_t value = 0;
    if (parser.parseInteger(value))
      return {};
    *slot = value;
  }
  if (parser.parseGreater())
    return {};

  for (auto [name, slot] :
       {std::pair<StringRef, std::optional<int64_t> *>{"heads_per_cta",
                                                      &headsPerCta},
        {"block_k", &blockK},
        {"stages", &stages},
        {"warpgroups", &warpgroups}}) {
    if (!slot->has_value()) {
      parser.emitError(loc, "schedule is missing parameter '") << name << "'";
      return {};
    }
  }
  return ScheduleAttr::getChecked(
      [&] { return parser.emitError(loc); }, parser.getContext(), *kind,
      *headsPerCta, *blockK, *stages, *warpgroups, regs,
      persistent.value_or(false), sharedValidity.value_or(false),
      lazyRescale.value_or(false), splitTail.value_or(false),
      carriedPivot.value_or(false));
}

void ScheduleAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyScheduleKind(getKind())
          << ", heads_per_cta = " << getHeadsPerCta()
          << ", block_k = " << getBlockK() << ", stages = " << getStages()
          << ", warpgroups = " << getWarpgroups();
  if (!getRegs().empty()) {
    printer << ", regs = [";
    llvm::interleaveComma(getRegs(), printer);
    printer << "]";
  }
  if (getPersistent())
    printer << ", persistent = true";
  if (getSharedValidity())
    printer << ", shared_validity = true";
  if (getLazyRescale())
    printer << ", lazy_rescale = true";
  if (getSplitTail())
    printer << ", split_tail = true";
  if (getCarriedPivot())
    printer << ", carried_pivot = true";
  printer << ">";
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

LogicalResult ScheduleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   ScheduleKind kind, int64_t headsPerCta,
                                   int64_t blockK, int64_t stages,
                                   int64_t warpgroups, ArrayRef<int32_t> regs,
                                   bool persistent, bool sharedValidity,
                                   bool lazyRescale, bool splitTail,
                                   bool carriedPivot) {
  bool seesaw = kind == ScheduleKind::seesaw;
  if (headsPerCta < 1)
    return emitError() << "schedule heads_per_cta must be >= 1, but got "
                       << headsPerCta;
  if (blockK < 1)
    return emitError() << "schedule block_k must be >= 1, but got " << blockK;
  if (stages < 1)
    return emitError() << "schedule stages must be >= 1, but got " << stages;
  if (warpgroups < 1)
    return emitError() << "schedule warpgroups must be >= 1, but got "
                       << warpgroups;
  if (warpgroups > hw::kMaxThreadsPerBlock / hw::kWarpgroupSize)
    return emitError() << "schedule warpgroups = " << warpgroups
                       << " exceeds the limit of " << hw::kMaxThreadsPerBlock
                       << " threads per block ("
                       << hw::kMaxThreadsPerBlock / hw::kWarpgroupSize
                       << " warpgroups)";

  if (seesaw) {
    if (headsPerCta % hw::kWgmmaM != 0)
      return emitError() << "seesaw schedule heads_per_cta must be a multiple "
                            "of "
                         << hw::kWgmmaM << " (the WGMMA M dimension), but got "
                         << headsPerCta;
    if (blockK % hw::kWgmmaKBf16 != 0 || blockK > hw::kWgmmaMaxN)
      return emitError() << "seesaw schedule block_k must be a multiple of "
                         << hw::kWgmmaKBf16 << " and at most "
                         << hw::kWgmmaMaxN
                         << " (WGMMA K and N limits), but got " << blockK;
    if (stages % 2 != 0)
      return emitError() << "seesaw schedule stages must be even (one KV "
                            "buffer per consumer per step), but got "
                         << stages;
    if (warpgroups != 3)
      return emitError() << "seesaw schedule needs warpgroups = 3 (producer, "
                            "consumer 0, consumer 1), but got "
                         << warpgroups;
    if (regs.empty())
      return emitError() << "seesaw schedule needs regs, one setmaxnreg "
                            "budget per warpgroup";
  }

  // Options of the seesaw kernel only.
  for (auto [name, on] : {std::pair<StringRef, bool>{"persistent", persistent},
                          {"shared_validity", sharedValidity},
                          {"lazy_rescale", lazyRescale},
                          {"split_tail", splitTail},
                          {"carried_pivot", carriedPivot}})
    if (on && !seesaw)
      return emitError() << "schedule " << name
                         << " = true needs the seesaw kind, but got "
                         << stringifyScheduleKind(kind);
  if (splitTail && !persistent)
    return emitError() << "schedule split_tail = true needs persistent = true "
                          "(the split kernel takes the tiles the persistent "
                          "one leaves)";
  if (splitTail && lazyRescale)
    return emitError() << "schedule split_tail = true is not supported with "
                          "lazy_rescale = true (the parts of a tile are "
                          "merged by their running max)";
  if (carriedPivot && lazyRescale)
    return emitError() << "schedule carried_pivot = true is not supported "
                          "with lazy_rescale = true (lazy_rescale moves the "
                          "pivot by its own rule)";

  if (kind == ScheduleKind::simple && stages != 1)
    return emitError() << "simple schedule supports stages = 1 only, but got "
                       << stages;
  if (kind == ScheduleKind::pipelined) {
    if (warpgroups != 2)
      return emitError() << "pipelined schedule needs warpgroups = 2 "
                            "(producer, consumer), but got "
                         << warpgroups;
    if (stages < 2)
      return emitError() << "pipelined schedule needs stages >= 2 (a ring "
                            "the producer fills ahead), but got "
                         << stages;
  }

  if (!regs.empty()) {
    if (static_cast<int64_t>(regs.size()) != warpgroups)
      return emitError() << "schedule regs must have one entry per warpgroup ("
                         << warpgroups << "), but has " << regs.size();
    int64_t total = 0;
    for (auto [i, r] : llvm::enumerate(regs)) {
      if (r < hw::kSetMaxNRegMin || r > hw::kSetMaxNRegMax ||
          r % hw::kSetMaxNRegGranule != 0)
        return emitError() << "schedule regs[" << i << "] = " << r
                           << " is not a valid setmaxnreg value (a multiple "
                              "of "
                           << hw::kSetMaxNRegGranule << " in ["
                           << hw::kSetMaxNRegMin << ", " << hw::kSetMaxNRegMax
                           << "])";
      total += int64_t(r) * hw::kWarpgroupSize;
    }
    if (total > hw::kRegistersPerSM)
      return emitError() << "schedule regs need " << total
                         << " registers per CTA, above the register file of "
                         << hw::kRegistersPerSM << " per SM";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Derived quantities
//===----------------------------------------------------------------------===//

int64_t ScheduleAttr::getNumThreads() const {
  return getWarpgroups() * hw::kWarpgroupSize;
}

int64_t ScheduleAttr::getRegisterFileUse() const {
  int64_t total = 0;
  for (int32_t r : getRegs())
    total += int64_t(r) * hw::kWarpgroupSize;
  return total;
}

/// Sizes multiply saturating at INT64_MAX: a schedule or shape too large to
/// represent then needs "more shared memory than any chip has" and is
/// rejected by the limit check instead of wrapping around to a small size.
static int64_t mul(int64_t a, int64_t b) {
  int64_t r;
  return llvm::MulOverflow(a, b, r) ? std::numeric_limits<int64_t>::max() : r;
}
static int64_t add(int64_t a, int64_t b) {
  int64_t r;
  return llvm::AddOverflow(a, b, r) ? std::numeric_limits<int64_t>::max() : r;
}

/// Every shared-memory region starts on a 128-byte boundary (TMA and
/// cp.async targets, and bank-aligned rows).
static int64_t region(int64_t bytes) {
  return bytes > std::numeric_limits<int64_t>::max() - 128
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(llvm::alignTo(bytes, 128));
}

static constexpr int64_t kBf16Bytes = 2, kF32Bytes = 4, kI32Bytes = 4;

SimpleSmemLayout mlir::sparse_mla::getSimpleSmemLayout(ScheduleAttr schedule,
                                                       int64_t dqk,
                                                       int64_t dv) {
  int64_t hpc = schedule.getHeadsPerCta(), blockK = schedule.getBlockK();
  bool pipelined = schedule.getKind() == ScheduleKind::pipelined;
  SimpleSmemLayout l;
  // cp.async writes 16-byte pieces: pipelined rows keep 16-byte alignment.
  l.kvPitch = add(dqk, pipelined ? 8 : 2);
  l.q = 0;
  l.kv = add(l.q, region(mul(mul(hpc, dqk), kBf16Bytes)));
  l.scores = add(l.kv, region(mul(mul(mul(schedule.getStages(), blockK),
                                      l.kvPitch),
                                  kBf16Bytes)));
  l.acc = add(l.scores, region(mul(mul(hpc, blockK), kF32Bytes)));
  l.stats = add(l.acc, region(mul(mul(hpc, dv), kF32Bytes)));
  l.rows = add(l.stats, region(mul(3 * kF32Bytes, hpc)));
  l.barriers = add(l.rows, region(mul(blockK, kI32Bytes)));
  // Pipelined: a full and an empty mbarrier per stage.
  l.total = add(l.barriers,
                pipelined ? region(mul(2 * hw::kMBarrierBytes,
                                       schedule.getStages()))
                          : 0);
  return l;
}

/// The seesaw kernel's Dv: 512 latent columns, split in two 256-wide halves
/// of O, one per consumer.
static constexpr int64_t kSeesawDvColumns = 512;

SeesawLayout mlir::sparse_mla::getSeesawLayout(ScheduleAttr schedule,
                                               int64_t dqk) {
  int64_t hpc = schedule.getHeadsPerCta(), blockK = schedule.getBlockK();
  SeesawLayout l;
  // Channels: the four kv halves (depth stages / 2 each), q (1), max[2]
  // (1 each), p[2] (1 each), with shared_validity valid[2] (depth stages / 2
  // each); two barriers (full, empty) per slot.
  const int64_t depth = schedule.getStages() / 2;
  l.numBarriers = 2 * (4 * depth + 1 + 2 + 2 +
                       (schedule.getSharedValidity() ? 2 * depth : 0));
  l.barriers = 0;
  l.stats = region(mul(l.numBarriers, hw::kMBarrierBytes));
  l.tiles = add(l.stats, region(mul(2 * kF32Bytes, hpc)));
  if (schedule.getSharedValidity()) {
    // One byte per key of each stage.
    l.validity = l.tiles;
    l.tiles = add(l.validity, region(mul(schedule.getStages(), blockK)));
  }
  l.qTileBytes = mul(mul(hpc, dqk), kBf16Bytes);
  l.stageBytes = mul(mul(blockK, dqk), kBf16Bytes);
  // Offsets from here on are relative to the aligned tile region, which
  // starts at most kSharedMemoryAlignment - 1 bytes after `tiles`.
  l.pBuffer = add(l.tiles, add(l.qTileBytes,
                               mul(schedule.getStages(), l.stageBytes)));
  const int64_t pTileBytes = mul(mul(hpc, blockK), kBf16Bytes);
  int64_t pEnd = add(l.pBuffer, pTileBytes);
  if (dqk == kSeesawDvColumns) {
    // K = V: every column of a stage is V, none is dead after QK^T.
    l.pBuffer0 = pEnd;
    pEnd = add(pEnd, pTileBytes);
  }
  l.total = add(pEnd, hw::kSharedMemoryAlignment - 1);
  l.total = region(l.total);
  return l;
}

int64_t ScheduleAttr::getSharedMemoryBytes(int64_t dqk, int64_t dv) const {
  int64_t bytes = 0;
  switch (getKind()) {
  case ScheduleKind::seesaw:
    // The layout includes its own alignment slack.
    return getSeesawLayout(*this, dqk).total;
  case ScheduleKind::simple:
  case ScheduleKind::pipelined:
    bytes = getSimpleSmemLayout(*this, dqk, dv).total;
    break;
  }
  // Room to align the dynamic shared-memory base.
  return add(bytes, hw::kSharedMemoryAlignment);
}

//===----------------------------------------------------------------------===//
// Schedule vs op
//===----------------------------------------------------------------------===//

ScheduleAttr mlir::sparse_mla::getDefaultSchedule(MLIRContext *ctx,
                                                  ScheduleKind kind,
                                                  int64_t headsPerGroup) {
  switch (kind) {
  case ScheduleKind::seesaw:
    // One producer warpgroup with few registers feeding two consumer
    // warpgroups: 40 + 232 + 232 registers x 128 threads = 64,512 <= 64 Ki
    // (the consumers hold a 64 x 256 f32 half of O, 128 registers, plus S).
    return ScheduleAttr::get(ctx, kind, /*heads_per_cta=*/64, /*block_k=*/64,
                             /*stages=*/2, /*warpgroups=*/3, {40, 232, 232},
                             /*persistent=*/true, /*shared_validity=*/false,
                             /*lazy_rescale=*/false, /*split_tail=*/false,
                             /*carried_pivot=*/false);
  case ScheduleKind::simple:
  case ScheduleKind::pipelined: {
    // Up to 16 heads per CTA, the largest power of two dividing H/G.
    int64_t hpc = 16;
    while (hpc > 1 && headsPerGroup % hpc != 0)
      hpc /= 2;
    if (kind == ScheduleKind::pipelined)
      // Producer with few registers, consumer with most of the file:
      // (56 + 232) x 128 = 36,864 registers.
      return ScheduleAttr::get(ctx, kind, hpc, /*block_k=*/32, /*stages=*/2,
                               /*warpgroups=*/2, {56, 232},
                               /*persistent=*/false,
                               /*shared_validity=*/false,
                               /*lazy_rescale=*/false, /*split_tail=*/false,
                               /*carried_pivot=*/false);
    return ScheduleAttr::get(ctx, kind, hpc, /*block_k=*/32, /*stages=*/1,
                             /*warpgroups=*/1, {}, /*persistent=*/false,
                             /*shared_validity=*/false,
                             /*lazy_rescale=*/false, /*split_tail=*/false,
                             /*carried_pivot=*/false);
  }
  }
  llvm_unreachable("covered switch");
}

/// The seesaw kernel's head dimensions: Dv = 512 latent columns (split in
/// two 256-wide halves of O, one per consumer) and Dqk = 576 (64 RoPE
/// columns more, whose shared-memory slice is reused for consumer 0's P
/// tile after QK^T) or Dqk = Dv (K = V: that P tile gets its own buffer).
/// Each consumer's tile is one WGMMA M of heads.
static constexpr int64_t kSeesawDqk = 576;
static constexpr int64_t kSeesawDv = kSeesawDvColumns;
static constexpr int64_t kSeesawTile = 64;

std::string
mlir::sparse_mla::whySeesawKernelCannotServe(ScheduleAttr schedule,
                                             const FwdOp::Problem &p) {
  std::string reason;
  llvm::raw_string_ostream os(reason);
  if (p.topkLength && schedule.getSplitTail()) {
    // The split kernel divides a tile's rounds, which topk_length makes a
    // per-row count.
    os << "seesaw schedule with split_tail does not implement topk_length "
          "(a tile's rounds then depend on its row's length)";
  } else if (p.Dv != kSeesawDv) {
    os << "seesaw schedule needs Dv = " << kSeesawDv << ", but got " << p.Dv;
  } else if (p.Dqk != kSeesawDqk && p.Dqk != kSeesawDv) {
    os << "seesaw schedule needs Dqk = " << kSeesawDqk << " (Dv + 64 RoPE "
       << "columns) or Dqk = Dv = " << kSeesawDv << ", but got " << p.Dqk;
  } else if (schedule.getHeadsPerCta() != kSeesawTile) {
    // The P tile [heads, keys] is exchanged through the RoPE slice
    // [keys, 64] of a KV stage (or a buffer of that size).
    os << "seesaw kernel needs heads_per_cta = " << kSeesawTile
       << " (one WGMMA M per consumer; the P tile fills a [block_k, 64] "
          "slice), but got "
       << schedule.getHeadsPerCta();
  } else if (schedule.getBlockK() != 32 && schedule.getBlockK() != 64) {
    os << "seesaw kernel needs block_k = 32 or 64, but got "
       << schedule.getBlockK();
  } else if (schedule.getStages() != 2 && schedule.getStages() != 4) {
    os << "seesaw kernel needs stages = 2 or 4 (one or two KV stages per "
          "consumer), but got "
       << schedule.getStages();
  } else if (p.topk % (2 * schedule.getBlockK()) != 0) {
    os << "seesaw schedule needs topk to be a multiple of 2 x block_k = "
       << 2 * schedule.getBlockK() << ", but got " << p.topk;
  } else if (schedule.getSplitTail() && p.topk < 4 * schedule.getBlockK()) {
    // The split kernel divides a tile's rounds (2 x block_k entries each).
    os << "seesaw schedule with split_tail needs at least two rounds, topk >= "
          "4 x block_k = "
       << 4 * schedule.getBlockK() << ", but got " << p.topk;
  }
  return reason;
}

std::string mlir::sparse_mla::whyScheduleCannotServe(
    ScheduleAttr schedule, const FwdOp::Problem &p,
    int64_t maxSharedMemoryBytes) {
  std::string reason;
  llvm::raw_string_ostream os(reason);
  StringRef kind = stringifyScheduleKind(schedule.getKind());
  int64_t headsPerGroup = p.H / p.G;
  if (headsPerGroup % schedule.getHeadsPerCta() != 0) {
    os << kind << " schedule heads_per_cta = " << schedule.getHeadsPerCta()
       << " must divide H/G = " << headsPerGroup;
    return reason;
  }
  if (schedule.getKind() == ScheduleKind::seesaw) {
    std::string why = whySeesawKernelCannotServe(schedule, p);
    if (!why.empty())
      return why;
  }
  if (schedule.getKind() == ScheduleKind::pipelined &&
      p.Dqk % (hw::kCpAsyncBytes / 2) != 0) {
    os << "pipelined schedule gathers rows in 16-byte pieces and needs Dqk "
          "to be a multiple of 8, but got "
       << p.Dqk;
    return reason;
  }
  int64_t smem = schedule.getSharedMemoryBytes(p.Dqk, p.Dv);
  if (smem > maxSharedMemoryBytes)
    os << kind << " schedule needs " << smem
       << " bytes of shared memory for Dqk = " << p.Dqk
       << ", above the limit of " << maxSharedMemoryBytes
       << " bytes per block";
  return reason;
}
