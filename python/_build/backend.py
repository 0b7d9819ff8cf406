"""A PEP 517 / PEP 660 build backend for the sparse_mla Python package that
needs only the standard library (the GPU machine has no network, so pip's
isolated build environment cannot fetch setuptools).

The wheel holds the ``sparse_mla`` sources, the prebuilt kernel packages
(``sparse_mla/kernels/*.smlapkg``) and ``sparse_mla/_lib/
libsparse_mla_runtime.so``: ``$SPARSE_MLA_RUNTIME_LIB`` if set, else built
from ``../runtime`` with CMake (a C++17 compiler and CUDA headers; no MLIR,
no torch). Set ``SPARSE_MLA_SKIP_RUNTIME=1`` to build without it (the
library is then found at run time through ``$SPARSE_MLA_RUNTIME_LIB``).
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(HERE, "sparse_mla")
RUNTIME_SRC = os.path.join(os.path.dirname(HERE), "runtime")
LIB = "libsparse_mla_runtime.so"
NAME = "sparse_mla"


def _version():
    with open(os.path.join(HERE, "..", "VERSION")) as f:
        return f.read().strip()


def _log(msg):
    print("sparse_mla build: " + msg, file=sys.stderr)


def _ensure_runtime():
    """Puts the runtime library at sparse_mla/_lib/; returns its path or
    None (with a warning) when it cannot be had."""
    dest_dir = os.path.join(PKG, "_lib")
    dest = os.path.join(dest_dir, LIB)
    os.makedirs(dest_dir, exist_ok=True)
    given = os.environ.get("SPARSE_MLA_RUNTIME_LIB")
    if given:
        if not os.path.isfile(given):
            raise RuntimeError("SPARSE_MLA_RUNTIME_LIB=%s: no such file" % given)
        shutil.copyfile(given, dest)
        return dest
    if os.environ.get("SPARSE_MLA_SKIP_RUNTIME") == "1":
        _log("SPARSE_MLA_SKIP_RUNTIME=1: the wheel has no runtime library")
        return None
    if not os.path.isfile(os.path.join(RUNTIME_SRC, "CMakeLists.txt")):
        _log("no runtime sources at %s: the wheel has no runtime library "
             "(set SPARSE_MLA_RUNTIME_LIB)" % RUNTIME_SRC)
        return None
    build = os.path.join(HERE, "build", "runtime")
    cmake = _find_cmake()
    cfg = [cmake, "-S", RUNTIME_SRC, "-B", build, "-DBUILD_TESTING=OFF",
           "-DCMAKE_BUILD_TYPE=Release"]
    cuda = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
    if os.path.isdir(cuda):
        cfg.append("-DCUDAToolkit_ROOT=" + cuda)
    for cmd in (cfg, [cmake, "--build", build, "--target", "sparse_mla_runtime",
                      "-j", str(os.cpu_count() or 2)]):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            raise RuntimeError("building libsparse_mla_runtime.so failed (%s):\n"
                               "%s\n(set SPARSE_MLA_RUNTIME_LIB to a built one, "
                               "or SPARSE_MLA_SKIP_RUNTIME=1)"
                               % (" ".join(cmd), r.stdout[-4000:]))
    shutil.copyfile(os.path.join(build, LIB), dest)
    return dest


def _find_cmake():
    """The first cmake that runs: $CMAKE, then PATH, then the usual places.
    (Inside pip's isolated build a pip-installed `cmake` wrapper on PATH can
    lack its module; it is skipped.)"""
    seen, candidates = set(), []
    if os.environ.get("CMAKE"):
        candidates.append(os.environ["CMAKE"])
    import glob
    for d in os.environ.get("PATH", "").split(os.pathsep):
        candidates.append(os.path.join(d, "cmake"))
        # The binary inside a pip-installed cmake (its wrapper on PATH needs
        # the module, which the isolated build does not see).
        candidates += sorted(glob.glob(os.path.join(
            d, "..", "lib", "python3*", "site-packages", "cmake", "data",
            "bin", "cmake")))
    candidates += ["/usr/local/bin/cmake", "/usr/bin/cmake"]
    for c in candidates:
        c = os.path.normpath(c)
        if c in seen or not os.access(c, os.X_OK):
            continue
        seen.add(c)
        try:
            r = subprocess.run([c, "--version"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        if r.returncode == 0 and r.stdout.startswith("cmake version"):
            return c
    raise RuntimeError("building libsparse_mla_runtime.so needs a working "
                       "cmake (tried %s); or set SPARSE_MLA_RUNTIME_LIB to a "
                       "built one" % (", ".join(sorted(seen)) or "none"))


def _files():
    """(archive name, path) of every file of the package."""
    out = []
    for root, dirs, files in os.walk(PKG):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in sorted(files):
            if f.endswith((".py", ".smlapkg", ".so", ".cpp")):
                path = os.path.join(root, f)
                out.append((os.path.relpath(path, HERE).replace(os.sep, "/"),
                            path))
    return out


def _tag():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "py3-none-" + plat


def _metadata():
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
            "Summary: Sparse MLA attention (DeepSeek-V3.2) from PyTorch\n"
            "Requires-Python: >=3.8\n" % (NAME, _version()))


def _write_wheel(wheel_directory, entries, tag):
    version = _version()
    dist = "%s-%s.dist-info" % (NAME, version)
    name = "%s-%s-%s.whl" % (NAME, version, tag)
    path = os.path.join(wheel_directory, name)
    record = []

    def add(zf, arcname, data):
        zf.writestr(zipfile.ZipInfo(arcname, (2026, 1, 1, 0, 0, 0)), data,
                    compress_type=zipfile.ZIP_DEFLATED)
        digest = base64.urlsafe_b64encode(
            hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (arcname, digest, len(data)))

    with zipfile.ZipFile(path, "w") as zf:
        for arcname, data in entries:
            add(zf, arcname, data)
        add(zf, dist + "/METADATA", _metadata().encode())
        add(zf, dist + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: sparse_mla "
                                  "backend\nRoot-Is-Purelib: false\nTag: %s\n"
                                  % tag).encode())
        record.append(dist + "/RECORD,,")
        zf.writestr(zipfile.ZipInfo(dist + "/RECORD", (2026, 1, 1, 0, 0, 0)),
                    "\n".join(record) + "\n")
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist = "%s-%s.dist-info" % (NAME, _version())
    os.makedirs(os.path.join(metadata_directory, dist), exist_ok=True)
    with open(os.path.join(metadata_directory, dist, "METADATA"), "w") as f:
        f.write(_metadata())
    return dist


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    lib = _ensure_runtime()
    entries = []
    for arcname, path in _files():
        if arcname.endswith(".so") and not lib:
            continue
        with open(path, "rb") as f:
            entries.append((arcname, f.read()))
    return _write_wheel(wheel_directory, entries, _tag())


def build_editable(wheel_directory, config_settings=None,
                   metadata_directory=None):
    _ensure_runtime()  # In the source tree, where the package is imported.
    pth = (HERE + "\n").encode()
    return _write_wheel(wheel_directory, [("%s.pth" % NAME, pth)], _tag())
