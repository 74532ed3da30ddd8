"""The calibration machinery (stavka.calibration): tiny populations, two generations, a restricted parameter set,
pyabc's single-core sampler (the Dask sampler is the same pyabc code path with another sampler object)."""

from __future__ import annotations

import json
import sys

import duckdb
import numpy as np
import pytest

from stavka.calibration import calibrate, space
from stavka.calibration.abc import history_path
from stavka.calibration.choice import confusion
from stavka.calibration.guard import make_doctrine
from stavka.calibration.model import simulate_particle
from stavka.calibration.sensitivity import sensitivity
from stavka.calibration.summaries import distance, targets
from stavka.config import ConfigError

TGTS = ["front_commanders_shot_1941", "marshals_1935_destroyed"]


def test_space_priors_are_declared_and_only_narrowed() -> None:
    free = {f.name: f for f in space("terror")}
    assert free["scapegoat"].lo == 0.0 and free["scapegoat"].hi == 1.0
    assert {f.name for f in space("passive")} <= {f.name for f in space("terror")}
    assert space("terror", ["scapegoat"], {"scapegoat": [0.2, 0.4]})[0].hi == 0.4
    with pytest.raises(ConfigError, match="outside the declared range"):
        space("terror", ["scapegoat"], {"scapegoat": [0.0, 1.5]})


def test_summaries_come_from_the_fit_facts() -> None:
    from stavka.record.facts import fitting_targets

    ids = {t.id for t in targets()}
    assert ids <= {f.id for f in fitting_targets()} and "victory" in ids
    t = targets(["victory"])
    assert distance({"victory": t[0].value}, t) == 0.0
    assert distance({"victory": t[0].value + 2 * t[0].scale}, t) == pytest.approx(2.0)


