"""Finding, validating and loading spec files into `Case` objects.

A broken file never stops the others: every problem becomes a `SpecProblem` naming
`file:line:column`, and the cases it touches are reported as `invalid` by the runner.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from conformance import yamlpos
from conformance.checker import check_program
from conformance.model import CAPABILITIES, Case, Location, Source
from conformance.suggest import did_you_mean

EXPRESSION_MATCHERS = (
    "shares_memory_with",
    "not_shares_memory_with",
    "same_object_as",
    "not_same_object_as",
)


@dataclass
class SpecProblem:
    location: Location
    message: str
    case_id: str | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class Corpus:
    """Everything loaded from a set of spec roots: valid cases, problems, and a content hash."""

    cases: list[Case] = field(default_factory=list)
    problems: list[SpecProblem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    digest: str = ""

    def invalid_ids(self) -> dict[str, list[SpecProblem]]:
        """Problems grouped by the case they make invalid (a file-level problem uses the file)."""
        grouped: dict[str, list[SpecProblem]] = {}
        for problem in self.problems:
            key = problem.case_id or problem.location.file
            grouped.setdefault(key, []).append(problem)
        return grouped


def bundled_specs_root() -> Path:
    return Path(str(resources.files("conformance.specs")))


@cache
def schema() -> dict[str, Any]:
    return json.loads((bundled_specs_root() / "schema.json").read_text())


def find_spec_files(roots: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        if root.is_file():
            files.append(root)
        elif root.is_dir():
            files.extend(sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml")))
    return files


def display_path(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when it is inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def load_corpus(roots: Iterable[Path]) -> Corpus:
    corpus = Corpus()
    digest = hashlib.sha256()
    roots = list(roots)
    for root in roots:
        if not root.exists():
            corpus.problems.append(
                SpecProblem(Location(str(root), 1, 1), "no such file or directory")
            )
    for path in find_spec_files(roots):
        shown = display_path(path.resolve())
        text = path.read_text(encoding="utf-8")
        digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        corpus.files.append(shown)
        cases, problems = load_file_text(text, shown)
        corpus.cases.extend(cases)
        corpus.problems.extend(problems)
    _reject_duplicate_ids(corpus)
    corpus.digest = digest.hexdigest()[:16]
    return corpus


def _reject_duplicate_ids(corpus: Corpus) -> None:
    """Every case with a duplicated id is invalid: nothing says which copy was meant."""
    by_id: dict[str, list[Case]] = {}
    for case in corpus.cases:
        by_id.setdefault(case.id, []).append(case)
    for case_id, copies in by_id.items():
        for case in copies if len(copies) > 1 else []:
            others = ", ".join(str(c.location) for c in copies if c is not case)
            corpus.problems.append(
                SpecProblem(
                    case.location, f"duplicate id {case_id!r}: also used at {others}", case_id
                )
            )
    corpus.cases = [c for c in corpus.cases if len(by_id[c.id]) == 1]


def load_file_text(text: str, filename: str) -> tuple[list[Case], list[SpecProblem]]:
    """Load one spec file's text; never raises for bad input, returns problems instead."""
    try:
        doc = yamlpos.load(text)
    except yamlpos.YamlError as exc:
        return [], [
            SpecProblem(Location(filename, exc.line, exc.column), f"invalid YAML: {exc.message}")
        ]

    def at(path: tuple[Any, ...]) -> Location:
        return Location(filename, *doc.position(path))

    if not isinstance(doc.data, dict):
        return [], [SpecProblem(at(()), "a spec file must be a mapping with 'source' and 'cases'")]

    problems: list[SpecProblem] = []
    bad_cases: set[int] = set()
    for index, key in _non_string_expect_keys(doc.data):
        bad_cases.add(index)
        problems.append(
            SpecProblem(
                at(("cases", index, "expect", key, "<key>")),
                f"expectation key {key!r} is not text: YAML reads it as a {type(key).__name__}; "
                "quote it or rename the variable",
                _case_id(doc.data, index) or f"{filename}#{index}",
            )
        )
    for error in jsonschema.Draft202012Validator(schema()).iter_errors(doc.data):
        path = tuple(error.absolute_path)
        case_index = path[1] if len(path) >= 2 and path[0] == "cases" else None
        case_id = _case_id(doc.data, case_index)
        location, message = _explain(error, doc, at)
        if case_index is None:
            problems.append(SpecProblem(location, message, None))
        else:
            bad_cases.add(case_index)
            problems.append(SpecProblem(location, message, case_id or f"{filename}#{case_index}"))
    if any(p.case_id is None for p in problems):
        # The file as a whole is broken: none of its cases can be trusted to run.
        return [], problems

    file_sources = [Source(**s) for s in doc.data.get("source", [])]
    cases: list[Case] = []
    for index, raw in enumerate(doc.data.get("cases", [])):
        if index in bad_cases:
            continue
        case = _make_case(raw, index, file_sources, text, at)
        case_problems = semantic_problems(case)
        if case_problems:
            problems.extend(case_problems)
        else:
            cases.append(case)
    return cases, problems


def _non_string_expect_keys(data: dict[str, Any]) -> list[tuple[int, Any]]:
    """`expect: {off: 1}` gives the key False (YAML 1.1 booleans: yes, no, on, off)."""
    cases = data.get("cases")
    found = []
    for index, case in enumerate(cases if isinstance(cases, list) else []):
        expect = case.get("expect") if isinstance(case, dict) else None
        if isinstance(expect, dict):
            found.extend((index, key) for key in expect if not isinstance(key, str))
    return found


def _case_id(data: dict[str, Any], index: Any) -> str | None:
    cases = data.get("cases")
    if isinstance(index, int) and isinstance(cases, list) and isinstance(cases[index], dict):
        case_id = cases[index].get("id")
        return case_id if isinstance(case_id, str) else None
    return None


