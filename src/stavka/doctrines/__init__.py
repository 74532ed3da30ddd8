"""The one registry of doctrines, and loading of user doctrines from Python or TOML files."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from typing import Any

from ..config import ConfigError, read_toml
from .base import TRAITS, Censorship, Doctrine, DoctrineParams
from .break_and_use import BreakAndUse
from .historical import Historical
from .meritocratic import Meritocratic
from .passive import Passive
from .policy import PolicyDoctrine, PolicyParams
from .terror import Terror

REGISTRY: dict[str, type[Doctrine]] = {}


def register(cls: type[Doctrine]) -> type[Doctrine]:
    """Add a doctrine class to the registry (usable as a decorator)."""
    if not cls.name:
        raise ConfigError(f"doctrine class {cls.__name__} has no name")
    unknown = set(cls.traits) - set(TRAITS)
    if unknown:
        raise ConfigError(f"doctrine {cls.name!r}: unknown traits {sorted(unknown)}; expected some of {sorted(TRAITS)}")
    REGISTRY[cls.name] = cls
    return cls


for _cls in (Terror, BreakAndUse, Meritocratic, Historical, Passive):
    register(_cls)


def names() -> list[str]:
    return list(REGISTRY)


def get_doctrine(spec: str | Doctrine, **params: Any) -> Doctrine:
    """A doctrine by registered name, `.py` file (a Doctrine subclass) or `.toml` file (overrides)."""
    if isinstance(spec, Doctrine):
        return type(spec)(**{**spec.params.model_dump(), **params}) if params else spec
    if spec in REGISTRY:
        return REGISTRY[spec](**params)
    path = Path(spec)
    if path.suffix == ".py":
        return _from_python(path)(**params)
    if path.suffix == ".toml":
        return _from_toml(path, params)
    raise ConfigError(f"unknown doctrine {spec!r}; choose one of: {', '.join(REGISTRY)}, or a .py/.toml file")


def _from_python(path: Path) -> type[Doctrine]:
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    spec = importlib.util.spec_from_file_location(f"stavka_user_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, Doctrine) and c.__module__ == module.__name__ and c.name]
    if len(found) != 1:
        raise ConfigError(f"{path}: expected exactly one Doctrine subclass with a name, found {len(found)}")
    return register(found[0])


def _from_toml(path: Path, extra: dict[str, Any]) -> Doctrine:
    """[doctrine] base = "terror", name = "my_terror", [doctrine.params] key = value."""
    table = read_toml(path).get("doctrine")
    if not isinstance(table, dict) or "base" not in table:
        raise ConfigError(f"{path}: expected a [doctrine] table with base = one of {', '.join(REGISTRY)}")
    base = table["base"]
    if base not in REGISTRY:
        raise ConfigError(f"{path}: doctrine.base: unknown doctrine {base!r}; choose one of: {', '.join(REGISTRY)}")
    params = {**table.get("params", {}), **extra}
    parent = REGISTRY[base]
    name = str(table.get("name", f"{base}_custom"))
    cls = type(parent.__name__ + "Custom", (parent,), {"name": name, "__doc__": f"{name}: {base} with overrides from {path}."})
    try:
        return register(cls)(**params)  # type: ignore[misc]
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


__all__ = ["REGISTRY", "TRAITS", "Censorship", "Doctrine", "DoctrineParams", "PolicyDoctrine", "PolicyParams",
           "get_doctrine", "names", "register"]
