"""OPDs (city agencies) and what their booths show: programs, services, social accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .audit_repo import add_audit
from .base import StoreBase
from .dto import (
    Audit,
    FieldSpec,
    Localized,
    Opd,
    OpdDraft,
    Program,
    ProgramDraft,
    Service,
    ServiceDraft,
    SocialAccount,
)
from .errors import NotFound
from .models import OpdRow, ProgramRow, ServiceRow, SocialRow

__all__ = ["OpdsRepo", "service_dto"]

_WITH_CHILDREN = (selectinload(OpdRow.socials), selectinload(OpdRow.programs), selectinload(OpdRow.services))


def program_dto(row: ProgramRow) -> Program:
    return Program(
        id=row.id,
        opd_code=row.opd_code,
        title=row.title,
        summary=Localized(id=row.summary_id, en=row.summary_en),
        status=row.status,
        start_date=row.start_date,
        end_date=row.end_date,
        link=row.link,
        is_sample=row.is_sample,
    )


def service_dto(row: ServiceRow) -> Service:
    return Service(
        id=row.id,
        opd_code=row.opd_code,
        code=row.code,
        name=Localized(id=row.name_id, en=row.name_en),
        description=Localized(id=row.description_id, en=row.description_en),
        fields=tuple(FieldSpec.from_json(spec) for spec in row.fields),
        is_sample=row.is_sample,
    )


def opd_dto(row: OpdRow) -> Opd:
    return Opd(
        code=row.code,
        name=row.name,
        short_name=row.short_name,
        description=Localized(id=row.description_id, en=row.description_en),
        ticket_prefix=row.ticket_prefix,
        is_sample=row.is_sample,
        socials=tuple(SocialAccount(platform=s.platform, handle=s.handle, is_sample=s.is_sample) for s in row.socials),
        programs=tuple(program_dto(p) for p in row.programs),
        services=tuple(service_dto(s) for s in row.services),
    )


def _program_columns(draft: ProgramDraft) -> dict[str, object]:
    return {
        "title": draft.title,
        "summary_id": draft.summary.id,
        "summary_en": draft.summary.en,
        "status": draft.status,
        "start_date": draft.start_date,
        "end_date": draft.end_date,
        "link": draft.link,
        "is_sample": draft.is_sample,
    }


def _service_row(opd_code: str, draft: ServiceDraft) -> ServiceRow:
    return ServiceRow(
        opd_code=opd_code,
        code=draft.code,
        name_id=draft.name.id,
        name_en=draft.name.en,
        description_id=draft.description.id,
        description_en=draft.description.en,
        fields=[spec.to_json() for spec in draft.fields],
        is_sample=draft.is_sample,
    )


def _opd_row(session: Session, code: str, *, children: bool = False) -> OpdRow:
    query = select(OpdRow).where(OpdRow.code == code)
    if children:
        query = query.options(*_WITH_CHILDREN).execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"OPD {code}")
    return row


class OpdsRepo(StoreBase):
    def list_opds(self) -> tuple[Opd, ...]:
        """Every OPD with its programs, services and social accounts, ordered by code."""
        with self._read() as session:
            rows = session.scalars(select(OpdRow).options(*_WITH_CHILDREN).order_by(OpdRow.code))
            return tuple(opd_dto(row) for row in rows)

    def get_opd(self, code: str) -> Opd:
        with self._read() as session:
            return opd_dto(_opd_row(session, code, children=True))

    def get_service(self, opd_code: str, service_code: str) -> Service:
        with self._read() as session:
            row = session.scalar(
                select(ServiceRow).where(ServiceRow.opd_code == opd_code, ServiceRow.code == service_code)
            )
            if row is None:
                raise NotFound(f"service {opd_code}/{service_code}")
            return service_dto(row)

    def add_opd(self, draft: OpdDraft, *, audit: Audit | None = None) -> bool:
        """Insert an OPD with all it carries in one transaction; False (and no change) if its code exists."""
        with self._write() as session:
            if session.get(OpdRow, draft.code) is not None:
                return False
            row = OpdRow(
                code=draft.code,
                name=draft.name,
                short_name=draft.short_name,
                description_id=draft.description.id,
                description_en=draft.description.en,
                ticket_prefix=draft.ticket_prefix,
                is_sample=draft.is_sample,
            )
            row.socials = [
                SocialRow(platform=s.platform, handle=s.handle, is_sample=s.is_sample) for s in draft.socials
            ]
            row.programs = [ProgramRow(**_program_columns(p)) for p in draft.programs]
            row.services = [_service_row(draft.code, s) for s in draft.services]
            session.add(row)
            if audit is not None:
                add_audit(session, audit, "opd.create", f"opd:{draft.code}", at=self.now())
            return True

    def add_service(self, opd_code: str, draft: ServiceDraft, *, audit: Audit | None = None) -> bool:
        """Add a service to an OPD; False (and no change) if the OPD already has that code."""
        with self._write() as session:
            _opd_row(session, opd_code)
            exists = select(ServiceRow.id).where(ServiceRow.opd_code == opd_code, ServiceRow.code == draft.code)
            if session.scalar(exists) is not None:
                return False
            session.add(_service_row(opd_code, draft))
            if audit is not None:
                add_audit(session, audit, "service.create", f"service:{opd_code}/{draft.code}", at=self.now())
            return True

    def update_opd_description(self, code: str, description: Localized, *, audit: Audit) -> Opd:
        with self._write() as session:
            row = _opd_row(session, code)
            row.description_id, row.description_en = description.id, description.en
            add_audit(session, audit, "opd.describe", f"opd:{code}", at=self.now())
            session.flush()
            return opd_dto(_opd_row(session, code, children=True))

    def upsert_program(
        self, opd_code: str, draft: ProgramDraft, *, program_id: int | None = None, audit: Audit
    ) -> Program:
        """Add a program (no `program_id`) or replace one of this OPD's; `Conflict` on a repeated title."""
        with self._write() as session:
            _opd_row(session, opd_code)
            if program_id is None:
                row = ProgramRow(opd_code=opd_code, **_program_columns(draft))
                session.add(row)
            else:
                found = session.get(ProgramRow, program_id)
                if found is None or found.opd_code != opd_code:
                    raise NotFound(f"program {program_id} of {opd_code}")
                row = found
                for name, value in _program_columns(draft).items():
                    setattr(row, name, value)
            session.flush()
            action = "program.create" if program_id is None else "program.update"
            detail = {"title": draft.title, "status": draft.status}
            add_audit(session, audit, action, f"program:{row.id}", at=self.now(), detail=detail)
            return program_dto(row)

    def delete_program(self, program_id: int, *, audit: Audit) -> None:
        with self._write() as session:
            row = session.get(ProgramRow, program_id)
            if row is None:
                raise NotFound(f"program {program_id}")
            detail = {"opd_code": row.opd_code, "title": row.title}
            session.delete(row)
            add_audit(session, audit, "program.delete", f"program:{program_id}", at=self.now(), detail=detail)
