"""The `conformance` command: run, list, lint, engines, show, coverage, report, expectations.

Exit codes: 0 nothing unexpected; 1 unexpected results (fail, error, xpass, timeout, crash,
oom); 2 a usage error or invalid specs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

import conformance
from conformance import adapter as adapters
from conformance.expectations import ExpectationsError, load_expectations
from conformance.loader import Corpus, bundled_specs_root, load_corpus
from conformance.model import UNEXPECTED
from conformance.repro import repro_script
from conformance.select import KeywordError, keyword_matcher, select
from conformance.suggest import nearest

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE = 0, 1, 2

EPILOG = """\
examples:
  conformance run                          every bundled spec on every installed built-in engine
  conformance run --engine torch -k leaf   only cases whose id, title or tags mention 'leaf'
  conformance run --engine module:mytorch  any importable module that looks like torch
  conformance run --specs my_specs/        bundled specs plus your own
  conformance show autograd.leaf.grad-populated-on-leaves-only --engine torch
  conformance lint --specs my_specs/       check spec files without running anything
  conformance report reports/latest        rebuild a run's HTML report, summary.json, junit.xml
  conformance report diff OLD NEW          what got fixed or regressed between two runs
  conformance run --engine E --expectations conformance-expectations.yaml
                                           known departures become xfail, fixed ones xpass
  conformance expectations update reports/latest -o conformance-expectations.yaml
"""

REPORT_EPILOG = """\
examples:
  conformance report reports/latest                     rebuild reports/latest/index.html
  conformance report shard1.jsonl shard2.jsonl -o merged/index.html
                                                        merge shards (a later file wins)
  conformance report diff reports/RUN-A reports/latest  fixed, regressed, new, removed
  conformance report diff old.jsonl new.jsonl -o diff.html

Beside the HTML: summary.json (schema: conformance/templates/summary.schema.json) and
junit.xml (one testsuite per engine-device lane). `report diff` exits 1 if anything that
passed before is unexpected now, else 0 (a results file named `diff` needs ./diff).
"""

DIFF_EPILOG = """\
examples:
  conformance report diff reports/20250101-120000-ab12 reports/latest
  conformance report diff old/results.jsonl new/results.jsonl -o diff.html

