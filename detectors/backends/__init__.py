"""Detector backends are plugins: each module here declares one and registers it by name."""

from __future__ import annotations

import importlib
import pkgutil

from detectors.backends.base import Backend, BackendUnavailable, DetectorSpec, ExportedGraph

_REGISTRY: dict[str, type[Backend]] = {}


def register(backend: type[Backend]) -> type[Backend]:
    _REGISTRY[backend.name] = backend
    return backend


def registered_backends() -> dict[str, type[Backend]]:
    """Every backend module in this package, imported once; their runtimes load only when used."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(_REGISTRY)


def backend_named(name: str) -> type[Backend]:
    backends = registered_backends()
    if name not in backends:
        raise BackendUnavailable(f"no detector backend {name!r} (known: {', '.join(sorted(backends))})")
    return backends[name]


__all__ = [
    "Backend",
    "BackendUnavailable",
    "DetectorSpec",
    "ExportedGraph",
    "backend_named",
    "register",
    "registered_backends",
]
