//===- WarpSpecOps.cpp - ws operations ------------------------------------===//

#include "WarpSpec/IR/HopperLimits.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <set>

using namespace mlir;
using namespace mlir::ws;

//===----------------------------------------------------------------------===//
// Index groups of value transfers: `[%i, %j], [%k, %l]`, one group per value
//===----------------------------------------------------------------------===//

/// The number of values `op` (a ws.channel.send or ws.channel.receive)
/// transfers.
static size_t transferCount(Operation *op);

static ParseResult
parseIndexGroups(OpAsmParser &parser,
                 SmallVectorImpl<OpAsmParser::UnresolvedOperand> &indices) {
  std::optional<size_t> groupSize;
  auto group = [&]() -> ParseResult {
    SMLoc loc = parser.getCurrentLocation();
    SmallVector<OpAsmParser::UnresolvedOperand> one;
    if (parser.parseOperandList(one, OpAsmParser::Delimiter::Square))
      return failure();
    if (groupSize && *groupSize != one.size())
      return parser.emitError(loc)
             << "every index group needs " << *groupSize
             << " indices (as the first), but this one has " << one.size();
    groupSize = one.size();
    indices.append(one.begin(), one.end());
    return success();
  };
  return parser.parseCommaSeparatedList(group);
}

/// Group `k` of `indices` split into `count` equal groups.
static ValueRange indexGroup(OperandRange indices, size_t count, size_t k) {
  size_t size = indices.size() / std::max<size_t>(count, 1);
  return indices.slice(k * size, size);
}

static void printIndexGroups(OpAsmPrinter &p, Operation *op,
                             OperandRange indices) {
  size_t count = std::max<size_t>(transferCount(op), 1);
  for (size_t k = 0; k < count; ++k) {
    if (k)
      p << ", ";
    p << "[";
    p.printOperands(indexGroup(indices, count, k));
    p << "]";
  }
}

#define GET_OP_CLASSES
#include "WarpSpec/IR/WarpSpecOps.cpp.inc"

static size_t transferCount(Operation *op) {
  if (auto send = dyn_cast<ChannelSendOp>(op))
    return send.getValues().size();
  return op->getNumResults();
}

//===----------------------------------------------------------------------===//
// WarpSpecializeOp
//===----------------------------------------------------------------------===//

// (%captures) : types (role "name" warps(N) regs(R) (%args: types) region)+
ParseResult WarpSpecializeOp::parse(OpAsmParser &parser,
                                    OperationState &result) {
  SmallVector<OpAsmParser::UnresolvedOperand> captures;
  SmallVector<Type> captureTypes;
  if (parser.parseOperandList(captures, OpAsmParser::Delimiter::Paren))
    return failure();
  if (succeeded(parser.parseOptionalColon()) &&
      parser.parseTypeList(captureTypes))
    return failure();
  if (parser.resolveOperands(captures, captureTypes,
                             parser.getCurrentLocation(), result.operands))
    return failure();

  SmallVector<Attribute> roles;
  SmallVector<int32_t> numWarps, regs;
  while (succeeded(parser.parseOptionalKeyword("role"))) {
    std::string name;
    int32_t warps = 0, budget = 0;
    if (parser.parseString(&name) || parser.parseKeyword("warps") ||
        parser.parseLParen() || parser.parseInteger(warps) ||
        parser.parseRParen() || parser.parseKeyword("regs") ||
        parser.parseLParen() || parser.parseInteger(budget) ||
        parser.parseRParen())
      return failure();
    roles.push_back(parser.getBuilder().getStringAttr(name));
    numWarps.push_back(warps);
    regs.push_back(budget);

    SmallVector<OpAsmParser::Argument> args;
    if (parser.parseArgumentList(args, OpAsmParser::Delimiter::Paren,
                                 /*allowType=*/true))
      return failure();
    Region *region = result.addRegion();
    if (parser.parseRegion(*region, args))
      return failure();
  }
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  Builder &b = parser.getBuilder();
  result.getOrAddProperties<Properties>().roles = b.getArrayAttr(roles);
  result.getOrAddProperties<Properties>().num_warps =
      b.getDenseI32ArrayAttr(numWarps);
  result.getOrAddProperties<Properties>().regs = b.getDenseI32ArrayAttr(regs);
  return success();
}

