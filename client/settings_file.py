"""Where the settings live on disk and how they get there: one JSON file per user.

`MAKAVERSE_SETTINGS` names the file outright (tests, portable installs); otherwise it is
`$XDG_CONFIG_HOME/makaverse/settings.json` (`~/.config/...` when unset), or
`%APPDATA%\\makaverse\\settings.json` on Windows. Writes go to a temporary file first and are
renamed over the old one, so a crash mid-write never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .state.settings import Settings

__all__ = ["ENV_VAR", "settings_path", "load_settings", "save_settings"]

ENV_VAR = "MAKAVERSE_SETTINGS"


def settings_path(environ: Mapping[str, str] | None = None, *, home: Path | None = None,
                  windows: bool | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    home = home if home is not None else Path.home()
    if (os.name == "nt") if windows is None else windows:
        base = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
    else:
        base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    return base / "makaverse" / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults when there is no file or it cannot be read."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    return Settings.from_dict(data)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(settings.to_dict(), f, ensure_ascii=False, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    return path
