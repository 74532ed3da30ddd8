"""Where Numba keeps stavka's compiled kernels: a folder of stavka's own, keyed by a hash of the sources.

Numba caches each ``cache=True`` function keyed by the contents of its own file only, so an edit to a helper
in another file would leave its callers running stale machine code.  stavka therefore hands Numba a cache
folder named after a SHA-256 of every source file that compiles kernels (`kernel_sources`): an edit to any
of them makes a new folder, and nothing is ever deleted or rewritten to invalidate a cache.  Nothing is
written inside the installed package.

The folder is ``<root>/<hash>``, the root being ``$STAVKA_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/stavka/kernels``, else ``~/.cache/stavka/kernels``.  `configure` (run by
``import stavka``, before any stavka module imports numba) creates it and points Numba at it:

- by setting ``NUMBA_CACHE_DIR`` in this process's environment, which Numba reads when first imported and
  which child processes inherit (the Dask workers of a local cluster import stavka themselves and arrive at
  the same folder anyway: same sources, same environment).  The setting applies to every ``cache=True``
  function of the process, the user's own included, and replaces a ``NUMBA_CACHE_DIR`` set before: to
  compile afresh, set ``STAVKA_CACHE_DIR`` to an empty folder instead;
- if numba was imported before stavka, by also setting ``numba.config.CACHE_DIR`` (Numba reads it when a
  ``cache=True`` function is decorated, and stavka's kernels are decorated after this).  Functions the
  user decorated before importing stavka keep the cache they had.

Processes that import and compile at once share the folder safely: Numba writes each index and data file
to a temporary name and renames it into place (`os.replace`), so a reader sees a whole file or none, and a
process that finds no usable entry compiles and writes its own.  If the folder cannot be created or written
(a read-only home, a full disk), the kernels go quietly to a private temporary folder removed at exit: they
compile in every process, as without a cache, and still nothing is written in the package.

Old folders are pruned: when a new folder is made (the sources changed), sibling folders named like a hash
and unused for `PRUNE_AFTER_DAYS` days are removed (a folder's time is refreshed, at most daily, when a
process uses it).  Each holds about 15 MB, and a developer editing kernels makes one per edit; nothing but
stavka's own hash-named folders in the root is ever touched.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
HASH_CHARS = 16  # hex digits of the SHA-256 that name a cache folder
PRUNE_AFTER_DAYS = 30
_HASH_NAME = re.compile(rf"[0-9a-f]{{{HASH_CHARS}}}")
_IMPORTS_NUMBA = re.compile(rb"^(?:import numba|from numba[. ])", re.MULTILINE)  # at module level
_DAY = 86_400.0

directory: Path | None = None  # the folder in use, once `configure` ran
persistent = False  # whether it outlives this process (False: the private temporary fallback)


def kernel_sources(package: Path = PACKAGE) -> list[Path]:
    """The files whose code or constants Numba compiles into kernels: every ``.py`` file of the package that
    imports numba at module level, and every file of ``engine/`` (the kernels compile in the constants of
    ``engine/codes.py``, which does not import numba itself).  A module importing numba inside a function
    only (``cluster.py``, to set the thread count) defines no kernel."""
    return [
        p
        for p in sorted(package.rglob("*.py"))
        if "__pycache__" not in p.parts and (p.parent.name == "engine" or _IMPORTS_NUMBA.search(p.read_bytes()))
    ]


def hash_files(base: Path, files: Iterable[Path]) -> str:
    """SHA-256 (hex) over files in the order given, each as its path relative to `base`, its length and its
    bytes (so a renamed or moved file changes it too).  Also `cluster.tree_hash`'s, for the whole source."""
    h = hashlib.sha256()
    for p in files:
        data = p.read_bytes()
        h.update(f"{p.relative_to(base).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def source_digest(package: Path = PACKAGE) -> str:
    """SHA-256 over the kernel sources (their paths relative to the package, and their bytes)."""
    return hash_files(package, kernel_sources(package))


def cache_root() -> Path:
    """``$STAVKA_CACHE_DIR``, else ``$XDG_CACHE_HOME/stavka/kernels``, else ``~/.cache/stavka/kernels``."""
    if os.environ.get("STAVKA_CACHE_DIR"):
        return Path(os.environ["STAVKA_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "stavka" / "kernels"


def _writable(folder: Path) -> bool:
    """Create `folder` if need be and prove it writable, as Numba does for each cached function."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def prune(root: Path, keep: Path, days: float = PRUNE_AFTER_DAYS) -> list[Path]:
    """Remove the hash-named folders of `root` other than `keep` unused for `days` days; errors are ignored
    (another process may be pruning too).  Returns what it removed."""
    cutoff = time.time() - days * _DAY
    removed: list[Path] = []
    try:
        candidates = [p for p in root.iterdir() if p != keep and _HASH_NAME.fullmatch(p.name) and p.is_dir()]
    except OSError:
        return removed
    for p in candidates:
        try:
            if p.stat().st_mtime < cutoff:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        except OSError:
            continue
    return removed


def _point_numba_at(folder: Path) -> None:
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    numba = sys.modules.get("numba")
    if numba is None:
        return  # Numba reads the environment when it is first imported
    numba.config.CACHE_DIR = str(folder)
    # Numba re-reads its whole environment at a compilation if a NUMBA_ variable changed since its last
    # read, which would also undo settings made directly in numba.config: record ours as read.
    reloader = getattr(getattr(numba.core, "config", None), "_env_reloader", None)
    if isinstance(getattr(reloader, "old_environ", None), dict):
        reloader.old_environ["NUMBA_CACHE_DIR"] = str(folder)  # type: ignore[union-attr]


def configure() -> Path:
    """Choose and create the kernel cache folder and point Numba at it; returns it.  Idempotent."""
    global directory, persistent
    if directory is not None:
        _point_numba_at(directory)
        return directory
    root = cache_root()
    folder = root / source_digest()[:HASH_CHARS]
    existed = folder.is_dir()
    if _writable(folder):
        persistent = True
        if not existed:
            prune(root, keep=folder)
        else:
            try:
                if folder.stat().st_mtime < time.time() - _DAY:
                    os.utime(folder)  # in use: not to be pruned
            except OSError:
                pass
    else:
        try:
            folder = Path(tempfile.mkdtemp(prefix="stavka-kernels-"))
            atexit.register(shutil.rmtree, folder, True)
        except OSError:
            pass  # nowhere to write: Numba tries its own places (it may then cache in the package)
        persistent = False
    directory = folder
    _point_numba_at(folder)
    return folder