void WarpSpecializeOp::print(OpAsmPrinter &p) {
  p << " (";
  p.printOperands(getCaptures());
  p << ")";
  if (!getCaptures().empty()) {
    p << " : ";
    llvm::interleaveComma(getCaptures().getTypes(), p);
  }
  p.increaseIndent();
  for (auto [i, region] : llvm::enumerate(getPartitions())) {
    p.printNewline();
    p << "role ";
    p.printString(cast<StringAttr>(getRoles()[i]).getValue());
    p << " warps(" << getNumWarps()[i] << ") regs(" << getRegs()[i] << ") (";
    llvm::interleaveComma(region.getArguments(), p, [&](BlockArgument arg) {
      p.printRegionArgument(arg);
    });
    p << ") ";
    p.printRegion(region, /*printEntryBlockArgs=*/false);
  }
  p.decreaseIndent();
  p.printOptionalAttrDict(
      (*this)->getAttrs(),
      {getRolesAttrName(), getNumWarpsAttrName(), getRegsAttrName()});
}

int64_t WarpSpecializeOp::getNumThreads() {
  int64_t warps = 0;
  for (int32_t w : getNumWarps())
    warps += w;
  return warps * hw::kWarpSize;
}

LogicalResult WarpSpecializeOp::verify() {
  size_t numRoles = getRoles().size();
  if (numRoles == 0)
    return emitOpError() << "must have at least one role";
  if (getNumWarps().size() != numRoles || getRegs().size() != numRoles ||
      getPartitions().size() != numRoles)
    return emitOpError() << "has " << numRoles << " roles but "
                         << getNumWarps().size() << " warp counts, "
                         << getRegs().size() << " register budgets and "
                         << getPartitions().size() << " regions";
  llvm::StringSet<> seen;
  int64_t registers = 0;
  for (size_t i = 0; i < numRoles; ++i) {
    StringRef name = cast<StringAttr>(getRoles()[i]).getValue();
    if (!seen.insert(name).second)
      return emitOpError() << "role \"" << name << "\" appears twice";
    int32_t warps = getNumWarps()[i], regs = getRegs()[i];
    if (warps <= 0 || warps % hw::kWarpsPerWarpgroup != 0)
      return emitOpError() << "role \"" << name << "\" has " << warps
                           << " warps, expected a positive multiple of "
                           << hw::kWarpsPerWarpgroup << " (whole warpgroups)";
    if (regs < hw::kSetMaxNRegMin || regs > hw::kSetMaxNRegMax ||
        regs % hw::kSetMaxNRegGranule != 0)
      return emitOpError() << "role \"" << name << "\" register budget " << regs
                           << " is not a valid setmaxnreg value (a "
                           << "multiple of " << hw::kSetMaxNRegGranule
                           << " in [" << hw::kSetMaxNRegMin << ", "
                           << hw::kSetMaxNRegMax << "])";
    registers += int64_t(regs) * warps * hw::kWarpSize;
  }
  if (getNumThreads() > hw::kMaxThreadsPerBlock)
    return emitOpError() << "roles need " << getNumThreads()
                         << " threads, above the limit of "
                         << hw::kMaxThreadsPerBlock << " per block";
  if (registers > hw::kRegistersPerSM)
    return emitOpError() << "roles need " << registers
                         << " registers, above the register file of "
                         << hw::kRegistersPerSM << " per SM";
  // Named barrier 0 is the CTA-wide barrier and each role gets an id of its
  // own. Whole warpgroups within the thread limit leave ids to spare, so
  // that limit needs no check of its own.
  static_assert(hw::kMaxThreadsPerBlock / hw::kWarpgroupSize + 1 <=
                    hw::kNumNamedBarriers,
                "every role of a valid warp_specialize gets a named barrier");
  if ((*this)->getParentOfType<WarpSpecializeOp>())
    return emitOpError() << "cannot be nested in another warp_specialize";
  return success();
}

