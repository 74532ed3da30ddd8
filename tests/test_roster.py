"""The record's competence priors (`roster.prior_means`): the highest wartime command posts shift the prior by
`TOP_POST_COMPETENCE`, read from the record's column `highest_wartime_post`, and a pre-war peak does not."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from stavka import roster


def rows() -> list[dict[str, str]]:
    text = (resources.files("stavka") / "data" / "commanders.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_top_post_shift_is_the_named_constant_for_every_record_row() -> None:
    lo, hi = roster.COMPETENCE_RANGE
    flagged = 0
    for row in rows():
        without = roster.prior_means({**row, "highest_wartime_post": ""})
        with_post = roster.prior_means(row)
        if roster.held_top_wartime_post(row):
            flagged += 1
            expected = min(max(without[0] + roster.TOP_POST_COMPETENCE, lo), hi)
            assert with_post[0] == pytest.approx(expected), row["key"]
        else:
            assert with_post[0] == without[0], row["key"]
        assert with_post[1:] == without[1:], row["key"]  # loyalty and ambition do not read the post
    # the record names three such men: a Deputy Supreme Commander and two wartime Chiefs of the General Staff
    assert flagged == 3


@pytest.mark.parametrize(
    ("post", "held"),
    [
        ("Deputy Supreme Commander-in-Chief (Aug 1942-45)", True),
        ("Chief of the General Staff (Jul 1941-May 1942)", True),
        ("n/a (peak: Marshal 1935; Chief of the General Staff 1931-37)", False),
        ("Commander 1st Ukrainian Front; Marshal 20 Feb 1944", False),
        ("", False),
    ],
)
def test_which_posts_count(post: str, held: bool) -> None:
    assert roster.held_top_wartime_post({"highest_wartime_post": post}) is held
