"""The month of the command system, compiled; pure state transitions, no I/O.

Numba caches the compiled kernels in a folder keyed by a hash of their sources, outside the package:
see `stavka.kernel_cache`.
"""

from __future__ import annotations

import os

# The scenario's parameters reach the parallel kernels as one named tuple (`config.KernelParams`), which Numba
# unpacks into the parallel region's arguments only up to NUMBA_PARFOR_MAX_TUPLE_SIZE elements (100 by default);
# the tuple has about 145.  Set in the environment (which Numba re-reads before each compilation, and which
# worker processes inherit) and in Numba's config, unless the user chose a value.  (It goes when the parameters
# reach the kernels as a record rather than a tuple: issue 10, "inputs and outputs as records".)
PARFOR_MAX_TUPLE_SIZE = 400


def _allow_the_parameter_tuple() -> None:
    if "NUMBA_PARFOR_MAX_TUPLE_SIZE" not in os.environ:
        os.environ["NUMBA_PARFOR_MAX_TUPLE_SIZE"] = str(PARFOR_MAX_TUPLE_SIZE)
    from numba.core import config

    config.reload_config()


_allow_the_parameter_tuple()
