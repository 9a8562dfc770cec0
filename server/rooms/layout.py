"""Which instances a process hosts and what each owns: pure, from the world data and a list of ids.

An instance owns the zones its spec names; the default instance (the one naming none) owns every
zone no other hosted instance owns. When the default is not hosted, the first hosted instance
takes its place. Each instance's exits are the zones owned by the other hosted instances.
"""

from __future__ import annotations

from dataclasses import dataclass

from makaverse.world import InstanceSpec, World

__all__ = ["InstancePlan", "LayoutError", "plan_instances"]


class LayoutError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class InstancePlan:
    id: str
    kind: str
    zones: frozenset[str]  # the zones this instance owns
    exits: dict[str, str]  # zone id -> the hosted instance that owns it
    spawn: tuple[float, float] | None

    def owns_booth(self, world: World) -> bool:
        return any(b.zone_id in self.zones for b in world.booths)


def plan_instances(world: World, hosted: list[str]) -> list[InstancePlan]:
    specs = world.instances or (InstanceSpec(id="building", kind="building"),)
    if not hosted:
        raise LayoutError("host at least one instance")
    known = {s.id: s for s in specs}
    for instance_id in hosted:
        if instance_id not in known:
            raise LayoutError(f"no instance {instance_id!r} in world {world.id!r} (it has {', '.join(known)})")
    if len(set(hosted)) != len(hosted):
        raise LayoutError("an instance is listed twice")
    chosen = [known[i] for i in hosted]
    default = next((s for s in chosen if not s.zones), chosen[0])
    claimed = {z: s.id for s in chosen if s is not default for z in s.zones}
    all_zones = [z.id for z in world.zones]
    owned = {
        s.id: frozenset(z for z in all_zones if z not in claimed) if s is default else frozenset(s.zones)
        for s in chosen
    }
    return [
        InstancePlan(
            id=s.id,
            kind=s.kind,
            zones=owned[s.id],
            exits={z: other for other, zones in owned.items() if other != s.id for z in zones},
            spawn=s.spawn,
        )
        for s in chosen
    ]
