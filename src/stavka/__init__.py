"""stavka: Stalin's command system as an agent-based simulation.

Public API: simulate, compare, Simulation, Orders, load_scenario, Scenario, doctrines; load and rerun (the results
store).
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import doctrines  # noqa: E402
from .api import Comparison, Orders, Simulation, SimulationResult, compare, simulate  # noqa: E402
from .config import ConfigError, ScenarioConfig, load_scenario  # noqa: E402
from .doctrines import Doctrine, get_doctrine, register  # noqa: E402
from .engine.codes import Action  # noqa: E402
from .experiments import rerun  # noqa: E402
from .scenario import Scenario  # noqa: E402
from .storage import StoredResults, load  # noqa: E402

__all__ = [
    "Action", "Comparison", "ConfigError", "Doctrine", "Orders", "Scenario", "ScenarioConfig", "Simulation",
    "SimulationResult", "StoredResults", "__version__", "compare", "doctrines", "get_doctrine", "load", "load_scenario",
    "register", "rerun", "simulate",
]
