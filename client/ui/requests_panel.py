""""Permohonan saya" / "My requests": your service requests with their status, and the one you
pick in full (its fields, your note and every status change with the clerk's note).

Opened from the booth panel, the HUD button or F2; reads `BoothModel.my_requests` (`state/booths/my_requests.py`).
Status changes arrive as toasts too (`ticket_hud`), also those delivered when you log in.
"""

from __future__ import annotations

from direct.gui.DirectGui import DirectFrame
from panda3d.core import TextNode

from .. import i18n
from ..state.booths import BoothModel
from . import booth_text as T
from .booth_widgets import BAD, BG, BUTTON, BUTTON_ON, GOLD, GOOD, INK, MUTED, Column, button, holder, label
from .theme import theme_for

__all__ = ["RequestsPanel", "service_title", "field_lines"]

# Between the HUD (top left), the chat box (bottom left) and the booth panel (right).
WIDTH = 1.92
TOP = 0.6
BOTTOM = -0.33
PAD = 0.035
ROWS = 9
LIST_W = 0.95
STATUS_COLOUR = {"completed": GOOD, "rejected": BAD, "submitted": INK, "in_review": GOLD, "in_progress": GOLD}


def service_title(model: BoothModel, opd: str, code: str, lang: str) -> str:
    """A service's name from the booth content this client has seen, else its code."""
    info = model.panel.infos.get(opd)
    service = next((s for s in info.services if s["code"] == code), None) if info is not None else None
    return T.service_name(service, lang) if service is not None else code


def field_lines(model: BoothModel, detail, lang: str) -> list[str]:
    """ "Label: value" for each filled field, labelled as the service's form labels them."""
    info = model.panel.infos.get(detail.opd)
    service = next((s for s in info.services if s["code"] == detail.service), None) if info is not None else None
    labels = {f["name"]: T.localized(f, "label", lang) for f in service["fields"]} if service is not None else {}
    return [f"{labels.get(k) or k}: {v}" for k, v in detail.fields.items()]


class RequestsPanel:
    def __init__(self, base, model: BoothModel, *, lang: str = "id") -> None:
        self.base = base
        self.model = model
        self.lang = lang
        self.root = theme_for(base).frame("left_center", frameColor=BG, frameSize=(0, WIDTH, BOTTOM, TOP),
                                          pos=(0.025, 0, 0), sortOrder=10)
        self.root.hide()
        self.body = None
        self.first = 0
        self._key: tuple | None = None

    @property
    def visible(self) -> bool:
        return not self.root.is_hidden()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._key = None

    def sync(self, now_ms: float) -> None:
        m = self.model
        if not m.my_requests.shown:
            if self.visible:
                self.root.hide()
                self._key = None
            return
        self.root.show()
        key = (m.rev["mine"], m.rev["info"], m.role, self.first)
        if key != self._key:
            self._key = key
            self._draw()

    def _draw(self) -> None:
        m, lang = self.model, self.lang
        if self.body is not None:
            self.body.destroy()
        self.body = b = holder(self.root)
        label(b, i18n.t("requests.title", lang), (PAD, TOP - 0.075), scale=0.05, fg=GOLD)
        button(b, i18n.t("booth.close", lang), (WIDTH - PAD, TOP - 0.07), m.my_requests.close, align="right")
        y = TOP - 0.14
        if not m.logged_in:
            label(b, i18n.t("requests.login", lang), (PAD, y - 0.04), scale=0.036, fg=MUTED, width=WIDTH - 2 * PAD)
            return
        if m.my_requests.error:
            label(b, T.error_text(m.my_requests.error, lang), (PAD, y - 0.04), scale=0.034, fg=BAD,
                  width=WIDTH - 2 * PAD)
            y -= 0.07
        rows = m.my_requests.rows
        if not rows:
            label(b, i18n.t("requests.empty" if m.my_requests.loaded else "booth.loading", lang), (PAD, y - 0.04),
                  scale=0.036, fg=MUTED)
            return
        self.first = min(self.first, max(0, len(rows) - 1))
        for row in rows[self.first:self.first + ROWS]:
            y -= 0.07
            chosen = row["tracking"] == m.my_requests.selected
            button(b, row["tracking"], (PAD, y), m.my_requests.open_request, args=(row["tracking"],), scale=0.03,
                   colour=BUTTON_ON if chosen else BUTTON, width=0.42)
            label(b, T.status_label(row["status"], lang), (PAD + 0.45, y), scale=0.03,
                  fg=STATUS_COLOUR.get(row["status"], INK))
            label(b, T.date_text(row["updated_ms"] or row["created_ms"])[:10], (LIST_W - 0.02, y), scale=0.03,
                  fg=MUTED, align=TextNode.A_right)
        y = BOTTOM + 0.05
        if self.first > 0:
            button(b, "«", (PAD, y), self._scroll, args=(-ROWS,), scale=0.03)
        if self.first + ROWS < len(rows) or m.my_requests.more:
            button(b, i18n.t("requests.more", lang), (PAD + 0.08, y), self._more, scale=0.03)
        DirectFrame(parent=b, frameColor=(1, 1, 1, 0.18), frameSize=(LIST_W, LIST_W + 0.004, BOTTOM + 0.03,
                                                                      TOP - 0.12))
        self._detail(b, TOP - 0.14)

    def _detail(self, parent, top: float) -> None:
        m, lang = self.model, self.lang
        x0 = LIST_W + 0.03
        col = Column(parent, x0, top, WIDTH - x0 - PAD, BOTTOM + 0.03)
        detail = m.my_requests.details.get(m.my_requests.selected) if m.my_requests.selected else None
        if detail is None:
            col.text(i18n.t("requests.pick" if not m.my_requests.selected else "booth.loading", lang), fg=MUTED,
                     scale=0.032)
            return
        title = service_title(m, detail.opd, detail.service, lang)
        col.text(f"{detail.tracking} — {title} ({m.panel.booth_name(detail.opd)})", scale=0.034, fg=GOLD)
        sent = i18n.t("requests.created", lang, when=T.date_text(detail.created_ms))
        col.text(f"{T.status_label(detail.status, lang)} • {sent}",
                 scale=0.03, fg=STATUS_COLOUR.get(detail.status, INK))
        if detail.fields:
            for line in field_lines(m, detail, lang):
                col.text(line, scale=0.03, fg=MUTED, indent=0.02, gap=0.003)
        if detail.note:
            col.text(f"{i18n.t('form.note', lang)}: {detail.note}", scale=0.03, fg=MUTED)
        col.text(i18n.t("requests.history", lang), scale=0.032, fg=GOLD, gap=0.004)
        for h in reversed(detail.history):
            who = f" ({i18n.t('requests.by_staff', lang)})" if h["by_staff"] else ""
            step = T.status_label(h["to"], lang)
            if h["from"]:
                step = f"{T.status_label(h['from'], lang)} » {step}"
            text = f"{T.date_text(h['at_ms'])}  {step}{who}"
            if h["note"]:
                text += f": {h['note']}"
            if col.text(text, scale=0.03, indent=0.02, gap=0.004) is None:
                break

    def _scroll(self, d: int) -> None:
        self.first = max(0, self.first + d)

    def _more(self) -> None:
        if self.first + ROWS < len(self.model.my_requests.rows):
            self.first += ROWS
        else:
            self.model.my_requests.load(more=True)
            self.first += ROWS

    def destroy(self) -> None:
        self.root.destroy()
