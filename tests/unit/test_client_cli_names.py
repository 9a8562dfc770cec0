"""`makaverse client --name/--display-name`: a name the server would refuse is refused at once,
with the message the login screen gives, not a traceback once the window is open."""

from __future__ import annotations

import argparse

import pytest

from makaverse.client.cli import add_client_options


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="makaverse client", exit_on_error=False)
    add_client_options(p)
    return p


@pytest.mark.parametrize("option", ["--name", "--display-name"])
@pytest.mark.parametrize("name", ["Tamu", "admin", "Petugas"])
def test_a_reserved_name_is_refused_before_anything_starts(option, name):
    with pytest.raises(argparse.ArgumentError, match="reserved"):
        parser().parse_args([option, name])


def test_a_name_with_a_control_character_is_refused():
    with pytest.raises(argparse.ArgumentError):
        parser().parse_args(["--name", "Da\x01eng"])


def test_an_ordinary_name_passes_with_its_spaces_tidied():
    assert parser().parse_args(["--name", "  Daeng   Baso "]).name == "Daeng Baso"
    assert parser().parse_args([]).name == ""
