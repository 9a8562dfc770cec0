"""Quantisation between world units and wire units.

Positions travel as whole centimetres (int32), facing as 16 bits over a full turn.
Yaw is in radians, 0 looking north (+y), counter-clockwise positive (Panda3D's heading).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "CM_PER_M",
    "YAW_STEPS",
    "m_to_cm",
    "cm_to_m",
    "yaw_to_u16",
    "u16_to_yaw",
    "yaws_to_u16",
    "u16s_to_yaw",
]

CM_PER_M = 100
YAW_STEPS = 65536
_TAU = 2.0 * math.pi


def m_to_cm(metres):
    """Metres (scalar or array) to whole centimetres, rounded to nearest."""
    if isinstance(metres, np.ndarray):
        return np.rint(metres * CM_PER_M).astype(np.int32)
    return int(round(metres * CM_PER_M))


def cm_to_m(cm):
    if isinstance(cm, np.ndarray):
        return cm.astype(np.float64) / CM_PER_M
    return cm / CM_PER_M


def yaw_to_u16(yaw_rad: float) -> int:
    return int(round((yaw_rad % _TAU) / _TAU * YAW_STEPS)) % YAW_STEPS


def u16_to_yaw(steps: int) -> float:
    return (steps % YAW_STEPS) * _TAU / YAW_STEPS


def yaws_to_u16(yaw_rad: np.ndarray) -> np.ndarray:
    return (np.rint(np.mod(yaw_rad, _TAU) / _TAU * YAW_STEPS).astype(np.int64) % YAW_STEPS).astype(np.uint16)


def u16s_to_yaw(steps: np.ndarray) -> np.ndarray:
    return steps.astype(np.float64) * _TAU / YAW_STEPS
