"""Nothing lost, nothing silently wrong: bad input is a one-line ConfigError naming the file, field
or value and what was expected (and, on the command line, `error: ...` and exit code 2, no traceback)."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pytest

import stavka
from stavka.api import MAX_RUNS_IN_MEMORY, check_run_ids, check_runs, check_seed
from stavka.config import ConfigError, ScenarioConfig, load_scenario, read_toml
from stavka.doctrines import BUILTINS, REGISTRY, Doctrine, doctrine_from_record, get_doctrine, register
from stavka.doctrines.terror import Terror
from stavka.scenario import Scenario, officers_needed
from stavka.sweep import load_sweep

STAVKA = [sys.executable, "-m", "stavka.cli"]
BINARY = b"\x00\xff\xfe\x89PNG\r\n\x1a\n garbage \xc3\x28"

SOFT_TOML = '[doctrine]\nbase = "terror"\nname = "soft_terror"\n[doctrine.params]\nscapegoat_execute = 0.2\n'
PY_DOCTRINE = '''"""A user doctrine: meritocratic parameters, with a knob of its own that sets the listening."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from stavka.doctrines import PolicyDoctrine, PolicyParams


@dataclass
class Note:
    text: str = "helpers with string annotations need their module while it runs"


class LenientParams(PolicyParams):
    ear: float = Field(0.7, ge=0, le=1, description="listening")


class Lenient(PolicyDoctrine):
    name = "lenient"
    traits = frozenset({"listens"})
    Params = LenientParams

    def params_at(self, label: str) -> PolicyParams:
        p = self.params.model_dump()
        ear = p.pop("ear")
        return PolicyParams(**p).model_copy(update={"listening": ear, "collate_lessons": True})
