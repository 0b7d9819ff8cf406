//===- HardwareLimits.cpp - Chip names and per-chip limits ----------------===//

#include "SparseMLA/Target/HardwareLimits.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>

extern "C" void LLVMInitializeNVPTXTargetInfo();
extern "C" void LLVMInitializeNVPTXTargetMC();

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

std::optional<int64_t> hw::newestPtxIsa(llvm::StringRef features) {
  std::optional<int64_t> newest;
  llvm::SmallVector<llvm::StringRef> parts;
  features.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts) {
    llvm::StringRef version = part.trim();
    int64_t v;
    if (version.consume_front("+ptx") && !version.getAsInteger(10, v))
      newest = std::max(newest.value_or(v), v);
  }
  return newest;
}

namespace {
/// The NVPTX backend's subtarget tables (any CPU: only the tables are read).
const llvm::MCSubtargetInfo *nvptxSubtargetInfo() {
  static std::once_flag once;
  static std::unique_ptr<llvm::MCSubtargetInfo> info;
  std::call_once(once, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTargetMC();
    llvm::Triple triple("nvptx64-nvidia-cuda");
    std::string error;
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(triple, error);
    if (target)
      info.reset(target->createMCSubtargetInfo(triple, "sm_80", ""));
  });
  return info.get();
}
} // namespace

std::string hw::checkNvptxTarget(llvm::StringRef chipName,
                                 llvm::StringRef features) {
  std::optional<Chip> chip = parseChip(chipName);
  if (!chip)
    return "invalid chip '" + chipName.str() +
           "', expected sm_XY or sm_XYa (e.g. sm_90a)";
  if (!chip->supportsSimple())
    return "chip '" + chipName.str() +
           "' is not supported: every schedule needs sm_80 or newer (bf16 "
           "mma and cp.async)";
  const llvm::MCSubtargetInfo *info = nvptxSubtargetInfo();
  if (!info)
    return "the NVPTX backend is not available in this LLVM";
  if (!info->isCPUStringValid(chipName)) {
    std::string known;
    for (const llvm::SubtargetSubTypeKV &cpu :
         info->getAllProcessorDescriptions()) {
      llvm::StringRef key(cpu.Key);
      std::optional<Chip> c = parseChip(key);
      if (c && c->supportsSimple())
        known += (known.empty() ? "" : ", ") + key.str();
    }
    return "chip '" + chipName.str() +
           "' is not a processor LLVM's NVPTX backend knows (known: " + known +
           ")";
  }
  llvm::SmallVector<llvm::StringRef> parts;
  features.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts) {
    llvm::StringRef feature = part.trim();
    llvm::StringRef name = feature.drop_front();
    if (!feature.starts_with("+") && !feature.starts_with("-"))
      return "PTX feature '" + feature.str() +
             "' must start with '+' or '-' (e.g. +ptx86)";
    bool known = llvm::any_of(
        info->getAllProcessorFeatures(),
        [&](const llvm::SubtargetFeatureKV &kv) { return name == kv.Key; });
    if (!known) {
      std::string newest;
      for (const llvm::SubtargetFeatureKV &kv : info->getAllProcessorFeatures())
        if (llvm::StringRef(kv.Key).starts_with("ptx"))
          newest = kv.Key;
      return "PTX feature '" + feature.str() +
             "' is not one LLVM's NVPTX backend knows (PTX ISA features "
             "+ptxNN up to +" +
             newest + ")";
    }
  }
  std::optional<int64_t> ptx = newestPtxIsa(features);
  if (ptx && *ptx < chip->oldestPtxIsa)
    return "PTX feature '+ptx" + std::to_string(*ptx) + "' is older than " +
           chipName.str() + " allows: it needs PTX ISA " +
           std::to_string(chip->oldestPtxIsa / 10) + "." +
           std::to_string(chip->oldestPtxIsa % 10) + " or newer (+ptx" +
           std::to_string(chip->oldestPtxIsa) + ")";
  return "";
}
