"""A run: cases x engines x devices, each engine-device lane in its own worker process, results
streamed to `<out>/<run-id>/results.jsonl` as each case ends."""

from __future__ import annotations

import datetime
import os
import re
import secrets
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from conformance.adapter import EngineInfo
from conformance.execute import device_type
from conformance.expectations import Expectations, apply, skipped
from conformance.loader import Corpus, SpecProblem
from conformance.model import Case, Result
from conformance.results import ResultsWriter, run_metadata
from conformance.worker import Worker, WorkerDied


@dataclass
class RunOptions:
    engines: list[str]
    devices: list[str] | None = None
    timeout: float = 10.0
    memory_limit_mb: int = 4096
    out_dir: Path = Path("reports")
    jobs: int = max(1, os.cpu_count() or 1)
    argv: list[str] = field(default_factory=list)
    expectations: Expectations | None = None


class Progress(Protocol):
    def planned(self, total: int) -> None: ...
    def engine(self, record: dict) -> None: ...
    def result(self, result: Result) -> None: ...


class NoProgress:
    def planned(self, total: int) -> None:
        pass

    def engine(self, record: dict) -> None:
        pass

    def result(self, result: Result) -> None:
        pass


@dataclass
class Lane:
    engine: str
    device: str
    worker: Worker
    info: EngineInfo | None = None
    cases: list[Case] = field(default_factory=list)


@dataclass
class RunOutcome:
    run_dir: Path
    results_path: Path
    results: list[Result]
    engines: list[dict]


def new_run_id() -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


def invalid_results(problems_by_case: dict[str, list[SpecProblem]]) -> list[Result]:
    """Spec problems become `invalid` results, one per case (or file) they break."""
    return [
        Result(
            case_id,
            "",
            "",
            "invalid",
            reason="; ".join(p.message for p in problems),
            location=str(problems[0].location),
        )
        for case_id, problems in problems_by_case.items()
    ]


def run(
    corpus: Corpus,
    cases: list[Case],
    invalid: list[Result],
    options: RunOptions,
    progress: Progress | None = None,
) -> RunOutcome:
    progress = progress or NoProgress()
    run_dir = options.out_dir / new_run_id()
    results_path = run_dir / "results.jsonl"
    writer = ResultsWriter(results_path)
    writer.write(run_metadata(run_dir.name, corpus.digest, options.argv))
    (run_dir / "logs").mkdir(exist_ok=True)
    collected: list[Result] = []

    def record(result: Result) -> None:
        writer.write_result(result)
        collected.append(result)
        progress.result(result)

    engines: list[dict] = []
    lanes: list[Lane] = []
    failed: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(options.engines))) as pool:
        probes = {e: pool.submit(_probe, e, run_dir, options) for e in options.engines}
    for engine, future in probes.items():
        worker, info, error = future.result()
        entry = {"type": "engine", "engine": engine}
        if info is None:
            failed[engine] = error
            entry["error"] = error
        else:
            entry["info"] = asdict(info)
            devices = _chosen_devices(info, options.devices)
            if not devices:
                entry["warning"] = (
                    f"has none of the devices asked for ({', '.join(options.devices or [])}); "
                    f"it has {', '.join(info.devices)}"
                )
            for i, device in enumerate(devices):
                lane_worker = (
                    worker
                    if i == 0
                    else Worker(engine, _log(run_dir, engine, device), options.memory_limit_mb)
                )
                lanes.append(Lane(engine, device, lane_worker, info))
            if not devices:
                worker.stop()
        engines.append(entry)
        writer.write(entry)
        progress.engine(entry)

    _plan(cases, lanes)
    total = len(invalid) + sum(len(lane.cases) for lane in lanes) + len(cases) * len(failed)
    progress.planned(total)
    for result in invalid:
        record(result)
    for engine, error in failed.items():
        for case in cases:
            record(Result(case.id, engine, "", "error", reason=error, location=str(case.location)))

    with ThreadPoolExecutor(max_workers=max(1, min(options.jobs, len(lanes) or 1))) as pool:
        for future in [pool.submit(_run_lane, lane, options, record) for lane in lanes]:
            future.result()

    writer.finish(dict(Counter(r.status for r in collected)))
    _point_latest(options.out_dir, run_dir)
    return RunOutcome(run_dir, results_path, collected, engines)


def _probe(
    engine: str, run_dir: Path, options: RunOptions
) -> tuple[Worker, EngineInfo | None, str]:
    worker = Worker(engine, _log(run_dir, engine, "probe"), options.memory_limit_mb)
    try:
        return worker, worker.start(), ""
    except WorkerDied as died:
        return worker, None, died.reason


def _log(run_dir: Path, engine: str, device: str) -> Path:
    return run_dir / "logs" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', engine)}-{device}.log"


def _chosen_devices(info: EngineInfo, wanted: list[str] | None) -> list[str]:
    if not wanted:
        return list(info.devices)
    return [d for d in info.devices if d in wanted or device_type(d) in wanted]


def _plan(cases: list[Case], lanes: list[Lane]) -> None:
    """Give each lane its cases. A case that needs a device type runs only on lanes of that
    type; on an engine with no such lane it runs once, on the first, to report 'unsupported'."""
    by_engine: dict[str, list[Lane]] = {}
    for lane in lanes:
        by_engine.setdefault(lane.engine, []).append(lane)
    for case in cases:
        device_needs = {n for n in case.needs if n in ("cpu", "cuda")}
        for engine_lanes in by_engine.values():
            chosen = [
                lane
                for lane in engine_lanes
                if not device_needs or device_type(lane.device) in device_needs
            ]
            for lane in chosen or engine_lanes[:1]:
                lane.cases.append(case)


def _run_lane(lane: Lane, options: RunOptions, record: Callable[[Result], None]) -> None:
    try:
        for case in lane.cases:
            record(run_one(lane, case, options.timeout, options.expectations))
    finally:
        lane.worker.stop()


def run_one(
    lane: Lane, case: Case, timeout: float, expectations: Expectations | None = None
) -> Result:
    """One case on a lane, seen through the expectations file when there is one (the CLI and
    the pytest plugin both run cases through here)."""
    version = lane.info.version if lane.info else None
    entry = expectations.find(case.id, lane.engine, lane.device, version) if expectations else None
    if entry is not None and entry.skips:
        return skipped(case.id, lane.engine, lane.device, entry, str(case.location))
    return apply(run_isolated(lane, case, timeout), entry)


def run_isolated(lane: Lane, case: Case, timeout: float) -> Result:
    """Run a case in the lane's worker; a worker that dies costs this case only."""
    try:
        return Result.from_dict(lane.worker.run(case.to_dict(), lane.device, timeout))
    except WorkerDied as died:
        return Result(
            case.id,
            lane.engine,
            lane.device,
            died.status,
            reason=died.reason,
            location=str(case.location),
        )


def _point_latest(out_dir: Path, run_dir: Path) -> None:
    """`<out>/latest` names the newest run, so people and scripts need not know run ids."""
    latest = out_dir / "latest"
    try:
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(run_dir.name, target_is_directory=True)
    except OSError:
        pass
