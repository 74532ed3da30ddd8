"""Where the compiled engine's time goes, function by function, with Linux `perf`.

    STAVKA_CACHE_DIR=$(mktemp -d) NUMBA_NUM_THREADS=1 \
        perf record -F 1999 -o perf.data python benchmarks/perf_kernels.py --runs 1000
    perf report -i perf.data --no-children --sort dso,symbol | grep -E "JIT|libm|libc|kernel"

`perf` sees Numba's machine code as anonymous JIT memory.  This script compiles the kernels afresh (an
empty cache directory: code loaded from Numba's cache has no symbols to look up), writes
`/tmp/perf-<pid>.map`, the file `perf report` reads to name JIT addresses, with every compiled function's
address, and then simulates the batches to be profiled.  The mangled names read like
`_ZN6stavka6engine11observation12observe_stepB4v...`: module `stavka.engine.observation`, function `observe_step`.
A function LLVM inlined into its caller is counted in the caller.  Compilation takes a few minutes and
shows in the profile as LLVM and the interpreter: read the JIT rows.
"""

from __future__ import annotations

import argparse
import gc
import os
import time

import numpy as np
from numba.core.registry import CPUDispatcher

from stavka.doctrines import get_doctrine
from stavka.engine.driver import Engine
from stavka.engine.state import Workspace
from stavka.scenario import Scenario


def write_perf_map() -> int:
    """Name every compiled function's address range in /tmp/perf-<pid>.map; returns how many."""
    named: dict[int, str] = {}
    for obj in gc.get_objects():
        if not isinstance(obj, CPUDispatcher):
            continue
        for compiled in obj.overloads.values():
            library = compiled.library
            for fn in library._final_module.functions:  # the library's own LLVM module
                if not fn.is_declaration:
                    address = library.get_pointer_to_function(fn.name)
                    if address:
                        named[address] = fn.name
    starts = sorted(named)
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as out:
        for start, end in zip(starts, [*starts[1:], starts[-1] + 4096], strict=True):
            out.write(f"{start:x} {min(end - start, 1 << 20):x} {named[start]}\n")  # a function ends where the next begins
    return len(named)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doctrine", default="historical")
    parser.add_argument("--runs", type=int, default=1000, help="runs per batch")
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    scenario, doctrine = Scenario.load("default"), get_doctrine(args.doctrine)
    Engine(scenario, 0, np.arange(2)).run_to_end(doctrine)  # compile
    print(f"{write_perf_map()} compiled functions named in /tmp/perf-{os.getpid()}.map")
    workspace = Workspace()
    start = time.perf_counter()
    for b in range(args.batches):
        Engine(scenario, 0, np.arange(b * args.runs, (b + 1) * args.runs), workspace).run_to_end(doctrine)
    print(f"{1000 * (time.perf_counter() - start) / (args.batches * args.runs):.2f} ms/run")


if __name__ == "__main__":
    main()
