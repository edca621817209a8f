"""Configuration: one pydantic tree loaded from config.yaml."""

from patrol.config.issues import ConfigIssue
from patrol.config.load import ConfigError, load_config, parse_config
from patrol.config.schema import CameraConfig, PatrolConfig
from patrol.config.secrets import config_secrets

__all__ = [
    "CameraConfig",
    "ConfigError",
    "ConfigIssue",
    "PatrolConfig",
    "config_secrets",
    "load_config",
    "parse_config",
]
