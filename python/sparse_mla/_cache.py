"""Finding the kernel package of a configuration.

Looked up in this order; the first package whose manifest matches wins:

1. the directories of ``$SPARSE_MLA_KERNEL_PATH`` (``os.pathsep``-separated),
2. the prebuilt packages shipped in the package (``sparse_mla/kernels``),
3. the per-user cache (``$SPARSE_MLA_CACHE_DIR``, else
   ``$XDG_CACHE_HOME/sparse_mla``, else ``~/.cache/sparse_mla``),
4. compiled now into that cache, when ``sparse-mla-opt`` and
   ``sparse-mla-translate`` are on PATH (or in ``$SPARSE_MLA_BIN``).

The cache is safe under concurrent processes: one compiles a configuration
while holding a lock file, others wait for it, and a package appears under
its final name only when complete (written elsewhere, then renamed).
"""
import dataclasses
import fcntl
import glob
import math
import os
import threading

from . import _compile
from ._package import KernelConfig, PackageError, read_manifest

_HERE = os.path.dirname(os.path.abspath(__file__))
PREBUILT_DIR = os.path.join(_HERE, "kernels")


class KernelNotFound(LookupError):
    """No package for a configuration, and no compiler to build one."""


def user_dirs():
    value = os.environ.get("SPARSE_MLA_KERNEL_PATH", "")
    return [d for d in value.split(os.pathsep) if d]


def cache_dir():
    env = os.environ.get("SPARSE_MLA_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "sparse_mla")


class _DirIndex:
    """The manifests of one directory's packages, re-read when a file is
    added, removed or replaced."""

    def __init__(self):
        self.stamp = None
        self.entries = []  # (path, manifest)

    def refresh(self, directory):
        paths = sorted(glob.glob(os.path.join(directory, "*.smlapkg")))
        stamp = []
        for p in paths:
            try:
                st = os.stat(p)
                stamp.append((p, st.st_mtime_ns, st.st_size))
            except OSError:
                pass
        if stamp == self.stamp:
            return self.entries
        entries = []
        for p, _, _ in stamp:
            try:
                entries.append((p, read_manifest(p)))
            except (OSError, PackageError):
                continue  # Not a package: the runtime would refuse it too.
        self.stamp, self.entries = stamp, entries
        return entries


class Registry:
    """Packages by configuration, each loaded once per process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._indices = {}
        self._loaded = {}
        self._tools = None
        self._compiler = None

    def _scan(self, directory, config):
        if not os.path.isdir(directory):
            return None
        index = self._indices.setdefault(directory, _DirIndex())
        for path, manifest in index.refresh(directory):
            if config.matches(manifest):
                return path
        return None

    def _compiler_id(self, tools):
        if self._compiler is None:
            self._compiler = _compile.compiler_id(tools)
        return self._compiler

    def find(self, config, compile=True):
        """The path of the package serving ``config`` (compiling it into the
        cache when needed and possible). Raises :class:`KernelNotFound`."""
        for d in user_dirs():
            path = self._scan(d, config)
            if path:
                return path
        path = self._scan(PREBUILT_DIR, config)
        if path:
            return path
        tools = _compile.find_tools()
        cache = cache_dir()
        if tools:
            # The compiler's packages take sm_scale at launch: one package
            # (compiled at the default scale) serves every scale.
            config = dataclasses.replace(
                config, sm_scale=1.0 / math.sqrt(config.Dqk))
            compiler = self._compiler_id(tools)
            path = os.path.join(cache, config.key(compiler) + ".smlapkg")
            if os.path.exists(path):
                return path
            if compile:
                return self._compile_locked(config, path, tools)
        else:
            path = self._scan(cache, config)
            if path:
                return path
        raise KernelNotFound(missing_message(config, bool(tools)))

    def _compile_locked(self, config, path, tools):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # Another process may be at it.
            if not os.path.exists(path):
                _compile.compile_package(config, path, tools)
        return path

    def package(self, config):
        """The loaded :class:`_runtime.Package` of ``config`` (one per file
        and process)."""
        from ._runtime import Package
        path = self.find(config)
        with self._lock:
            pkg = self._loaded.get(path)
            if pkg is None:
                pkg = self._loaded[path] = Package(path)
        return pkg


def missing_message(config, have_compiler):
    dirs = user_dirs()
    where = ("the prebuilt packages (%s), $SPARSE_MLA_KERNEL_PATH (%s) and "
             "the cache (%s)" % (PREBUILT_DIR, os.pathsep.join(dirs) or "unset",
                                 cache_dir()))
    why = ("compiling was not asked for" if have_compiler else
           "the compiler (sparse-mla-opt, sparse-mla-translate) is not on "
           "PATH")
    return ("no kernel package for %s: none in %s, and %s. Build it "
            "on a machine with the compiler:\n"
            "  python3 -m sparse_mla build --out DIR '%s'\n"
            "then add DIR to SPARSE_MLA_KERNEL_PATH"
            % (config.describe(), where, why, config.describe()))


registry = Registry()


__all__ = ["KernelConfig", "KernelNotFound", "Registry", "registry",
           "PREBUILT_DIR", "cache_dir", "user_dirs"]
