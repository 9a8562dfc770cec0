"""What the city publishes after a town hall, computed from the event's export (plain data in,
plain data or Markdown out; no store, no clock): attendance over time across every copy of the
hall, the top questions, poll results and the transcript."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

__all__ = ["summarize", "attendance_over_time", "summary_markdown", "TOP_QUESTIONS"]

TOP_QUESTIONS = 10


def _at(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def attendance_over_time(export: dict[str, Any], *, bucket_s: int = 300) -> list[dict[str, Any]]:
    """How many distinct attendees were in any copy of the hall during each `bucket_s` window,
    from the event's opening to its end (or the last recorded leave)."""
    stays: list[tuple[int, datetime, datetime | None]] = []
    for a in export["attendance"]:
        joined = _at(a["joined_at"])
        if joined is not None:
            stays.append((a["account_id"], joined, _at(a["left_at"])))
    if not stays:
        return []
    start = _at(export["event"].get("opened_at", "")) or min(j for _, j, _ in stays)
    ends = [gone for _, _, gone in stays if gone is not None]
    end = _at(export["event"].get("ended_at", "")) or (max(ends) if ends else max(j for _, j, _ in stays))
    step = timedelta(seconds=bucket_s)
    out = []
    t = start
    while t <= end:
        window_end = t + step
        # Times are kept to the second, so a stay that ends in the second its window opens still
        # overlaps it (an event run within one second would otherwise show nobody present).
        present = {who for who, j, gone in stays if j < window_end and (gone is None or gone >= t)}
        out.append({"from": t.isoformat(timespec="seconds"), "attendees": len(present)})
        t = window_end
    return out


def summarize(export: dict[str, Any], *, bucket_s: int = 300) -> dict[str, Any]:
    over_time = attendance_over_time(export, bucket_s=bucket_s)
    copies = sorted({a["instance"] for a in export["attendance"]})
    shown = [q for q in export["questions"] if not q["hidden"]]
    top = sorted(shown, key=lambda q: (-q["votes"], q["number"]))[:TOP_QUESTIONS]
    return {
        "event": export["event"],
        "registrations": export["registrations"],
        "attendees": len({a["account_id"] for a in export["attendance"]}),
        "peak_attendees": max((b["attendees"] for b in over_time), default=0),
        "copies": copies,
        "attendance_over_time": over_time,
        "top_questions": [
            {"text": q["text"], "votes": q["votes"], "answered": q["answered"], "name": q["name"]} for q in top
        ],
        "questions_total": len(shown),
        "polls": [
            {
                "question": p["question"],
                "results": dict(zip(p["options"], p["counts"], strict=True)),
                "total": p["total"],
            }
            for p in export["polls"]
        ],
        "transcript": [{"name": ln["name"], "text": ln["text"], "at": ln["at"]} for ln in export["transcript"]],
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    """The summary as a page the city can publish (Indonesian headings, as the city's site is)."""
    e = summary["event"]
    lines = [f"# {e['title']}", ""]
    if e.get("description"):
        lines += [e["description"], ""]
    lines += [
        f"- Penyelenggara / Host: {e['host']}" + (f" ({e['opd']})" if e.get("opd") else ""),
        f"- Dibuka / Opened: {e.get('opened_at') or '-'}; selesai / ended: {e.get('ended_at') or '-'}",
        f"- Pendaftar / Registered: {summary['registrations']}; hadir / attended: {summary['attendees']}"
        f" (puncak / peak {summary['peak_attendees']}, {len(summary['copies'])} ruang / halls)",
        "",
        "## Kehadiran / Attendance over time",
        "",
        "| dari / from | hadir / present |",
        "|---|---|",
    ]
    lines += [f"| {b['from']} | {b['attendees']} |" for b in summary["attendance_over_time"]]
    lines += ["", "## Pertanyaan teratas / Top questions", ""]
    for i, q in enumerate(summary["top_questions"], 1):
        done = " ✓" if q["answered"] else ""
        lines.append(f"{i}. {q['text']} — {q['votes']} suara / votes{done}")
    lines += ["", "## Jajak pendapat / Polls", ""]
    for p in summary["polls"]:
        lines.append(f"**{p['question']}** ({p['total']} suara / votes)")
        lines += [f"- {option}: {count}" for option, count in p["results"].items()]
        lines.append("")
    lines += ["## Transkrip / Transcript", ""]
    lines += [f"- **{ln['name']}** ({ln['at']}): {ln['text']}" for ln in summary["transcript"]]
    return "\n".join(lines) + "\n"
