"""Names of officers: the roster's real names, and plausible generated ones that depend only on
(seed, run, officer id)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from .rng import Purpose, stream_keys, uniform_at


@lru_cache(maxsize=1)
def _pools() -> tuple[list[str], list[str], list[str]]:
    data = tomllib.loads((resources.files("stavka") / "data" / "names.toml").read_text(encoding="utf-8"))
    return data["given"], data["patronymic_roots"], data["surnames"]


def _draws(seed: int, runs: NDArray[np.int64], idents: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """The given name, the patronymic root and the surname drawn for each (run, ident) pair, as indices."""
    given, fathers, surnames = _pools()
    keys = stream_keys(seed, np.asarray(runs, dtype=np.int64), 100_000, Purpose.NAMES)  # month 0 of a stream outside the calendar
    idx = np.asarray(idents, dtype=np.int64)
    g = (uniform_at(keys, idx, 0) * len(given)).astype(np.int64)
    f = (uniform_at(keys, idx, 1) * len(fathers)).astype(np.int64)
    s = (uniform_at(keys, idx, 2) * len(surnames)).astype(np.int64)
    return g, f, s


def generated_names(seed: int, runs: NDArray[np.int64], idents: NDArray[np.int64]) -> list[str]:
    """'I. P. Sorokin'-style names for generated officers (one per (run, ident) pair)."""
    given, fathers, surnames = _pools()
    g, f, s = _draws(seed, runs, idents)
    return [f"{given[a][0]}. {fathers[b][0]}. {surnames[c]}" for a, b, c in zip(g, f, s, strict=True)]


@lru_cache(maxsize=1)
def _pool_arrays() -> tuple[pa.Array, pa.Array, pa.Array]:
    given, fathers, surnames = _pools()
    return (
        pa.array([f"{n[0]}." for n in given], pa.large_string()),
        pa.array([f"{n[0]}." for n in fathers], pa.large_string()),
        pa.array(surnames, pa.large_string()),
    )


def generated_names_arrow(seed: int, runs: NDArray[np.int64], idents: NDArray[np.int64]) -> pa.Array:
    """`generated_names` as an Arrow array, joined by Arrow (for the ledger tables' many officers)."""
    given, fathers, surnames = _pool_arrays()
    g, f, s = _draws(seed, runs, idents)
    return pc.binary_join_element_wise(
        pc.take(given, g), pc.take(fathers, f), pc.take(surnames, s), pa.scalar(" ", pa.large_string())
    )
