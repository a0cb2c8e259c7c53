"""Tokens and receipts, drawn from an alphabet without look-alike characters.

32 symbols (no 0/O, 1/I): each carries 5 bits. A token has 14 symbols (70 bits),
printed in groups of four; a receipt has 10 (50 bits).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TOKEN_LENGTH = 14
RECEIPT_LENGTH = 10
_ALLOWED = frozenset(ALPHABET)


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def normalize_token(raw: str) -> str | None:
    """The canonical form of a typed or scanned token, or None if it cannot be one."""
    token = raw.strip().upper().replace("-", "").replace(" ", "")
    if len(token) != TOKEN_LENGTH or not set(token) <= _ALLOWED:
        return None
    return token


def format_token(token: str) -> str:
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))


def hash_token(token: str) -> str:
    # Tokens carry 70 random bits, so a plain hash cannot be reversed by guessing.
    return hashlib.sha256(token.encode()).hexdigest()


def participation_digest(token: str, ballot_id: uuid.UUID) -> str:
    return hashlib.sha256(f"{token}:{ballot_id}".encode()).hexdigest()


def receipt_for(ballot_id: uuid.UUID) -> str:
    """The receipt shown on the phone and published after closing. Derived from the
    phone's ballot id alone, so a retry gets the same receipt and nobody without the
    ballot id can connect the receipt to anything else."""
    digest = int.from_bytes(hashlib.sha256(f"receipt:{ballot_id}".encode()).digest()[:8], "big")
    symbols = []
    for _ in range(RECEIPT_LENGTH):
        digest, index = divmod(digest, len(ALPHABET))
        symbols.append(ALPHABET[index])
    return "".join(symbols)
