"""The record module: datasets, facts, claims, `stavka evidence`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stavka import record
from stavka.record import claims, data
from stavka.record.facts import checking_facts, facts, fitting_targets

MONTH = r"^\d{4}(-\d{2})?$"  # a year alone where the sources give no month


@pytest.mark.parametrize(
    ("rows", "columns"),
    [(data.careers, data.CAREER_COLUMNS), (data.people, data.PEOPLE_COLUMNS), (data.front_line, data.FRONT_LINE_COLUMNS)],
)
def test_datasets_parse_with_columns_sources_and_flags(rows, columns):
    table = rows()
    assert table and tuple(table[0].keys()) == columns
    for r in table:
        assert r["source"].strip(), r
        assert r["verification"] in data.VERIFICATION, r


def test_careers_months_and_people_links():
    people = {p["person"] for p in data.people()}
    for r in data.careers():
        assert r["person"] in people
        assert pd.Series([r["from"], r["to"]]).str.match(MONTH).all(), r
        assert r["from"] <= r["to"], r
    groups = {g for p in data.people() for g in p["groups"].split(";")}
    assert {"marshal_1935", "purge_victim", "front_commander_1941_45", "army_commander_1941_42"} <= groups


def test_every_fact_has_denominator_source_tolerance_use():
    ids = [f.id for f in facts()]
    assert len(ids) == len(set(ids))
    for f in facts():
        assert f.denominator and f.sources and f.tolerance and f.use in ("fit", "check"), f
        assert f.lo <= f.value <= f.hi, f  # type: ignore[operator]
    fit, check = {f.id for f in fitting_targets()}, {f.id for f in checking_facts()}
    assert fit and check and not fit & check
    assert all(f.comparable for f in fitting_targets())  # a target the simulated corps cannot be compared with is no target


def test_computed_facts_equal_the_data():
    by = {f.id: f for f in facts()}
    shot_1941 = [
        p
        for p in data.people()
        if data.in_group(p, "front_commander_1941_45") and p["fate"] == "executed" and p["fate_month"].startswith("1941")
    ]
    assert [p["key"] for p in shot_1941] == ["pavlov_dg"]
    assert by["front_commanders_shot_1941"].value == 1
    assert by["marshals_1935_destroyed"].value == pytest.approx(3 / 5)
    assert by["fronts_recorded_1945_05"].value == by["fronts_1945-05"].value == 8
    assert by["continuity_colonel_or_general_in_post"].value == 1.0
    assert by["line_back_at_border"].value == "1944-07"
    assert by["zhukov_sidelined_lag"].value == 13
    assert by["purge_arrested_share_all"].lo == pytest.approx(7280 / 33460)


def _events(rows: list[tuple]) -> pd.DataFrame:
    cols = ["run", "month", "kind", "officer", "officer_id", "other_id", "post", "front", "cause", "detail", "value"]
    return pd.DataFrame([(r[0], r[1], r[2], r[3], r[4], -1, r[5], "", r[6], "", 0.0) for r in rows], columns=cols)


def test_claim_testers_recognise_synthetic_runs():
    holds = _events(
        [
            (0, "1941-06", "appointment", claims.PAVLOV, 9, "Western Front", "crisis"),
            (0, "1941-07", "execution", claims.PAVLOV, 9, "", "trial"),
            (0, "1942-07", "captured", claims.VLASOV, 46, "2nd Shock Army", ""),
            (0, "1942-08", "defection", claims.VLASOV, 46, "", ""),
            (0, "1945-05", "war", "", -1, "", "war won"),
            (0, "1946-06", "transfer", claims.ZHUKOV, 0, "Odessa MD", "sideline"),
        ]
    )
    fails = _events(
        [
            (1, "1941-06", "appointment", claims.PAVLOV, 9, "Western Front", "crisis"),
            (1, "1943-07", "execution", claims.PAVLOV, 9, "", "trial"),
            (1, "1942-07", "captured", claims.VLASOV, 46, "2nd Shock Army", ""),
            (1, "1945-05", "war", "", -1, "", "war won"),
            (1, "1947-12", "transfer", claims.ZHUKOV, 0, "Odessa MD", "sideline"),
        ]
    )
    for test in (claims.pavlov_shot, claims.vlasov_defects, claims.zhukov_sidelined):
        assert test(holds) and not test(fails), test.__name__
    shares = claims.reproduction(pd.concat([holds, fails]))
    assert shares["pavlov_shot"] == shares["vlasov_defects"] == shares["zhukov_sidelined"] == 0.5


def test_claims_table_is_complete():
    ids = [c.id for c in claims.CLAIMS]
    assert len(ids) == len(set(ids))
    assert {c.seed[:3] for c in claims.CLAIMS} >= {"000", "001", "002", "003"}
    assert {c.verdict for c in claims.CLAIMS} == {"supported", "contradicted", "not in the record"}
    assert all(c.record and c.source for c in claims.CLAIMS)
    assert "<table>" in record.evidence_html()


def test_evidence_json_command():
    env = dict(os.environ, PYTHONPATH=str(Path(record.__file__).parents[2]))
    out = subprocess.run(
        [sys.executable, "-m", "stavka.cli", "evidence", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    doc = json.loads(out.stdout)
    assert len(doc["facts"]) == len(facts()) and len(doc["claims"]) == len(claims.CLAIMS)
    assert {f["use"] for f in doc["facts"]} == {"fit", "check"}


def _strict(const: str) -> None:
    raise ValueError(f"not strict JSON: {const}")


def test_evidence_json_with_runs_sets_the_model_beside_each_measured_fact():
    env = dict(os.environ, PYTHONPATH=str(Path(record.__file__).parents[2]))
    cmd = [sys.executable, "-m", "stavka.cli", "evidence", "--json", "--runs", "4", "--doctrines", "historical,passive"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=True)
    doc = json.loads(out.stdout, parse_constant=_strict)
    assert list(doc["model"]) == ["historical", "passive"]
    assert [r["fact"] for r in doc["model"]["historical"]] == [m.fact for m in record.MEASURES]


def test_measures_read_the_runs_on_their_facts_denominators():
    """Each measure names a fact and gives one value per run; the counts agree with the metrics and with each
    other where they must (a war's shot front commanders include 1941's; a share of five men is k/5)."""
    import numpy as np

    import stavka
    from stavka.record.measures import BY_FACT, month_index

    ids = {f.id for f in facts()}
    assert set(BY_FACT) <= ids
    res = stavka.simulate(doctrine="historical", runs=40, seed=2)
    values = {m.fact: m.of_runs(res) for m in record.MEASURES}
    assert all(len(v) == 40 for v in values.values())
    won = res.metrics["victory_month"]
    expect = np.array([month_index(str(v)) if isinstance(v, str) else np.nan for v in won], dtype=float)
    np.testing.assert_array_equal(values["victory"], expect)
    assert (values["front_commanders_shot_war"] >= values["front_commanders_shot_1941"]).all()
    assert np.isin(values["marshals_1935_destroyed"] * 5, np.arange(6)).all()
    shot = res.events[res.events["kind"] == "execution"]
    assert values["front_commanders_shot_war"].sum() <= shot["officer_id"].groupby(shot["run"]).nunique().sum()
    # The fronts of May 1945 are read in the last month of fighting: the victory month's series counts none.
    s = res.series
    at_may = s[s["month"] == "1945-05"].set_index("run")["fronts"].reindex(range(40)).to_numpy()
    won_by_may = np.array([isinstance(v, str) and v <= "1945-05" for v in won])
    assert won_by_may.any() and (at_may[won_by_may] == 0).all()
    assert (values["fronts_1945-05"][won_by_may] > 0).all()
    np.testing.assert_array_equal(values["fronts_1945-05"][~won_by_may], at_may[~won_by_may])
    table = record.compare(res)
    assert list(table["fact"]) == [m.fact for m in record.MEASURES]
    assert (
        set(table["use"]) <= {"fit", "check", "input"}
        and (table[table["use"] == "input"]["fact"].str.startswith(("fronts_", "zhukov"))).all()
    )
