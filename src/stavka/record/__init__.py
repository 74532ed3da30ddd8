"""The historical record as part of the product: careers, people and the line's depth (data files), the stylised
facts computed from them and from the sources of facts.md (`facts`), and the claims table of the seeds (`claims`).
See record/README.md and docs/record.md."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .claims import CLAIMS, Claim, reproduction
from .data import careers, front_line, people
from .facts import Fact, checking_facts, facts, fitting_targets
from .measures import MEASURES, Measure, compare

__all__ = [
    "CLAIMS",
    "MEASURES",
    "Claim",
    "Fact",
    "Measure",
    "careers",
    "checking_facts",
    "claims_reproduction",
    "compare",
    "evidence",
    "evidence_html",
    "facts",
    "fitting_targets",
    "free_runs",
    "front_line",
    "people",
    "reproduction",
]

if TYPE_CHECKING:
    from ..api import SimulationResult

DEFAULT_DOCTRINES = ("historical", "terror", "break_and_use", "meritocratic", "passive")


def free_runs(
    runs: int, seed: int = 0, doctrines: Sequence[str] = DEFAULT_DOCTRINES, scenario: str = "default"
) -> dict[str, SimulationResult]:
    """`runs` free runs of each doctrine from the scenario's start, with their event tables."""
    from ..api import simulate

    return {d: simulate(scenario, d, runs=runs, seed=seed, events=True) for d in doctrines}


def claims_reproduction(
    runs: int, seed: int = 0, doctrines: Sequence[str] = DEFAULT_DOCTRINES, scenario: str = "default"
) -> dict[str, dict[str, float]]:
    """{doctrine: {claim id: share of `runs` free runs reproducing it}}, from `stavka.simulate(..., events=True)`."""
    return {d: reproduction(res.events) for d, res in free_runs(runs, seed, doctrines, scenario).items()}


def evidence(
    shares: dict[str, dict[str, float]] | None = None, fits: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """The facts and the claims table as plain data (what `stavka evidence --json` prints); with `fits`
    ({doctrine: `compare(result)` rows}), the model against each fact that has a measure."""
    rows = []
    for c in CLAIMS:
        row = c.as_dict()
        if shares is not None and c.test is not None:
            row["reproduced"] = {d: s.get(c.id) for d, s in shares.items()}
        rows.append(row)
    return {
        "facts": [f.as_dict() for f in facts()],
        "claims": rows,
        "counts": {"people": len(people()), "career_rows": len(careers()), "front_line_months": len(front_line())},
    } | ({"model": fits} if fits is not None else {})


def _fmt(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def evidence_html(shares: dict[str, dict[str, float]] | None = None) -> str:
    """Two HTML tables, the stylised facts and the claims table, for the report."""
    e = html.escape
    out = [
        "<h2>The record: stylised facts</h2>",
        "<table><tr><th>fact</th><th>value</th><th>range</th><th>unit</th><th>denominator</th><th>use</th><th>source</th></tr>",
    ]
    for f in facts():
        out.append(
            f"<tr><td>{e(f.statement)}</td><td>{e(_fmt(f.value))}</td><td>{e(_fmt(f.lo))} - {e(_fmt(f.hi))}</td>"
            f"<td>{e(f.unit)}</td><td>{e(f.denominator)}</td><td>{f.use}</td><td>{e('; '.join(f.sources))}</td></tr>"
        )
    out.append("</table>")
    docs = list((shares or {}).keys())
    out += [
        "<h2>The record: claims of the seeds</h2>",
        "<table><tr><th>seed</th><th>claim</th><th>verdict</th><th>record</th>"
        "<th>source</th>" + "".join(f"<th>{e(d)}</th>" for d in docs) + "</tr>",
    ]
    for c in CLAIMS:
        cells = "".join(f"<td>{_fmt((shares or {})[d].get(c.id, '-'))}</td>" for d in docs)
        out.append(
            f"<tr><td>{c.seed}</td><td>{e(c.claim)}</td><td>{c.verdict}</td><td>{e(c.record)}</td>"
            f"<td>{e(c.source)}</td>{cells}</tr>"
        )
    out.append("</table>")
    return "\n".join(out)
