"""Imports change nothing on disk: the compiled kernels live in a cache folder of stavka's own, keyed by a hash
of their sources (`stavka.kernel_cache`), and ``import stavka`` itself is light.

Each check runs in a fresh process with its own empty ``STAVKA_CACHE_DIR``; the kernel compiled is a small
one (`stavka.rng`), so that the checks take seconds.  ``benchmarks/import_time.py --concurrent 4`` does the
same for the whole engine (four processes compiling it at once, then one loading it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import stavka
from stavka import kernel_cache

PACKAGE = Path(stavka.__file__).resolve().parent
HEAVY = ("numba", "pandas", "scipy", "pydantic", "duckdb", "pyarrow", "distributed")

# Compiles one small cached kernel and reports where Numba put it.
COMPILE = """
import json, sys
light = [m for m in {heavy!r} if m in sys.modules]
import stavka
light_after = [m for m in {heavy!r} if m in sys.modules and m not in light]
from stavka.rng import _normals_nb, stream_keys
import numba, numpy as np
x = _normals_nb(stream_keys(0, np.arange(4, dtype=np.int64), 1, 2), 3, 0)
print(json.dumps({{"directory": str(stavka.kernel_cache.directory), "persistent": stavka.kernel_cache.persistent,
                  "numba": numba.config.CACHE_DIR, "imported": light_after, "values": x.tobytes().hex(),
                  "hits": sum(_normals_nb.stats.cache_hits.values()),
                  "misses": sum(_normals_nb.stats.cache_misses.values())}}))
"""


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under `root`: its modification time and size."""
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")}


def child_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ, STAVKA_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="1")
    env["NUMBA_CACHE_DIR"] = str(cache.parent / "not-this-one")  # replaced by stavka's folder
    return env


def run(code: str, cache: Path, prelude: str = "") -> dict:
    done = subprocess.run(
        [sys.executable, "-c", prelude + code.format(heavy=HEAVY)],
        env=child_env(cache),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # quietly
    return json.loads(done.stdout)


def test_import_writes_nothing_in_the_package_and_uses_the_cache_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "notes").mkdir(parents=True)  # not a hash folder: never touched
    (old := cache / ("0" * kernel_cache.HASH_CHARS)).mkdir()
    (old / "k.nbi").write_bytes(b"stale")
    (recent := cache / ("1" * kernel_cache.HASH_CHARS)).mkdir()
    long_ago = time.time() - (kernel_cache.PRUNE_AFTER_DAYS + 1) * 86_400
    for p in (cache / "notes", old):
        os.utime(p, (long_ago, long_ago))
    before = snapshot(PACKAGE)
    first = run(COMPILE, cache)
    folder = cache / kernel_cache.source_digest()[: kernel_cache.HASH_CHARS]
    assert first["directory"] == first["numba"] == str(folder)
    assert first["persistent"] and first["misses"] > 0
    assert first["imported"] == []  # import stavka alone imports none of the heavy libraries
    assert list(folder.rglob("*_normals_nb*.nbi")) and list(folder.rglob("*.nbc"))
    second = run(COMPILE, cache)  # a second process loads the kernel from the folder
    assert second["hits"] > 0 and second["misses"] == 0 and second["values"] == first["values"]
    # The whole public API imported (every kernel decorated, each checking its cache), nothing compiled.
    run("import stavka, json\nfor name in stavka.__all__: getattr(stavka, name)\nprint('{{}}')", cache)
    assert snapshot(PACKAGE) == before
    assert not old.exists() and recent.is_dir() and (cache / "notes").is_dir()  # pruned: old hash folders only


def test_processes_compiling_at_once_share_the_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code = COMPILE.format(heavy=HEAVY)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=child_env(cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in outs]
    results = [json.loads(out) for out, _ in outs]
    assert len({r["values"] for r in results}) == 1
    after = run(COMPILE, cache)
    assert after["hits"] > 0 and after["misses"] == 0 and after["values"] == results[0]["values"]
    assert not list(cache.rglob("*.tmp.*"))  # Numba writes to a temporary name and renames it into place


def test_an_unwritable_cache_falls_back_quietly(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a folder cannot be made inside a file, whoever runs the test
    before = snapshot(PACKAGE)
    out = run(COMPILE, blocker / "cache")
    assert not out["persistent"] and Path(out["directory"]).name.startswith("stavka-kernels-")
    assert out["numba"] == out["directory"] and out["misses"] > 0
    assert not Path(out["directory"]).exists()  # removed at exit
    assert snapshot(PACKAGE) == before


def test_numba_imported_before_stavka(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    out = run(COMPILE, cache, prelude="import numba\n")
    assert out["numba"] == out["directory"] == str(cache / kernel_cache.source_digest()[: kernel_cache.HASH_CHARS])
    assert list(Path(out["directory"]).rglob("*.nbi")) and not (tmp_path / "not-this-one").exists()


def test_the_folder_follows_the_kernel_sources(tmp_path: Path) -> None:
    copy = tmp_path / "stavka"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    digest = kernel_cache.source_digest(copy)
    assert digest == kernel_cache.source_digest()
    sources = {p.relative_to(copy).as_posix() for p in kernel_cache.kernel_sources(copy)}
    assert {"rng.py", "engine/codes.py", "engine/month.py", "scenario.py"} <= sources and not {"cli.py", "cluster.py"} & sources
    with (copy / "cli.py").open("a") as f:
        f.write("# not compiled\n")
    assert kernel_cache.source_digest(copy) == digest
    for name in ("engine/codes.py", "rng.py"):  # constants compiled in; a helper in another file
        with (copy / name).open("a") as f:
            f.write("# compiled\n")
        assert kernel_cache.source_digest(copy) != digest
        digest = kernel_cache.source_digest(copy)


def test_cache_root_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STAVKA_CACHE_DIR", "/somewhere/kernels")
    assert kernel_cache.cache_root() == Path("/somewhere/kernels")
    monkeypatch.delenv("STAVKA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert kernel_cache.cache_root() == Path("/xdg/stavka/kernels")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/someone")
    assert kernel_cache.cache_root() == Path("/home/someone/.cache/stavka/kernels")


def test_the_public_names_import_on_first_use() -> None:
    code = (
        "import stavka, sys\n"
        "assert 'stavka.api' not in sys.modules\n"
        "from stavka import simulate, Simulation, Orders, Action, ConfigError, doctrines, load, rerun, Scenario\n"
        "assert stavka.simulate is simulate and stavka.doctrines is sys.modules['stavka.doctrines']\n"
        "assert set(stavka.__all__) <= set(dir(stavka))\n"
        "assert stavka.engine.driver.Engine and stavka.metrics.METRICS\n"
        "try:\n    stavka.no_such_thing\nexcept AttributeError:\n    pass\nelse:\n    raise SystemExit(1)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
