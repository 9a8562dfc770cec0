"""The client's sounds: the hall's ambience (looping), the chime when your number is called and a
short notification, loaded from `assets/sounds/` (made by `assets/sounds.py`).

Volumes come from the settings: `volume` scales everything, `ambient` is the ambience's share.
With no audio device, or `audio-library-name null` (offscreen runs and tests), Panda3D hands
back silent sounds and nothing else changes: the counters below still count what was played.
"""

from __future__ import annotations

from pathlib import Path

from makaverse.assets.sounds import SOUNDS_DIR

__all__ = ["Sounds", "SOUNDS_DIR"]


class Sounds:
    def __init__(self, base, *, volume: float, ambient: float, sounds_dir: Path = SOUNDS_DIR) -> None:
        self.base = base
        self.played: dict[str, int] = {"chime": 0, "notify": 0}
        self.chime = self._load(base, sounds_dir / "chime_called.wav")
        self.notify = self._load(base, sounds_dir / "notify.wav")
        self.ambience = self._load(base, sounds_dir / "ambient_hall.wav")
        if self.ambience is not None:
            self.ambience.set_loop(True)
        self.volume, self.ambient = volume, ambient
        self.set_volume(volume, ambient)
        if self.ambience is not None:
            self.ambience.play()

    @staticmethod
    def _load(base, path: Path):
        try:
            from panda3d.core import Filename

            return base.loader.load_sfx(Filename.from_os_specific(str(path)))
        except Exception:  # noqa: BLE001 - no sound is better than no client
            return None

    def set_volume(self, volume: float, ambient: float) -> None:
        self.volume, self.ambient = volume, ambient
        for sound in (self.chime, self.notify):
            if sound is not None:
                sound.set_volume(volume)
        if self.ambience is not None:
            self.ambience.set_volume(volume * ambient)

    def play(self, name: str) -> None:
        self.played[name] = self.played.get(name, 0) + 1
        sound = {"chime": self.chime, "notify": self.notify}.get(name)
        if sound is not None and self.volume > 0:
            try:
                sound.play()
            except Exception:  # noqa: BLE001
                pass

    def destroy(self) -> None:
        for sound in (self.chime, self.notify, self.ambience):
            if sound is not None:
                try:
                    sound.stop()
                except Exception:  # noqa: BLE001
                    pass
