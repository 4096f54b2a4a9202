"""'Did you mean' suggestions: the nearest valid word by edit distance."""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a swap of two adjacent letters
    counts as one edit, as it is one typo."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def nearest(word: str, options: Iterable[str], limit: int = 1) -> list[str]:
    """The closest options within a third of the word's length; ties go to the option of the
    same length (a mistyped letter is likelier than a missing one)."""
    budget = max(1, len(word) // 3)
    scored = sorted(
        (edit_distance(word.lower(), option.lower()), abs(len(option) - len(word)), option)
        for option in options
    )
    return [option for distance, _, option in scored if distance <= budget][:limit]


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """', did you mean 'x'?' or an empty string."""
    found = nearest(word, options)
    return f", did you mean {found[0]!r}?" if found else ""
