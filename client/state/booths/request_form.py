"""The service request being filled in at a booth: values, problems found before sending (by
the server's own rules), and the submission, whose client request id stays the same until the
server confirms it, so a retry (a lost reply, a reconnect) never makes a second request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from makaverse.protocol import RequestInvalid, RequestSubmitted, SubmitRequest
from makaverse.protocol.request_fields import NOTE_KEY

from .link import Link
from .panel import BoothPanelModel
from .rules import check_field, check_form

__all__ = ["RequestForm", "RequestFormModel"]


@dataclass(slots=True)
class RequestForm:
    opd: str
    service: dict
    values: dict[str, str] = field(default_factory=dict)
    note: str = ""
    client_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    problems: dict[str, str] = field(default_factory=dict)
    in_flight: int = 0  # the request_id of the submission awaiting its reply
    tries: int = 0
    tracking: str = ""
    duplicate: bool = False
    error: str = ""  # an error code that refused the whole submission

    @property
    def fields(self) -> tuple:
        return tuple(self.service.get("fields", ()))

    @property
    def done(self) -> bool:
        return bool(self.tracking)


class RequestFormModel:
    def __init__(self, link: Link, panel: BoothPanelModel) -> None:
        self.link = link
        self.panel = panel  # the services a booth offers come with its panel content
        self.form: RequestForm | None = None

    def _changed(self) -> None:
        self.link.rev["form"] += 1

    # ── commands ─────────────────────────────────────────────────────────────
    def start(self, opd: str, service_code: str) -> RequestForm | None:
        info = self.panel.infos.get(opd)
        service = next((s for s in info.services if s["code"] == service_code), None) if info else None
        if service is None:
            return None
        values = {f["name"]: "" for f in service["fields"]}
        self.form = RequestForm(opd=opd, service=dict(service), values=values)
        self._changed()
        return self.form

    def cancel(self) -> None:
        self.form = None
        self._changed()

    def set_value(self, name: str, value: str) -> None:
        form = self.form
        if form is None or form.done:
            return
        if name == NOTE_KEY:
            form.note = value
        else:
            form.values[name] = value
        # A fixed field loses its complaint at once; others wait for the next check.
        if name in form.problems:
            spec = next((f for f in form.fields if f["name"] == name), None)
            still = check_field(spec, value) if spec is not None else None
            if name == NOTE_KEY:
                still = check_form((), {}, value).get(NOTE_KEY)
            if still is None:
                del form.problems[name]
                self._changed()

    def submit(self) -> bool:
        """Check the form here first; send it when valid (again with the same client request id
        when it was sent before). False when the form has problems or is already confirmed."""
        form = self.form
        if form is None or form.done:
            return False
        form.problems = check_form(form.fields, form.values, form.note)
        form.error = ""
        self._changed()
        if form.problems:
            return False
        self._send(form)
        return True

    def _send(self, form: RequestForm) -> None:
        values = {k: v for k, v in form.values.items() if v.strip()}
        note = form.note.strip()
        form.tries += 1
        form.in_flight = self.link.send(
            self, "submit",
            lambda rid: SubmitRequest(request_id=rid, client_request_id=form.client_request_id, opd=form.opd,
                                      service=form.service["code"], fields=values, note=note),
            form,
        )

    # ── messages in ──────────────────────────────────────────────────────────
    def on_welcome(self) -> None:
        form = self.form
        if form is not None and form.in_flight and not form.done:
            self._send(form)  # the same client request id: never a second request

    def on_error(self, kind: str, context: object, code: str, now_ms: float) -> None:
        form = context
        if form is self.form and isinstance(form, RequestForm):
            form.in_flight = 0
            form.error = code
            self._changed()
        else:
            self.link.toast(f"error.{code}", now_ms, "bad")

    def on_submitted(self, msg: RequestSubmitted, now_ms: float) -> None:
        pending = self.link.take(msg.request_id)
        form = pending.context if pending is not None and pending.kind == "submit" else None
        if form is None and self.form is not None and self.form.in_flight == msg.request_id:
            form = self.form
        if isinstance(form, RequestForm):
            form.in_flight = 0
            form.tracking = msg.tracking
            form.duplicate = msg.duplicate
            form.problems = {}
            form.error = ""
            self._changed()
        self.link.toast("request.submitted", now_ms, "good", tracking=msg.tracking)

    def on_invalid(self, msg: RequestInvalid, now_ms: float) -> None:
        pending = self.link.take(msg.request_id)
        form = pending.context if pending is not None and pending.kind == "submit" else self.form
        if isinstance(form, RequestForm):
            form.in_flight = 0
            form.problems = dict(msg.problems)
            self._changed()
