"""Who may read a direct message: the one rule both the moderation service and the store apply.

It lives in `protocol` (stdlib only) so the store can enforce it inside the transaction that
reads the messages without importing a service.
"""

from __future__ import annotations

__all__ = ["may_read_direct"]


def may_read_direct(
    viewer_id: int,
    viewer_role: str,
    *,
    sender_id: int,
    recipient_id: int,
    report_parties: frozenset[int] | None = None,
) -> bool:
    """Its two parties may read a direct message; so may an admin handling a report between them."""
    if viewer_id in (sender_id, recipient_id):
        return True
    return viewer_role == "admin" and report_parties is not None and {sender_id, recipient_id} == set(report_parties)
