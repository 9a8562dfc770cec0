"""Sample content for a fresh database; idempotent. (The first admin account is made by
`server/admin/seed.py`, which needs the account rules.)

`seed(store)` adds what is missing by natural key: an OPD by its code (with its programs,
services and social accounts, in one transaction), and a service by (OPD, code) for OPDs
that exist already. It never overwrites: programs, descriptions and socials are edited by
staff, and a second run changes nothing. The content is `seed_content.toml`, marked sample.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .dto import Audit, FieldSpec, Localized, OpdDraft, ProgramDraft, ServiceDraft, SocialAccount
from .errors import InvalidValue
from .store import Store

__all__ = ["SEED_AUDIT", "SeedReport", "load_seed_content", "seed"]

SEED_FILE = "seed_content.toml"
SEED_AUDIT = Audit(actor_id=None, via="seed")


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReport:
    opds_added: tuple[str, ...]
    services_added: tuple[str, ...]  # "OPD/SERVICE" for services added to OPDs that existed

    @property
    def changed(self) -> bool:
        return bool(self.opds_added or self.services_added)


def load_seed_content(path: Path | None = None) -> tuple[OpdDraft, ...]:
    """Read and validate the seed file (the packaged one unless `path` is given)."""
    if path is None:
        text = resources.files(__package__).joinpath(SEED_FILE).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lists: dict[str, list[str]] = data.get("lists", {})
    return tuple(_opd(entry, lists) for entry in data["opd"])


def seed(store: Store, content: Sequence[OpdDraft] | None = None) -> SeedReport:
    """Add the sample OPDs and services that are missing; one audit row if anything was added."""
    drafts = load_seed_content() if content is None else content
    opds_added: list[str] = []
    services_added: list[str] = []
    for draft in drafts:
        if store.add_opd(draft):
            opds_added.append(draft.code)
            continue
        for service in draft.services:
            if store.add_service(draft.code, service):
                services_added.append(f"{draft.code}/{service.code}")
    report = SeedReport(opds_added=tuple(opds_added), services_added=tuple(services_added))
    if report.changed:
        detail = {"opds": list(report.opds_added), "services": list(report.services_added)}
        store.record_audit("db.seed", target="opds", detail=detail, via=SEED_AUDIT.via)
    return report


def _opd(entry: dict[str, Any], lists: dict[str, list[str]]) -> OpdDraft:
    code = entry.get("code", "?")
    try:
        return OpdDraft(
            code=entry["code"],
            name=entry["name"],
            short_name=entry["short_name"],
            description=Localized(id=entry["description_id"], en=entry["description_en"]),
            ticket_prefix=entry["ticket_prefix"],
            socials=tuple(
                SocialAccount(platform=s["platform"], handle=s["handle"], is_sample=s.get("sample", True))
                for s in entry.get("social", ())
            ),
            programs=tuple(_program(p) for p in entry.get("program", ())),
            services=tuple(_service(s, lists) for s in entry.get("service", ())),
            is_sample=True,
        )
    except KeyError as exc:
        raise InvalidValue(f"seed OPD {code}: missing {exc}") from exc


def _program(entry: dict[str, Any]) -> ProgramDraft:
    return ProgramDraft(
        title=entry["title"],
        summary=Localized(id=entry["summary_id"], en=entry["summary_en"]),
        status=entry.get("status", "running"),
        start_date=entry.get("start_date"),
        end_date=entry.get("end_date"),
        link=entry.get("link"),
        is_sample=True,
    )


def _service(entry: dict[str, Any], lists: dict[str, list[str]]) -> ServiceDraft:
    return ServiceDraft(
        code=entry["code"],
        name=Localized(id=entry["name_id"], en=entry["name_en"]),
        description=Localized(id=entry["description_id"], en=entry["description_en"]),
        fields=tuple(_field(f, lists) for f in entry.get("fields", ())),
        is_sample=True,
    )


def _field(entry: dict[str, Any], lists: dict[str, list[str]]) -> FieldSpec:
    spec = dict(entry)
    if "choices_from" in spec:
        spec["choices"] = lists[spec.pop("choices_from")]
    return FieldSpec.from_json(spec)
