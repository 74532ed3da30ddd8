"""Every misuse case of issue 9, re-run against the installed stavka: prints a Markdown table of case,
command, exit code and the first line of what it said (stderr, or stdout when stderr is empty).

    python benchmarks/misuse_table.py            # every case, in a temporary folder (about 3 minutes)
    python benchmarks/misuse_table.py --smoke    # the cheap cases only

The cases that need a running cluster, a signal or a second process are run here too; their full
checks (timings, resumption, stored rows) are in tests/test_store_faults.py, tests/test_validation.py
and tests/test_cluster.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

PY = sys.executable
STAVKA = [PY, "-m", "stavka.cli"]
SWEEP = 'scenario = "default"\ndoctrines = ["passive"]\nruns = 40\nseed = 5\nchunk = 4\nevents = 2\n'


def first_line(res: subprocess.CompletedProcess[str]) -> str:
    text = (res.stderr.strip() or res.stdout.strip()).splitlines()
    lines = [line for line in text if not line.startswith(("stored ", "sweep "))] or text
    return lines[0][:200] if lines else ""


def api(code: str) -> list[str]:
    """A Python snippet whose ConfigError is printed as one line with exit code 2."""
    wrapped = (
        "import sys, stavka\nfrom stavka.config import ConfigError\ntry:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "except ConfigError as exc:\n    print(f'ConfigError: {exc}', file=sys.stderr); sys.exit(2)\n"
    )
    return [PY, "-c", wrapped]


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(srv.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        srv.close()


def run(cmd: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, -1, "", f"(still running after {timeout:g} s: a hang)")


def signalled(cmd: list[str], sig: int, after: str) -> subprocess.CompletedProcess[str]:
    """Start a command, send it `sig` once stderr shows `after`, and collect what it said."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines = []
    timer = threading.Timer(300, lambda: os.killpg(proc.pid, signal.SIGKILL))
    timer.start()
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith(after):
                proc.send_signal(sig)
                break
        out, rest = proc.communicate(timeout=120)
    finally:
        timer.cancel()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, "".join(lines[1:]) + rest)