'''


def one_line_error(exc: pytest.ExceptionInfo[ConfigError], *needles: str) -> str:
    msg = str(exc.value)
    assert "\n" not in msg, msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"
    return msg


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def scenario_file(tmp_path: Path, text: str) -> Path:
    return write(tmp_path, "scen.toml", text)


# --- 1. binary files, directories, broken Python --------------------------------------------------------


def test_read_toml_binary_and_directory(tmp_path: Path) -> None:
    binary = write(tmp_path, "x.toml", BINARY)
    with pytest.raises(ConfigError) as exc:
        read_toml(binary)
    assert one_line_error(exc) == f"{binary}: not a UTF-8 text file"
    folder = tmp_path / "d.toml"
    folder.mkdir()
    with pytest.raises(ConfigError) as exc:
        read_toml(folder)
    assert one_line_error(exc) == f"{folder}: is a directory"
    with pytest.raises(ConfigError) as exc:
        read_toml(tmp_path / "missing.toml")
    one_line_error(exc, "missing.toml: file not found")


def test_scenario_and_sweep_binary_or_directory(tmp_path: Path) -> None:
    binary = write(tmp_path, "x.toml", BINARY)
    folder = tmp_path / "d.toml"
    folder.mkdir()
    for path, needle in ((binary, "not a UTF-8 text file"), (folder, "is a directory")):
        with pytest.raises(ConfigError) as exc:
            load_scenario(str(path))
        one_line_error(exc, str(path), needle)
        with pytest.raises(ConfigError) as exc:
            load_sweep(path)
        one_line_error(exc, str(path), needle)


@pytest.mark.parametrize("suffix", [".toml", ".py"])
def test_doctrine_binary_or_directory(tmp_path: Path, suffix: str) -> None:
    binary = write(tmp_path, "x" + suffix, BINARY)
    with pytest.raises(ConfigError) as exc:
        get_doctrine(str(binary))
    assert one_line_error(exc) == f"{binary}: not a UTF-8 text file"
    folder = tmp_path / ("d" + suffix)
    folder.mkdir()
    with pytest.raises(ConfigError) as exc:
        get_doctrine(str(folder))
    assert one_line_error(exc) == f"{folder}: is a directory"


def test_python_doctrine_that_does_not_import(tmp_path: Path) -> None:
    syntax = write(tmp_path, "syntax.py", "x = 1\ndef f(:\n    pass\n")
    with pytest.raises(ConfigError) as exc:
        get_doctrine(str(syntax))
    one_line_error(exc, f"{syntax}: cannot import: SyntaxError", "line 2")
    raising = write(tmp_path, "raising.py", 'import math\n\n\nraise RuntimeError("no\\nway")\n')
    with pytest.raises(ConfigError) as exc:
        get_doctrine(str(raising))
    assert one_line_error(exc) == f"{raising}: cannot import: RuntimeError: no way (line 4)"
    missing = write(tmp_path, "missing_import.py", "import stavka_no_such_module\n")
    with pytest.raises(ConfigError) as exc:
        get_doctrine(str(missing))
    one_line_error(exc, "cannot import: ModuleNotFoundError", "stavka_no_such_module", "(line 1)")
    none = write(tmp_path, "none.py", "x = 1\n")
    with pytest.raises(ConfigError) as exc:
        get_doctrine(str(none))
    one_line_error(exc, "expected exactly one Doctrine subclass with a name, found 0")


# --- 2. cross-field scenario checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, needle",
    [
        ({"scenario.start": "1940-01", "scenario.end": "1939-12"}, "scenario.end: 1939-12 is before scenario.start 1940-01"),
        ({"scenario.war_start": "1936-06"}, "scenario.war_start: 1936-06 is outside the scenario, 1937-01 .. 1948-12"),
        ({"scenario.war_start": "1949-01"}, "scenario.war_start: 1949-01 is outside the scenario"),
        ({"scenario.end": "1944-12"}, "calendar.fronts: 1945-02 is after scenario.end 1944-12"),
        ({"calendar.mobilisation": [["1941-06", 1.0], ["1950-01", 1.2]]}, "calendar.mobilisation: 1950-01 is after"),
        ({"posts.n_fronts": 10}, "calendar.fronts: 1942-07: 11 fronts, more than posts.n_fronts = 10"),
        ({"calendar.fronts": [["1941-06", -1]]}, "calendar.fronts: 1941-06: expected a number of fronts >= 0"),
        ({"calendar.fronts": [["1941-06", 5], ["1941-06", 7]]}, "calendar.fronts: the month 1941-06 is given twice"),
        ({"calendar.fronts": [["1941-6", 5]]}, "calendar.fronts: '1941-6' is not a month"),
        ({"calendar.enemy_pressure": [["1941-06", 0.0]]}, "calendar.enemy_pressure: 1941-06: expected a factor > 0"),
        ({"calendar.enemy_pressure": [["1941-06", -1.0]]}, "calendar.enemy_pressure: 1941-06: expected a factor > 0"),
        ({"calendar.enemy_quality": [["1941-06", 11.0]]}, "calendar.enemy_quality: 1941-06: expected a factor > 0 and <= 10"),
        ({"calendar.mobilisation": [["1941-06", math.nan]]}, "calendar.mobilisation.0.1: Input should be a finite number"),
        ({"calendar.mobilisation": [["1941-06", math.inf]]}, "calendar.mobilisation"),
        ({"calendar.enemy_pressure": []}, "calendar.enemy_pressure"),
        ({"calendar.fronts": [["1941-06", True]]}, "calendar.fronts"),
        ({"calendar.fronts": [["1941-06", 5.5]]}, "calendar.fronts"),
    ],
)
def test_cross_field_checks(overrides: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_scenario("default", **overrides)
    one_line_error(exc, needle)


def test_calendar_entries_before_the_start_are_allowed() -> None:
    """An entry before the start sets the value in force at the start: harmless, and meaningful."""
    cfg = load_scenario("default", **{"scenario.start": "1942-01", "scenario.war_start": "1942-01"})
    scen = Scenario(cfg)
    assert scen.mobilisation[0] == 1.2 and scen.fronts_target[0] == 10


def test_too_few_officers_named_with_the_number_needed(tmp_path: Path) -> None:
    cfg = load_scenario("default")
    needed = officers_needed(cfg)
    assert needed == 162  # docs/model.md: 162 fixed slots by default (198 before corps.staff_posted, issue 11)
    load_scenario("default", **{"corps.n_officers": needed})  # exactly enough
    path = scenario_file(tmp_path, f"[corps]\nn_officers = {needed - 1}\n")
    with pytest.raises(ConfigError) as exc:
        load_scenario(str(path))
    one_line_error(exc, str(path), f"corps.n_officers: {needed - 1} is too few", f"expected at least {needed}")
    with pytest.raises(ConfigError) as exc:  # the API refuses it before simulating
        stavka.simulate(runs=1, corps__n_officers=100)
    one_line_error(exc, "corps.n_officers: 100", f"at least {needed}")
    # fewer posts, fewer officers needed; no roster, only the posts
    small = {"posts.n_corps": 0, "corps.n_officers": 100}
    assert officers_needed(load_scenario("default", **small)) < 100
    assert officers_needed(load_scenario("default", **{"corps.use_roster": False})) == 156  # the active posts


def test_the_default_scenario_file_is_the_models_defaults() -> None:
    """Every default is valid and the new checks changed none of them."""
    assert load_scenario("default") == ScenarioConfig()
    assert load_scenario(ScenarioConfig()).digest() == ScenarioConfig().digest()


# --- 3. non-finite numbers, bounds, types -------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value, needle",
    [
        ("operations.own_strength", math.inf, "operations.own_strength: Input should be a finite number"),
        ("operations.own_strength", 1e12, "operations.own_strength: Input should be less than or equal to"),
        ("operations.noise_km", math.nan, "operations.noise_km: Input should be a finite number"),
        ("politics.challenge_base", -math.inf, "politics.challenge_base: Input should be a finite number"),
        ("captivity.defect_fear", math.nan, "captivity.defect_fear"),
        ("corps.competence_mean", math.nan, "corps.competence_mean"),
        ("security.denounce_rate", 1e9, "security.denounce_rate: Input should be less than or equal to 1"),
        ("ruler.autonomy_rate", 1.5, "ruler.autonomy_rate"),
        ("operations.kill_rate", 2.0, "operations.kill_rate"),
        ("operations.loss_rate", 1.01, "operations.loss_rate"),
        ("learning.lessons_rate", 3.0, "learning.lessons_rate"),
        ("security.quota_denounce_boost", 1000.0, "security.quota_denounce_boost"),
        ("security.trial_delay", 2.5, "security.trial_delay: Input should be a valid integer"),
        ("corps.n_officers", 320.7, "corps.n_officers: Input should be a valid integer"),
        ("corps.n_officers", True, "corps.n_officers: expected an integer (got True)"),
        ("corps.use_roster", 1, "corps.use_roster: expected true or false (got 1)"),
        ("corps.use_roster", "yes", "corps.use_roster: expected true or false"),
        ("operations.noise_km", "3", "operations.noise_km: expected a number (got '3')"),
        ("operations.noise_km", True, "operations.noise_km: expected a number (got True)"),
    ],
)
def test_numbers_finite_bounded_and_typed(key: str, value: Any, needle: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_scenario("default", **{key: value})
    one_line_error(exc, "scenario 'default'", needle)


def test_numpy_scalars_and_integral_floats_are_still_numbers() -> None:
    cfg = load_scenario(
        "default",
        **{
            "corps.n_officers": np.int64(400),
            "operations.noise_km": np.float32(30),
            "security.trial_delay": 4.0,
            "corps.use_roster": np.bool_(True),
        },
    )
    assert cfg.corps.n_officers == 400 and cfg.operations.noise_km == 30 and cfg.security.trial_delay == 4


def test_inf_in_a_scenario_file(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "[operations]\nown_strength = inf\n")
    with pytest.raises(ConfigError) as exc:
        load_scenario(str(path))
    one_line_error(exc, str(path), "operations.own_strength: Input should be a finite number")


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"listening": math.nan}, "listening: Input should be a finite number"),
        ({"listening": math.inf}, "listening: Input should be a finite number"),
        ({"w_loyalty": math.inf}, "w_loyalty"),
        ({"w_loyalty": 1e6}, "w_loyalty: Input should be less than or equal to 100"),
        ({"rotate_popular": math.nan}, "rotate_popular"),
        ({"listening": True}, "listening: expected a number (got True)"),
        ({"charm": 2.5}, "charm: Input should be a valid integer"),
        ({"keep_loyal_failures": 1}, "keep_loyal_failures: expected true or false (got 1)"),
        ({"listening_growth": 5.0}, "listening_growth"),
        ({"purge_window": ("1937-5", "1938-11")}, "purge_window: expected [first, last] months: '1937-5' is not a month"),
        ({"purge_window": ("1938-11", "1937-05")}, "purge_window: expected [first, last] months, first <= last"),
    ],
)
def test_doctrine_parameters_finite_bounded_and_typed(params: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as exc:
        get_doctrine("terror", **params)
    one_line_error(exc, "doctrine 'terror'", needle)


def test_infinite_rotate_popular_still_means_never() -> None:
    d = get_doctrine("meritocratic", rotate_popular=math.inf, charm=np.int64(2), listening=np.float64(0.5))
    assert d.params.rotate_popular == math.inf and d.params.charm == 2
    assert get_doctrine(d, **d.params.model_dump()) == d


# --- 4. the [doctrine] table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, needle",
    [
        (
            '[doctrine]\nbase = "terror"\nparams = 5\n',
            "doctrine.params: expected a table of parameters, [doctrine.params] (got 5)",
        ),
        ('[doctrine]\nbase = "terror"\nbsae = "terror"\n', "doctrine.bsae: unknown key; expected one of: base, name, params"),
        ('[doctrine]\nbase = "terror"\nfoo = 1\n', "doctrine.foo: unknown key; expected one of: base, name, params"),
        ('[doctrine]\nbsae = "terror"\n', "expected a [doctrine] table with base = one of"),
        ('[doctrine]\nbase = ["terror"]\n', "doctrine.base: unknown doctrine ['terror']"),
        ('[doctrine]\nbase = "terror"\nname = ""\n', "doctrine.name: expected a name of letters, digits"),
        ('[doctrine]\nbase = "terror"\nname = 5\n', "doctrine.name: expected a name of letters, digits"),
        ('[doctrine]\nbase = "terror"\nname = "my terror"\n', "(got 'my terror')"),
        ('[doctrine]\nbase = "terror"\n[doctrine.params]\nlistening = nan\n', "doctrine 'terror_custom': listening"),
        ('[doctrine]\nbase = "terror"\n[doctrine.params]\nlisten = 0.5\n', "unknown parameter 'listen'"),
    ],
)
def test_doctrine_toml_table(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, "doc.toml", text)
    with pytest.raises(ConfigError) as exc:
        get_doctrine(str(path))
    one_line_error(exc, f"{path}: ", needle)


# --- 5. built-in names protected, user doctrines kept out of the registry ----------------------------------


def test_a_toml_doctrine_may_not_take_a_builtin_name(tmp_path: Path) -> None:
    before = dict(REGISTRY)
    for name in BUILTINS:
        path = write(tmp_path, f"{name}.toml", f'[doctrine]\nbase = "passive"\nname = "{name}"\n')
        with pytest.raises(ConfigError) as exc:
            get_doctrine(str(path))
        assert one_line_error(exc) == f"{path}: doctrine.name '{name}' is a built-in doctrine; choose another name"
    assert before == REGISTRY and type(get_doctrine("terror")) is Terror


def test_a_python_doctrine_may_not_take_a_builtin_name(tmp_path: Path) -> None:
    path = write(tmp_path, "fake.py", "from stavka.doctrines.terror import Terror\n\n\nclass Fake(Terror):\n    pass\n")
    with pytest.raises(ConfigError) as exc:  # inherits the name 'terror'
        get_doctrine(str(path))
    assert one_line_error(exc) == f"{path}: class Fake: name 'terror' is a built-in doctrine; choose another name"
    assert REGISTRY["terror"] is Terror


def test_user_doctrines_do_not_replace_each_other(tmp_path: Path) -> None:
    before = dict(REGISTRY)
    a = write(tmp_path, "a.toml", '[doctrine]\nbase = "terror"\nname = "mine"\n[doctrine.params]\nlistening = 0.1\n')
    b = write(tmp_path, "b.toml", '[doctrine]\nbase = "meritocratic"\nname = "mine"\n')
    da, db = get_doctrine(str(a)), get_doctrine(str(b))
    assert da.params.listening == 0.1 and db.params.listening == 0.6
    assert isinstance(da, Terror) and not isinstance(db, Terror)
    assert get_doctrine(str(a)).params.listening == 0.1  # loading b changed nothing about a
    assert before == REGISTRY
    with pytest.raises(ConfigError, match="mine") as exc:
        get_doctrine("mine")  # a file's doctrine is not registered by name
    one_line_error(exc, "unknown doctrine 'mine'")
    with pytest.raises(ConfigError) as exc:
        stavka.compare([str(a), str(b)], runs=1)
    one_line_error(exc, "doctrines: two doctrines are named 'mine'")


def test_register_refuses_builtin_and_taken_names() -> None:
    fake = type("Fake", (Terror,), {"__module__": "somewhere"})
    with pytest.raises(ConfigError) as exc:
        register(fake)
    one_line_error(exc, "'terror' is a built-in doctrine")
    assert REGISTRY["terror"] is Terror
    first = type("First", (Terror,), {"name": "test_validation_taken", "__module__": "one"})
    second = type("Second", (Terror,), {"name": "test_validation_taken", "__module__": "two"})
    try:
        register(first)
        register(first)  # the same class again is fine
        with pytest.raises(ConfigError) as exc:
            register(second)
        one_line_error(exc, "'test_validation_taken' is already registered by one.First")
    finally:
        REGISTRY.pop("test_validation_taken", None)


def test_the_doctrines_listing_is_the_builtins() -> None:
    assert set(BUILTINS) == {"terror", "break_and_use", "meritocratic", "historical", "passive"}
    assert set(BUILTINS) <= set(REGISTRY)


# --- 6. a doctrine by content -------------------------------------------------------------------------


def _metrics(doctrine: Doctrine) -> pd.DataFrame:
    return stavka.simulate(doctrine=doctrine, runs=3, seed=1, events=False).metrics


def test_builtin_record() -> None:
    d = get_doctrine("historical", listening=0.45)
    rec = json.loads(json.dumps(d.record()))
    assert rec["kind"] == "builtin" and rec["name"] == "historical" and rec["source"] is None
    assert rec["source_sha256"] is None and rec["params"]["listening"] == 0.45
    assert doctrine_from_record(rec) == d


def test_toml_doctrine_rebuilt_from_its_record_without_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "soft.toml", SOFT_TOML)
    d = get_doctrine(str(path), listening=0.3)  # the file's parameters and the call's
    rec = d.record()
    assert rec["kind"] == "toml" and rec["base"] == "terror" and rec["name"] == "soft_terror"
    assert rec["source"] == SOFT_TOML
    assert rec["params"]["scapegoat_execute"] == 0.2 and rec["params"]["listening"] == 0.3
    assert rec["params"]["purge_window"] == ["1937-05", "1938-11"]  # the full parameters, JSON-able
    path.write_text('[doctrine]\nbase = "passive"\nname = "soft_terror"\n')  # the file changes after loading ...
    assert d.record()["source"] == SOFT_TOML  # ... the doctrine keeps what it was made from
    path.unlink()
    rebuilt = doctrine_from_record(json.loads(json.dumps(rec)))
    assert rebuilt == d and hash(rebuilt) == hash(d) and rebuilt.record() == rec
    pd.testing.assert_frame_equal(_metrics(rebuilt), _metrics(d))


def test_python_doctrine_rebuilt_from_its_record_without_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "lenient.py", PY_DOCTRINE)
    d = get_doctrine(str(path), ear=0.9)
    rec = d.record()
    assert rec["kind"] == "python" and rec["base"] is None and rec["name"] == "lenient"
    assert rec["source"] == PY_DOCTRINE and rec["params"]["ear"] == 0.9
    path.unlink()
    rebuilt = doctrine_from_record(json.loads(json.dumps(rec)))
    assert type(rebuilt).__name__ == "Lenient" and rebuilt == d and rebuilt.record() == rec
    original = _metrics(d)
    pd.testing.assert_frame_equal(_metrics(rebuilt), original)
    assert not original.equals(_metrics(get_doctrine("meritocratic")))  # the class's own behaviour counts


def test_records_that_do_not_rebuild(tmp_path: Path) -> None:
    rec = get_doctrine(str(write(tmp_path, "soft.toml", SOFT_TOML))).record()
    with pytest.raises(ConfigError) as exc:
        doctrine_from_record({**rec, "source": rec["source"] + "\n# edited\n"})
    one_line_error(exc, "doctrine record 'soft_terror': the source does not match its sha256")
    with pytest.raises(ConfigError) as exc:
        doctrine_from_record({**rec, "name": "other", "source_sha256": None})
    one_line_error(exc, "its source defines doctrine 'soft_terror', not 'other'")
    with pytest.raises(ConfigError) as exc:
        doctrine_from_record({**rec, "kind": "yaml"})
    one_line_error(exc, "kind: expected builtin, toml or python")
    local = type("Local", (Terror,), {"name": "local_doctrine"})()  # defined in no file
    assert local.record()["kind"] == "python" and local.record()["source"] is None
    with pytest.raises(ConfigError) as exc:
        doctrine_from_record(local.record())
    one_line_error(exc, "no source recorded")


def test_file_doctrines_survive_cloudpickle(tmp_path: Path) -> None:
    """Dask ships doctrines to its workers with cloudpickle."""
    toml = get_doctrine(str(write(tmp_path, "soft.toml", SOFT_TOML)))
    py = get_doctrine(str(write(tmp_path, "lenient.py", PY_DOCTRINE)))
    for d in (toml, py):
        back = cloudpickle.loads(cloudpickle.dumps(d))
        assert back == d and back.record() == d.record() and back.name == d.name
        assert back.month_plan("1943-03") == d.month_plan("1943-03")


# --- 7. arguments of simulate, compare and Simulation ---------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"seed": 1.5}, "seed: expected an integer (got 1.5)"),
        ({"seed": True}, "seed: expected an integer (got True)"),
        ({"seed": -1}, "seed: expected an integer from 0 to 9223372036854775807 (got -1)"),
        ({"seed": 2**63}, "seed: expected an integer from 0 to 9223372036854775807"),
        ({"runs": 0}, "runs: expected an integer from 1 to"),
        ({"runs": 2.0}, "runs: expected an integer (got 2.0)"),
        ({"runs": MAX_RUNS_IN_MEMORY + 1}, "stavka sweep"),
        (
            {"runs": 10**10},
            f"runs: 10000000000 runs are more than a result held in memory can take (at most {MAX_RUNS_IN_MEMORY})",
        ),
        ({"run_ids": []}, "run_ids: expected at least one run id"),
        ({"run_ids": [137, 137]}, "run_ids: run id 137 is given twice"),
        ({"run_ids": np.array([3, 1, 3])}, "run_ids: run id 3 is given twice"),
        ({"run_ids": [1, -1]}, "run_ids[1]: expected an integer from 0 to"),
        ({"run_ids": [2**63]}, "run_ids[0]: expected an integer from 0 to 9223372036854775807"),
        ({"run_ids": [1.0]}, "run_ids[0]: expected an integer (got 1.0)"),
        ({"run_ids": np.arange(3.0)}, "run_ids: expected a one-dimensional array of integers"),
        ({"run_ids": np.array([2**64 - 1], dtype=np.uint64)}, "run_ids: expected run ids from 0 to"),
        ({"run_ids": 13}, "run_ids: expected a sequence of run ids, e.g. [13] (got 13)"),
        ({"run_ids": range(-1, 3)}, "run_ids: expected run ids from 0 to"),
        ({"run_ids": range(10**10)}, "run_ids: 10000000000 runs are more than a result held in memory can take"),
        ({"run_ids": itertools.count()}, f"run_ids: more than {MAX_RUNS_IN_MEMORY} runs are more than"),
    ],
)
def test_simulate_arguments(kwargs: dict[str, Any], needle: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ConfigError) as exc:
        stavka.simulate(scenario="no_such_scenario", **kwargs)  # checked before the scenario is even looked up
    one_line_error(exc, needle)
    assert time.perf_counter() - start < 5, "checked before anything is allocated"


def test_good_arguments_pass() -> None:
    assert check_seed(np.int64(7)) == 7 and check_seed(np.uint64(2**63 - 1)) == 2**63 - 1
    assert check_runs(np.int32(3)) == 3 and check_runs(MAX_RUNS_IN_MEMORY) == MAX_RUNS_IN_MEMORY
    assert check_run_ids(range(5, 0, -1)).tolist() == [5, 4, 3, 2, 1]
    assert check_run_ids(np.array([9, 2], dtype=np.uint8)).dtype == np.int64
    assert check_run_ids(iter([4, 2**63 - 1])).tolist() == [4, 2**63 - 1]
    res = stavka.simulate(runs=1, seed=np.int64(5), run_ids=np.array([2]), events=False)
    assert res.meta["seed"] == 5 and res.metrics["run"].tolist() == [2]


def test_compare_and_simulation_arguments() -> None:
    for kwargs, needle in [
        ({"seed": 0.5}, "seed: expected an integer"),
        ({"runs": 0}, "runs: expected"),
        ({"doctrines": "terror"}, "doctrines: expected a list of doctrines"),
        ({"doctrines": []}, "doctrines: expected at least one doctrine"),
        ({"doctrines": ["terror", "terror"]}, "two doctrines are named 'terror'"),
        ({"doctrines": ["terror", "nope"]}, "unknown doctrine 'nope'"),
    ]:
        with pytest.raises(ConfigError) as exc:
            stavka.compare(**kwargs)
        one_line_error(exc, needle)
    for kwargs, needle in [
        ({"seed": 1.5}, "seed: expected an integer (got 1.5)"),
        ({"seed": 2**63}, "seed: expected an integer from 0"),
        ({"run": -1}, "run: expected an integer from 0"),
        ({"run": True}, "run: expected an integer"),
    ]:
        with pytest.raises(ConfigError) as exc:
            stavka.Simulation(**kwargs)
        one_line_error(exc, needle)


# --- the command line: one line, exit code 2, no traceback ----------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*STAVKA, *args], capture_output=True, text=True, timeout=600)


def test_cli_refuses_bad_files_in_one_line(tmp_path: Path) -> None:
    binary = write(tmp_path, "x.toml", BINARY)
    fake = write(tmp_path, "terror.toml", '[doctrine]\nbase = "passive"\nname = "terror"\n')
    few = write(tmp_path, "few.toml", "[corps]\nn_officers = 100\n")
    cases = [
        (("run", "--scenario", str(binary), "--runs", "2", "--no-db"), f"error: {binary}: not a UTF-8 text file"),
        (
            ("run", "--doctrine", str(fake), "--runs", "2", "--no-db"),
            f"error: {fake}: doctrine.name 'terror' is a built-in doctrine; choose another name",
        ),
        (
            ("run", "--scenario", str(few), "--runs", "2", "--db", str(tmp_path / "x.duckdb")),
            f"error: {few}: corps.n_officers: 100 is too few",
        ),
    ]
    for args, start in cases:
        res = run_cli(*args)
        assert res.returncode == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(start), res.stderr
        assert "Traceback" not in res.stderr + res.stdout
    assert not (tmp_path / "x.duckdb").exists()  # refused before anything was simulated or stored


def test_cli_bounds_of_runs_and_seed() -> None:
    for args, needle in (
        (("run", "--runs", "10000000000", "--no-db"), "--runs"),
        (("chronicle", "--seed", str(2**63)), "--seed"),
    ):
        start = time.perf_counter()
        res = run_cli(*args)
        assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr
        assert time.perf_counter() - start < 60
