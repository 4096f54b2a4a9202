"""Choosing cases: `-k` expressions (as in pytest) and `--tag`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from conformance.model import Case

Predicate = Callable[[str], bool]
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class KeywordError(ValueError):
    pass


def keyword_matcher(expression: str) -> Callable[[str], bool]:
    """Compile `-k` syntax: words matched case-insensitively as substrings, combined with
    `and`, `or`, `not` and parentheses, e.g. `leaf and not retain`."""
    tokens = _TOKEN.findall(expression)
    if not tokens:
        raise KeywordError("-k needs an expression, e.g. -k 'leaf and not retain'")
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise KeywordError(f"-k {expression!r}: unexpected end of expression")
        position += 1
        return token

    def parse_chain(word: str, operand: Callable[[], Predicate], both: bool) -> Predicate:
        """operand (word operand)*, left to right: `and` when both must hold, else `or`."""
        left = operand()
        while peek() == word:
            take()
            right = operand()
            left = (lambda a, b: lambda s: (a(s) and b(s)) if both else (a(s) or b(s)))(left, right)
        return left

    def parse_or() -> Predicate:
        return parse_chain("or", parse_and, both=False)

    def parse_and() -> Predicate:
        return parse_chain("and", parse_not, both=True)

    def parse_not() -> Predicate:
        if peek() == "not":
            take()
            inner = parse_not()
            return lambda s: not inner(s)
        token = take()
        if token == "(":
            inner = parse_or()
            if take() != ")":
                raise KeywordError(f"-k {expression!r}: missing ')'")
            return inner
        if token in (")", "and", "or"):
            raise KeywordError(f"-k {expression!r}: unexpected {token!r}")
        word = token.lower()
        return lambda s: word in s

    matcher = parse_or()
    if peek() is not None:
        raise KeywordError(f"-k {expression!r}: unexpected {peek()!r}")
    return matcher


def case_keywords(case: Case) -> str:
    return " ".join([case.id, case.title, *case.tags, *case.needs]).lower()


def select(
    cases: Iterable[Case], keyword: str | None = None, tags: Iterable[str] = ()
) -> list[Case]:
    """Cases matching the -k expression (if any) and carrying at least one of the tags (if any)."""
    wanted_tags = set(tags)
    matches = keyword_matcher(keyword) if keyword else None
    return [
        case
        for case in cases
        if (not wanted_tags or wanted_tags & set(case.tags))
        and (matches is None or matches(case_keywords(case)))
    ]
