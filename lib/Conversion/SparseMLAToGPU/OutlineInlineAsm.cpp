//===- OutlineInlineAsm.cpp - one function per inline PTX statement -------===//

#include "SparseMLA/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_SPARSEMLAOUTLINEINLINEASM
#include "SparseMLA/Conversion/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {

/// Prefix of the functions this pass makes; a statement's function is
/// `<prefix><n>` in the order the statements first appear.
constexpr StringLiteral kHelperPrefix = "__sparse_mla_asm_";

/// What makes two statements the same: their attributes (PTX, constraints,
/// flags) and their operand and result types.
using AsmKey = std::pair<DictionaryAttr, Type>;

struct OutlineInlineAsmPass
    : public sparse_mla::impl::SparseMLAOutlineInlineAsmBase<
          OutlineInlineAsmPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    SmallVector<LLVM::InlineAsmOp> sites;
    module.walk([&](LLVM::InlineAsmOp op) {
      auto func = op->getParentOfType<LLVM::LLVMFuncOp>();
      if (func && !func.getSymName().starts_with(kHelperPrefix))
        sites.push_back(op);
    });
    SymbolTable symbols(module);
    llvm::DenseMap<AsmKey, LLVM::LLVMFuncOp> helpers;
    int64_t next = 0;
    for (LLVM::InlineAsmOp site : sites) {
      auto type = LLVM::LLVMFunctionType::get(
          site.getNumResults() ? site.getResult(0).getType()
                               : LLVM::LLVMVoidType::get(&getContext()),
          llvm::to_vector(site.getOperandTypes()));
      AsmKey key{site->getAttrDictionary(), type};
      LLVM::LLVMFuncOp &helper = helpers[key];
      if (!helper)
        helper = makeHelper(module, symbols, site, type, next);
      OpBuilder b(site);
      auto call = LLVM::CallOp::create(b, site.getLoc(), helper,
                                       site.getOperands());
      site->replaceAllUsesWith(call->getResults());
      site->erase();
    }
  }

  /// A private, always-inline function of type `type` holding a copy of
  /// `site` on its arguments.
  LLVM::LLVMFuncOp makeHelper(gpu::GPUModuleOp module, SymbolTable &symbols,
                              LLVM::InlineAsmOp site,
                              LLVM::LLVMFunctionType type, int64_t &next) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    std::string name;
    do {
      name = (kHelperPrefix + Twine(next++)).str();
    } while (symbols.lookup(name));
    auto func = LLVM::LLVMFuncOp::create(b, site.getLoc(), name, type,
                                         LLVM::Linkage::Internal);
    func.setAlwaysInline(true);
    symbols.insert(func);
    Block *entry = func.addEntryBlock(b);
    b.setInsertionPointToStart(entry);
    // Operand i of the copy is argument i (a value used twice by the site
    // is two arguments: each use may get its own value elsewhere).
    Operation *copy = b.clone(*site);
    copy->setOperands(entry->getArguments());
    LLVM::ReturnOp::create(b, site.getLoc(), copy->getResults());
    return func;
  }
};

} // namespace
