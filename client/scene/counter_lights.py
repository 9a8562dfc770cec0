"""Counter lights: on top of every booth's header a sign that says BUKA (lit green) while at
least one clerk mans the counter and TUTUP (dark) otherwise, plus a lamp at each end of the
counter.

Everyone sees the same thing: it follows the server's `booth_state` for each OPD (through
`BoothModel.panel.states`), not anything local. Built from the world data like the booths are.
"""

from __future__ import annotations

from panda3d.core import NodePath

from makaverse.world import Booth, World

from .. import i18n
from .booths import BoothFrame
from .meshes import MeshBuilder
from .signs import make_sign

__all__ = ["CounterLights", "LIGHT_ON", "LIGHT_OFF", "SIGN_Z"]

LIGHT_ON = (0.16, 0.86, 0.32)
LIGHT_OFF = (0.22, 0.23, 0.25)
TEXT_OFF = (0.62, 0.63, 0.65)
SIGN_Z = 3.66  # centre of the sign, just above the header (which ends at 3.4 m)
SIGN_W, SIGN_H = 1.5, 0.44


class _Light:
    def __init__(self, parent: NodePath, booth: Booth, lang: str) -> None:
        self.booth = booth
        self.root = parent.attach_new_node(f"counter-light-{booth.opd}")
        frame = BoothFrame(booth)
        _, cf1, _, _ = frame.extent(booth.counter)
        self.centre = (*frame.point(cf1 - 0.15, 0.0), SIGN_Z)
        self.on = self._variant("on", frame, i18n.t("light.open", lang), (1.0, 1.0, 1.0), LIGHT_ON)
        self.off = self._variant("off", frame, i18n.t("light.closed", lang), TEXT_OFF, LIGHT_OFF)
        self.state: bool | None = None
        self.set(False)

    def _variant(self, name: str, frame: BoothFrame, text: str, fg, bg) -> NodePath:
        node = self.root.attach_new_node(name)
        sign = make_sign(node, text, width_m=SIGN_W, height_m=SIGN_H, fg=fg, bg=bg, name=f"light-{name}")
        sign.set_h(self.booth.facing_deg + 180.0)
        sign.set_pos(*self.centre)
        # A lamp at each end of the counter top, in the same colour.
        lamps = MeshBuilder(f"lamps-{name}", light=None)
        _, cf1, cs0, cs1 = frame.extent(self.booth.counter)
        for s0, s1 in ((cs0 + 0.04, cs0 + 0.24), (cs1 - 0.24, cs1 - 0.04)):
            x0, y0, x1, y1 = frame.box(cf1 - 0.24, cf1 - 0.04, s0, s1)
            lamps.box(x0, y0, 1.1, x1, y1, 1.3, bg)
        lamps.node().reparent_to(node)
        return node

    def set(self, on: bool) -> None:
        if on == self.state:
            return
        self.state = on
        if on:
            self.on.show()
            self.off.hide()
        else:
            self.off.show()
            self.on.hide()


class CounterLights:
    def __init__(self, parent: NodePath, world: World, *, lang: str = "id") -> None:
        self.root = parent.attach_new_node("counter-lights")
        self.world = world
        self.lights = {b.opd: _Light(self.root, b, lang) for b in world.booths}
        self._seen = -1

    def set_lang(self, lang: str) -> None:
        """BUKA/TUTUP in `lang`: the signs are made again, lit as they were."""
        on = {opd: light.state for opd, light in self.lights.items()}
        for child in self.root.get_children():
            child.remove_node()
        self.lights = {b.opd: _Light(self.root, b, lang) for b in self.world.booths}
        for opd, state in on.items():
            self.lights[opd].set(bool(state))

    def set_open(self, opd: str, on: bool) -> None:
        light = self.lights.get(opd)
        if light is not None:
            light.set(on)

    def sync(self, states: dict, rev: int) -> None:
        """Follow the booths' states (`BoothModel.panel.states`); `rev` skips the work when nothing changed."""
        if rev == self._seen:
            return
        self._seen = rev
        for opd, light in self.lights.items():
            state = states.get(opd)
            light.set(bool(state is not None and state.open))

    def is_on(self, opd: str) -> bool:
        light = self.lights.get(opd)
        return bool(light and light.state)

    def centre(self, opd: str) -> tuple[float, float, float] | None:
        light = self.lights.get(opd)
        return light.centre if light is not None else None

    def destroy(self) -> None:
        self.root.remove_node()
