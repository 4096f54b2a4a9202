"""Two runs compared per case x engine x device: what got fixed, what regressed, what is new and
what was removed. `conformance report diff` prints it and exits 1 on any regression, so CI can
gate on "nothing that passed before fails now" without demanding a clean run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance.model import UNEXPECTED
from conformance.report_model import PASSING, load_model
from conformance.terminal import STATUS_STYLE

KINDS = ("regressed", "fixed", "changed", "new", "removed")


@dataclass
class Change:
    case_id: str
    lane: str
    old: str | None
    new: str | None
    reason: str = ""


@dataclass
class Diff:
    old: list[str]
    new: list[str]
    regressed: list[Change] = field(default_factory=list)  # was pass/xfail, now unexpected
    fixed: list[Change] = field(default_factory=list)  # was unexpected, now pass/xfail
    changed: list[Change] = field(default_factory=list)  # any other change of status
    added: list[Change] = field(default_factory=list)  # only in the new run
    removed: list[Change] = field(default_factory=list)  # only in the old run

    def groups(self) -> dict[str, list[Change]]:
        return {
            "regressed": self.regressed,
            "fixed": self.fixed,
            "changed": self.changed,
            "new": self.added,
            "removed": self.removed,
        }


def diff_runs(old_paths: list[Path], new_paths: list[Path]) -> Diff:
    old, new = load_model(old_paths), load_model(new_paths)
    out = Diff([str(p) for p in old_paths], [str(p) for p in new_paths])
    for key, after in new.results.items():
        case_id, engine, device = key
        lane = new.lane_label(engine, device)
        before = old.results.get(key)
        reason = after.get("reason") or ""
        if before is None:
            out.added.append(Change(case_id, lane, None, after["status"], reason))
            continue
        was, now = before["status"], after["status"]
        if was == now:
            continue
        change = Change(case_id, lane, was, now, reason)
        if was in PASSING and now in UNEXPECTED:
            out.regressed.append(change)
        elif was in UNEXPECTED and now in PASSING:
            out.fixed.append(change)
        else:
            out.changed.append(change)
    for key, before in old.results.items():
        if key not in new.results:
            case_id, engine, device = key
            lane = old.lane_label(engine, device)
            out.removed.append(Change(case_id, lane, before["status"], None))
    for changes in out.groups().values():
        changes.sort(key=lambda c: (c.case_id, c.lane))
    return out


def _status(status: str | None) -> str:
    if status is None:
        return "-"
    return f"[{STATUS_STYLE.get(status, '')}]{escape(status)}[/]"


def print_diff(console: Console, diff: Diff, limit: int = 200) -> None:
    counts = ", ".join(f"{len(v)} {k}" for k, v in diff.groups().items())
    console.print(f"[bold]diff[/] {escape(' '.join(diff.old))} -> {escape(' '.join(diff.new))}")
    for kind, changes in diff.groups().items():
        if not changes:
            continue
        table = Table(title=f"{kind} ({len(changes)})", title_justify="left")
        for column in ("case", "engine / device", "was", "now"):
            table.add_column(column)
        for c in changes[:limit]:
            table.add_row(escape(c.case_id), escape(c.lane), _status(c.old), _status(c.new))
        console.print(table)
        if len(changes) > limit:
            console.print(f"... and {len(changes) - limit} more {kind}")
    console.print(counts)


def write_diff_html(diff: Diff, path: Path, limit: int = 5000) -> Path:
    """The diff as one self-contained page, in the report's style."""
    from conformance.report import _env, assets

    path.parent.mkdir(parents=True, exist_ok=True)
    html = _env.get_template("report_diff.html.j2").render(
        title="Conformance diff", diff=diff, groups=diff.groups(), limit=limit, **assets()
    )
    path.write_text(html, encoding="utf-8")
    return path
