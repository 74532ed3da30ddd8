"""stavka: Stalin's command system as an agent-based simulation.

Public API: simulate, compare, Simulation, Orders, load_scenario, Scenario, doctrines; load and rerun (the results
store).

``import stavka`` is light: it points Numba at stavka's kernel cache (`stavka.kernel_cache`, before anything
imports numba) and imports the rest on first use of a name (``stavka.simulate``, ``from stavka import
Scenario``), so that a command-line call or a worker process pays only for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import kernel_cache

__version__ = "0.1.0"

kernel_cache.configure()

if TYPE_CHECKING:
    from . import doctrines
    from .api import Comparison, Orders, Simulation, SimulationResult, compare, simulate
    from .config import ConfigError, ScenarioConfig, load_scenario
    from .doctrines import Doctrine, get_doctrine, register
    from .engine.codes import Action
    from .experiments import rerun
    from .scenario import Scenario
    from .storage import StoredResults, load

# Each public name and the module that defines it, imported when the name is first asked for.
_LAZY = {
    "Comparison": ".api",
    "Orders": ".api",
    "Simulation": ".api",
    "SimulationResult": ".api",
    "compare": ".api",
    "simulate": ".api",
    "ConfigError": ".config",
    "ScenarioConfig": ".config",
    "load_scenario": ".config",
    "Doctrine": ".doctrines",
    "get_doctrine": ".doctrines",
    "register": ".doctrines",
    "Action": ".engine.codes",
    "Scenario": ".scenario",
    "StoredResults": ".storage",
    "load": ".storage",
    "rerun": ".experiments",
}

__all__ = [
    "Action",
    "Comparison",
    "ConfigError",
    "Doctrine",
    "Orders",
    "Scenario",
    "ScenarioConfig",
    "Simulation",
    "SimulationResult",
    "StoredResults",
    "__version__",
    "compare",
    "doctrines",
    "get_doctrine",
    "load",
    "load_scenario",
    "register",
    "rerun",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """A public name, imported on first use (then kept as a module attribute); a submodule such as
    ``stavka.metrics`` is imported on first use too, as it was when ``import stavka`` imported everything."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif not name.startswith("__"):
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
