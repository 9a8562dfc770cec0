"""The server raises its open-files limit toward what its clients need, and starts anyway when the
system refuses (macOS caps the soft limit below an unlimited hard one)."""

from __future__ import annotations

import resource

import pytest

from makaverse.server.app import OPEN_FILES_MARGIN, allow_open_files


def test_the_limit_is_raised_within_the_hard_limit(monkeypatch: pytest.MonkeyPatch):
    set_to: list[tuple[int, int]] = []
    monkeypatch.setattr(resource, "getrlimit", lambda _: (1024, 4096))
    monkeypatch.setattr(resource, "setrlimit", lambda _, limits: set_to.append(limits))
    assert allow_open_files(2000) == 2000 + OPEN_FILES_MARGIN
    assert allow_open_files(10_000) == 4096
    assert set_to == [(2000 + OPEN_FILES_MARGIN, 4096), (4096, 4096)]


def test_a_refused_raise_keeps_the_limit_it_had(monkeypatch: pytest.MonkeyPatch):
    def refuse(_, limits):
        raise ValueError("current limit exceeds maximum limit")

    monkeypatch.setattr(resource, "getrlimit", lambda _: (256, resource.RLIM_INFINITY))
    monkeypatch.setattr(resource, "setrlimit", refuse)
    assert allow_open_files(20_000) == 256  # said in the log by the caller; the server still starts
