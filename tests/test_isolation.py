"""A crashing, hanging, exiting or memory-eating engine costs one case, never the run; a
broken spec file costs its own cases only; a run killed with SIGKILL leaves valid results."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.loader import load_corpus
from conformance.results import read_results
from conformance.runner import RunOptions, invalid_results, run

pytest.importorskip("torch")

SPECS = Path(__file__).parent / "specs"


def run_fixture(tmp_path, engine, folder="isolation", **options):
    corpus = load_corpus([SPECS / folder])
    opts = RunOptions(engines=[engine], out_dir=tmp_path, **options)
    return run(corpus, corpus.cases, invalid_results(corpus.invalid_ids()), opts)


@pytest.fixture(scope="module")
def misbehaving_run(tmp_path_factory):
    # Generous budgets: on a loaded 2-core CI machine the memory hog needs time to reach the limit.
    return run_fixture(
        tmp_path_factory.mktemp("run"), "module:crashing_torch", timeout=8.0, memory_limit_mb=512
    )


def statuses(outcome):
    return {r.case_id: r.status for r in outcome.results}


def test_each_misbehaviour_costs_exactly_its_own_case(misbehaving_run):
    assert statuses(misbehaving_run) == {
        "fixture.ok-before": "pass",
        "fixture.abort": "crash",
        "fixture.hang": "timeout",
        "fixture.exit": "crash",
        "fixture.memory": "oom",
        "fixture.ok-after": "pass",
    }


def test_crash_reasons_say_what_happened(misbehaving_run):
    reasons = {r.case_id: r.reason for r in misbehaving_run.results}
    assert "SIGABRT" in reasons["fixture.abort"]
    assert "exit code 3" in reasons["fixture.exit"]
    assert "within 8 s" in reasons["fixture.hang"]
    assert "512 MiB limit" in reasons["fixture.memory"]


def test_results_file_holds_every_case_as_valid_json_lines(misbehaving_run):
    lines = misbehaving_run.results_path.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0]["type"] == "run" and records[-1]["type"] == "end"
    assert {r["case_id"] for r in records if r["type"] == "result"} == set(
        statuses(misbehaving_run)
    )
    assert read_results(misbehaving_run.results_path).complete


def test_the_same_specs_pass_on_real_torch(tmp_path):
    outcome = run_fixture(tmp_path, "torch", timeout=30.0)
    assert set(statuses(outcome).values()) == {"pass"}


def test_a_broken_file_makes_only_its_own_cases_invalid(tmp_path):
    outcome = run_fixture(tmp_path, "torch", folder="broken", timeout=30.0)
    by_id = {r.case_id: r for r in outcome.results}
    assert by_id["fixture.good.runs"].status == "pass"
    assert by_id["fixture.good.bad-matcher"].status == "invalid"
    assert "did you mean 'values'" in by_id["fixture.good.bad-matcher"].reason
    assert by_id["fixture.good.bad-program"].status == "invalid"
    assert "torch.load" in by_id["fixture.good.bad-program"].reason
    assert by_id["fixture.good.dup"].status == "invalid"
    assert (
        "duplicate.yaml" in by_id["fixture.good.dup"].reason
        and "good.yaml" in by_id["fixture.good.dup"].reason
    )
    broken_file = [
        r
        for r in outcome.results
        if r.location.startswith(str(Path("specs/broken/not_yaml.yaml")))
        or "not_yaml.yaml" in r.location
    ]
    assert broken_file and all(r.status == "invalid" for r in broken_file)


def test_an_engine_that_fails_to_import_is_an_error_for_each_case_not_a_crash_of_the_run(tmp_path):
    outcome = run_fixture(tmp_path, "module:unimportable_engine")
    assert {r.status for r in outcome.results} == {"error"}
    assert "libfoo" in outcome.results[0].reason
    assert "libfoo" in outcome.engines[0]["error"]


def test_an_adapter_raising_in_info_is_reported_as_a_load_error(tmp_path):
    outcome = run_fixture(tmp_path, "faulty_adapters:InfoRaises")
    assert {r.status for r in outcome.results} == {"error"}
    assert "adapter bug in info()" in outcome.engines[0]["error"]


def test_an_adapter_raising_in_observe_costs_each_case_an_error_with_the_reason(tmp_path):
    corpus = load_corpus([SPECS / "broken" / "good.yaml"])
    outcome = run(
        corpus,
        corpus.cases,
        [],
        RunOptions(engines=["faulty_adapters:ObserveRaises"], out_dir=tmp_path),
    )
    result = next(r for r in outcome.results if r.case_id == "fixture.good.runs")
    assert result.status == "error" and "adapter bug in observe()" in result.reason


def test_a_class_that_is_not_an_adapter_is_named_as_such(tmp_path):
    outcome = run_fixture(tmp_path, "faulty_adapters:NotAnAdapter")
    assert "is not an adapter" in outcome.engines[0]["error"]


def test_a_run_killed_with_sigkill_midway_leaves_a_valid_results_file(tmp_path):
    many = tmp_path / "many.yaml"
    cases = "\n".join(
        f"  - id: fixture.slow.c{i}\n    title: slow case {i}\n"
        f"    program: y = torch.tensor([{i}.0])\n"
        f"    expect: {{y: [{i}.0]}}"
        for i in range(40)
    )
    many.write_text(f"source:\n  - title: fixture\n    url: https://pytorch.org\ncases:\n{cases}\n")
    out = tmp_path / "reports"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--engine",
            "module:slow_torch",
            "--no-bundled-specs",
            "--specs",
            str(many),
            "--out",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    results = None
    while time.monotonic() < deadline:
        found = list(out.glob("*/results.jsonl"))
        if found and found[0].read_text().count('"type": "result"') >= 5:
            results = found[0]
            break
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert results is not None, "the run never got going"
    lines = results.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line parses
    done = [r for r in records if r["type"] == "result"]
    assert 5 <= len(done) < 40
    assert all(r["status"] == "pass" for r in done)
    assert not any(r["type"] == "end" for r in records)
    assert not read_results(results).complete


def test_a_cuda_fault_costs_only_the_case_that_caused_it(tmp_path):
    """A sticky device fault is charged to its case (the worker synchronizes after each case)
    and the next case gets a fresh process."""
    outcome = run_fixture(
        tmp_path, "module:faulting_cuda_torch", folder="device_fault", devices=["cuda"]
    )
    assert statuses(outcome) == {
        "fixture.fault.ok-before": "pass",
        "fixture.fault.assert": "error",
        "fixture.fault.ok-after": "pass",
    }
    fault = next(r for r in outcome.results if r.case_id == "fixture.fault.assert")
    assert fault.reason.startswith("the device reported a fault after the program ran")
    assert "device-side assert" in fault.reason