def _explain(
    error: jsonschema.ValidationError, doc: yamlpos.Located, at: Any
) -> tuple[Location, str]:
    """Turn a schema error into a sentence a spec author can act on, at the right position."""
    error = jsonschema.exceptions.best_match([error])
    path = tuple(error.absolute_path)
    where = _describe_path(path, _case_id(doc.data, path[1] if len(path) > 1 else None))
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        key = unknown[0]
        kind = "matcher" if len(path) >= 4 and path[2] == "expect" else "key"
        message = f"unknown {kind} {key!r} in {where}"
        message += did_you_mean(str(key), allowed) or f" (allowed: {', '.join(allowed)})"
        return at((*path, key, "<key>")), message
    return at(path), f"{where}: {error.message}"


def _describe_path(path: tuple[Any, ...], case_id: str | None) -> str:
    if not path:
        return "the file"
    if path[0] == "cases" and len(path) >= 2:
        rest = path[2:]
        head = f"case {case_id!r}" if case_id else f"case #{path[1] + 1}"
        if len(rest) >= 2 and rest[0] == "expect":
            return f"{head}, expectation {rest[1]!r}" + "".join(f"[{p!r}]" for p in rest[2:])
        return head + "".join(f", field {p!r}" if isinstance(p, str) else f"[{p}]" for p in rest)
    return "field " + ".".join(str(p) for p in path)


def _make_case(
    raw: dict[str, Any], index: int, file_sources: list[Source], text: str, at: Any
) -> Case:
    path = ("cases", index)
    program_line, program_column = _block_start(text, at((*path, "program")))
    case = Case(
        id=raw["id"],
        title=raw["title"],
        program=raw["program"],
        location=at(path),
        sources=file_sources + [Source(**s) for s in raw.get("source", [])],
        tags=list(raw.get("tags", [])),
        expect=dict(raw.get("expect", {})),
        expect_locations={k: at((*path, "expect", k, "<key>")) for k in raw.get("expect", {})},
        raises=_outcome(raw.get("raises")),
        warns=raw["warns"] if raw.get("warns") is False else _outcome(raw.get("warns")),
        needs=list(raw.get("needs", [])),
        pytorch=raw.get("pytorch"),
        rtol=raw.get("rtol"),
        atol=raw.get("atol"),
        program_line=program_line,
        program_column=program_column,
        yaml_text=_case_text(text, at(path).line),
    )
    return case


def _outcome(value: Any) -> dict[str, Any] | None:
    """`raises: RuntimeError` and `raises: {type: RuntimeError}` mean the same thing."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"type": value, "match": None}
    return {"type": value["type"], "match": value.get("match")}


def _block_start(text: str, location: Location) -> tuple[int, int]:
    """Line and indent where a `program: |` block's content starts (its first content line)."""
    lines = text.splitlines()
    line = location.line
    if 0 < line <= len(lines) and lines[line - 1].rstrip().endswith(("|", "|-", "|+", ">", ">-")):
        line += 1
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    return line, len(content) - len(content.lstrip()) + 1


def _case_text(text: str, first_line: int) -> str:
    """The case's own lines in its file, so reports and `show` can print the spec as written."""
    lines = text.splitlines()
    start = first_line - 1
    indent = len(lines[start]) - len(lines[start].lstrip(" -")) if start < len(lines) else 0
    end = start + 1
    while end < len(lines):
        stripped = lines[end].lstrip()
        current = len(lines[end]) - len(stripped)
        if (
            stripped.startswith("- ")
            and current <= indent - 2
            or (stripped and current < indent - 2)
        ):
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def semantic_problems(case: Case) -> list[SpecProblem]:
    """What the schema cannot see: programs and expressions the checker rejects, bad regexes,
    unknown capabilities, malformed version ranges."""
    problems: list[SpecProblem] = []

    def add(location: Location, message: str) -> None:
        problems.append(SpecProblem(location, message, case.id))

    line, indent = case.program_line, case.program_column
    for err in check_program(case.program, "exec"):
        add(Location(case.location.file, line + err.line - 1, indent + err.column - 1), err.message)
    for expr, matcher in case.expect.items():
        where = case.expect_locations[expr]
        for err in check_program(expr, "eval", program=case.program):
            add(where, f"expectation {expr!r}: {err.message}")
        if isinstance(matcher, dict):
            for key in EXPRESSION_MATCHERS:
                if key in matcher:
                    for err in check_program(str(matcher[key]), "eval", program=case.program):
                        add(where, f"{key} {matcher[key]!r}: {err.message}")
            for key in ("raises", "warns"):
                outcome = _outcome(matcher.get(key)) if matcher.get(key) is not False else None
                _check_regex(outcome, where, f"expectation {expr!r} {key}", add)
    _check_regex(case.raises, case.location, "raises", add)
    _check_regex(case.warns if isinstance(case.warns, dict) else None, case.location, "warns", add)
    for need in case.needs:
        if need not in CAPABILITIES:
            hint = (
                did_you_mean(need, CAPABILITIES) or f" (known: {', '.join(sorted(CAPABILITIES))})"
            )
            add(case.location, f"unknown capability {need!r} in 'needs'{hint}")
    if case.pytorch is not None:
        try:
            SpecifierSet(case.pytorch)
        except InvalidSpecifier:
            add(case.location, f"'pytorch: {case.pytorch}' is not a version range such as '>=2.0'")
    return problems


def _check_regex(outcome: dict[str, Any] | None, where: Location, what: str, add: Any) -> None:
    if outcome and outcome.get("match"):
        try:
            re.compile(outcome["match"])
        except re.error as exc:
            add(where, f"{what}: 'match' is not a valid regular expression ({exc})")