regressed: was pass or xfail, now unexpected; fixed: was unexpected, now pass or xfail;
changed: any other change of status; new/removed: in only one of the runs.
Exit code 1 if anything regressed, else 0.
"""


def _add_spec_options(parser: argparse.ArgumentParser, selection: bool = True) -> None:
    parser.add_argument(
        "--specs",
        action="append",
        default=[],
        metavar="PATH",
        type=Path,
        help="extra spec file or folder (repeatable); the bundled specs are always included "
        "unless --no-bundled-specs",
    )
    parser.add_argument(
        "--no-bundled-specs",
        action="store_true",
        help="use only the --specs paths, not the corpus shipped with the kit",
    )
    if selection:
        parser.add_argument(
            "-k",
            dest="keyword",
            metavar="EXPR",
            help="select cases whose id, title or tags match, e.g. -k 'leaf and not retain'",
        )
        parser.add_argument(
            "--tag",
            action="append",
            default=[],
            metavar="T",
            help="select cases carrying this tag (repeatable: any of them)",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Check engines against PyTorch's documented tensor and autograd semantics.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"torch-conformance {conformance.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run specs against engines and devices, write results and a summary",
        description="Run the selected cases on every engine x device. Each engine runs in "
        "its own worker process: a crash, hang or memory blow-up costs one case.",
    )
    run.add_argument(
        "--engine",
        action="append",
        default=[],
        metavar="E",
        help="engine to check (repeatable): a built-in or registered name (torch), module:NAME for "
        "any torch-like module, or pkg.mod:Class for an adapter class. Default: every "
        "installed built-in engine",
    )
    run.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="D",
        help="device to run on (repeatable: cpu, cuda). Default: every device each engine has",
    )
    _add_spec_options(run)
    run.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="seconds per case (default 10)"
    )
    run.add_argument(
        "--memory-limit",
        type=int,
        default=4096,
        metavar="MB",
        help="a worker above this resident size is killed and the case is 'oom' (default 4096)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where runs are written, as DIR/<run-id>/results.jsonl (default ./reports)",
    )
    run.add_argument(
        "--expectations",
        type=Path,
        metavar="FILE",
        help="YAML file of the engine's known departures: a result it lists becomes xfail, a "
        "listed case that passes becomes xpass (see README, 'Expectations files')",
    )
    run.add_argument(
        "--strict-expectations",
        action="store_true",
        help="exit 1 when an expectation matches no case of the corpus (stale)",
    )
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="engine-device lanes run at once (default: number of CPUs)",
    )

    lst = commands.add_parser("list", help="list cases (id, title, tags)")
    lst.add_argument(
        "--ids", action="store_true", help="print only the ids, one a line (for scripts)"
    )
    _add_spec_options(lst)

    lint = commands.add_parser(
        "lint", help="check spec files: schema, ids, programs; exit 2 on any problem"
    )
    _add_spec_options(lint, selection=False)

    commands.add_parser(
        "engines", help="what engines are installed: versions, devices, capabilities"
    )

    coverage = commands.add_parser(
        "coverage",
        help="cases per area, and which allow-listed torch API names the corpus uses or not yet",
    )
    coverage.add_argument("--json", action="store_true", help="print the figures as JSON")
    _add_spec_options(coverage)

    show = commands.add_parser(
        "show", help="print a case's spec and a standalone script that reproduces it"
    )
    show.add_argument("case_id", metavar="ID")
    show.add_argument(
        "--engine",
        default="torch",
        metavar="E",
        help="engine the script binds to torch (default torch)",
    )
    show.add_argument(
        "--device", default="cpu", metavar="D", help="device under test (default cpu)"
    )
    show.add_argument(
        "--script-only", action="store_true", help="print only the script, e.g. to pipe into a file"
    )
    _add_spec_options(show, selection=False)

    report = commands.add_parser(
        "report",
        help="build an HTML report, summary.json and junit.xml from results files; "
        "or `report diff OLD NEW`",
        description="Build one report from one or more results files (runs or shards, merged; "
        "for a case x engine x device in several files the later file wins). A run folder "
        "stands for its results.jsonl. `conformance report diff OLD NEW` compares two runs.",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "results",
        nargs="+",
        type=Path,
        metavar="RESULTS",
        help="results.jsonl files or run folders",
    )
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="the HTML file to write (default: index.html beside the first results file); "
        "summary.json and junit.xml go beside it",
    )
    _add_spec_options(report, selection=False)

    expectations = commands.add_parser(
        "expectations", help="expectations files: `expectations update RESULTS -o FILE`"
    )
    actions = expectations.add_subparsers(dest="action", metavar="ACTION", required=True)
    update = actions.add_parser(
        "update",
        help="write an expectations file from a run: every unexpected result becomes an entry",
        description="Write FILE from one or more runs' results: each unexpected result becomes "
        "an entry 'recorded from <run-id>'. An existing FILE keeps its reasons, gains outcomes "
        "newly seen, and loses entries whose cases now pass.",
    )
    update.add_argument(
        "results", nargs="+", type=Path, metavar="RESULTS", help="results.jsonl or run folders"
    )
    update.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="the expectations file to write (updated in place if it exists)",
    )
    return parser


def build_diff_parser() -> argparse.ArgumentParser:
    """`conformance report diff`: parsed on its own so that `report RESULTS...` keeps taking
    any number of files and `report diff --help` still explains diff."""
    diff = argparse.ArgumentParser(
        prog="conformance report diff",
        description="Compare two runs per case x engine x device and print what got fixed, "
        "what regressed, and which cases are new or removed.",
        epilog=DIFF_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument(
        "old", type=Path, metavar="OLD", help="the earlier results file or run folder"
    )
    diff.add_argument("new", type=Path, metavar="NEW", help="the later results file or run folder")
    diff.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="also write the diff as an HTML page"
    )
    return diff


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["report", "diff"]:
        return cmd_report_diff(build_diff_parser().parse_args(argv[2:]), Console(highlight=False))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    console = Console(highlight=False)
    try:
        handler = {
            "run": cmd_run,
            "list": cmd_list,
            "lint": cmd_lint,
            "engines": cmd_engines,
            "show": cmd_show,
            "coverage": cmd_coverage,
            "report": cmd_report,
            "expectations": cmd_expectations,
        }
        return handler[args.command](args, console, argv)
    except KeywordError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_USAGE
    except ExpectationsError as exc:
        console.print("[red]error:[/] invalid expectations file")
        for problem in exc.problems:
            console.print(escape(problem), soft_wrap=True)
        return EXIT_USAGE


def _corpus(args: argparse.Namespace) -> Corpus:
    roots = ([] if args.no_bundled_specs else [bundled_specs_root()]) + list(args.specs)
    return load_corpus(roots)


def _print_problems(console: Console, corpus: Corpus) -> None:
    for problem in corpus.problems:
        console.print(
            f"[magenta]{escape(str(problem.location))}[/]: {escape(problem.message)}",
            soft_wrap=True,
        )


def cmd_run(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    from conformance.runner import RunOptions, invalid_results, run
    from conformance.terminal import (
        RichProgress,
        device_labels,
        print_unexpected,
        summary_table,
    )

    corpus = _corpus(args)
    cases = select(corpus.cases, args.keyword, args.tag)
    matches = keyword_matcher(args.keyword) if args.keyword else None
    invalid = [
        r
        for r in invalid_results(corpus.invalid_ids())
        if (matches is None or matches(r.case_id.lower())) and not args.tag
    ]
    engines = args.engine or adapters.default_engines()
    if not engines:
        console.print(
            "[red]error:[/] no engine to run: none of the built-in engines is installed. "
            "Install torch (pip install 'torch-conformance[torch]') or pass --engine module:NAME"
        )
        return EXIT_USAGE
    if not cases and not invalid:
        console.print("[yellow]no case matches the selection[/] (see `conformance list`)")
        return EXIT_USAGE
    _print_problems(console, corpus)
    expectations = load_expectations(args.expectations) if args.expectations else None
    options = RunOptions(
        engines=engines,
        devices=args.device or None,
        timeout=args.timeout,
        memory_limit_mb=args.memory_limit,
        out_dir=args.out,
        argv=["conformance", *argv],
        expectations=expectations,
    )
    if args.jobs:
        options.jobs = args.jobs
    console.print(
        f"{len(cases)} cases from {len(corpus.files)} spec files (corpus {corpus.digest}); "
        f"engines: {', '.join(engines)}"
    )
    with RichProgress(console) as progress:
        outcome = run(corpus, cases, invalid, options, progress)
    if not outcome.results:
        console.print("[red]nothing ran:[/] no engine has any of the devices asked for (--device)")
        return EXIT_USAGE
    labels = device_labels(outcome.engines)
    console.print(summary_table(outcome.results, labels))
    print_unexpected(console, outcome.results, labels=labels)
    console.print(f"results: {outcome.results_path}")
    from conformance.report import write_report

    html = write_report([outcome.results_path], outcome.run_dir / "index.html", corpus=corpus)
    console.print(f"report: {html} (with summary.json and junit.xml)")
    stale = expectations.stale([c.id for c in corpus.cases]) if expectations else []
    for entry in stale:
        console.print(
            f"[yellow]stale expectation[/] {escape(str(entry.location))}: {escape(entry.id)!r} "
            "matches no case; remove or rename it",
            soft_wrap=True,
        )
    if corpus.problems:
        return EXIT_USAGE
    if stale and args.strict_expectations:
        return EXIT_UNEXPECTED
    return EXIT_UNEXPECTED if any(r.status in UNEXPECTED for r in outcome.results) else EXIT_OK


def cmd_list(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    corpus = _corpus(args)
    cases = select(corpus.cases, args.keyword, args.tag)
    if args.ids:
        sys.stdout.write("".join(f"{case.id}\n" for case in cases))
        return EXIT_USAGE if corpus.problems else EXIT_OK
    table = Table(show_edge=False, box=None)
    for column in ("id", "title", "tags"):
        table.add_column(column)
    for case in cases:
        table.add_row(escape(case.id), escape(case.title), escape(", ".join(case.tags)))
    console.print(table)
    console.print(f"{len(cases)} of {len(corpus.cases)} cases")
    _print_problems(console, corpus)
    return EXIT_USAGE if corpus.problems else EXIT_OK


def cmd_lint(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    corpus = _corpus(args)
    _print_problems(console, corpus)
    if corpus.problems:
        console.print(f"[red]{len(corpus.problems)} problems[/] in {len(corpus.files)} spec files")
        return EXIT_USAGE
    console.print(f"[green]ok[/]: {len(corpus.cases)} cases in {len(corpus.files)} spec files")
    return EXIT_OK


def cmd_engines(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    from conformance.worker import Worker, WorkerDied

    table = Table(title="Engines")
    for column in ("engine", "version", "devices", "capabilities", "status"):
        table.add_column(column)
    for name in sorted(adapters.available_engines()):
        worker = Worker(name, None, memory_limit_mb=8192)
        try:
            info = worker.start()
        except WorkerDied as died:
            table.add_row(name, "", "", "", f"[red]{escape(died.reason)}[/]")
            continue
        finally:
            worker.stop()
        devices = ", ".join(info.device_labels.get(d, d) for d in info.devices)
        table.add_row(
            name, info.version, devices, ", ".join(info.capabilities), "[green]installed[/]"
        )
    console.print(table)
    console.print(
        "Also: module:NAME runs any importable torch-like module; "
        "pkg.mod:Class loads an adapter class."
    )
    return EXIT_OK


def cmd_coverage(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    from conformance.coverage import MIN_CASES_PER_AREA, measure

    corpus = _corpus(args)
    report = measure(select(corpus.cases, args.keyword, args.tag))
    if args.json:
        data = {
            "cases": report.total_cases,
            "cases_per_area": dict(sorted(report.cases_per_area.items())),
            "api_used": report.used,
            "api_unused": report.unused_by_section,
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    table = Table(title=f"{report.total_cases} cases by area")
    table.add_column("area")
    table.add_column("cases", justify="right")
    for area, count in sorted(report.cases_per_area.items()):
        style = "red" if count < MIN_CASES_PER_AREA else ""
        table.add_row(area, f"[{style}]{count}[/]" if style else str(count))
    console.print(table)
    unused = sum(len(v) for v in report.unused_by_section.values())
    console.print(
        f"torch/NumPy API names used by the corpus: {len(report.used)}; "
        f"on the allow-list but unused: {unused}"
    )
    console.print(", ".join(f"{n} ({c})" for n, c in report.used.items()), soft_wrap=True)
    for section, names in report.unused_by_section.items():
        console.print(f"[dim]unused, {escape(section)}:[/] {', '.join(names)}", soft_wrap=True)
    if report.thin_areas():
        console.print(
            f"[red]areas under {MIN_CASES_PER_AREA} cases:[/] {', '.join(report.thin_areas())}"
        )
    return EXIT_OK


def cmd_show(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    corpus = _corpus(args)
    found = [c for c in corpus.cases if c.id == args.case_id]
    if not found:
        close = nearest(args.case_id, [c.id for c in corpus.cases], limit=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `conformance list`"
        console.print(f"[red]error:[/] no case {escape(args.case_id)!s}{escape(hint)}")
        return EXIT_USAGE
    case = found[0]
    script = repro_script(case, args.engine, args.device)
    if args.script_only:
        sys.stdout.write(script)
        return EXIT_OK
    console.print(f"[bold]{escape(case.id)}[/]: {escape(case.title)}")
    console.print(f"[dim]{escape(str(case.location))}[/]")
    for source in case.sources:
        console.print(f"source: {escape(source.title)} <{escape(source.url)}>")
    console.print(Syntax(case.yaml_text, "yaml", line_numbers=True, start_line=case.location.line))
    console.print(
        f"\n[bold]Reproduce on {escape(args.engine)} / {escape(args.device)}[/] "
        "(save as a .py file and run it; or use --script-only):"
    )
    console.print(Syntax(script, "python"))
    return EXIT_OK


def cmd_report(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    from conformance.report import write_report
    from conformance.report_model import results_file

    missing = [p for p in args.results if not results_file(p).is_file()]
    if missing:
        console.print(f"[red]error:[/] no results file at {escape(', '.join(map(str, missing)))}")
        return EXIT_USAGE
    output = args.output or results_file(args.results[0]).parent / "index.html"
    html = write_report(args.results, output, specs=args.specs, bundled=not args.no_bundled_specs)
    console.print(f"report: {html} (with summary.json and junit.xml)")
    return EXIT_OK


def cmd_expectations(args: argparse.Namespace, console: Console, argv: list[str]) -> int:
    from conformance.expectations_update import update
    from conformance.report_model import results_file

    missing = [p for p in args.results if not results_file(p).is_file()]
    if missing:
        console.print(f"[red]error:[/] no results file at {escape(', '.join(map(str, missing)))}")
        return EXIT_USAGE
    text, summary = update(args.results, args.output, str(args.output))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    console.print(
        f"{escape(str(args.output))}: {len(summary.added)} added, {len(summary.updated)} "
        f"updated, {len(summary.dropped)} dropped (their cases pass now), {summary.kept} kept"
    )
    return EXIT_OK


def cmd_report_diff(args: argparse.Namespace, console: Console) -> int:
    from conformance.report_diff import diff_runs, print_diff, write_diff_html
    from conformance.report_model import results_file

    missing = [p for p in (args.old, args.new) if not results_file(p).is_file()]
    if missing:
        console.print(f"[red]error:[/] no results file at {escape(', '.join(map(str, missing)))}")
        return EXIT_USAGE
    diff = diff_runs([args.old], [args.new])
    print_diff(console, diff)
    if args.output:
        console.print(f"diff report: {write_diff_html(diff, args.output)}")
    return EXIT_UNEXPECTED if diff.regressed else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