LogicalResult WarpSpecializeOp::verifyRegions() {
  // Every thread of a role that releases one side of a captured channel
  // releases it once per transfer, so the threads of all roles releasing
  // that side must be the arrivals its barriers expect: otherwise a wait
  // never completes, or completes early.
  struct Releasers {
    int64_t threads = 0;
    std::string roles;
    ChannelCreateOp create;
  };
  std::map<std::pair<unsigned, bool>, Releasers> releasers;
  for (auto [i, region] : llvm::enumerate(getPartitions())) {
    StringRef name = cast<StringAttr>(getRoles()[i]).getValue();
    const int64_t roleThreads = int64_t(getNumWarps()[i]) * hw::kWarpSize;
    std::set<std::pair<unsigned, bool>> seen;
    region.walk([&](ChannelReleaseOp release) {
      auto arg = dyn_cast<BlockArgument>(release.getChannel());
      if (!arg || arg.getOwner()->getParent() != &region ||
          arg.getArgNumber() >= getCaptures().size())
        return;
      auto create =
          getCaptures()[arg.getArgNumber()].getDefiningOp<ChannelCreateOp>();
      if (!create)
        return;
      std::pair<unsigned, bool> key = {
          arg.getArgNumber(), release.getSide() == ChannelSide::producer};
      if (!seen.insert(key).second)
        return;
      Releasers &r = releasers[key];
      r.threads += roleThreads;
      r.roles += (r.roles.empty() ? "\"" : ", \"") + name.str() + "\"";
      r.create = create;
    });
  }
  for (auto &[key, r] : releasers) {
    int64_t expected =
        key.second ? r.create.getProducers() : r.create.getConsumers();
    if (expected != r.threads)
      return emitOpError() << "roles " << r.roles << " release the "
                           << (key.second ? "producer" : "consumer")
                           << " side of capture #" << key.first << " with "
                           << r.threads
                           << " threads in all, but its barriers expect "
                           << expected << " arrivals";
  }
  for (auto [i, region] : llvm::enumerate(getPartitions())) {
    StringRef name = cast<StringAttr>(getRoles()[i]).getValue();
    if (region.getNumArguments() != getCaptures().size())
      return emitOpError() << "role \"" << name << "\" takes "
                           << region.getNumArguments()
                           << " arguments, expected one per capture ("
                           << getCaptures().size() << ")";
    for (auto [j, arg, capture] :
         llvm::enumerate(region.getArguments(), getCaptures()))
      if (arg.getType() != capture.getType())
        return emitOpError()
               << "role \"" << name << "\" argument #" << j << " has type "
               << arg.getType() << ", but capture #" << j << " has type "
               << capture.getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Channels
//===----------------------------------------------------------------------===//

LogicalResult ChannelCreateOp::verify() {
  auto type = cast<MemRefType>(getBarriers().getType());
  int64_t depth = getChannel().getType().getDepth();
  if (type.getDimSize(0) != 2 * depth)
    return emitOpError() << "operand 'barriers' must hold 2 x depth = "
                         << 2 * depth << " barriers (full, then empty), but "
                         << "has " << type.getDimSize(0);
  if (!gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(type))
    return emitOpError() << "operand 'barriers' must be in workgroup (shared) "
                            "memory, but is in "
                         << type.getMemorySpace();
  MemRefType buffer = getChannel().getType().getBuffer();
  if (bool(buffer) != bool(getBuffer()))
    return emitOpError() << (buffer ? "needs operand 'buffer' of type "
                                    : "takes no 'buffer': its channel type ")
                         << (buffer ? Type(buffer) : Type(getChannel().getType()))
                         << (buffer ? "" : " owns no buffer");
  if (buffer && getBuffer().getType() != buffer)
    return emitOpError() << "operand 'buffer' must have the channel's buffer "
                            "type "
                         << buffer << ", but has " << getBuffer().getType();
  return success();
}

LogicalResult ChannelAcquireOp::verify() {
  MemRefType slot = getChannel().getType().getSlotType();
  if (!slot && getView())
    return emitOpError() << "returns a view, but its channel owns no buffer";
  if (slot && !getView())
    return emitOpError() << "must return the view of its slot, of type "
                         << slot;
  if (slot && getView().getType() != slot)
    return emitOpError() << "view must have type " << slot << ", but has "
                         << getView().getType();
  return success();
}

LogicalResult ChannelReleaseOp::verify() {
  auto acquire = getToken().getDefiningOp<ChannelAcquireOp>();
  if (!acquire)
    return emitOpError() << "token must come from a ws.channel.acquire";
  if (acquire.getChannel() != getChannel())
    return emitOpError() << "token was acquired on another channel";
  if (acquire.getSide() != getSide())
    return emitOpError() << "releases the " << stringifyChannelSide(getSide())
                         << " side of a slot acquired by the "
                         << stringifyChannelSide(acquire.getSide()) << " side";
  if (acquire.getSlot() != getSlot())
    return emitOpError() << "must release the slot its token acquired";
  if (!getToken().hasOneUse())
    return emitOpError() << "token is released more than once";
  if (getAsync() && getSide() != ChannelSide::producer)
    return emitOpError() << "async release is for the producer side only";
  if (std::optional<int64_t> tx = getTxBytes()) {
    if (getSide() != ChannelSide::producer)
      return emitOpError() << "tx bytes are for the producer side only";
    if (getAsync())
      return emitOpError() << "cannot be both async (cp.async arrival) and "
                              "tx (transaction bytes)";
    if (*tx < 1 || *tx > hw::kMBarrierMaxTxCount)
      return emitOpError() << "tx bytes must be in [1, "
                           << hw::kMBarrierMaxTxCount << "], but got " << *tx;
  }
  return success();
}

/// The checks of a value transfer on `channel` of `values` at `indices`
/// (one group of slot-rank indices per value).
static LogicalResult verifyValueTransfer(Operation *op, ChannelType channel,
                                         TypeRange values, size_t indices) {
  MemRefType slot = channel.getSlotType();
  if (!slot)
    return op->emitOpError()
           << "needs a channel that owns its buffer (a value channel), but "
              "got "
           << channel;
  if (values.empty())
    return op->emitOpError() << "needs at least one value, but got none";
  for (Type value : values)
    if (value != slot.getElementType())
      return op->emitOpError()
             << "value must have the buffer's element type "
             << slot.getElementType() << ", but has " << value;
  size_t expected = values.size() * slot.getRank();
  if (indices != expected)
    return op->emitOpError()
           << "needs " << slot.getRank() << " indices into its slot " << slot
           << " per value (" << expected << " for " << values.size()
           << "), but got " << indices;
  return success();
}

LogicalResult ChannelSendOp::verify() {
  return verifyValueTransfer(*this, getChannel().getType(),
                             getValues().getTypes(), getIndices().size());
}

LogicalResult ChannelReceiveOp::verify() {
  return verifyValueTransfer(*this, getChannel().getType(),
                             getValues().getTypes(), getIndices().size());
}

ValueRange ChannelSendOp::getIndexGroup(size_t k) {
  return indexGroup(getIndices(), getValues().size(), k);
}

ValueRange ChannelReceiveOp::getIndexGroup(size_t k) {
  return indexGroup(getIndices(), getNumResults(), k);
}
