"""The sound script writes playable mono WAVs of the expected lengths, never clipping, and the
ambience loops without a jump; the shipped files are the script's output."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from makaverse.assets import sounds


def read(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0


def test_script_writes_the_three_sounds(tmp_path: Path) -> None:
    """Each sound has a sensible length, is audible and stays well below full scale."""
    paths = {p.name: p for p in sounds.write_all(tmp_path)}
    assert set(paths) == {"ambient_hall.wav", "chime_called.wav", "notify.wav"}
    lengths = {}
    for name, path in paths.items():
        rate, x = read(path)
        assert rate == sounds.RATE_HZ
        lengths[name] = len(x) / rate
        assert 0.1 < np.abs(x).max() <= 0.55
    assert 7.5 < lengths["ambient_hall.wav"] < 8.5
    assert 1.0 < lengths["chime_called.wav"] < 1.6
    assert lengths["notify.wav"] < 0.4


def test_ambience_loops_without_a_click(tmp_path: Path) -> None:
    """The step from the last sample back to the first is no bigger than a typical step inside the loop."""
    x = sounds.ambient_hall()
    steps = np.abs(np.diff(x))
    assert abs(x[0] - x[-1]) <= np.percentile(steps, 99.9)


def test_shipped_files_are_there_and_match_the_script() -> None:
    """The WAVs in assets/sounds have the lengths the script makes now."""
    for name, make in sounds.SOUNDS.items():
        rate, x = read(sounds.SOUNDS_DIR / name)
        assert len(x) == len(make())
