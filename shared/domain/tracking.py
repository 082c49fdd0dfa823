"""Tracking codes a requester can read aloud over the phone and type on a cheap keyboard.

Alphabet: upper-case letters and digits without the look-alikes (0/O/D/Q, 1/I/L, 2/Z, 5/S,
8/B, U/V) so "nol" or "O" is never a question. Eight random characters (≈ 2^35) plus one check
character that catches any single typo or swap of neighbours, shown as three groups of three.
The code alone reveals nothing: the status page also asks for the phone number or email.
"""

from __future__ import annotations

import secrets

ALPHABET = "ACEFGHJKMNPRTWXY34679"
_RANDOM_LENGTH = 8
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


def _check_character(body: str) -> str:
    # Weights and the gaps between neighbours are all coprime to 21, so every single
    # substitution and every swap of two neighbours changes the check character.
    weights = (1, 2, 4, 5, 10, 11, 13, 17)
    total = sum(_INDEX[ch] * weights[i] for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_tracking_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_LENGTH))
    raw = body + _check_character(body)
    return f"{raw[0:3]}-{raw[3:6]}-{raw[6:9]}"


def normalize_tracking_code(text: str) -> str | None:
    """The canonical form of what a person typed, or None if it cannot be a valid code."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) != _RANDOM_LENGTH + 1 or any(ch not in _INDEX for ch in cleaned):
        return None
    body, check = cleaned[:-1], cleaned[-1]
    if _check_character(body) != check:
        return None
    return f"{cleaned[0:3]}-{cleaned[3:6]}-{cleaned[6:9]}"
