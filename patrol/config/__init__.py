"""Configuration: one pydantic tree loaded from config.yaml."""

from patrol.config.issues import ConfigIssue
from patrol.config.load import ConfigError, load_config, parse_config
from patrol.config.schema import CameraConfig, PatrolConfig

__all__ = ["CameraConfig", "ConfigError", "ConfigIssue", "PatrolConfig", "load_config", "parse_config"]