def show(cmd: list[str], folder: Path) -> str:
    text = " ".join(shlex.quote(c) for c in cmd)
    text = text.replace(f"{PY} -m stavka.cli", "stavka").replace(str(folder) + "/", "")
    if cmd[:2] == [PY, "-c"]:
        body = cmd[2].split("try:\n", 1)[-1].split("except ConfigError")[0]
        text = "python: " + "; ".join(line.strip() for line in body.splitlines() if line.strip())
    return text.replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the cheap cases only")
    args = parser.parse_args()
    rows: list[tuple[str, str, int, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        os.chdir(d)

        def case(label: str, cmd: list[str], res: subprocess.CompletedProcess[str] | None = None) -> None:
            res = res or run(cmd)
            rows.append((label, show(cmd, d), res.returncode, first_line(res).replace("|", "\\|")))
            print(f"{label}: exit {res.returncode}", file=sys.stderr, flush=True)

        db = d / "s.duckdb"
        run([*STAVKA, "run", "--runs", "4", "--db", str(db)])
        (d / "sweep.toml").write_text(SWEEP)
        (d / "binary.toml").write_bytes(bytes(range(256)) * 4)
        (d / "folder.toml").mkdir()
        (d / "dates.toml").write_text('[scenario]\nstart = "1937-01"\nend = "1936-12"\n')
        (d / "war.toml").write_text('[scenario]\nwar_start = "1950-01"\n')
        (d / "war_early.toml").write_text('[scenario]\nwar_start = "1930-01"\n')
        (d / "small.toml").write_text("[corps]\nn_officers = 60\n")
        (d / "inf.toml").write_text("[operations]\nown_strength = inf\n")
        (d / "fronts.toml").write_text('[calendar]\nfronts = [["1941-06", -5]]\n')
        (d / "huge_fronts.toml").write_text('[calendar]\nfronts = [["1941-06", 500]]\n')
        (d / "denounce.toml").write_text("[security]\ndenounce_rate = 1e9\n")
        (d / "params5.toml").write_text('[doctrine]\nbase = "terror"\nname = "t5"\nparams = 5\n')
        (d / "typo.toml").write_text('[doctrine]\nbase = "terror"\nname = "typo"\nparamz = {}\n')
        (d / "terror.toml").write_text('[doctrine]\nbase = "passive"\nname = "terror"\n')
        (d / "soft.toml").write_text(
            '[doctrine]\nbase = "terror"\nname = "soft_terror"\n[doctrine.params]\nscapegoat_execute = 0.2\n'
        )
        (d / "huge_sweep.toml").write_text(SWEEP.replace("runs = 40", "runs = 10000000000000"))
        (d / "seed_sweep.toml").write_text(SWEEP.replace("seed = 5", "seed = 9223372036854775808"))
        foreign = d / "thesis.duckdb"
        run([PY, "-c", f"import duckdb; c = duckdb.connect({str(foreign)!r}); c.execute('CREATE TABLE t (x INT)')"])
        cut = d / "cut.duckdb"
        cut.write_bytes(db.read_bytes()[: db.stat().st_size // 5])

        case("1 report onto the store", [*STAVKA, "report", "--db", str(db), "--out", str(db)])
        case("1 report onto a foreign DuckDB file", [*STAVKA, "report", "--db", str(db), "--out", str(foreign)])
        case(
            "3 scheduler refuses connections",
            [*STAVKA, "sweep", "sweep.toml", "--db", "x.duckdb", "--scheduler", "tcp://127.0.0.1:9"],
        )
        with silent_server() as port:
            case(
                "3 scheduler accepts, never answers",
                [*STAVKA, "sweep", "sweep.toml", "--db", "x.duckdb", "--scheduler", f"tcp://127.0.0.1:{port}"],
            )
        case("5 binary file as scenario", [*STAVKA, "run", "--scenario", "binary.toml", "--runs", "2"])
        case("5 directory as scenario", [*STAVKA, "run", "--scenario", "folder.toml", "--runs", "2"])
        case("5 binary file as doctrine", [*STAVKA, "run", "--doctrine", "binary.toml", "--runs", "2"])
        case("5 binary file as sweep", [*STAVKA, "sweep", "binary.toml"])
        case("5 directory as sweep", [*STAVKA, "sweep", "folder.toml"])
        case("5 end before start", [*STAVKA, "run", "--scenario", "dates.toml", "--runs", "2"])
        case("5 n_officers below the posts", [*STAVKA, "run", "--scenario", "small.toml", "--runs", "2"])
        case("5 params = 5 in a doctrine", [*STAVKA, "run", "--doctrine", "params5.toml", "--runs", "2"])
        case("5 seed beyond 64 bits", [*STAVKA, "run", "--seed", str(2**64), "--runs", "2"])
        case("5 run id beyond 64 bits", [*STAVKA, "chronicle", "--run", str(2**64)])
        case("5 --scheduler foo", [*STAVKA, "sweep", "sweep.toml", "--scheduler", "foo"])
        case("5 --scheduler http://", [*STAVKA, "sweep", "sweep.toml", "--scheduler", "http://127.0.0.1:8786"])
        case("5 truncated store (CLI)", [*STAVKA, "experiments", "--db", str(cut)])
        case("5 truncated store (stavka.load)", api(f"stavka.load({str(cut)!r})"))
        case("6 --runs 10000000000", [*STAVKA, "run", "--runs", "10000000000", "--no-db"])
        case("6 sweep of 10^13 runs", [*STAVKA, "sweep", "huge_sweep.toml", "--db", "h.duckdb"])
        case("6 seed >= 2^63", [*STAVKA, "run", "--seed", str(2**63), "--runs", "2"])
        case("6 seed >= 2^63 in a sweep", [*STAVKA, "sweep", "seed_sweep.toml"])
        case("7 war after the end", [*STAVKA, "run", "--scenario", "war.toml", "--runs", "2"])
        case("7 war before the start", [*STAVKA, "run", "--scenario", "war_early.toml", "--runs", "2"])
        case("7 own_strength = inf", [*STAVKA, "run", "--scenario", "inf.toml", "--runs", "2"])
        case("7 negative front count", [*STAVKA, "run", "--scenario", "fronts.toml", "--runs", "2"])
        case("7 huge front count", [*STAVKA, "run", "--scenario", "huge_fronts.toml", "--runs", "2"])
        case("7 denounce_rate = 1e9", [*STAVKA, "run", "--scenario", "denounce.toml", "--runs", "2"])
        case("7 unknown key under [doctrine]", [*STAVKA, "run", "--doctrine", "typo.toml", "--runs", "2"])
        case("8 TOML doctrine named terror", [*STAVKA, "run", "--doctrine", "terror.toml", "--runs", "2"])
        case("8 run_ids=[137, 137]", api("stavka.simulate(run_ids=[137, 137])"))
        case("8 seed=1.5", api("stavka.simulate(seed=1.5, runs=2)"))
        case("8 runs=0", api("stavka.simulate(runs=0)"))
        case(
            "8 TOML doctrine stored by content, rebuilt without its file",
            api(
                "import json, os, shutil\n"
                "shutil.copy('soft.toml', 'soft_copy.toml')\n"
                "r = stavka.simulate(doctrine='soft_copy.toml', runs=3, seed=1, events=False)\n"
                "from stavka.sweep import save_results\n"
                "exp = save_results('d.duckdb', 'run', [r], 3, 1, 0)\n"
                "os.remove('soft_copy.toml')\n"
                "again = stavka.rerun('d.duckdb', exp)\n"
                "rec = json.loads(stavka.load('d.duckdb').cells['doctrine_record'][0])\n"
                "same = again.metrics.drop(columns='run').equals(r.metrics.drop(columns='run'))\n"
                "print(f\"stored as {rec['kind']} {rec['name']} (base {rec['base']}), source sha256 \""
                "f\"{rec['source_sha256'][:12]}; rebuilt without the file: metrics identical: {same}\")"
            ),
        )
        if not args.smoke:
            case("4 experiments during a sweep", *_during_sweep(d))
            two = _two_runs(d)
            case("4 two runs writing one store", *two)
            case("10 SIGTERM during a sweep", *_signal_sweep(d, signal.SIGTERM))
            case("10 SIGHUP during a sweep", *_signal_sweep(d, signal.SIGHUP))
            case("10 resumed after SIGHUP", [*STAVKA, "sweep", "sweep.toml", "--db", "sig.duckdb", "--workers", "1"])
            case(
                "10 failed sweep leaves no store", [PY, "-c", "import os; print('x.duckdb exists:', os.path.exists('x.duckdb'))"]
            )
    print("| case | command | exit | message |")
    print("| --- | --- | --- | --- |")
    for label, cmd, code, msg in rows:
        print(f"| {label} | `{cmd}` | {code} | {msg} |")


def _during_sweep(d: Path) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    proc = subprocess.Popen(
        [*STAVKA, "sweep", "sweep.toml", "--db", "live.duckdb", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    cmd = [*STAVKA, "experiments", "--db", "live.duckdb", "--json"]
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("stored "):
                break
        res = run(cmd, timeout=120)
        res = subprocess.CompletedProcess(
            cmd, res.returncode, "", f"while the sweep ran: {res.stdout.strip()[:150]}" if res.returncode == 0 else res.stderr
        )
        proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return cmd, res


def _two_runs(d: Path) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    cmds = [[*STAVKA, "run", "--runs", "30", "--seed", str(s), "--db", "two.duckdb", "--json"] for s in (1, 2)]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    codes = [p.wait(timeout=300) for p in procs]
    count = run([PY, "-c", "import stavka; print(len(stavka.load('two.duckdb').runs))"]).stdout.strip()
    return cmds[1], subprocess.CompletedProcess(cmds[1], max(codes), f"both exit {codes}; runs stored: {count} of 60", "")


def _signal_sweep(d: Path, sig: int) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    cmd = [*STAVKA, "sweep", "sweep.toml", "--db", "sig.duckdb", "--workers", "1"]
    return cmd, signalled(cmd, sig, "stored ")


if __name__ == "__main__":
    start = time.monotonic()
    main()
    print(f"\n({time.monotonic() - start:.0f} s)", file=sys.stderr)
