"""Where the compiled engine's time goes, function by function, with Linux `perf`; and where it counts references.

    NUMBA_NUM_THREADS=1 perf record -F 1999 -o perf.data python benchmarks/perf_kernels.py --runs 1000
    perf report -i perf.data --no-children --sort symbol | grep -v "^#" | head -30
    python benchmarks/perf_kernels.py --runs 20 --refcounts     # no perf needed: binutils' nm and objdump

`perf` sees Numba's machine code as anonymous JIT memory.  This script writes `/tmp/perf-<pid>.map`, the file
`perf report` reads to name JIT addresses, with every compiled function's address and size, and then
simulates the batches to be profiled.  Code compiled in this process is named from its LLVM module; code
loaded from the kernel cache has no module to read, so the script keeps each library's object code as Numba
loads it (a hook on `CPUCodeLibrary._set_compiled_object`, installed before the engine is imported) and reads
its symbols with `nm`, placed by the loaded address of the library's entry function.  The mangled names read
like `_ZN6stavka6engine11observation12observe_stepB4v...`: module `stavka.engine.observation`, function
`observe_step`.  A function LLVM inlined into its caller is counted in the caller.

`--refcounts` prints, for the largest functions of the run-major kernel, how many indirect calls their machine
code makes (`objdump`): in Numba's code these are mostly NRT_incref and NRT_decref, the reference counts of the
arrays a function hands to another (and a few library calls, `exp`, `log`).  When the policy's rules took the
plan's arrays, `decide_run` made 414 of them, most in its loop over officers, and the engine took 2.5 times its
time (docs/performance.md, "A regression found"); it makes 86 now, outside that loop (the choosers' scratch
arrays, once a run and month).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from numba.core import codegen

OBJECT_CODE: dict[int, bytes] = {}  # id(library) -> the object code Numba loaded it from (cached code)
_set_compiled_object = codegen.CPUCodeLibrary._set_compiled_object


def _keep_object_code(library: codegen.CPUCodeLibrary, value: bytes) -> None:
    OBJECT_CODE[id(library)] = value
    _set_compiled_object(library, value)


codegen.CPUCodeLibrary._set_compiled_object = _keep_object_code  # before the engine's kernels load

import numpy as np  # noqa: E402
from numba.core.registry import CPUDispatcher  # noqa: E402

from stavka.doctrines import get_doctrine  # noqa: E402
from stavka.engine.driver import Engine  # noqa: E402
from stavka.engine.state import Workspace  # noqa: E402
from stavka.scenario import Scenario  # noqa: E402


@contextlib.contextmanager
def object_file(code: bytes) -> Iterator[str]:
    """The object code in a temporary file, for binutils to read."""
    with tempfile.NamedTemporaryFile(suffix=".o") as f:
        f.write(code)
        f.flush()
        yield f.name


def object_symbols(path: str) -> dict[str, tuple[int, int]]:
    """The functions defined in an object file: name -> (offset, size), read with `nm`."""
    listing = subprocess.run(["nm", "-S", "--defined-only", path], capture_output=True, text=True, check=True)
    symbols = {}
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[2] in "tTwW":
            symbols[fields[3]] = (int(fields[0], 16), int(fields[1], 16))
    return symbols


def compiled_functions() -> dict[int, tuple[int, str, object]]:
    """Every compiled function of this process: address -> (size, name, its library); size 0 where unknown."""
    named: dict[int, tuple[int, str, object]] = {}
    for obj in gc.get_objects():
        if not isinstance(obj, CPUDispatcher):
            continue
        for compiled in obj.overloads.values():
            library = compiled.library
            code = OBJECT_CODE.get(id(library))
            if code is None:  # compiled here: its own LLVM module names its functions
                for fn in library._final_module.functions:
                    if not fn.is_declaration and (address := library.get_pointer_to_function(fn.name)):
                        named[address] = (0, fn.name, library)
                continue
            entry = compiled.fndesc.llvm_func_name
            with object_file(code) as path:
                symbols = object_symbols(path)
            if entry in symbols:
                base = library.get_pointer_to_function(entry) - symbols[entry][0]
                for name, (offset, size) in symbols.items():
                    named[base + offset] = (size, name, library)
    return named


def write_perf_map(named: dict[int, tuple[int, str, object]]) -> None:
    """Name each function's address range in /tmp/perf-<pid>.map (where its size is unknown, up to the next)."""
    starts = sorted(named)
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as out:
        for start, end in zip(starts, [*starts[1:], starts[-1] + 4096], strict=True):
            size = named[start][0] or min(end - start, 1 << 20)
            out.write(f"{start:x} {size:x} {named[start][1]}\n")


def print_refcounts(top: int) -> None:
    """The indirect calls (NRT reference counts) in the largest functions of the run-major kernel's code."""
    from stavka.engine.month import runs_fused

    for compiled in runs_fused.overloads.values():
        code = OBJECT_CODE.get(id(compiled.library))
        if code is None:
            sys.exit("--refcounts reads the kernel cache's object code: run once to fill the cache, then again")
        with object_file(code) as path:
            symbols = sorted(object_symbols(path).items(), key=lambda item: -item[1][1])[:top]
            print(f"{'bytes':>8} {'indirect calls':>14}  function")
            for name, (offset, size) in symbols:
                listing = subprocess.run(
                    ["objdump", "-d", f"--start-address={offset}", f"--stop-address={offset + size}", path],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                calls = sum(1 for line in listing.splitlines() if "call" in line and "*%" in line)
                print(f"{size:8d} {calls:14d}  {name[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doctrine", default="historical")
    parser.add_argument("--runs", type=int, default=1000, help="runs per batch")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--refcounts", action="store_true", help="print the reference-count calls, then stop")
    parser.add_argument("--top", type=int, default=12, help="how many functions --refcounts lists")
    args = parser.parse_args()
    scenario, doctrine = Scenario.load("default"), get_doctrine(args.doctrine)
    Engine(scenario, 0, np.arange(2)).run_to_end(doctrine)  # compile, or load from the cache
    if args.refcounts:
        print_refcounts(args.top)
        return
    named = compiled_functions()
    write_perf_map(named)
    print(f"{len(named)} compiled functions named in /tmp/perf-{os.getpid()}.map")
    workspace = Workspace()
    start = time.perf_counter()
    for b in range(args.batches):
        Engine(scenario, 0, np.arange(b * args.runs, (b + 1) * args.runs), workspace).run_to_end(doctrine)
    print(f"{1000 * (time.perf_counter() - start) / (args.batches * args.runs):.2f} ms/run")


if __name__ == "__main__":
    main()
