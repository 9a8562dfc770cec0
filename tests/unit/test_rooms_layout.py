"""Which instances a process hosts and what each owns, from the world data; and the loader's checks on instance data."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from makaverse.server.rooms.layout import LayoutError, plan_instances
from makaverse.world import WorldError, load_default_world, parse_world

WORLD = load_default_world()


def balai_kota() -> dict:
    return tomllib.loads(resources.files("makaverse.world").joinpath("balai_kota.toml").read_text(encoding="utf-8"))


def test_by_default_the_auditorium_is_its_own_instance_behind_its_doors():
    """The building owns every zone but the auditorium and stage, and each one's exits lead to the other."""
    building, auditorium = plan_instances(WORLD, ["building", "auditorium"])
    assert auditorium.zones == {"auditorium", "stage"}
    assert building.zones == {z.id for z in WORLD.zones} - {"auditorium", "stage"}
    assert building.exits == {"auditorium": "auditorium", "stage": "auditorium"}
    assert set(auditorium.exits.values()) == {"building"} and "service-hall" in auditorium.exits
    assert building.owns_booth(WORLD) and not auditorium.owns_booth(WORLD)
    assert WORLD.zone_of(*auditorium.spawn).id == "auditorium"


def test_a_single_instance_owns_the_whole_world():
    """Hosting only the building, every zone is its own and there is nowhere to move to."""
    (building,) = plan_instances(WORLD, ["building"])
    assert building.zones == {z.id for z in WORLD.zones} and building.exits == {}


def test_unknown_or_repeated_instances_are_refused():
    """An instance the world doesn't define, or one listed twice, is a configuration error."""
    with pytest.raises(LayoutError):
        plan_instances(WORLD, ["building", "overflow-7"])
    with pytest.raises(LayoutError):
        plan_instances(WORLD, ["building", "building"])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["instances"][1].update(zones=["auditorium", "lobby", "lobby"]), "claimed"),
        (lambda d: d["instances"][1].update(zones=[]), "exactly one instance"),
        (lambda d: d["instances"][1].update(kind="ballroom"), "kind"),
        (lambda d: d["instances"][1].update(door="back-door"), "no door"),
        (lambda d: d["instances"][1].update(spawn=[0.0, -6.0]), "lies in"),
        (lambda d: d["instances"][1].update(zones=["atrium"]), "no zone"),
    ],
)
def test_the_loader_checks_instance_data(change, message):
    """Each zone has one owner, one instance takes the rest, kinds are known, doors and zones exist, and a spawn lies in its own region."""
    data = copy.deepcopy(balai_kota())
    change(data)
    with pytest.raises(WorldError, match=message):
        parse_world(data)
