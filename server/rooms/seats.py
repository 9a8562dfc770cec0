"""Seats in a hall (the auditorium and each overflow copy): `sit` on a seat next to you; your
avatar snaps onto it and others see it seated (anim 3 in snapshots) until you move."""

from __future__ import annotations

import math

from makaverse.protocol import ErrorCode, MessageType, Placed, Seated, Sit, quant

from ..sim import Simulation
from ..sim.simulation import SeatTaken
from .component import Component
from .effects import Ctx, Refused

__all__ = ["Seats", "SIT_REACH_M", "seated", "placed"]

SIT_REACH_M = 2.0  # E works on a seat within this distance; nobody sits across the hall


class Seats(Component):
    name = "seats"
    handlers = {MessageType.SIT: "sit"}

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def sit(self, ctx: Ctx, msg: Sit) -> None:
        actor = ctx.actor
        assert actor is not None
        seats = self.sim.world.seats
        if msg.seat >= len(seats) or not self.sim.has(actor.avatar_id):
            raise Refused(ErrorCode.NOT_FOUND)
        x, y = self.sim.position(actor.avatar_id)
        sx, sy = seats[msg.seat]
        if math.hypot(sx - x, sy - y) > SIT_REACH_M:
            raise Refused(ErrorCode.TOO_FAR)
        try:
            x, y, yaw = self.sim.sit(actor.avatar_id, msg.seat)
        except SeatTaken:
            raise Refused(ErrorCode.SEAT_TAKEN) from None
        ctx.reply(seated(msg.request_id, msg.seat, x, y, yaw))


def seated(ref: int, seat: int, x: float, y: float, yaw: float) -> Seated:
    return Seated(request_id=ref, seat=seat, x_cm=quant.m_to_cm(x), y_cm=quant.m_to_cm(y), yaw=quant.yaw_to_u16(yaw))


def placed(ref: int, x: float, y: float, yaw: float) -> Placed:
    return Placed(request_id=ref, x_cm=quant.m_to_cm(x), y_cm=quant.m_to_cm(y), yaw=quant.yaw_to_u16(yaw))
