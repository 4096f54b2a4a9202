"""The pytest items of the plugin: one per case x engine x device, and how they fail.

An item's outcome is its worker's result, translated: pass passes, xfail is xfailed, skip and
unsupported are skipped, and everything else (fail, error, xpass, crash, timeout, oom, invalid)
fails with the failed checks' expected and actual values and a script that reproduces the case.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.model import Case, Result
from conformance.pytest_plugin import PROPERTY, marker_names

if TYPE_CHECKING:
    from conformance.pytest_session import ConformanceSession


class ConformanceFailure(Exception):
    """Raised by an item whose result is unexpected; carries the text pytest shows."""


class Cases(pytest.Collector):
    """The parent of every conformance item, so node ids read `conformance::<id>[<lane>]`.
    Collected beside the project's own test folders, so pytest counts, deselects and
    distributes its items like any others."""

    def __init__(self, *, plugin: ConformanceSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin

    def collect(self) -> list[pytest.Item]:
        return self.plugin.make_items(self)


class ConformanceItem(pytest.Item):
    def __init__(
        self,
        *,
        case: Case | None,
        engine: str,
        device: str,
        plugin: ConformanceSession,
        problem: Result | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.case, self.engine, self.device = case, engine, device
        self.plugin = plugin
        self.problem = problem  # an invalid spec: the item only reports it
        if case is not None:
            for name in marker_names(case):
                self.add_marker(name)
            self.extra_keyword_matches.update([case.title, *case.tags, *case.needs])
        self.add_marker("conformance")

    def runtest(self) -> None:
        result = self.problem or self.plugin.execute(self.case, self.engine, self.device)
        self.user_properties.append((PROPERTY, self.plugin.payload(result)))
        if result.status in ("pass",):
            return
        if result.status == "xfail":
            pytest.xfail(result.reason)
        if result.status in ("skip", "unsupported"):
            skip(f"{result.status}: {result.reason}")
        raise ConformanceFailure(describe_failure(result, self.case))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ConformanceFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        # The domain must not end the node id, or pytest shows the id's dots as `::`.
        domain = self.name.replace("[", " [", 1)
        if self.case is None:
            return self.path, None, domain
        location = self.case.location
        return Path(location.file), location.line - 1, domain


def skip(reason: str) -> None:
    """Skip, reported at the spec's line rather than at this module's (as skip marks are)."""
    try:
        raise pytest.skip.Exception(reason, _use_item_location=True)
    except TypeError:  # a pytest without the (private) keyword
        pytest.skip(reason)


def describe_failure(result: Result, case: Case | None) -> str:
    """What a failed item prints: status and reason, each failed check's expected and actual,
    the traceback of an engine error, and a standalone repro script."""
    where = f" ({result.location})" if result.location else ""
    lines = [f"{result.status.upper()} {result.case_id}{where}"]
    if result.engine:
        lines[0] += f" on {result.engine} / {result.device}"
    failed = [c for c in result.checks if not c.ok]
    if result.reason and not (result.status == "fail" and failed):  # the checks say it better
        lines.append(f"  {result.reason}")
    for check in failed:
        lines.append(f"  check {check.subject}: {check.matcher}")
        lines.append(f"    expected: {check.expected!r}")
        lines.append(f"    actual:   {check.actual!r}")
        if check.detail:
            lines.append(f"    ({check.detail})")
    if result.traceback:
        lines += ["", "engine traceback:", result.traceback.rstrip()]
    engine_ran = result.status != "error" or result.traceback  # not an engine that never loaded
    if case is not None and result.engine and engine_ran:
        from conformance.repro import repro_script

        device = f" --device {result.device}" if result.device != "cpu" else ""
        lines += [
            "",
            f"reproduce: conformance show {result.case_id} --engine {result.engine}{device}",
            "or run this script:",
            repro_script(case, result.engine, result.device).rstrip(),
        ]
    return "\n".join(lines)
