"""`makaverse admin load-slides|export-event|event-summary`: a town hall's slide deck and its record.

    makaverse admin load-slides EVENT FILE... [--db URL]
    makaverse admin export-event EVENT --format csv|json [--out PATH] [--db URL]
    makaverse admin event-summary EVENT [--format md|json] [--bucket-s 300] [--out PATH] [--db URL]

Slide files are PNG or JPEG pictures (recognised by their bytes, at most 48 KiB and 1920x1080)
or Markdown cards (`.md`, `.markdown`, `.txt`); each is checked like one sent by a host's client,
and a refused file stops the command before anything after it is stored.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..store.engine import url_from_env

__all__ = ["add_event_commands", "export_csv"]

_TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
CSV_COLUMNS = (
    "record", "number", "account_id", "name", "instance", "text", "votes", "answered", "hidden", "option",
    "count", "at", "until",
)


def add_event_commands(
    admin_sub: argparse._SubParsersAction,
    common: argparse.ArgumentParser,
    guarded: Callable[[Callable[[], int]], int],
) -> None:
    p = admin_sub.add_parser("load-slides", parents=[common], help="add slide files to an event's deck, in order")
    p.add_argument("event_id", type=int, metavar="EVENT")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(func=lambda args: guarded(lambda: _load_slides(args)))
    p = admin_sub.add_parser("export-event", parents=[common], help="everything an event left behind")
    p.add_argument("event_id", type=int, metavar="EVENT")
    p.add_argument("--format", choices=("csv", "json"), required=True)
    p.add_argument("--out", type=Path, default=None, help="write here instead of standard output")
    p.set_defaults(func=lambda args: guarded(lambda: _export(args)))
    p = admin_sub.add_parser("event-summary", parents=[common], help="the summary the city publishes")
    p.add_argument("event_id", type=int, metavar="EVENT")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("--bucket-s", type=int, default=300, help="attendance is counted per window of this many seconds")
    p.add_argument("--out", type=Path, default=None)
    p.set_defaults(func=lambda args: guarded(lambda: _summary(args)))


def _load_slides(args: argparse.Namespace) -> int:
    from ..services.slides import SlideRefusal, check_slide
    from ..store.store import Store

    checked = []
    for path in args.files:
        try:
            if path.suffix.lower() in _TEXT_SUFFIXES:
                slide = check_slide("markdown", text=path.read_text(encoding="utf-8"))
            else:
                slide = check_slide("", data=path.read_bytes())
        except SlideRefusal as exc:
            print(f"error: {path}: {exc.code.value}: {exc.hint}", file=sys.stderr)
            return 1
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 1
        checked.append((path, slide))
    with Store(url_from_env(args.db)) as store:
        for path, slide in checked:
            position = store.add_slide(
                args.event_id, slide.kind, data=slide.data, text=slide.text, width=slide.width, height=slide.height
            )
            size = f"{slide.width}x{slide.height}" if slide.width else f"{len(slide.text)} characters"
            print(f"slide {position}: {path.name} ({slide.kind}, {size})")
    return 0


def export_csv(export: dict[str, Any]) -> str:
    """One table; its `record` column says what each row is (event, attendance, line, question,
    poll, option, moderation)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    e = export["event"]
    w.writerow({"record": "event", "number": e["id"], "name": e["host"], "text": e["title"], "at": e["opened_at"],
                "until": e["ended_at"], "count": export["registrations"]})
    for a in export["attendance"]:
        w.writerow({"record": "attendance", "account_id": a["account_id"], "instance": a["instance"],
                    "at": a["joined_at"], "until": a["left_at"]})
    for ln in export["transcript"]:
        w.writerow({"record": "line", "number": ln["number"], "account_id": ln["account_id"], "name": ln["name"],
                    "text": ln["text"], "at": ln["at"]})
    for q in export["questions"]:
        w.writerow({"record": "question", "number": q["number"], "account_id": q["account_id"], "name": q["name"],
                    "text": q["text"], "votes": q["votes"], "answered": q["answered"], "hidden": q["hidden"],
                    "at": q["at"]})
    for p in export["polls"]:
        w.writerow({"record": "poll", "number": p["number"], "text": p["question"], "count": p["total"],
                    "at": p["opened_at"], "until": p["closed_at"]})
        for i, (option, count) in enumerate(zip(p["options"], p["counts"], strict=True)):
            w.writerow({"record": "option", "number": p["number"], "option": i, "text": option, "count": count})
    for m in export["moderation"]:
        w.writerow({"record": "moderation", "account_id": m["actor_id"], "name": m["target"], "text": m["reason"],
                    "option": m["action"], "at": m["at"]})
    return out.getvalue()


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _export(args: argparse.Namespace) -> int:
    from ..store.store import Store

    with Store(url_from_env(args.db)) as store:
        export = store.export_event(args.event_id)
    text = json.dumps(export, ensure_ascii=False, indent=2) + "\n" if args.format == "json" else export_csv(export)
    _write(text, args.out)
    return 0


def _summary(args: argparse.Namespace) -> int:
    from ..services.event_summary import summarize, summary_markdown
    from ..store.store import Store

    with Store(url_from_env(args.db)) as store:
        export = store.export_event(args.event_id)
    summary = summarize(export, bucket_s=max(1, args.bucket_s))
    if args.format == "md":
        text = summary_markdown(summary)
    else:
        text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    _write(text, args.out)
    return 0
