"""Readable initial passwords: four common French words and a number.

Easy to copy from a paper slip ("lapin-orage-velo-marin-42"), and strong
enough to resist offline guessing of a stolen hash for a while (at least 40
bits: 958^4 * 90, about 2^46), not only online guessing behind the login
throttling, until the student chooses their own password.
"""

from __future__ import annotations

import math
import secrets

from lycee_ia.accounts.words import WORDS

WORD_COUNT = 4
NUMBER_LOW, NUMBER_HIGH = 10, 99  # two digits, so the slip never shows a lone 0 or 1


def entropy_bits() -> float:
    """The strength of a generated password, in bits, from the list size and the format."""
    return WORD_COUNT * math.log2(len(set(WORDS))) + math.log2(NUMBER_HIGH - NUMBER_LOW + 1)


def generate_password() -> str:
    words = [secrets.choice(WORDS) for _ in range(WORD_COUNT)]
    return "-".join(words) + f"-{NUMBER_LOW + secrets.randbelow(NUMBER_HIGH - NUMBER_LOW + 1)}"
