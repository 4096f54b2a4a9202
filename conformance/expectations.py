"""Expectations files: an engine's known departures from the corpus, kept beside its code.

An engine author's CI must stay green while the engine still departs from PyTorch in known
ways, and turn red both when something new breaks and when a known departure gets fixed (so
the file never rots). Each entry names a case (id or glob) and the outcome expected there:

    expectations:
      - id: autograd.detach.shares-storage-with-original
        outcome: fail
        issue: https://github.com/me/mytorch/issues/12
      - id: "dtypes.promotion.*"
        outcome: [pass, fail]          # intermittent: either is accepted
        reason: promotion depends on the BLAS build
        devices: [cuda]
        engine_versions: "<0.3"

A result whose status is listed becomes `xfail` (or stays `pass` when `pass` is listed); a pass
that was not listed becomes `xpass`, which is unexpected: remove the entry. `skip` does not run
the case. An exact id wins over globs; among globs the first in the file wins. Entries that
match no case of the corpus are stale. The schema is `templates/expectations.schema.json`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from conformance import yamlpos
from conformance.loader import display_path
from conformance.model import Location, Result

OUTCOMES = ("pass", "fail", "error", "crash", "timeout", "oom", "skip")
# Statuses an expectation cannot change: the case did not run on its merits.
UNTOUCHED = frozenset({"unsupported", "skip", "invalid"})
GLOB_CHARS = frozenset("*?[")


class ExpectationsError(Exception):
    """An expectations file that cannot be used; each problem names file:line:column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@cache
