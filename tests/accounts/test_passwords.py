"""Generated (slip) passwords: readable words, at least 40 bits (issue 11, item 12)."""

from __future__ import annotations

import math
import re

from lycee_ia.accounts.passwords import NUMBER_HIGH, NUMBER_LOW, WORD_COUNT, entropy_bits, generate_password
from lycee_ia.accounts.words import WORDS


def test_the_word_list_is_plain_distinct_and_long_enough_for_40_bits():
    assert len(WORDS) == len(set(WORDS))
    assert all(re.fullmatch(r"[a-z]{2,10}", word) for word in WORDS), "lower-case ASCII words only"
    # Computed from the list itself: words are drawn uniformly and independently.
    bits = WORD_COUNT * math.log2(len(WORDS)) + math.log2(NUMBER_HIGH - NUMBER_LOW + 1)
    assert bits >= 40, f"{bits:.1f} bits"
    assert entropy_bits() == bits


def test_a_generated_password_is_words_and_a_number_drawn_from_the_whole_list():
    seen_words: set[str] = set()
    for _ in range(400):
        parts = generate_password().split("-")
        assert len(parts) == WORD_COUNT + 1
        assert all(part in WORDS for part in parts[:-1])
        assert NUMBER_LOW <= int(parts[-1]) <= NUMBER_HIGH
        seen_words.update(parts[:-1])
    # 1,600 draws from the list reach far more words than the old 160-word list held.
    assert len(seen_words) > 500
