"""The one movement step, shared by the server's simulation and the client's prediction.

One input is worth one input period (`dt_s`): its direction is clamped to length 1, the speed
is the world's walk or run speed, and the move slides along solids (`World.resolve_moves`).
The server applies it to every avatar that moves in a round at once; the client to its own
avatar when it predicts and replays. Being one function is what makes a replay land exactly
where the server put the avatar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import World

__all__ = ["move_step"]


def move_step(
    world: World,
    pos: np.ndarray,
    move: np.ndarray,
    run: np.ndarray,
    *,
    dt_s: float,
    stage_solid: np.ndarray | None = None,
) -> np.ndarray:
    """Where one input period takes each avatar: `pos` and `move` are (N, 2), `run` is (N,) bool;
    `stage_solid` (N,) bool marks avatars for whom the stage is a solid (not allowed on it).

    Rows are independent: moving avatars together or one by one gives the same positions.
    """
    pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
    move = np.asarray(move, dtype=np.float64).reshape(-1, 2)
    run = np.asarray(run, dtype=bool).reshape(-1)
    # Dividing by max(norm, 1) leaves short vectors exact and makes long ones unit length.
    norm = np.hypot(move[:, 0], move[:, 1])
    unit = move / np.maximum(norm, 1.0)[:, None]
    speed = np.where(run, world.run_speed_mps, world.walk_speed_mps)
    delta = unit * speed[:, None] * dt_s
    if stage_solid is None:
        return world.resolve_moves(pos, delta)
    blocked = np.asarray(stage_solid, dtype=bool).reshape(-1)
    out = np.empty_like(pos)
    out[~blocked] = world.resolve_moves(pos[~blocked], delta[~blocked])
    out[blocked] = world.resolve_moves(pos[blocked], delta[blocked], stage_solid=True)
    return out
