"""`conformance expectations update`: write an expectations file from a run's results.

Adopting the kit on an engine that departs from PyTorch in fifty places must take one command,
not fifty hand-written entries; and re-recording after a fix must not lose the reasons people
wrote. So: every unexpected result becomes an entry ("recorded from <run-id>"), an existing
exact-id entry keeps its reason and gains any newly seen outcome, an existing entry whose case
now passes on every lane it covers is dropped, and globs and entries for cases the run did not
cover are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.expectations import Expectation, dump, load_expectations
from conformance.model import UNEXPECTED, Location
from conformance.report_model import results_file
from conformance.results import read_results

RECORDABLE = UNEXPECTED - {"invalid", "xpass"}  # invalid is the spec's fault, xpass a fix
HEADER = (
    "# Known departures of this engine from the torch-conformance corpus.\n"
    "# Written by `conformance expectations update`; edit the reasons freely.\n"
    "# Format: the torch-conformance README, 'Expectations files'; schema:\n"
    "# conformance/templates/expectations.schema.json in the torch-conformance package.\n"
)


@dataclass
class Lane:
    engine: str
    device: str
    version: str | None
    status: str
    run_id: str


@dataclass
class UpdateSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    kept: int = 0


def read_lanes(paths: list[Path]) -> dict[str, list[Lane]]:
    """Every case's outcome per engine and device; a later file wins, as in reports."""
    by_key: dict[tuple[str, str, str], Lane] = {}
    for path in paths:
        record = read_results(results_file(path))
        run_id = record.meta.get("run_id", results_file(path).parent.name)
        versions = {e["engine"]: e.get("info", {}).get("version") for e in record.engines}
        for r in record.results:
            if r.engine:  # invalid spec results belong to no engine
                key = (r.case_id, r.engine, r.device)
                by_key[key] = Lane(r.engine, r.device, versions.get(r.engine), r.status, run_id)
    lanes: dict[str, list[Lane]] = {}
    for (case_id, _, _), lane in by_key.items():
        lanes.setdefault(case_id, []).append(lane)
    return lanes


def update(results: list[Path], existing: Path | None, output: str) -> tuple[str, UpdateSummary]:
    """The new file's text and what changed."""
    lanes = read_lanes(results)
    old = load_expectations(existing).entries if existing and existing.exists() else []
    summary = UpdateSummary()
    kept: list[Expectation] = []
    covered: set[tuple[str, str, str]] = set()
    for entry in old:
        mine = [] if entry.is_glob else lanes.get(entry.id, [])
        mine = [lane for lane in mine if entry.applies(lane.engine, lane.device, lane.version)]
        if not mine or entry.skips:
            kept.append(entry)
            summary.kept += 1
            continue
        covered.update((entry.id, lane.engine, lane.device) for lane in mine)
        seen = {lane.status for lane in mine if lane.status in RECORDABLE}
        still_departs = seen or any(lane.status == "xfail" for lane in mine)
        if not still_departs and "pass" not in entry.outcomes:
            summary.dropped.append(entry.id)
            continue
        new = tuple(dict.fromkeys((*entry.outcomes, *sorted(seen))))
        if new != entry.outcomes:
            summary.updated.append(entry.id)
            entry.outcomes = new
        else:
            summary.kept += 1
        kept.append(entry)
    added = []
    for case_id in sorted(lanes):
        case_lanes = lanes[case_id]
        bad = [
            lane
            for lane in case_lanes
            if lane.status in RECORDABLE and (case_id, lane.engine, lane.device) not in covered
        ]
        if not bad:
            continue
        entry = Expectation(
            id=case_id,
            outcomes=tuple(sorted({lane.status for lane in bad})),
            location=Location(output, 0, 0),
            reason=f"recorded from {', '.join(sorted({lane.run_id for lane in bad}))}",
        )
        engines, devices = {lane.engine for lane in bad}, {lane.device for lane in bad}
        if {lane.engine for lane in case_lanes} - engines:
            entry.engines = sorted(engines)
        if {lane.device for lane in case_lanes if lane.engine in engines} - devices:
            entry.devices = sorted(devices)
        added.append(entry)
        summary.added.append(case_id)
    return dump(kept + added, HEADER), summary
