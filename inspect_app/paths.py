"""Where things live: the bundled assets and standards, and the data folder."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
STANDARDS_DIR = PROJECT_ROOT / "standards"
CJK_FONT = ASSETS_DIR / "fonts" / "NotoSansSC-Regular.ttf"


def default_data_dir() -> Path:
    """The embedded data folder: Flet's durable app storage on an APK, else ./data."""
    env = os.environ.get("JICENG_DATA_DIR") or os.environ.get("FLET_APP_STORAGE_DATA")
    return Path(env) if env else PROJECT_ROOT / "data"


def data_dir(cli_value: str | None) -> Path:
    path = Path(cli_value) if cli_value else default_data_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path
