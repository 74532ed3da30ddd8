"""`stavka report` of a calibration: the page's numbers are the store's, its figures are inline, it needs nothing
else to open, and an unknown calibration is one line with exit code 2.  One tiny calibration (two accounts, two
parameters, population 4, one generation, one run per particle, the single-core sampler) and a tiny sensitivity
(n = 2) make the store, once for the module."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from stavka.calibration import calibrate
from stavka.calibration.checks import predictive_checks
from stavka.calibration.report import _confusion_section, fmt_p, fmt_v, has_calibrations, write_calibration_report
from stavka.calibration.sensitivity import sensitivity

PARAMS = ["security.denounce_rate", "security.false_accusation"]
DOCS = ["terror", "meritocratic"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("calrep") / "c.duckdb"
    res = calibrate(
        DOCS,
        4,
        1,
        1,
        db,
        seed=5,
        targets_ids=["front_commanders_shot_1941", "victory"],
        params=PARAMS,
        sampler_kind="single",
        progress=EVENTS.append,
    )
    predictive_checks(db, res["calibration"], 2)
    sensitivity("terror", 2, 1, 5, PARAMS, db)
    return db, res["calibration"]


EVENTS: list[dict[str, Any]] = []  # the progress reports of the fixture's calibration


def _page(store: tuple[Path, str], tmp_path: Path, cal: str | None = None) -> str:
    db, _ = store
    out = tmp_path / "cal.html"
    assert write_calibration_report(db, out, cal) == [out]
    return out.read_text(encoding="utf-8")


def _rows(db: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _cells(*values: str) -> str:
    return "".join(f"<td>{v}</td>" for v in values)


def test_page_shows_the_stored_numbers(store: tuple[Path, str], tmp_path: Path) -> None:
    db, cal = store
    page = _page(store, tmp_path)  # the latest abc calibration by default
    assert f"stavka calibration: {cal}" in page
    runs = _rows(db, f"SELECT abc_id FROM calibration_runs WHERE calibration = '{cal}' AND label = 'choice'")
    models = _rows(db, f"SELECT * FROM calibration_models WHERE calibration = '{cal}' AND abc_id = {int(runs['abc_id'][0])}")
    last = models[models["generation"] == models["generation"].max()]
    assert set(last["doctrine"]) == set(DOCS)
    for _, r in last.iterrows():  # the probability table, and the same row in the table of every choice calibration
        assert _cells(r["doctrine"], fmt_p(r["probability"])) in page
    assert abs(last["probability"].sum() - 1) < 1e-9
    post = _rows(
        db,
        "SELECT p.* FROM calibration_posterior p JOIN calibration_runs r USING (calibration, abc_id) "
        f"WHERE p.calibration = '{cal}' AND r.label = 'posterior:' || p.doctrine",
    )
    assert set(post["doctrine"]) == set(DOCS) and set(post["parameter"]) == set(PARAMS)
    for _, r in post.iterrows():
        assert _cells(r["parameter"], fmt_v(r["mean"]), fmt_v(r["q05"]), fmt_v(r["q95"])) in page
    checks = _rows(db, f"SELECT * FROM calibration_checks WHERE calibration = '{cal}'")
    assert len(checks) and set(checks["doctrine"]) == set(DOCS)
    for _, r in checks.iterrows():
        assert (
            _cells(r["doctrine"], r["fact"], f"{fmt_v(r['lo'])} .. {fmt_v(r['hi'])}", str(r["runs"]), fmt_p(r["inside"])) in page
        )
    gens = _rows(db, f"SELECT * FROM calibration_generations WHERE calibration = '{cal}'")
    for _, r in gens.iterrows():
        assert _cells(fmt_v(r["epsilon"]), str(r["particles"]), str(r["simulations"]), fmt_p(r["acceptance"])) in page
    parts = _rows(
        db,
        "SELECT p.doctrine, count(*) AS n FROM calibration_particles p JOIN calibration_runs r USING (calibration, abc_id) "
        f"WHERE p.calibration = '{cal}' AND r.label = 'posterior:' || p.doctrine GROUP BY ALL",
    )
    assert dict(zip(parts["doctrine"], parts["n"], strict=True)) == {d: 4 for d in DOCS}  # every particle exported
    for doc in DOCS:
        assert f"id='fig-marginals-{doc}'" in page and f"id='fig-pairs-{doc}'" in page
        assert "the last generation&#x27;s 4 particles" in page


def test_sensitivity_is_shown_with_its_intervals(store: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = store
    page = _page(store, tmp_path)
    sob = _rows(db, "SELECT * FROM calibration_sobol")
    assert len(sob) == 6 * len(PARAMS)
    for _, r in sob.iterrows():
        assert _cells(r["parameter"], fmt_v(r["s1"]), fmt_v(r["s1_conf"]), fmt_v(r["st"]), fmt_v(r["st_conf"])) in page
    assert "id='fig-sobol-terror'" in page
    prim = _rows(db, "SELECT * FROM calibration_prim")
    for _, r in prim.iterrows():
        assert _cells(r["parameter"], fmt_v(r["lo"]), fmt_v(r["hi"]), fmt_p(r["coverage"])) in page
    if not len(prim):
        assert "No box" in page
    # the sensitivity reported on its own, by a unique prefix of its id
    sid = str(_rows(db, "SELECT calibration FROM calibrations WHERE kind = 'sensitivity'")["calibration"][0])
    alone = _page(store, tmp_path, sid[:-3])
    assert f"stavka calibration: {sid}" in alone and "Model probabilities" not in alone and "id='fig-sobol-terror'" in alone


def test_page_is_self_contained(store: tuple[Path, str], tmp_path: Path) -> None:
    page = _page(store, tmp_path)
    assert page.count("<svg") >= 1 + 2 * len(DOCS) + 1  # models, marginals and pairs per account, Sobol
    for external in ("<script", "<link", "<img", "<iframe", "src=", "@import"):
        assert external not in page
    # the SVGs refer only inside themselves (markers, clip paths): no link or url to anything outside the page
    assert not re.search(r"href=[\"'](?!#)", page) and not re.search(r"url\((?!#)", page)


def test_confusion_section_counts_and_error_rate() -> None:
    df = pd.DataFrame(
        [("c", "a", "a", 3), ("c", "a", "b", 1), ("c", "b", "a", 2), ("c", "b", "b", 2)],
        columns=["calibration", "true_doctrine", "chosen_doctrine", "count"],
    )
    text = "".join(_confusion_section("c", df))
    assert "Error rate 0.375 over 8 pseudo-records" in text and "(guessing among 2: 0.500)" in text
    assert _cells("a", "3", "1") in text and _cells("b", "2", "2") in text


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    from stavka.cli import main

    monkeypatch.setattr(sys, "argv", ["stavka", "report", *args])
    with pytest.raises(SystemExit) as exc:
        main()
        raise SystemExit(0)
    return int(exc.value.code or 0), capsys.readouterr()


def test_cli_reports_the_latest_calibration_and_refuses_an_unknown_id(
    store: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, cal = store
    assert has_calibrations(db) and not has_calibrations(tmp_path / "none.duckdb")
    out = tmp_path / "r.html"
    code, cap = _cli(monkeypatch, capsys, "--db", str(db), "--out", str(out))  # no experiment in the store
    assert code == 0 and f"stavka calibration: {cal}" in out.read_text(encoding="utf-8")
    code, cap = _cli(monkeypatch, capsys, "--db", str(db), "--out", str(out), "--calibration", "nope")
    assert code == 2 and "nope" in cap.err and len(cap.err.strip().splitlines()) == 1 and "Traceback" not in cap.err


def test_progress_reports_each_generation_as_stored(store: tuple[Path, str]) -> None:
    db, cal = store
    gens = _rows(
        db,
        "SELECT r.label, g.* FROM calibration_generations g JOIN calibration_runs r USING (calibration, abc_id) "
        f"WHERE g.calibration = '{cal}'",
    )
    started = [e["run"] for e in EVENTS if e.get("started")]
    done = {(e["run"], e["generation"]): e for e in EVENTS if not e.get("started")}
    assert sorted(started) == sorted(gens["label"]) == sorted(r for r, _ in done)
    for _, g in gens.iterrows():
        e = done[(g["label"], g["generation"])]
        assert e["epsilon"] == pytest.approx(g["epsilon"], rel=1e-7)  # pyabc logs epsilon with 9 digits
        assert e["acceptance"] == pytest.approx(g["acceptance"]) and e["samples"] == g["simulations"]


def test_cli_progress_lines_per_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --json and without a terminal: one line per generation with its acceptance rate and tolerance."""
    from stavka.cli import main

    args = ["--doctrines", "terror", "--population", "3", "--generations", "2", "--runs-per-particle", "1", "--checks", "0"]
    args += [
        "--params",
        "security.denounce_rate",
        "--targets",
        "victory",
        "--sampler",
        "single",
        "--db",
        str(tmp_path / "p.duckdb"),
    ]
    monkeypatch.setattr(sys, "argv", ["stavka", "calibrate", *args])
    with pytest.raises(SystemExit) as exc:
        main()
        raise SystemExit(0)
    err = capsys.readouterr().err
    assert exc.value.code in (0, None)
    for g in (0, 1):
        assert re.search(rf"posterior:terror: generation {g}  acceptance [01]\.\d\d  epsilon \S+", err), err


def test_choice_only_shows_the_posteriors_within_the_choice(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    res = calibrate(
        DOCS, 3, 1, 1, db, seed=2, targets_ids=["victory"], params=PARAMS[:1], per_doctrine=False, sampler_kind="single"
    )
    page = _page((db, res["calibration"]), tmp_path)
    post = _rows(db, "SELECT * FROM calibration_posterior")
    assert len(post) and set(post["doctrine"]) <= set(DOCS)
    for _, r in post.iterrows():
        assert f"Posterior: {r['doctrine']} (within the model choice" in page
        assert _cells(r["parameter"], fmt_v(r["mean"]), fmt_v(r["q05"]), fmt_v(r["q95"])) in page
    assert "No predictive check is stored" in page
