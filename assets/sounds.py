"""The client's sounds, made from numbers: the hall's ambience, the chime when your number is
called, and a short notification. Run it to write them again:

    python -m makaverse.assets.sounds [OUT_DIR]      # default: assets/sounds/

Everything is synthesised here (no recordings), with a fixed seed, so the files are ours to
license with the rest of Makaverse (Apache-2.0). Mono, 16-bit PCM WAV.
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

from . import beside_program

__all__ = ["RATE_HZ", "SOUNDS", "ambient_hall", "chime_called", "notify", "write_wav", "write_all"]

RATE_HZ = 22050
SOUNDS_DIR = beside_program("sounds", Path(__file__).with_name("sounds"))


def _envelope(n: int, attack_s: float, decay_per_s: float) -> np.ndarray:
    t = np.arange(n) / RATE_HZ
    return np.minimum(1.0, t / attack_s) * np.exp(-decay_per_s * t)


def _bell(freq_hz: float, dur_s: float, *, decay_per_s: float = 3.0) -> np.ndarray:
    """A soft bell: a fundamental with a few inharmonic partials that die away faster."""
    n = int(RATE_HZ * dur_s)
    t = np.arange(n) / RATE_HZ
    out = np.zeros(n)
    for ratio, amp, extra_decay in ((1.0, 1.0, 0.0), (2.0, 0.35, 2.0), (2.76, 0.18, 4.0), (5.4, 0.06, 8.0)):
        out += amp * np.sin(2 * np.pi * freq_hz * ratio * t) * np.exp(-extra_decay * t)
    return out * _envelope(n, 0.004, decay_per_s)


def chime_called() -> np.ndarray:
    """Ding-dong, as in a service hall: a high tone, then a lower one, about 1.3 s."""
    first, second = _bell(987.8, 0.9), _bell(784.0, 1.0, decay_per_s=2.5)  # B5, G5
    out = np.zeros(int(RATE_HZ * 1.35))
    out[: len(first)] += first
    start = int(RATE_HZ * 0.33)
    out[start : start + len(second)] += second
    return 0.5 * out / np.abs(out).max()


def notify() -> np.ndarray:
    """A short, gentle two-step blip (0.25 s) for a new message or a change in your ticket."""
    a, b = _bell(1318.5, 0.12, decay_per_s=18.0), _bell(1760.0, 0.16, decay_per_s=14.0)  # E6, A6
    out = np.zeros(int(RATE_HZ * 0.26))
    out[: len(a)] += a
    out[int(RATE_HZ * 0.09) : int(RATE_HZ * 0.09) + len(b)] += b
    return 0.35 * out / np.abs(out).max()


def _lowpass(x: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Brick-wall low-pass in the frequency domain (circular, so a loop stays seamless)."""
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / RATE_HZ)
    spec[freqs > cutoff_hz] = 0
    return np.fft.irfft(spec, len(x))


def ambient_hall(seconds: float = 8.0, seed: int = 7) -> np.ndarray:
    """A large room full of people, far away: a low rumble, a murmur that swells and ebbs, and a
    few soft footsteps. Built circularly, so the file loops without a click."""
    rng = np.random.default_rng(seed)
    n = int(RATE_HZ * seconds)
    t = np.arange(n) / RATE_HZ
    rumble = _lowpass(rng.standard_normal(n), 180.0)
    # Murmur: band-limited noise (voices' range) with slow swells that complete whole cycles per loop.
    murmur = _lowpass(rng.standard_normal(n), 900.0) - _lowpass(rng.standard_normal(n), 250.0) * 0.5
    swell = 0.65 + 0.2 * np.sin(2 * np.pi * 2 * t / seconds) + 0.15 * np.sin(2 * np.pi * 5 * t / seconds + 1.3)
    out = rumble / np.abs(rumble).max() * 0.5 + murmur / np.abs(murmur).max() * swell
    for _ in range(6):  # footsteps: short muffled knocks
        start = int(rng.uniform(0, seconds - 0.2) * RATE_HZ)
        knock = _bell(rng.uniform(90, 140), 0.12, decay_per_s=40.0)
        out[start : start + len(knock)] += 0.6 * knock
    return 0.3 * out / np.abs(out).max()


SOUNDS = {"ambient_hall.wav": ambient_hall, "chime_called.wav": chime_called, "notify.wav": notify}


def write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        w.writeframes(pcm.tobytes())


def write_all(out_dir: Path = SOUNDS_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in SOUNDS.items():
        write_wav(out_dir / name, make())
        paths.append(out_dir / name)
    return paths


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else SOUNDS_DIR):
        print(p)
