//===- HardwareLimits.cpp - Chip names and per-chip limits ----------------===//

#include "SparseMLA/Target/HardwareLimits.h"

#include <algorithm>
#include <string>

using namespace mlir::sparse_mla;

std::optional<hw::Chip> hw::parseChip(llvm::StringRef name) {
  llvm::StringRef rest = name;
  if (!rest.consume_front("sm_"))
    return std::nullopt;
  Chip chip;
  chip.name = name.str();
  chip.archSpecific = rest.consume_back("a");
  if (rest.empty() || rest.getAsInteger(10, chip.arch) || chip.arch < 10)
    return std::nullopt;
  switch (chip.arch) {
  case 90:
  case 100:
  case 103:
    chip.maxSharedMemoryPerBlock = kMaxSharedMemoryPerBlockSm90;
    break;
  case 80:
  case 87:
    chip.maxSharedMemoryPerBlock = kMaxSharedMemoryPerBlockSm80;
    break;
  default:
    chip.maxSharedMemoryPerBlock = kMaxSharedMemoryPerBlockSm86;
    break;
  }
  chip.oldestPtxIsa = chip.arch >= 120   ? 87
                      : chip.arch >= 100 ? 86
                      : chip.arch >= 90  ? (chip.archSpecific ? 80 : 78)
                                         : kPtxIsaOldest;
  chip.ptxFeatures =
      "+ptx" + std::to_string(chip.arch >= 90 ? std::max(chip.oldestPtxIsa,
                                                         kPtxIsaSyncRestrict)
                                              : 80);
  return chip;
}
