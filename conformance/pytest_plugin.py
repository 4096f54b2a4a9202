"""The pytest plugin: an engine's own test suite checks the engine against the corpus.

Engine authors live in pytest, so the corpus must show up there as ordinary items: one per case
x engine x device (`autograd.leaf.grad-populated-on-leaves-only[reference-cpu]`), selectable by
`-k` and by markers named after areas and tags, distributable with pytest-xdist, and failing with
expected vs actual and a repro script. Cases still run in the runner's worker processes, so an
engine that segfaults fails one item, never the pytest process. Known departures live in an
expectations file (`conformance.expectations`). Without `--conformance-engine` (or the ini key
`conformance_engines`) the plugin only registers its options.

Under xdist, items run in the xdist workers and their results travel to the controller on the
test reports (a user property, removed there before other plugins such as junitxml see it);
the controller alone writes `results.jsonl` and the report, and judges stale expectations.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

PROPERTY = "conformance_result"
# Marker names pytest gives a meaning to: a tag with such a name must not skip or xfail a case.
RESERVED = frozenset(
    {"skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings", "tryfirst"}
    | {"trylast", "conformance"}
)
SPECS_LANE = "invalid"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "torch-conformance (check an engine against PyTorch)")
    group.addoption(
        "--conformance-engine",
        action="append",
        default=[],
        metavar="E",
        help="engine to check (repeatable): a registered name (torch), module:NAME, or "
        "pkg.mod:Class. Turns the plugin on. ini: conformance_engines",
    )
    group.addoption(
        "--conformance-device",
        action="append",
        default=[],
        metavar="D",
        help="device (repeatable: cpu, cuda); default every device the engine has. "
        "ini: conformance_devices",
    )
    group.addoption(
        "--conformance-specs",
        action="append",
        default=[],
        metavar="PATH",
        help="extra spec file or folder (repeatable). ini: conformance_specs",
    )
    group.addoption(
        "--conformance-no-bundled-specs",
        action="store_true",
        default=None,
        help="only the --conformance-specs, not the corpus shipped with the kit. "
        "ini: conformance_bundled_specs = false",
    )
    group.addoption(
        "--conformance-expectations",
        metavar="FILE",
        help="YAML file of known departures (xfail, intermittent, skip). "
        "ini: conformance_expectations",
    )
    group.addoption(
        "--conformance-strict-expectations",
        action="store_true",
        default=None,
        help="fail the session when an expectation matches no case (stale). "
        "ini: conformance_strict = true",
    )
    group.addoption(
        "--conformance-report",
        metavar="DIR",
        help="write results.jsonl, index.html, summary.json and junit.xml to DIR. "
        "ini: conformance_report",
    )
    group.addoption(
        "--conformance-timeout",
        metavar="S",
        help="seconds per case before it is a timeout (default 10). ini: conformance_timeout",
    )
    group.addoption(
        "--conformance-memory-limit",
        metavar="MB",
        help="a worker above this resident size is killed, the case is oom (default 4096). "
        "ini: conformance_memory_limit",
    )
    for name, kind, text in (
        ("conformance_engines", "args", "engines to check (turns the plugin on)"),
        ("conformance_devices", "args", "devices (default: every device each engine has)"),
        ("conformance_specs", "paths", "extra spec files or folders"),
        ("conformance_expectations", "paths", "expectations file"),
        ("conformance_report", "paths", "folder for results.jsonl and the reports"),
        ("conformance_timeout", "string", "seconds per case (default 10)"),
        ("conformance_memory_limit", "string", "MiB per worker (default 4096)"),
    ):
        parser.addini(name, f"torch-conformance: {text}", type=kind)
    parser.addini(
        "conformance_bundled_specs", "torch-conformance: use the bundled corpus", "bool", True
    )
    parser.addini("conformance_strict", "torch-conformance: stale expectations fail", "bool", False)


@dataclass
class Settings:
    engines: list[str]
    devices: list[str] = field(default_factory=list)
    specs: list[Path] = field(default_factory=list)
    bundled: bool = True
    expectations: Path | None = None
    strict: bool = False
    report: Path | None = None
    timeout: float = 10.0
    memory_limit_mb: int = 4096
    engines_from_cli: bool = False


def read_settings(config: pytest.Config) -> Settings:
    """Command-line options win over ini keys; ini paths are relative to the ini file."""
    opt = config.option

    def first(paths: list[Path]) -> Path | None:
        return paths[0] if paths else None

    def number(cli: str | None, ini: str, default: float, kind: type) -> Any:
        raw = cli if cli is not None else (config.getini(ini) or None)
        try:
            return kind(raw) if raw is not None else default
        except ValueError:
            raise pytest.UsageError(f"{ini}: {raw!r} is not a number") from None

    cli_report = opt.conformance_report
    cli_expectations = opt.conformance_expectations
    return Settings(
        engines=opt.conformance_engine or list(config.getini("conformance_engines")),
        devices=opt.conformance_device or list(config.getini("conformance_devices")),
        specs=[Path(p) for p in opt.conformance_specs] or list(config.getini("conformance_specs")),
        bundled=not opt.conformance_no_bundled_specs and config.getini("conformance_bundled_specs"),
        expectations=Path(cli_expectations)
        if cli_expectations
        else first(config.getini("conformance_expectations")),
        strict=bool(opt.conformance_strict_expectations or config.getini("conformance_strict")),
        report=Path(cli_report) if cli_report else first(config.getini("conformance_report")),
        timeout=number(opt.conformance_timeout, "conformance_timeout", 10.0, float),
        memory_limit_mb=number(opt.conformance_memory_limit, "conformance_memory_limit", 4096, int),
        engines_from_cli=bool(opt.conformance_engine),
    )


def pytest_configure(config: pytest.Config) -> None:
    settings = read_settings(config)
    if not settings.engines:
        return  # not asked for: leave the project's own test run alone
    from conformance.pytest_session import ConformanceSession

    config.addinivalue_line("markers", "conformance: a torch-conformance case")
    config.pluginmanager.register(ConformanceSession(config, settings), "conformance-session")


def marker_names(case: Any) -> list[str]:
    """Markers of a case: its area, tags and needs; names pytest reserves get a prefix."""
    names = []
    for raw in [case.area, *case.tags, *case.needs]:
        name = re.sub(r"[^\w-]", "_", raw)
        name = f"conformance_{name}" if name in RESERVED or name.startswith("_") else name
        if name not in names:
            names.append(name)
    return names


def worker_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


def is_controller(config: pytest.Config) -> bool:
    """True in the process that reports: the only one without xdist, the controller with it."""
    return not hasattr(config, "workerinput")


def engine_record(engine: str, info: Any, error: str = "") -> dict[str, Any]:
    record: dict[str, Any] = {"type": "engine", "engine": engine}
    if info is not None:
        record["info"] = asdict(info)
    if error:
        record["error"] = error
    return record


def log_dir(settings: Settings) -> Path:
    if settings.report is not None:
        path = settings.report / "logs"
    else:
        path = Path(tempfile.gettempdir()) / f"conformance-logs-{os.getuid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def payload(result: Any, engine: dict[str, Any] | None, digest: str) -> str:
    return json.dumps({"result": result.to_dict(), "engine": engine, "digest": digest})
