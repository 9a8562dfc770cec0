"""Daylight with real shadows, for renderers that have shaders (the "high" graphics preset).

The default look bakes daylight into vertex colours (`shading`) and turns Panda3D's lights
off: the software renderer (p3tinydisplay) has no shaders, and that look is the same
everywhere. On OpenGL the high preset instead builds the static scene unlit and lights it
with the same daylight as lights: an ambient term, a sky fill from above, and the sun as a
directional light casting a shadow map over the grounds (filtered comparison in hardware:
soft edges). Avatars keep their baked colours but still
cast shadows; text and the sky are never lit.
"""

from __future__ import annotations

from panda3d.core import AmbientLight, CullFaceAttrib, DepthOffsetAttrib, DirectionalLight, NodePath, RenderState

from makaverse.world import World

from .shading import DAYLIGHT, Daylight

__all__ = ["supports_shadows", "SunLight"]


def supports_shadows(base) -> bool:
    """True when the window's renderer can run the shader generator (OpenGL, not tinydisplay)."""
    gsg = base.win.get_gsg() if base.win is not None else None
    return bool(gsg is not None and gsg.get_supports_basic_shaders() and gsg.get_supports_depth_texture())


class SunLight:
    """Lights `lit` (the static scene) with `light`; shadows from the sun fall on it from every caster under
    `base.render`. `unlit` nodes (text, sky, avatars with baked colours) keep their own colours."""

    def __init__(self, base, world: World, lit: NodePath, *, unlit: tuple[NodePath, ...] = (),
                 light: Daylight = DAYLIGHT, map_px: int = 2048) -> None:
        sky_half = tuple(0.5 * c for c in light.sky)
        ambient = AmbientLight("daylight-ambient")
        ambient.set_color((*(a + s for a, s in zip(light.ambient, sky_half, strict=True)), 1.0))
        fill = DirectionalLight("daylight-sky")
        fill.set_color((*sky_half, 1.0))
        sun = DirectionalLight("daylight-sun")
        sun.set_color((*light.sun, 1.0))
        g = world.grounds
        cx, cy = g.centre
        span = max(g.size) + 20.0
        sun.set_shadow_caster(True, map_px, map_px)
        lens = sun.get_lens()
        lens.set_film_size(span, span)
        lens.set_near_far(1.0, 400.0)
        self.nodes = [base.render.attach_new_node(n) for n in (ambient, fill, sun)]
        amb_np, fill_np, sun_np = self.nodes
        fill_np.set_hpr(0, -90, 0)
        dx, dy, dz = light.sun_travel
        # The sun's camera sits up-sun of the grounds' centre, looking along the light.
        sun_np.set_pos(cx - dx * 200.0, cy - dy * 200.0, -dz * 200.0)
        sun_np.look_at(cx, cy, 0.0)
        for np_ in self.nodes:
            lit.set_light(np_)
        lit.set_shader_auto()
        for node in unlit:
            node.set_light_off(1)
            node.set_shader_off(1)
        self.sun = sun_np
        self._bias(sun)

    @staticmethod
    def _bias(sun: DirectionalLight) -> None:
        """Draw the shadow map from the back faces, pushed a little away: no shadow acne on lit faces.
        (Panda3D's shader generator samples it with the hardware's filtered comparison, so the
        shadows' edges come out soft.)"""
        sun.set_initial_state(RenderState.make(CullFaceAttrib.make_reverse(), DepthOffsetAttrib.make(-2)))

    def destroy(self) -> None:
        for np_ in self.nodes:
            np_.remove_node()
