"""The model manifest: which weight file, its hash, and which of its classes are persons."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

MANIFEST_NAME = "manifest.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSource(_Strict):
    pypi: str | None = Field(None, description="Requirement of the wheel that carries the weights")
    member: str | None = Field(None, description="Path of the weights inside that wheel")
    local: bool = Field(False, description="The site places the file here by hand")


class ModelEntry(_Strict):
    file: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$")]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    description: str = ""
    license: str = ""
    source: ModelSource
    classes: dict[int, str]
    person_classes: tuple[int, ...] = Field(min_length=1)
    input_size: int = Field(640, ge=64, le=2048)


class Manifest(_Strict):
    models: dict[str, ModelEntry]


class ModelError(Exception):
    """A model that is not listed, not fetched, or not the file the manifest names."""


def load_manifest(models_dir: Path) -> Manifest:
    path = models_dir / MANIFEST_NAME
    try:
        return Manifest.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ModelError(f"cannot read the model manifest {path}: {exc.strerror}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise ModelError(f"the model manifest {path} is malformed: {exc}") from None


def model_entry(models_dir: Path, name: str) -> ModelEntry:
    manifest = load_manifest(models_dir)
    if name not in manifest.models:
        known = ", ".join(sorted(manifest.models))
        raise ModelError(f"model {name!r} is not in {models_dir / MANIFEST_NAME} (known: {known})")
    return manifest.models[name]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_weights(models_dir: Path, name: str) -> tuple[ModelEntry, Path]:
    """The entry and its weight file, refusing a missing file or one whose hash differs."""
    entry = model_entry(models_dir, name)
    path = models_dir / entry.file
    if not path.is_file():
        raise ModelError(f"model {name!r} is not fetched: run `patrol models pull {name}`")
    actual = sha256_of(path)
    if actual != entry.sha256:
        raise ModelError(f"{path} has sha256 {actual}, the manifest expects {entry.sha256}")
    return entry, path
