"""The report: one self-contained HTML file with its figures (parsed: five inline SVG figures, a metric
table, no script, no external resource), and the figures as PNG and PDF files."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import stavka
from stavka.config import ConfigError
from stavka.report import FIGURES, read_report_data, write_report
from stavka.storage import StoreError
from stavka.sweep import save_results, simulate_keeping

RUNS, SEED, KEEP = 12, 3, 2


class Parsed(HTMLParser):
    """Tags, their attributes and the text of <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.figures: dict[str, list[str]] = {}  # figure id -> tags inside it
        self.style = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "figure":
            self.figures[str(a.get("id"))] = []
        elif self.figures and "figure" in self.stack:
            self.figures[list(self.figures)[-1]].append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.style += data


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-doctrine comparison with the ledgers of the first runs."""
    path = tmp_path_factory.mktemp("report") / "r.duckdb"
    results = [simulate_keeping("default", d, range(RUNS), SEED, KEEP) for d in ("terror", "meritocratic")]
    save_results(path, "compare", results, RUNS, SEED, KEEP)
    return path


@pytest.fixture(scope="module")
def html_report(db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Parsed]:
    out = tmp_path_factory.mktemp("html") / "report.html"
    assert write_report(db, out) == [out]
    parsed = Parsed()
    parsed.feed(out.read_text(encoding="utf-8"))
    return out, parsed


def test_report_has_every_figure_as_inline_svg(html_report: tuple[Path, Parsed]) -> None:
    _, parsed = html_report
    assert set(parsed.figures) == {f"fig-{k}" for k in FIGURES}
    for fid, inner in parsed.figures.items():
        assert "svg" in inner and inner.count("path") > 20, fid  # a drawn figure, not a placeholder
        assert "figcaption" in inner
    assert any(t == "table" and a.get("class") == "metrics" for t, a in parsed.tags)


def test_report_is_self_contained(html_report: tuple[Path, Parsed]) -> None:
    out, parsed = html_report
    text = out.read_text(encoding="utf-8")
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "img", "audio", "video", "source"}
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "xlink:href", "data", "action"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)  # only links within the file
    assert "@import" not in parsed.style and "url(" not in parsed.style and "@font-face" not in parsed.style
    assert not re.search(r"url\((?!#)", text)  # SVG paints refer only to ids in the file
    assert "<text" not in text  # figure text is drawn as paths: no font needed


def test_report_tells_the_experiment_and_metrics(html_report: tuple[Path, Parsed], db: Path) -> None:
    out, _ = html_report
    text = out.read_text(encoding="utf-8")
    back = stavka.load(db)
    exp = back.experiments["experiment"].iloc[0]
    assert exp in text and back.runs["scenario_hash"].iloc[0] in text and stavka.__version__ in text
    for metric in ("executions", "max_depth_km", "ruler_survived", "victory_month"):
        assert f"<th>{metric}</th>" in text
    assert "What the official history says" in text and "Erased from the official history" in text


def test_report_data_careers_and_run(db: Path) -> None:
    data = read_report_data(db, run=1)
    assert data.run == 1 and data.run_cell == 0 and data.ledger_runs == 2 * KEEP
    assert set(data.events["run"]) == {1} and not data.official.empty
    assert set(data.front["arm"]) == {"terror", "meritocratic"} and data.arm_labels() == ["terror", "meritocratic"]
    with pytest.raises(StoreError, match="no stored ledgers"):
        read_report_data(db, run=RUNS - 1)


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_figures_as_files(db: Path, tmp_path: Path, fmt: str, magic: bytes) -> None:
    written = write_report(db, tmp_path / "figs", fmt=fmt)
    assert sorted(p.name for p in written) == sorted(f"{k}.{fmt}" for k in FIGURES)
    for path in written:
        assert path.read_bytes()[:4] == magic and path.stat().st_size > 5000


def test_report_without_ledgers_and_bad_format(tmp_path: Path) -> None:
    path = tmp_path / "bare.duckdb"
    save_results(path, "run", [simulate_keeping("default", "passive", range(3), 1, 0)], 3, 1, 0)
    out = tmp_path / "bare.html"
    write_report(path, out)
    parsed = Parsed()
    parsed.feed(out.read_text(encoding="utf-8"))
    assert len(parsed.figures) == len(FIGURES)
    with pytest.raises(ConfigError, match="--format"):
        write_report(path, tmp_path / "x", fmt="gif")
    with pytest.raises(StoreError, match="no experiment"):
        write_report(path, out, experiment="nothing-here")


def test_report_shows_the_record_and_the_claims_reproduced_from_the_stored_ledgers(
    db: Path, html_report: tuple[Path, Parsed]
) -> None:
    """The claims' shares are those of the stored runs of each arm, computed as `record.reproduction` does
    on the same runs simulated again."""
    from stavka.record import CLAIMS, reproduction

    data = read_report_data(db)
    assert list(data.claims) == ["terror", "meritocratic"]
    again = reproduction(stavka.simulate(doctrine="terror", runs=KEEP, seed=SEED).events)
    assert data.claims["terror"] == pytest.approx(again, nan_ok=True)
    text = html_report[0].read_text(encoding="utf-8")
    assert "The record: stylised facts" in text and "The record: claims of the seeds" in text
    assert all(html.escape(c.claim) in text for c in CLAIMS)
