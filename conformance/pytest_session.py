"""The plugin's state for one pytest process: spec corpus, items, engine workers, results.

Registered by `conformance.pytest_plugin` only when an engine is asked for. Cases run through
`conformance.runner.run_one`, the function `conformance run` uses, in the same worker processes
(one per engine x device, started when its first item runs, replaced after a crash), so a case
means the same thing under pytest as on the command line.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conformance.expectations import Expectation, ExpectationsError, load_expectations
from conformance.loader import Corpus, bundled_specs_root, load_corpus
from conformance.model import Case, Result
from conformance.pytest_plugin import (
    PROPERTY,
    Settings,
    engine_record,
    is_controller,
    log_dir,
    marker_names,
    payload,
    worker_id,
)
from conformance.runner import Lane, invalid_results, run_one
from conformance.worker import Worker, WorkerDied


class ConformanceSession:
    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.expectations = None
        if settings.expectations is not None:
            try:
                self.expectations = load_expectations(settings.expectations)
            except ExpectationsError as exc:
                raise pytest.UsageError(
                    "conformance: invalid expectations file\n" + "\n".join(exc.problems)
                ) from None
        self._corpus: Corpus | None = None
        self.lanes: dict[tuple[str, str], Lane] = {}
        self.load_errors: dict[str, str] = {}
        self.sent_engines: set[str] = set()
        # Controller side: the results file, written as reports arrive.
        self.writer: Any = None
        self.written_engines: set[str] = set()
        self.counts: Counter = Counter()
        self.stale: list[Expectation] = []

    # -- corpus and items ---------------------------------------------------------------------

    def corpus(self) -> Corpus:
        if self._corpus is None:
            roots = [bundled_specs_root()] if self.settings.bundled else []
            self._corpus = load_corpus(roots + list(self.settings.specs))
        return self._corpus

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        """Add the cases to the session's top-level collectors (beside `tests/`). With explicit
        test paths and engines only from the ini file, the run is about those paths: no cases."""
        report = yield
        explicit_paths = self.config.args_source == pytest.Config.ArgsSource.ARGS
        wanted = self.settings.engines_from_cli or not explicit_paths
        if isinstance(collector, pytest.Session) and report.passed and wanted:
            from conformance.pytest_items import Cases

            report.result.append(
                Cases.from_parent(collector, name="conformance", nodeid="conformance", plugin=self)
            )
        return report

    def make_items(self, parent: pytest.Collector) -> list[pytest.Item]:
        from conformance.pytest_items import ConformanceItem

        corpus = self.corpus()
        for name in sorted({m for case in corpus.cases for m in marker_names(case)}):
            self.config.addinivalue_line("markers", f"{name}: torch-conformance area, tag or need")
        items: list[pytest.Item] = []
        for problem in invalid_results(corpus.invalid_ids()):
            items.append(
                ConformanceItem.from_parent(
                    parent,
                    name=f"{problem.case_id}[invalid]",
                    case=None,
                    engine="",
                    device="",
                    plugin=self,
                    problem=problem,
                )
            )
        lanes = [(e, d) for e in self.settings.engines for d in self.devices_of(e)]
        for case in corpus.cases:
            for engine, device in lanes:
                items.append(
                    ConformanceItem.from_parent(
                        parent,
                        name=f"{case.id}[{engine}-{device}]",
                        case=case,
                        engine=engine,
                        device=device,
                        plugin=self,
                    )
                )
        return items

    def devices_of(self, engine: str) -> list[str]:
        """The devices asked for; else the engine's own, which means starting it now (its
        worker is kept for the first lane). An engine that cannot load gets the cpu lane, whose
        items then each report why."""
        if self.settings.devices:
            return list(self.settings.devices)
        lane = self.lane(engine, "cpu")
        if lane is None or lane.info is None:
            return ["cpu"]
        devices = list(lane.info.devices) or ["cpu"]
        if devices[0] != "cpu":
            self.lanes[(engine, devices[0])] = self.lanes.pop((engine, "cpu"))
            self.lanes[(engine, devices[0])].device = devices[0]
        return devices

    # -- running ------------------------------------------------------------------------------

    def lane(self, engine: str, device: str) -> Lane | None:
        """The lane's worker, started; None (and a load error noted) when the engine cannot
        load."""
        if engine in self.load_errors:
            return None
        key = (engine, device)
        if key not in self.lanes:
            name = f"{engine}-{device}-{worker_id(self.config)}.log"
            log = log_dir(self.settings) / name.replace("/", "_").replace(":", "_")
            worker = Worker(engine, log, self.settings.memory_limit_mb)
            try:
                info = worker.start()
            except WorkerDied as died:
                self.load_errors[engine] = died.reason
                return None
            self.lanes[key] = Lane(engine, device, worker, info)
        return self.lanes[key]

    def execute(self, case: Case, engine: str, device: str) -> Result:
        lane = self.lane(engine, device)
        location = str(case.location)
        if lane is None:
            reason = self.load_errors[engine]
            return Result(case.id, engine, device, "error", reason=reason, location=location)
        info = lane.info
        if (
            info is not None
            and device not in info.devices
            and device.split(":")[0] not in [d.split(":")[0] for d in info.devices]
        ):
            reason = f"engine {engine} has no device {device} (it has {', '.join(info.devices)})"
            return Result(case.id, engine, device, "skip", reason=reason, location=location)
        result = run_one(lane, case, self.settings.timeout, self.expectations)
        if result.status in ("crash", "timeout", "oom") and lane.worker.log_path:
            result.reason += f" (engine output: {lane.worker.log_path})"
        return result

    def payload(self, result: Result) -> str:
        """The result as it travels to the controller, with its engine's info the first time."""
        engine = None
        if result.engine and result.engine not in self.sent_engines:
            lane = next((v for k, v in self.lanes.items() if k[0] == result.engine), None)
            engine = engine_record(
                result.engine,
                lane.info if lane else None,
                self.load_errors.get(result.engine, ""),
            )
            self.sent_engines.add(result.engine)
        return payload(result, engine, self.corpus().digest if self._corpus else "")

    # -- controller: results file, report, stale expectations ---------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not is_controller(self.config):
            return  # an xdist worker: the report goes to the controller as it is
        mine = [p for p in report.user_properties if p[0] == PROPERTY]
        report.user_properties = [p for p in report.user_properties if p[0] != PROPERTY]
        if report.when == "call":  # the setup and teardown reports carry the same property
            for _, text in mine:
                self.record(json.loads(text))

    def record(self, data: dict[str, Any]) -> None:
        result = Result.from_dict(data["result"])
        self.counts[result.status] += 1
        if self.settings.report is None:
            return
        writer = self.open_writer(data.get("digest", ""))
        engine = data.get("engine")
        if engine and engine["engine"] not in self.written_engines:
            self.written_engines.add(engine["engine"])
            writer.write(engine)
        writer.write_result(result)

    def open_writer(self, digest: str) -> Any:
        if self.writer is None:
            from conformance.results import ResultsWriter, run_metadata
            from conformance.runner import new_run_id

            assert self.settings.report is not None
            path = self.settings.report / "results.jsonl"
            path.unlink(missing_ok=True)
            self.writer = ResultsWriter(path)
            argv = ["pytest", *self.config.invocation_params.args]
            self.writer.write(run_metadata(f"pytest-{new_run_id()}", digest, argv))
        return self.writer

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        for lane in self.lanes.values():
            lane.worker.stop()
        if not is_controller(self.config):
            return
        if self.expectations is not None:
            self.stale = self.expectations.stale([c.id for c in self.corpus().cases])
            if self.stale and self.settings.strict and session.exitstatus == 0:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.writer is not None:
            from conformance.report import write_report

            self.writer.finish(dict(self.counts))
            write_report(
                [self.writer.path],
                self.settings.report / "index.html",
                specs=list(self.settings.specs),
                bundled=self.settings.bundled,
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not is_controller(self.config):
            return
        if self.stale:
            strict = self.settings.strict
            title = "conformance: stale expectations" + (" (strict: the session fails)" * strict)
            terminalreporter.section(title, sep="=", yellow=not strict, red=strict)
            for entry in self.stale:
                terminalreporter.line(
                    f"{entry.location}: {entry.id!r} matches no case of the corpus; "
                    "remove or rename the entry"
                )
            if not strict:
                terminalreporter.line(
                    "(--conformance-strict-expectations or conformance_strict = true "
                    "makes stale entries fail the session)"
                )
        if self.writer is not None:
            report = Path(self.settings.report or ".") / "index.html"
            terminalreporter.write_line(
                f"conformance report: {report} (with results.jsonl, summary.json, junit.xml)"
            )
