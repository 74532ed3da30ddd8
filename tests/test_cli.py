"""The command line: the main job's JSON, and one-line errors with exit code 2 for user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stavka.metrics import METRICS

STAVKA = [sys.executable, "-m", "stavka.cli"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*STAVKA, *args], capture_output=True, text=True, timeout=600)


def test_run_json_prints_every_metric_and_nothing_else() -> None:
    res = run_cli("run", "--runs", "4", "--seed", "3", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)  # stdout is JSON only
    assert list(data["metrics"]) == list(METRICS)
    for name, stats in data["metrics"].items():
        assert set(stats) >= {"mean", "ci95"}, name
        assert len(stats["ci95"]) == 2
    assert data["meta"]["seed"] == 3 and data["meta"]["scenario"] == "default"


@pytest.mark.parametrize(
    "args, needle",
    [
        (("run", "--doctrine", "tyranny"), "unknown doctrine 'tyranny'"),
        (("run", "--scenario", "nowhere"), "unknown scenario 'nowhere'"),
        (("compare", "--doctrines", "terror,nope"), "unknown doctrine 'nope'"),
        (("run", "--runs", "many"), "--runs"),
        (("run", "--seed", str(2**64)), "--seed"),  # beyond 64 bits
        (("chronicle", "--run", str(2**64)), "--run"),
        (("run", "--runs", "10000000000", "--no-db"), "less than or equal to 100000"),
        (("run", "--bogus"), "No such option: --bogus"),
        (("nonsense",), "No such command"),
    ],
)
def test_usage_errors_exit_2_without_traceback(args: tuple[str, ...], needle: str) -> None:
    """Mistakes the parser finds are one line too, like every other mistake (not click's box)."""
    res = run_cli(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr + res.stdout


@pytest.mark.parametrize(
    "text, needle",
    [
        ("[operations\nnoise_km = 3\n", "malformed TOML"),
        ("[operations]\nnoise_km = 'x'\n", "operations.noise_km"),
        ("[operations]\nnoise_kmm = 3\n", "operations.noise_kmm: unknown parameter"),
        ("[corps]\nn_officers = -5\n", "corps.n_officers"),
    ],
)
def test_bad_scenario_file_names_file_and_field(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    res = run_cli("run", "--scenario", str(path), "--runs", "2")
    assert res.returncode == 2
    assert str(path) in res.stderr and needle in res.stderr
    assert "Traceback" not in res.stderr


def test_doctrine_from_toml_overrides(tmp_path: Path) -> None:
    path = tmp_path / "soft.toml"
    path.write_text('[doctrine]\nbase = "terror"\nname = "soft_terror"\n[doctrine.params]\nscapegoat_execute = 0.2\n')
    res = run_cli("run", "--doctrine", str(path), "--runs", "2", "--json")
    assert res.returncode == 0, res.stderr
    meta = json.loads(res.stdout)["meta"]
    assert meta["doctrine"] == "soft_terror" and meta["doctrine_params"]["scapegoat_execute"] == 0.2


def test_doctrines_lists_every_registered_doctrine() -> None:
    res = run_cli("doctrines", "--json")
    assert res.returncode == 0
    assert set(json.loads(res.stdout)) >= {"terror", "break_and_use", "meritocratic", "historical", "passive"}


def test_doctrines_show_each_parameters_meaning() -> None:
    res = run_cli("doctrines", "--json")
    terror = json.loads(res.stdout)["terror"]
    assert set(terror["meanings"]) == set(terror["params"])
    assert "denunciation" not in terror["meanings"]["scapegoat"]["meaning"]
    assert terror["meanings"]["priority_scapegoat"]["unit"] == "priority"
    text = run_cli("doctrines").stdout
    assert "chance the commander of a collapsed front is arrested" in " ".join(text.split())


def test_params_lists_every_parameter_by_submodel() -> None:
    res = run_cli("params", "--json")
    assert res.returncode == 0
    groups = json.loads(res.stdout)
    assert {"security", "command", "operations", "doctrine"} <= set(groups)
    rank = {r["name"]: r for r in groups["security"]["params"]}["rank_denounce"]
    assert rank["value"] == 0.25 and rank["prior"] == [0.0, 0.5] and rank["unit"] and rank["source"]
    assert "M14" in groups["security"]["submodel"]
    text = " ".join(run_cli("params", "--scenario", "default").stdout.split())
    assert "rank_denounce = 0.25" in text and "prior 0 .. 0.5" in text


def test_chronicle_tells_true_and_official(tmp_path: Path) -> None:
    true = run_cli("chronicle", "--doctrine", "terror", "--seed", "1", "--run", "2", "--true")
    official = run_cli("chronicle", "--doctrine", "terror", "--seed", "1", "--run", "2", "--official")
    assert true.returncode == 0 and official.returncode == 0
    assert "was shot" in true.stdout  # terror shoots
    assert "was shot" not in official.stdout  # ... and the official history never says so


def test_a_stop_swallowed_in_a_ctypes_callback_prints_no_traceback() -> None:
    """A stop signal that lands while Numba compiles raises Interrupted inside a ctypes callback, where Python
    would print it with a traceback ("Exception ignored ..."): the command's hook drops it (it is pending, and
    `_check_stop` acts on it), and passes anything else on."""
    import signal
    import types

    from stavka import cli

    seen: list[object] = []
    stop = types.SimpleNamespace(exc_value=cli.Interrupted(signal.SIGTERM))
    other = types.SimpleNamespace(exc_value=ValueError("a real bug"))
    cli._quiet_stop(stop, then=seen.append)
    assert seen == []
    cli._quiet_stop(other, then=seen.append)
    assert seen == [other]
