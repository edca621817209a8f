"""Measure the patrol's findings on simulated cameras described by scenario files.

- `patrol.eval.scenario_file`: the YAML format (docs/scenarios.md), loaded into dataclasses;
- `patrol.eval.harness`: runs the real patrol over the simulator and collects its events;
- `patrol.eval.score`: events against expected findings, per-rule figures;
- `patrol.eval.report`: the table and the JSON; `patrol.eval.command`: `patrol eval`.

Nothing is imported here, so `patrol` commands that do not evaluate stay quick to start.
"""
