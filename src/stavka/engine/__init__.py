"""The month of the command system, compiled; pure state transitions, no I/O beyond its own cache.

Numba caches each compiled kernel keyed by its own file only, so an edit to a helper in another file
would leave callers running stale machine code.  On import we stamp the cache with a hash of every
source file that compiles kernels and drop the cache when any of them changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# The scenario's parameters reach the parallel kernels as one named tuple (`config.KernelParams`), which Numba
# unpacks into the parallel region's arguments only up to NUMBA_PARFOR_MAX_TUPLE_SIZE elements (100 by default);
# the tuple has about 145.  Set in the environment (which Numba re-reads before each compilation, and which
# worker processes inherit) and in Numba's config, unless the user chose a value.
PARFOR_MAX_TUPLE_SIZE = 400


def _allow_the_parameter_tuple() -> None:
    if "NUMBA_PARFOR_MAX_TUPLE_SIZE" not in os.environ:
        os.environ["NUMBA_PARFOR_MAX_TUPLE_SIZE"] = str(PARFOR_MAX_TUPLE_SIZE)
    from numba.core import config

    config.reload_config()


def _refresh_kernel_cache() -> None:
    package = Path(__file__).resolve().parent.parent
    # Kernels compile in the constants of engine/codes.py too, which does not import numba itself.
    sources = [p for p in sorted(package.rglob("*.py")) if b"import numba" in p.read_bytes() or p.parent.name == "engine"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    stamp = package / "engine" / "__pycache__" / "kernels.stamp"
    try:
        if stamp.exists() and stamp.read_text() == digest:
            return
        for folder in package.rglob("__pycache__"):
            for f in list(folder.glob("*.nbi")) + list(folder.glob("*.nbc")):
                f.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: Numba then caches elsewhere or not at all
        pass


_allow_the_parameter_tuple()
_refresh_kernel_cache()
