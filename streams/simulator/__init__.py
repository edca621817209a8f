"""A school-gate camera simulator: real people in drawn scenes, served over RTSP.

It stands in for real cameras in tests and demos; every scenario names the patrol
findings it should produce, so the whole pipeline can be checked end to end.
"""

from streams.simulator.scenarios import SCENARIOS, Scenario
from streams.simulator.server import SimulatorError, SimulatorServer

__all__ = ["SCENARIOS", "Scenario", "SimulatorError", "SimulatorServer"]
