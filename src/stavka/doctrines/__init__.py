"""The one registry of doctrines, and loading of user doctrines from Python or TOML files.

`REGISTRY` holds the built-in doctrines and any class registered explicitly with `register`; it is
what `stavka doctrines` lists and what a name resolves to.  A doctrine loaded from a file is not put
into it: each load makes its own class, so two files that use the same name cannot replace each
other (or a built-in) for the rest of the process.  A file's doctrine may not take a built-in's name.
A doctrine remembers the text it was made from (`Doctrine.record`), and `doctrine_from_record`
rebuilds it from that record alone.
"""

from __future__ import annotations

import hashlib
import inspect
import linecache
import os
import re
import sys
import types
from pathlib import Path
from typing import Any

from ..config import ConfigError, parse_toml, read_text
from .base import TRAITS, Censorship, Doctrine, DoctrineParams
from .break_and_use import BreakAndUse
from .historical import Historical
from .human import Human
from .meritocratic import Meritocratic
from .passive import Passive
from .policy import PolicyDoctrine, PolicyParams
from .terror import Terror

BUILTINS: dict[str, type[Doctrine]] = {c.name: c for c in (Terror, BreakAndUse, Meritocratic, Historical, Passive)}
REGISTRY: dict[str, type[Doctrine]] = {}
TOML_KEYS = ("base", "name", "params")  # the keys of a [doctrine] table
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def _check_class(cls: type[Doctrine], where: str) -> None:
    if not cls.name:
        raise ConfigError(f"{where}: doctrine class {cls.__name__} has no name")
    unknown = set(cls.traits) - set(TRAITS)
    if unknown:
        raise ConfigError(f"{where}: doctrine {cls.name!r}: unknown traits {sorted(unknown)}; expected some of {sorted(TRAITS)}")


def _check_name(name: object, where: str, label: str) -> str:
    """A user doctrine's name: identifier-like, and not a built-in's."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            f"{where}: {label}: expected a name of letters, digits, '_' or '-', starting with a "
            f"letter, at most 64 characters (got {name!r})"
        )
    if name in BUILTINS:
        raise ConfigError(f"{where}: {label} {name!r} is a built-in doctrine; choose another name")
    return name


def register(cls: type[Doctrine]) -> type[Doctrine]:
    """Add a doctrine class to the registry (usable as a decorator).  A built-in's name, or a name
    already registered by another class, is refused (registering the same class again, or a class
    of the same module and name again, as when a notebook cell is re-run, is not)."""
    _check_class(cls, "register")
    existing = REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        if cls.name in BUILTINS:
            raise ConfigError(f"register: doctrine name {cls.name!r} is a built-in doctrine; choose another name")
        if (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
            raise ConfigError(
                f"register: doctrine name {cls.name!r} is already registered by "
                f"{existing.__module__}.{existing.__qualname__}; choose another name"
            )
    REGISTRY[cls.name] = cls
    return cls


for _cls in BUILTINS.values():
    register(_cls)
register(Human)  # decisions from outside (`stavka play`); not a built-in account: it has no fixed rules


def names() -> list[str]:
    return list(REGISTRY)


def get_doctrine(spec: str | os.PathLike[str] | Doctrine | type[Doctrine], **params: Any) -> Doctrine:
    """A doctrine by registered name, `.py` file (a Doctrine subclass) or `.toml` file (overrides)."""
    if isinstance(spec, Doctrine):
        return type(spec)(**{**spec.params.model_dump(), **params}) if params else spec
    if isinstance(spec, type) and issubclass(spec, Doctrine):
        _check_class(spec, "doctrine")
        return spec(**params)
    if isinstance(spec, str) and spec in REGISTRY:
        return REGISTRY[spec](**params)
    if not isinstance(spec, str | os.PathLike):
        raise ConfigError(f"doctrine: expected a doctrine name, a .py/.toml file or a Doctrine (got {spec!r})")
    path = Path(spec)
    if path.suffix == ".py":
        return _instantiate(_from_python(path), params, str(path))
    if path.suffix == ".toml":
        return _from_toml(path, params)
    raise ConfigError(f"unknown doctrine {str(spec)!r}; choose one of: {', '.join(REGISTRY)}, or a .py/.toml file")


def _instantiate(cls: type[Doctrine], params: dict[str, Any], where: str) -> Doctrine:
    try:
        return cls(**params)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _from_python(path: Path) -> type[Doctrine]:
    """The Doctrine subclass a Python file defines (the file is read once: what runs is what is recorded)."""
    source = read_text(path)
    cls = _exec_python(source, str(path), str(path), path.stem)
    cls._origin = ("python", None, source, _sha256(source))
    return cls


def _exec_python(source: str, filename: str, where: str, stem: str) -> type[Doctrine]:
    """Execute a doctrine's source as a new module (kept out of `sys.modules` afterwards, so that
    cloudpickle ships its classes by value) and return its one named Doctrine subclass."""
    safe = re.sub(r"\W", "_", stem)
    module_name = f"stavka_user_{safe}_{_sha256(source)[:12]}"
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, ValueError) as exc:
        line = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        msg = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        raise ConfigError(f"{where}: cannot import: {type(exc).__name__}: {_one_line(msg)}{line}") from None
    module = types.ModuleType(module_name)
    module.__file__ = filename
    sys.modules[module_name] = module  # while it runs: dataclasses and pydantic look their module up there
    try:
        exec(code, module.__dict__)  # noqa: S102 - the user's own doctrine file
    except Exception as exc:
        lines = [tb.tb_lineno for tb in _walk(exc.__traceback__) if tb.tb_frame.f_code.co_filename == filename]
        line = f" (line {lines[-1]})" if lines else ""
        raise ConfigError(f"{where}: cannot import: {type(exc).__name__}: {_one_line(str(exc))}{line}") from None
    finally:
        sys.modules.pop(module_name, None)
    found = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, Doctrine) and c.__module__ == module_name and c.name
    ]
    if len(found) != 1:
        raise ConfigError(f"{where}: expected exactly one Doctrine subclass with a name, found {len(found)}")
    cls = found[0]
    _check_class(cls, where)
    _check_name(cls.name, f"{where}: class {cls.__name__}", "name")
    return cls


def _walk(tb: types.TracebackType | None) -> list[types.TracebackType]:
    out = []
    while tb is not None:
        out.append(tb)
        tb = tb.tb_next
    return out


def _from_toml(path: Path, extra: dict[str, Any]) -> Doctrine:
    """[doctrine] base = "terror", name = "my_terror", [doctrine.params] key = value."""
    text = read_text(path)
    cls, params = _toml_class(text, str(path))
    return _instantiate(cls, {**params, **extra}, str(path))


def _toml_class(text: str, where: str) -> tuple[type[Doctrine], dict[str, Any]]:
    """The class a TOML doctrine's text defines, and the parameters it sets."""
    table = parse_toml(text, where).get("doctrine")
    if not isinstance(table, dict) or "base" not in table:
        raise ConfigError(f"{where}: expected a [doctrine] table with base = one of {', '.join(REGISTRY)}")
    unknown = [k for k in table if k not in TOML_KEYS]
    if unknown:
        raise ConfigError(f"{where}: doctrine.{unknown[0]}: unknown key; expected one of: {', '.join(TOML_KEYS)}")
    base = table["base"]
    if not isinstance(base, str) or base not in REGISTRY:
        raise ConfigError(f"{where}: doctrine.base: unknown doctrine {base!r}; choose one of: {', '.join(REGISTRY)}")
    params = table.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: doctrine.params: expected a table of parameters, [doctrine.params] (got {params!r})")
    name = _check_name(table.get("name", f"{base}_custom"), where, "doctrine.name")
    parent = REGISTRY[base]
    namespace = {
        "name": name,
        "__doc__": f"{name}: {base} with overrides from {where}.",
        "_origin": ("toml", base, text, _sha256(text)),
    }
    cls: type[Doctrine] = type(parent.__name__ + "Custom", (parent,), namespace)
    return cls, params


