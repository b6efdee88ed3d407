"""Where things live: bundled resources (also when frozen) and per-user folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "Casebook"


def resource_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(relative: str) -> Path:
    return resource_root() / relative


def config_dir() -> Path:
    """Per-user settings folder (no case content is ever written here)."""
    override = os.environ.get("CASEBOOK_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Per-user data folder: the default place for stores and backups."""
    override = os.environ.get("CASEBOOK_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Per-user log folder (app.logs: exception types, frames and timings; never case content)."""
    override = os.environ.get("CASEBOOK_LOG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))
