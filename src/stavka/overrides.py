"""Overrides: the one rule by which a parameter's name reaches the scenario or the doctrine.

A name with a dot (or a double underscore, for Python keywords) is a scenario parameter,
``SECTION.PARAMETER`` (``operations.noise_km``, ``operations__noise_km``); a plain name is a doctrine
parameter (``rotate_popular``).  Sweep files and the store spell both out in full:
``scenario.SECTION.PARAMETER`` and ``doctrine.PARAMETER``.  `simulate`, `compare`, sweep files and the
stored cells all go through `qualified` and `split`.
"""

from __future__ import annotations

from typing import Any

from .config import ConfigError

SCENARIO = "scenario."
DOCTRINE = "doctrine."


def qualified(key: str, where: str = "") -> str:
    """The full name of a parameter: 'scenario.SECTION.PARAMETER' or 'doctrine.PARAMETER', from any
    accepted spelling.  `where` prefixes the one-line error ("purge.toml: grid")."""
    context = f"{where}.{key}" if where else key
    if key.startswith(DOCTRINE):
        rest = key[len(DOCTRINE) :]
        if not rest or "." in rest:
            raise ConfigError(f"{context}: expected doctrine.PARAMETER")
        return key
    if key.startswith(SCENARIO):
        if key.count(".") != 2 or key.endswith("."):
            raise ConfigError(f"{context}: expected scenario.SECTION.PARAMETER")
        return key
    dotted = key.replace("__", ".")
    if not dotted or dotted.startswith(".") or dotted.endswith(".") or dotted.count(".") > 1:
        raise ConfigError(f"{context}: expected PARAMETER (a doctrine's) or SECTION.PARAMETER (the scenario's)")
    return f"{SCENARIO}{dotted}" if "." in dotted else f"{DOCTRINE}{dotted}"


def split(overrides: dict[str, Any], where: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """({'SECTION.PARAMETER': value} for the scenario, {'PARAMETER': value} for the doctrine)."""
    scenario: dict[str, Any] = {}
    doctrine: dict[str, Any] = {}
    for key, value in overrides.items():
        full = qualified(key, where)
        if full.startswith(SCENARIO):
            scenario[full[len(SCENARIO) :]] = value
        else:
            doctrine[full[len(DOCTRINE) :]] = value
    return scenario, doctrine


def qualify_all(overrides: dict[str, Any]) -> dict[str, Any]:
    """The same overrides under their full names (as the store records them)."""
    return {qualified(key): value for key, value in overrides.items()}