def doctrine_from_record(record: dict[str, Any]) -> Doctrine:
    """Rebuild a doctrine from `Doctrine.record()` alone, without its file: a built-in by name; a TOML
    doctrine from its stored text; a Python doctrine by executing its stored source as a new module.
    That source is the user's own code, which they ran when they made the record; it runs again here
    (importing whatever it imports, so those modules must be importable).  The result has the same
    name, behaviour and parameters as the recorded doctrine, and compares equal to it."""
    if not isinstance(record, dict):
        raise ConfigError(f"doctrine record: expected a dict from Doctrine.record() (got {type(record).__name__})")
    name, kind = record.get("name"), record.get("kind")
    params = record.get("params") or {}
    where = f"doctrine record {name!r}"
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: params: expected a dict (got {params!r})")
    if kind == "builtin":
        if name not in BUILTINS:
            raise ConfigError(f"{where}: not a built-in doctrine; expected one of: {', '.join(BUILTINS)}")
        return _instantiate(BUILTINS[name], params, where)
    if kind not in ("toml", "python"):
        raise ConfigError(f"{where}: kind: expected builtin, toml or python (got {kind!r})")
    source = record.get("source")
    if not isinstance(source, str):
        raise ConfigError(f"{where}: no source recorded; a {kind} doctrine cannot be rebuilt without it")
    sha = _sha256(source)
    if record.get("source_sha256") not in (None, sha):
        raise ConfigError(f"{where}: the source does not match its sha256; the record is damaged")
    if kind == "toml":
        cls, table_params = _toml_class(source, where)
        params = {**table_params, **params}
    else:
        filename = f"<doctrine record {name} {sha[:12]}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)  # tracebacks
        cls = _exec_python(source, filename, where, str(name))
        cls._origin = ("python", None, source, sha)
    if cls.name != name:
        raise ConfigError(f"{where}: its source defines doctrine {cls.name!r}, not {name!r}")
    return _instantiate(cls, params, where)


__all__ = [
    "BUILTINS",
    "REGISTRY",
    "TRAITS",
    "Censorship",
    "Doctrine",
    "Human",
    "DoctrineParams",
    "PolicyDoctrine",
    "PolicyParams",
    "doctrine_from_record",
    "get_doctrine",
    "names",
    "register",
]