def test_recovers_known_parameters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A synthetic record made by the model at scapegoat = 0.1: the posterior of scapegoat moves towards it."""
    free = space("terror", ["scapegoat"])
    truth = 0.1
    stats, _ = simulate_particle("terror", "as_written", free, {"scapegoat": truth}, 7, 6, targets(TGTS))
    db = tmp_path / "s.duckdb"
    res = calibrate(
        ["terror"],
        10,
        2,
        2,
        db,
        seed=7,
        targets_ids=TGTS,
        params=["scapegoat"],
        choice=False,
        sampler_kind="single",
        record=stats,
    )
    post = res["posteriors"]["terror"]["scapegoat"]
    prior_mean = 0.5
    assert abs(post["mean"] - truth) < abs(prior_mean - truth) or post["q05"] <= truth <= post["q95"]
    # posterior predictive checks against the checking facts, which were not fitted
    from stavka.calibration.checks import predictive_checks

    table = predictive_checks(db, res["calibration"], 3)
    assert set(table["fact"]) == {t.id for t in targets(use="check")} and not set(table["fact"]) & set(TGTS)
    assert (table["runs"] == 3).all() and table["inside"].between(0, 1).all()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM calibration_checks").fetchone()[0] == len(table)
    con.close()


def test_model_choice_tables_and_resume(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "c.duckdb"
    kw = dict(targets_ids=TGTS, params=["security.denounce_rate"], per_doctrine=False, sampler_kind="single", seed=3)

    class Stop(Exception):
        pass

    def kill(p: dict) -> None:  # type: ignore[type-arg]
        raise Stop  # interrupted after the first generation's sampling

    with pytest.raises(Stop):
        calibrate(["terror", "meritocratic"], 6, 2, 1, db, progress=kill, **kw)  # type: ignore[arg-type]
    con = duckdb.connect(str(db), read_only=True)
    ((cal, status),) = con.execute("SELECT calibration, status FROM calibrations").fetchall()
    con.close()
    assert status == "running" and history_path(db, cal).exists()
    res = calibrate(["terror", "meritocratic"], 6, 2, 1, db, **kw)  # type: ignore[arg-type]  # the same spec: resumed
    assert res["calibration"] == cal
    probs = res["model_probabilities"]
    assert set(probs) == {"terror", "meritocratic"} and sum(probs.values()) == pytest.approx(1.0)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM calibration_runs").fetchone()[0] == 1  # the same pyabc history continued
    gens = con.execute("SELECT generation, particles FROM calibration_generations ORDER BY 1").fetchall()
    assert gens == [(0, 6), (1, 6)]
    n_part = con.execute("SELECT count(*) FROM calibration_particles WHERE generation = 1").fetchone()[0]
    n_sum = con.execute("SELECT count(*) FROM calibration_summaries WHERE generation = 1").fetchone()[0]
    assert n_part == 6 and n_sum == 6 * len(TGTS)
    row = con.execute("SELECT version, scenario, seed, targets, status FROM calibrations").fetchone()
    assert row[2] == 3 and [t["id"] for t in json.loads(row[3])] == TGTS and row[4] == "finished"
    w = con.execute("SELECT sum(probability) FROM calibration_models WHERE generation = 1").fetchone()[0]
    assert w == pytest.approx(1.0)
    # any particle re-simulates exactly from its row
    params, base, d, pid = con.execute(
        "SELECT parameters, run_base, doctrine, particle FROM calibration_particles WHERE generation = 1 LIMIT 1"
    ).fetchone()
    stored = dict(
        con.execute(
            "SELECT target, value FROM calibration_summaries WHERE generation = 1 AND doctrine = ? AND particle = ?", [d, pid]
        ).fetchall()
    )
    con.close()
    from stavka.calibration.model import run_base

    p = json.loads(params)
    assert run_base(3, d, "as_written", p) == base
    again, _ = simulate_particle(d, "as_written", space(d, ["security.denounce_rate"]), p, 3, 1, targets(TGTS))
    assert again == pytest.approx(stored, nan_ok=True)


def test_choice_checked_on_itself(tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = confusion(
        ["terror", "meritocratic"], 1, 4, 1, 1, tmp_path / "x.duckdb", 1, ["security.denounce_rate"], sampler_kind="single"
    )
    assert sum(sum(r.values()) for r in res["confusion"].values()) == 2 and 0.0 <= res["error_rate"] <= 1.0


def test_bias_guard_shift_moves_the_dates() -> None:
    import stavka

    same = stavka.simulate("default", make_doctrine("historical", {}, 0), runs=2, seed=5, events=False).metrics
    base = stavka.simulate("default", "historical", runs=2, seed=5, events=False).metrics
    moved = stavka.simulate("default", make_doctrine("historical", {}, 12), runs=2, seed=5, events=False).metrics
    assert same.equals(base) and not moved.equals(base)
    assert make_doctrine("terror", {}, 3).params.purge_window == ("1937-08", "1939-02")


def test_sobol_and_prim(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "s.duckdb"
    res = sensitivity("terror", 4, 1, 2, ["security.denounce_rate", "operations.km_per_log_odds"], db)
    s = res["sobol"]
    assert len(s) == 6 * 2 and {"s1", "s1_conf", "st", "st_conf"} <= set(s.columns)
    assert np.isfinite(s["st"]).any() and (s["st_conf"].dropna() >= 0).all()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM calibration_sobol").fetchone()[0] == 12
    con.close()


@pytest.mark.parametrize(
    "args",
    [
        ["--doctrines", "nope"],
        ["--population", "0"],
        ["--generations", "two"],
        ["--params", "no_such_parameter"],
        ["--prior", "security.denounce_rate=0:1"],
        ["--runs-per-particle", "-1"],
    ],
)
def test_bad_input_one_line_exit_2_nothing_stored(tmp_path, capsys, monkeypatch, args) -> None:  # type: ignore[no-untyped-def]
    from stavka.cli import main

    db = tmp_path / "bad.duckdb"
    monkeypatch.setattr(sys, "argv", ["stavka", "calibrate", *args, "--db", str(db), "--sampler", "single"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    errs = capsys.readouterr().err.strip().splitlines()
    assert len(errs) == 1 and errs[0].startswith("error:")
    assert not db.exists() and not (tmp_path / "bad.calibration").exists()


def test_old_store_gains_the_calibration_tables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stavka.storage import Store

    db = tmp_path / "old.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    for t in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'calibration%'").fetchall():
        con.execute(f"DROP TABLE {t[0]}")
    for table in ("careers", "officers"):  # schema 4's, and the column it adds
        con.execute(f"DROP TABLE {table}")
    con.execute("ALTER TABLE runs DROP COLUMN follow_record_until")
    con.execute("UPDATE stavka_meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    with Store(db, read_only=True) as st:
        assert st.con.execute("SELECT count(*) FROM calibrations").fetchone()[0] == 0


def test_json_prints_probabilities_and_posteriors_only(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from stavka.cli import main

    args = ["--doctrines", "terror,meritocratic", "--population", "3", "--generations", "1", "--runs-per-particle", "1"]
    args += ["--params", "security.denounce_rate", "--targets", "victory", "--sampler", "single", "--checks", "0", "--json"]
    monkeypatch.setattr(sys, "argv", ["stavka", "calibrate", *args, "--db", str(tmp_path / "j.duckdb")])
    main()
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"model_probabilities", "posteriors"} and set(out["posteriors"]) == {"terror", "meritocratic"}
    assert sum(out["model_probabilities"].values()) == pytest.approx(1.0)
    assert set(out["posteriors"]["terror"]["security.denounce_rate"]) == {"mean", "q05", "q95"}
