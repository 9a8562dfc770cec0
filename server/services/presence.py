"""Presence: which avatar belongs to which resume token and account, and which avatars are
waiting out their reconnect grace after their connection dropped. Pure; time is passed in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["Binding", "Presence", "token_key"]


def token_key(token: str) -> str:
    """Tokens are kept hashed even in memory, so a heap dump shows no usable secret."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(slots=True)
class Binding:
    avatar_id: int
    key: str  # token_key of the resume token
    account_id: int | None  # None for a guest
    grace_deadline_s: float | None = None  # set while disconnected

    @property
    def detached(self) -> bool:
        return self.grace_deadline_s is not None


class Presence:
    def __init__(self, *, grace_s: float) -> None:
        self.grace_s = grace_s
        self._by_avatar: dict[int, Binding] = {}
        self._by_key: dict[str, Binding] = {}
        self._by_account: dict[int, Binding] = {}

    def __len__(self) -> int:
        return len(self._by_avatar)

    def bind(self, avatar_id: int, token: str, account_id: int | None) -> Binding:
        binding = Binding(avatar_id=avatar_id, key=token_key(token), account_id=account_id)
        self._by_avatar[avatar_id] = binding
        self._by_key[binding.key] = binding
        if account_id is not None:
            self._by_account[account_id] = binding
        return binding

    def rekey(self, avatar_id: int, token: str) -> None:
        """The same avatar now answers to another token (a fresh login of the same account)."""
        binding = self._by_avatar[avatar_id]
        self._by_key.pop(binding.key, None)
        binding.key = token_key(token)
        self._by_key[binding.key] = binding

    def by_token(self, token: str) -> Binding | None:
        return self._by_key.get(token_key(token)) if token else None

    def accounts(self) -> list[int]:
        """Every account with an avatar here (connected or within its grace)."""
        return list(self._by_account)

    def by_account(self, account_id: int) -> Binding | None:
        return self._by_account.get(account_id)

    def by_avatar(self, avatar_id: int) -> Binding | None:
        return self._by_avatar.get(avatar_id)

    def detach(self, avatar_id: int, now_s: float) -> Binding | None:
        binding = self._by_avatar.get(avatar_id)
        if binding is not None:
            binding.grace_deadline_s = now_s + self.grace_s
        return binding

    def attach(self, avatar_id: int) -> None:
        self._by_avatar[avatar_id].grace_deadline_s = None

    def unbind(self, avatar_id: int) -> Binding | None:
        binding = self._by_avatar.pop(avatar_id, None)
        if binding is not None:
            self._by_key.pop(binding.key, None)
            if binding.account_id is not None and self._by_account.get(binding.account_id) is binding:
                del self._by_account[binding.account_id]
        return binding

    def expired(self, now_s: float) -> list[Binding]:
        """Detached bindings whose grace has run out, removed from presence."""
        gone = [
            b for b in self._by_avatar.values() if b.grace_deadline_s is not None and b.grace_deadline_s <= now_s
        ]
        for b in gone:
            self.unbind(b.avatar_id)
        return gone
