"""The optional C++ half of the launch path (``_fast.cpp``): allocates the
outputs and launches from C++, which takes the host time per call from about
that of the ctypes path to under that of a compiled extension like
FlashMLA's (python/README.md, "Host overhead").

Built once per torch and Python version with torch's own extension tooling
(a C++ compiler, ninja and the CUDA headers), into the per-user cache:

    python3 -m sparse_mla build-extension

and loaded from there by every later import. Without it (or with
``SPARSE_MLA_FAST_PATH=0``) the package launches through ctypes; both paths
run the same checks and the same kernels."""
import hashlib
import importlib.util
import os
import sys
import warnings

from ._cache import cache_dir

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fast.cpp")


def _tag():
    """What the built module depends on: its source, torch, CUDA, Python."""
    import torch
    h = hashlib.sha256()
    with open(SOURCE, "rb") as f:
        h.update(f.read())
    for part in (torch.__version__, str(torch.version.cuda), sys.version,
                 sys.platform):
        h.update(part.encode())
    return h.hexdigest()[:16]


def module_name():
    return "sparse_mla_fast_" + _tag()


def build_dir():
    return os.path.join(cache_dir(), "extension", module_name())


def _path():
    # torch's extension builder writes NAME.so into the build directory.
    return os.path.join(build_dir(), module_name() + ".so")


def build(verbose=False):
    """Compiles the extension (once: a later call finds it built); returns
    the path of the module."""
    from torch.utils import cpp_extension
    os.makedirs(build_dir(), exist_ok=True)
    cpp_extension.load(name=module_name(), sources=[SOURCE],
                       build_directory=build_dir(), with_cuda=True,
                       extra_cflags=["-O2"], verbose=verbose)
    return _path()


def load():
    """The built extension module, or None (not built, or turned off)."""
    if os.environ.get("SPARSE_MLA_FAST_PATH", "1") == "0":
        return None
    path = _path()
    if not os.path.exists(path):
        return None
    try:
        spec = importlib.util.spec_from_file_location(module_name(), path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    except ImportError as e:
        warnings.warn("sparse_mla: the built launch extension %s does not "
                      "load (%s); launching through ctypes. Rebuild it: "
                      "python3 -m sparse_mla build-extension" % (path, e))
        return None
    return mod
