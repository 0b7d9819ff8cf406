# -*- Python -*-
import os
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SPARSE_MLA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "sparse-mla-capi-test.c"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sparse_mla_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%src_root", config.sparse_mla_src_root))
config.substitutions.append(("%sparse_mla_bin", config.sparse_mla_tools_dir))
config.substitutions.append(("%python", sys.executable))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
config.environment["FILECHECK_OPTS"] = "--enable-var-scope --allow-unused-prefixes=false"

tool_dirs = [config.sparse_mla_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["sparse-mla-opt", "sparse-mla-translate", "sparse-mla-capi-test"], tool_dirs)

# The plugin for the system's stock mlir-opt (same LLVM release).
config.substitutions.append(("%sparse_mla_plugin", os.path.join(config.sparse_mla_obj_root, "lib", "libSparseMLAPlugin.so")))
config.substitutions.append(("%system_mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt")))

# ptxas: tests that assemble PTX declare `REQUIRES: ptxas` and are reported
# UNSUPPORTED (skipped, visibly) where no CUDA toolkit was found.
if config.sparse_mla_have_ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.sparse_mla_ptxas))
    config.substitutions.append(("%cuda_toolkit", config.sparse_mla_cuda_toolkit))
else:
    lit_config.note("ptxas not found: tests that REQUIRE ptxas are unsupported")
