"""What a run shows in the terminal: a progress bar while it goes, then a summary table and the
unexpected results, each with the command that shows and reproduces it."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from conformance.model import STATUSES, UNEXPECTED, Result

STATUS_STYLE = {
    "pass": "green",
    "fail": "red",
    "error": "red",
    "unsupported": "dim",
    "skip": "dim",
    "xfail": "yellow",
    "xpass": "magenta",
    "timeout": "red",
    "crash": "bold red",
    "oom": "bold red",
    "invalid": "bold magenta",
}


class RichProgress:
    """The runner's progress callback, drawn with rich (plain lines when not on a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[tally]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = None
        self.tally: Counter = Counter()

    def __enter__(self) -> RichProgress:
        self.bar.start()
        self.task = self.bar.add_task("running", total=None, tally="")
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def planned(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def engine(self, record: dict) -> None:
        name = escape(record["engine"])
        if "error" in record:
            self.console.print(f"[red]engine {name} failed to load:[/] {escape(record['error'])}")
            return
        info = record["info"]
        labels = [info["device_labels"].get(d, d) for d in info["devices"]]
        line = f"engine [bold]{name}[/] {escape(info['version'])} on {', '.join(labels)}"
        self.console.print(line)
        if "warning" in record:
            self.console.print(f"[yellow]engine {name} {escape(record['warning'])}[/]")

    def result(self, result: Result) -> None:
        self.tally[result.status] += 1
        tally = " ".join(
            f"[{STATUS_STYLE[s]}]{s} {self.tally[s]}[/]" for s in STATUSES if self.tally[s]
        )
        self.bar.update(self.task, advance=1, tally=tally)


def device_labels(engines: list[dict]) -> dict[tuple[str, str], str]:
    """(engine, device) -> how the device is shown, e.g. "cuda (simulated)", from the run's
    engine records: a simulated device must never read as a GPU."""
    labels = {}
    for record in engines:
        for device, label in record.get("info", {}).get("device_labels", {}).items():
            labels[(record["engine"], device)] = label
    return labels


def lane_label(result: Result, labels: dict | None = None) -> str:
    if not result.engine:
        return "(specs)"
    if not result.device:
        return result.engine
    device = (labels or {}).get((result.engine, result.device), result.device)
    return f"{result.engine} / {device}"


def summary_table(results: list[Result], labels: dict | None = None) -> Table:
    by_lane: dict[str, Counter] = defaultdict(Counter)
    messages: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_lane[lane_label(r, labels)][r.status] += 1
        if r.message_conforms is not None:
            messages[lane_label(r, labels)].append(r.message_conforms)
    shown = [s for s in STATUSES if any(c[s] for c in by_lane.values())]
    table = Table(title="Summary", title_justify="left")
    table.add_column("engine / device")
    for status in shown:
        table.add_column(status, justify="right", style=STATUS_STYLE[status])
    table.add_column("pass rate", justify="right")
    table.add_column("messages", justify="right")
    for lane, c in sorted(by_lane.items()):
        ran = sum(c[s] for s in STATUSES if s not in ("skip", "unsupported", "invalid"))
        rate = f"{100 * (c['pass'] + c['xfail']) / ran:.1f}%" if ran else "-"
        graded = messages[lane]
        msg = f"{100 * sum(graded) / len(graded):.0f}%" if graded else "-"
        table.add_row(escape(lane), *[str(c[s] or "") for s in shown], rate, msg)
    return table


def print_unexpected(
    console: Console, results: list[Result], limit: int = 30, labels: dict | None = None
) -> None:
    unexpected = [r for r in results if r.status in UNEXPECTED]
    for r in unexpected[:limit]:
        style = STATUS_STYLE[r.status]
        lane = escape(lane_label(r, labels))
        console.print(
            f"[{style}]{r.status.upper():8}[/] {escape(r.case_id)} [dim]({lane}, "
            f"{escape(r.location)})[/]",
            soft_wrap=True,
        )
        if r.reason:
            console.print(f"         {escape(r.reason)}", soft_wrap=True)
        if r.engine and r.status != "invalid":
            device = f" --device {r.device}" if r.device and r.device != "cpu" else ""
            console.print(
                f"         [dim]reproduce: conformance show {r.case_id} "
                f"--engine {r.engine}{device}[/]",
                soft_wrap=True,
            )
    if len(unexpected) > limit:
        console.print(
            f"... and {len(unexpected) - limit} more unexpected results (see the results file)"
        )
