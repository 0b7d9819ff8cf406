"""sparse_mla from PyTorch: the sparse MLA attention forward of
DeepSeek-V3.2 (docs/semantics.md), compiled by the sparse_mla compiler and
launched through its C runtime.

    import torch, sparse_mla
    out, lse, max_logits = sparse_mla.fwd(q, kv, indices, causal=False)

``sparse_mla.fwd`` and ``sparse_mla.flash_mla_sparse_fwd`` need torch; the
kernel-package tools (``KernelConfig``, ``find_package``, the CLI
``python3 -m sparse_mla``) do not.
"""
from ._cache import (KernelNotFound, PREBUILT_DIR, cache_dir, registry,
                     user_dirs)
from ._package import KernelConfig, parse_config, read_manifest

__version__ = "0.5.0"

__all__ = ["fwd", "flash_mla_sparse_fwd", "KernelConfig", "KernelNotFound",
           "find_package", "parse_config", "read_manifest", "cache_dir",
           "PREBUILT_DIR", "user_dirs", "__version__"]


def find_package(config, compile=True):
    """The path of the kernel package serving ``config`` (a KernelConfig);
    compiles it into the per-user cache if needed and the compiler is on
    PATH. Raises KernelNotFound naming the configuration and the command
    that builds it."""
    return registry.find(config, compile=compile)


def __getattr__(name):
    if name in ("fwd", "flash_mla_sparse_fwd", "device_chip"):
        from . import _ops  # Imports torch and registers the ops.
        return getattr(_ops, name)
    raise AttributeError("module 'sparse_mla' has no attribute %r" % name)


try:  # Register torch.ops.sparse_mla.* as soon as torch is there.
    import torch as _torch  # noqa: F401
except ImportError:
    pass
else:
    from . import _ops as _ops_module  # noqa: F401
    from ._ops import fwd, flash_mla_sparse_fwd, device_chip  # noqa: F401
