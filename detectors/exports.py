"""Exported models: files made on this machine from the manifest's verified weights.

The manifest is under version control, exports are made per machine, so each export gets
a small record beside it: the export's own SHA-256 and the hash of the weights it was made
from. An export is loaded only when both still match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from detectors.manifest import ModelEntry, ModelError, model_entry, sha256_of

RECORD_SUFFIX = ".export.json"


class Precision(StrEnum):
    FP32 = "fp32"
    FP16 = "fp16"
    INT8 = "int8"


@dataclass(frozen=True)
class ExportRecord:
    model: str
    backend: str
    precision: Precision
    file: str  # beside the record: a file, or a folder (OpenVINO IR)
    sha256: str
    source_sha256: str
    input_size: int
    dynamic: bool  # the graph takes any stride-aligned input size and batch
    max_batch: int


def export_stem(model: str, backend: str, precision: Precision) -> str:
    return f"{model}.{backend}-{precision}"


def record_path(models_dir: Path, model: str, backend: str, precision: Precision) -> Path:
    return models_dir / f"{export_stem(model, backend, precision)}{RECORD_SUFFIX}"


def export_sha256(path: Path) -> str:
    """A file's hash, or for a folder the hash of its files' names and hashes."""
    if path.is_file():
        return sha256_of(path)
    digest = hashlib.sha256()
    for member in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{member.relative_to(path).as_posix()}\0{sha256_of(member)}\n".encode())
    return digest.hexdigest()


def write_record(models_dir: Path, record: ExportRecord) -> Path:
    path = record_path(models_dir, record.model, record.backend, record.precision)
    path.write_text(json.dumps(asdict(record), indent=2) + "\n", encoding="utf-8")
    return path


def verified_export(
    models_dir: Path, model: str, backend: str, precision: Precision
) -> tuple[ModelEntry, ExportRecord, Path]:
    """The manifest entry, the export's record and its path, refusing anything that does not match."""
    entry = model_entry(models_dir, model)
    path = record_path(models_dir, model, backend, precision)
    export_command = f"patrol models export {model} --backend {backend}{_precision_flag(precision)}"
    if not path.is_file():
        raise ModelError(
            f"no {backend} {precision} export of {model!r} in {models_dir}: run `{export_command}`"
        )
    try:
        record = ExportRecord(**json.loads(path.read_text(encoding="utf-8")))
        record = ExportRecord(**{**asdict(record), "precision": Precision(record.precision)})
    except (OSError, ValueError, TypeError) as exc:
        raise ModelError(f"the export record {path} is unreadable ({exc}): run `{export_command}`") from None
    exported = models_dir / record.file
    if record.source_sha256 != entry.sha256:
        raise ModelError(
            f"{exported} was exported from weights with sha256 {record.source_sha256}, "
            f"the manifest expects {entry.sha256}: run `{export_command}`"
        )
    if not exported.exists():
        raise ModelError(f"{exported} is missing: run `{export_command}`")
    actual = export_sha256(exported)
    if actual != record.sha256:
        raise ModelError(
            f"{exported} has sha256 {actual}, its export record {path.name} expects {record.sha256}: "
            f"run `{export_command}`"
        )
    return entry, record, exported


def _precision_flag(precision: Precision) -> str:
    return {Precision.FP32: "", Precision.FP16: " --half", Precision.INT8: " --int8"}[precision]