def schema() -> dict[str, Any]:
    text = resources.files("conformance").joinpath("templates/expectations.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


@dataclass
class Expectation:
    id: str
    outcomes: tuple[str, ...]
    location: Location
    reason: str = ""
    issue: str = ""
    engines: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    engine_versions: str = ""

    @property
    def is_glob(self) -> bool:
        return bool(GLOB_CHARS & set(self.id))

    @property
    def skips(self) -> bool:
        return self.outcomes == ("skip",)

    @property
    def why(self) -> str:
        return "; ".join(filter(None, [self.reason, self.issue])) or "no reason given"

    @property
    def expected(self) -> str:
        return " or ".join(self.outcomes)

    def matches_id(self, case_id: str) -> bool:
        return fnmatch.fnmatchcase(case_id, self.id) if self.is_glob else case_id == self.id

    def applies(self, engine: str, device: str, version: str | None) -> bool:
        if self.engines and engine not in self.engines:
            return False
        if self.devices and device not in self.devices and device.split(":")[0] not in self.devices:
            return False
        if self.engine_versions:
            try:
                return Version(version or "") in SpecifierSet(self.engine_versions)
            except InvalidVersion:
                return False  # an engine with no PEP 440 version never matches a range
        return True

    def to_yaml(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id}
        entry["outcome"] = self.outcomes[0] if len(self.outcomes) == 1 else list(self.outcomes)
        for key in ("reason", "issue", "engines", "devices", "engine_versions"):
            if getattr(self, key):
                entry[key] = getattr(self, key)
        return entry


@dataclass
class Expectations:
    path: str
    entries: list[Expectation] = field(default_factory=list)

    def find(
        self, case_id: str, engine: str, device: str, version: str | None
    ) -> Expectation | None:
        """The entry for a case on a lane: an exact id first, then the first matching glob."""
        exact = [e for e in self.entries if not e.is_glob]
        globs = [e for e in self.entries if e.is_glob]
        for entry in exact + globs:
            if entry.matches_id(case_id) and entry.applies(engine, device, version):
                return entry
        return None

    def stale(self, case_ids: list[str]) -> list[Expectation]:
        """Entries whose id or glob matches no case of the corpus: a renamed or deleted case,
        or a typo, which would otherwise silently expect nothing."""
        return [e for e in self.entries if not any(e.matches_id(c) for c in case_ids)]


def apply(result: Result, entry: Expectation | None) -> Result:
    """The result as the expectation sees it: xfail, xpass, or unchanged with a note."""
    if entry is None or result.status in UNTOUCHED:
        return result
    where = f"{entry.location.file}:{entry.location.line}"
    result = dataclasses.replace(result)
    if result.status in entry.outcomes:
        if result.status != "pass":
            note = f"expected {result.status} ({entry.why}; {where})"
            result.reason = f"{note}: {result.reason}" if result.reason else note
            result.status = "xfail"
    elif result.status == "pass":
        result.status = "xpass"
        result.reason = (
            f"passes, but {where} expects {entry.expected} ({entry.why}): "
            "remove this expectation, the engine conforms now"
        )
    else:
        result.reason = f"{result.reason} (expected {entry.expected} at {where})".lstrip()
    return result


def skipped(case_id: str, engine: str, device: str, entry: Expectation, location: str) -> Result:
    where = f"{entry.location.file}:{entry.location.line}"
    return Result(
        case_id, engine, device, "skip", reason=f"{entry.why} ({where})", location=location
    )


def load_expectations(path: Path) -> Expectations:
    """Read and validate a file; raises ExpectationsError listing every problem."""
    shown = display_path(Path(path).resolve())
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExpectationsError([f"{shown}: cannot read the expectations file ({exc})"]) from None
    return parse_expectations(text, shown)


def parse_expectations(text: str, shown: str) -> Expectations:
    try:
        doc = yamlpos.load(text)
    except yamlpos.YamlError as exc:
        message = f"{shown}:{exc.line}:{exc.column}: invalid YAML: {exc.message}"
        raise ExpectationsError([message]) from None

    def at(path: tuple[Any, ...]) -> Location:
        return Location(shown, *doc.position(path))

    problems = []
    for error in jsonschema.Draft202012Validator(schema()).iter_errors(doc.data):
        problems.append(_explain(error, at))
    if problems:
        raise ExpectationsError(sorted(problems, key=_position))
    entries = []
    for index, raw in enumerate(doc.data["expectations"]):
        outcome = raw["outcome"]
        entry = Expectation(
            id=raw["id"],
            outcomes=tuple(outcome) if isinstance(outcome, list) else (outcome,),
            location=at(("expectations", index)),
            reason=raw.get("reason", ""),
            issue=raw.get("issue", ""),
            engines=list(raw.get("engines", [])),
            devices=list(raw.get("devices", [])),
            engine_versions=raw.get("engine_versions", ""),
        )
        problems.extend(_semantic_problems(entry, at(("expectations", index, "outcome"))))
        entries.append(entry)
    if problems:
        raise ExpectationsError(problems)
    return Expectations(shown, entries)


def _position(problem: str) -> tuple[int, ...]:
    parts = problem.split(": ", 1)[0].rsplit(":", 2)[1:]
    return tuple(int(p) for p in parts if p.isdigit())


def _explain(error: jsonschema.ValidationError, at: Any) -> str:
    error = jsonschema.exceptions.best_match([error])
    path = tuple(error.absolute_path)
    where = f"entry #{path[1] + 1}" if len(path) >= 2 else "the file"
    if error.validator == "additionalProperties":
        from conformance.suggest import did_you_mean

        allowed = sorted(error.schema.get("properties", {}))
        key = next(k for k in error.instance if k not in allowed)
        hint = did_you_mean(str(key), allowed) or f" (allowed: {', '.join(allowed)})"
        return f"{at((*path, key, '<key>'))}: unknown key {key!r} in {where}{hint}"
    if error.validator == "anyOf" and len(path) == 2:
        return f"{at(path)}: {where} needs a 'reason' or an 'issue' URL saying why"
    if error.validator in ("enum", "oneOf") and "outcome" in path:
        return (
            f"{at(path)}: {where}: outcome {error.instance!r} is not one of {', '.join(OUTCOMES)}"
        )
    return f"{at(path)}: {where}" + (f", field {path[-1]!r}" if path else "") + f": {error.message}"


def _semantic_problems(entry: Expectation, where: Location) -> list[str]:
    problems = []
    if entry.outcomes == ("pass",):
        problems.append(f"{where}: expecting only 'pass' is no expectation; remove the entry")
    if "skip" in entry.outcomes and len(entry.outcomes) > 1:
        problems.append(f"{where}: 'skip' does not run the case, so it cannot be combined")
    if entry.engine_versions:
        try:
            SpecifierSet(entry.engine_versions)
        except InvalidSpecifier:
            problems.append(
                f"{entry.location}: engine_versions {entry.engine_versions!r} is not a version "
                "range such as '<0.3' or '>=1.0,<2'"
            )
    return problems


def dump(entries: list[Expectation], header: str = "") -> str:
    body = yaml.safe_dump(
        {"expectations": [e.to_yaml() for e in entries]},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return header + body
