"""The purge's arrested shares by rank (facts A3) read off a run's events: the rank at the first removal, the
removed who are back by 1940 left out, an arrest after a discharge counted, the kombrig-and-above share taken at
the record's rank mix.  Synthetic event tables, so that each rule could fail on its own."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from stavka.record.facts import facts
from stavka.record.measures import BY_FACT, PURGE_RANKS, PURGE_RECORD_MIX, _arrested_share_crude

COLS = ["run", "month", "kind", "officer", "officer_id", "other_id", "post", "front", "cause", "detail", "value"]


def _result(rows: list[tuple[int, str, str, int, float]], ranks: list[int], runs: int = 1) -> SimpleNamespace:
    ev = pd.DataFrame([(r, m, k, f"o{i}", i, -1, "", "", "", "", v) for r, m, k, i, v in rows], columns=COLS)
    layout = SimpleNamespace(row={"rank": np.array(ranks, dtype=np.int8)})
    return SimpleNamespace(events=ev, metrics=pd.DataFrame({"run": range(runs)}), scenario=SimpleNamespace(_corps_layout=layout))


def _share(res: SimpleNamespace, rank: str) -> float:
    return float(BY_FACT[f"purge_arrested_share_{rank}"].of_runs(res)[0])


def test_rank_at_removal_reinstated_left_out_and_late_arrests_counted() -> None:
    res = _result(
        [
            (0, "1937-03", "promotion", 0, 1.0),  # kombrig made komdiv, then discharged and arrested later
            (0, "1937-05", "discharge", 0, 0.0),
            (0, "1939-02", "arrest", 0, 0.0),
            (0, "1937-06", "discharge", 1, 0.0),  # a kombrig discharged, never arrested
            (0, "1938-01", "arrest", 2, 0.0),  # a kombrig arrested and released: reinstated, left out
            (0, "1940-03", "release", 2, 0.0),
            (0, "1938-04", "discharge", 3, 0.0),  # a kombrig discharged and reinstated after 1940: counted
            (0, "1941-03", "reinstatement", 3, 0.0),
            (0, "1939-05", "arrest", 4, 0.0),  # removed after 1938: not the purge's
            (0, "1937-08", "arrest", 5, 0.0),  # a komkor arrested and shot
            (0, "1937-09", "execution", 5, 0.0),
            (0, "1938-03", "promotion", 6, 1.0),  # promoted in the month he is arrested, before it: a komdiv
            (0, "1938-03", "arrest", 6, 0.0),
            (0, "1938-06", "arrest", 7, 0.0),  # arrested first, promoted never: the rank of the start
            (0, "1938-07", "promotion", 7, 3.0),
        ],
        ranks=[0, 0, 0, 0, 0, 2, 0, 1],
    )
    assert _share(res, "kombrig") == pytest.approx(0.0)  # 1 and 3 discharged, not arrested; 2 back; 4 too late
    assert _share(res, "komdiv") == pytest.approx(1.0)  # 0 (discharged, arrested in 1939), 6 and 7
    assert _share(res, "komkor") == pytest.approx(1.0)
    assert np.isnan(_share(res, "marshal"))  # no marshal removed in this run
    # the record's mix: (266 * 0 + 133 * 1 + 74 * 1) / (266 + 133 + 74): the ranks the run removes
    mixed = float(BY_FACT["purge_arrested_share_kombrig_up"].of_runs(res)[0])
    assert mixed == pytest.approx((133 + 74) / (266 + 133 + 74))
    assert float(_arrested_share_crude(res)[0]) == pytest.approx(4 / 6)


def test_the_record_mix_is_cherushevs_table_and_every_rank_fact_has_a_measure() -> None:
    by = {f.id: f for f in facts()}
    for rank, level in PURGE_RANKS.items():
        f = by[f"purge_arrested_share_{rank}"]
        assert f.detail["discharged"] == PURGE_RECORD_MIX[level] and f.id in BY_FACT
    up = by["purge_arrested_share_kombrig_up"]
    assert up.detail["discharged"] == sum(PURGE_RECORD_MIX.values())
    # the whole command staff's share is not the simulated corps': a checking fact, not comparable, not measured
    assert not by["purge_arrested_share_all"].comparable and by["purge_arrested_share_all"].use == "check"


def test_a_run_that_removes_no_one_is_undefined() -> None:
    res = _result([(0, "1937-03", "promotion", 0, 1.0)], ranks=[0], runs=2)
    for rank in PURGE_RANKS:
        assert np.isnan(BY_FACT[f"purge_arrested_share_{rank}"].of_runs(res)).all()
    assert np.isnan(BY_FACT["purge_arrested_share_kombrig_up"].of_runs(res)).all()
