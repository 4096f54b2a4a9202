"""The pytest plugin as an engine author uses it: item ids, -k/-m, xdist, expectations (xfail,
strict xpass, skip, intermittent, stale), crash isolation, the report; the CLI's --expectations
and `expectations update`; and the downstream example installed into a fresh virtualenv."""

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conformance.expectations import ExpectationsError, load_expectations, parse_expectations
from conformance.expectations_update import update

pytest_plugins = ["pytester"]
pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
TEST_SPECS = Path(__file__).parent / "specs"
LEAF_ID = "autograd.leaf.grad-populated-on-leaves-only"

SPECS = """\
source:
  - title: "fixture"
    url: https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html
cases:
  - id: plugin.detach.shares
    title: detach shares storage
    tags: [detach, share]
    program: |
      a = torch.ones(3)
      d = a.detach()
    expect:
      d: {shares_memory_with: a}
  - id: plugin.plain.add
    title: adding ones
    tags: [arith]
    program: y = torch.ones(2) + 1
    expect: {y: [2.0, 2.0]}
  - id: plugin.plain.mul
    title: multiplying ones
    tags: [arith]
    program: y = torch.ones(2) * 3
    expect: {y: [3.0, 3.0]}
  - id: plugin.plain.sub
    title: subtracting ones
    tags: [arith]
    program: y = torch.ones(2) - 1
    expect: {y: [0.0, 0.0]}
"""

EXPECTATIONS = """\
expectations:
  - id: plugin.detach.shares
    outcome: fail
    issue: https://example.com/issues/1
  - id: plugin.plain.add
    outcome: fail
    reason: thought broken, but it passes
  - id: "plugin.plain.m*"
    outcome: [pass, fail]
    reason: intermittent
  - id: plugin.plain.sub
    outcome: skip
    reason: not today
  - id: plugin.renamed.long-ago
    outcome: crash
    reason: stale
"""


def run(pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=120)


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"specs/plugin": SPECS})
    pytester.makefile(".yaml", expectations=EXPECTATIONS)
    return pytester


def test_without_options_the_project_run_is_untouched(pytester):
    pytester.makepyfile("def test_one():\n    assert True\n")
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    assert "conformance::" not in result.stdout.str()
    assert "--conformance-engine" in run(pytester, "--help").stdout.str()


def test_items_have_readable_ids_and_select_by_k_and_markers(pytester):
    base = ("--collect-only", "-q", "--conformance-engine=reference", "--conformance-device=cpu")
    result = run(pytester, *base, "-k", "grad-populated-on-leaves-only", "--strict-markers")
    assert f"conformance::{LEAF_ID}[reference-cpu]" in result.stdout.str()
    assert "1/" in result.stdout.str() and "Unknown" not in result.stdout.str()
    by_marker = run(pytester, *base, "-m", "autograd and leaf and not retain_graph")
    ids = [line for line in by_marker.stdout.lines if line.startswith("conformance::")]
    assert f"conformance::{LEAF_ID}[reference-cpu]" in ids
    assert all(i.startswith("conformance::autograd.") for i in ids) and len(ids) > 3


def test_expectations_xfail_strict_xpass_skip_intermittent_stale_and_report(project):
    result = run(
        project,
        "-rsx",
        "--conformance-engine=module:detach_copies_torch",
        "--conformance-no-bundled-specs",
        "--conformance-specs=specs",
        "--conformance-expectations=expectations.yaml",
        "--conformance-report=report",
    )
    result.assert_outcomes(passed=1, failed=1, xfailed=1, skipped=1)
    out = result.stdout.str()
    assert "XPASS plugin.plain.add" in out and "remove this expectation" in out
    assert "expectations.yaml:5" in out
    assert "not today" in out  # the skip's reason
    assert "stale expectations" in out and "'plugin.renamed.long-ago'" in out
    assert "expectations.yaml:14:5" in out
    statuses = {}
    for line in (project.path / "report" / "results.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["type"] == "result":
            assert record["case_id"] not in statuses  # one line per item, not per phase
            statuses[record["case_id"]] = record["status"]
    assert statuses == {
        "plugin.detach.shares": "xfail",
        "plugin.plain.add": "xpass",
        "plugin.plain.mul": "pass",
        "plugin.plain.sub": "skip",
    }
    summary = json.loads((project.path / "report" / "summary.json").read_text())
    assert summary["totals"]["counts"]["xfail"] == 1
    assert (project.path / "report" / "index.html").is_file()
    assert (project.path / "report" / "junit.xml").is_file()


def test_failures_show_checks_and_repro_and_strict_mode_fails_on_stale(project):
    project.makefile(
        ".yaml", stale="expectations:\n  - id: plugin.nope\n    outcome: fail\n    reason: r\n"
    )
    project.makeini(
        "[pytest]\nconformance_engines = module:detach_copies_torch\n"
        "conformance_specs = specs\nconformance_bundled_specs = false\n"
        "conformance_expectations = stale.yaml\nconformance_strict = true\n"
    )
    result = run(project, "-k", "shares or add")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "check d: shares_memory_with" in out
    assert "expected: 'a'" in out and "actual:   'does not share memory with a'" in out
    assert "import detach_copies_torch as torch" in out  # the repro script
    assert "strict: the session fails" in out and "stale.yaml:2:5" in out
    only_passing = run(project, "-k", "add")
    only_passing.assert_outcomes(passed=1)
    assert only_passing.ret == 1  # stale entries alone fail a strict session


def test_a_crashing_engine_fails_its_items_not_the_session_also_under_xdist(pytester):
    result = run(
        pytester,
        "-n",
        "2",
        "--conformance-engine=module:crashing_torch",
        "--conformance-no-bundled-specs",
        f"--conformance-specs={TEST_SPECS / 'isolation'}",
        "--conformance-timeout=2",
        "--conformance-report=report",
        "-k",
        "not memory",
    )
    result.assert_outcomes(passed=2, failed=3)
    out = result.stdout.str()
    assert "SIGABRT" in out and "exit code 3" in out and "within 2 s" in out
    lines = (pytester.path / "report" / "results.jsonl").read_text().splitlines()
    assert sum(json.loads(line)["type"] == "result" for line in lines) == 5


def test_xdist_runs_bundled_cases_on_two_workers(pytester):
    result = run(pytester, "-n", "2", "--conformance-engine=reference", "-k", "leaf")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 10 and "failed" not in outcomes
    assert "2 workers" in result.stdout.str()


def test_an_invalid_expectations_file_names_file_line_and_the_nearest_key(pytester):
    pytester.makefile(
        ".yaml",
        bad="expectations:\n  - id: a.b\n    outcome: flaky\n    reason: r\n"
        "  - id: a.c\n    outcome: fail\n  - id: a.d\n    outcome: fail\n    reasn: r\n",
    )
    result = run(pytester, "--conformance-engine=reference", "--conformance-expectations=bad.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "bad.yaml:3:14: entry #1: outcome 'flaky' is not one of" in err
    assert "bad.yaml:5:5: entry #2 needs a 'reason' or an 'issue'" in err
    assert "bad.yaml:9:5: unknown key 'reasn'" in err and "did you mean 'reason'" in err


def test_expectation_matching_by_device_and_engine_version():
    known = parse_expectations(
        "expectations:\n"
        "  - {id: a.b, outcome: fail, reason: r, devices: [cuda], engine_versions: '<0.3'}\n"
        "  - {id: 'a.*', outcome: crash, reason: glob}\n",
        "e.yaml",
    )
    assert known.find("a.b", "eng", "cuda:0", "0.2.1").outcomes == ("fail",)
    assert known.find("a.b", "eng", "cuda", "0.3").outcomes == ("crash",)  # version out of range
    assert known.find("a.b", "eng", "cpu", "0.2").outcomes == ("crash",)  # device restricted
    assert known.find("b.c", "eng", "cpu", "0.2") is None
    with pytest.raises(ExpectationsError, match="e.yaml:2:5: engine_versions 'soon'"):
        parse_expectations(
            "expectations:\n  - {id: a, outcome: fail, reason: r, engine_versions: soon}\n",
            "e.yaml",
        )


def test_cli_run_honours_expectations_and_update_records_and_keeps_reasons(tmp_path):
    specs = tmp_path / "specs.yaml"
    specs.write_text(SPECS)

    def conformance(*args):
        return subprocess.run(
            [sys.executable, "-m", "conformance", *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    common = ["--engine", "module:detach_copies_torch", "--no-bundled-specs", "--specs", str(specs)]
    first = conformance("run", *common, "--out", str(tmp_path / "runs"))
    assert first.returncode == 1
    exp = tmp_path / "exp.yaml"
    done = conformance("expectations", "update", str(tmp_path / "runs" / "latest"), "-o", str(exp))
    assert done.returncode == 0 and "1 added" in done.stdout
    entries = load_expectations(exp).entries
    assert [(e.id, e.outcomes) for e in entries] == [("plugin.detach.shares", ("fail",))]
    assert entries[0].reason.startswith("recorded from ")
    exp.write_text(exp.read_text().replace(entries[0].reason, "detach copies, issue 7"))
    again = conformance("run", *common, "--expectations", str(exp), "--out", str(tmp_path / "r2"))
    assert again.returncode == 0, again.stdout[-2000:]
    assert "xfail" in again.stdout
    text, summary = update([tmp_path / "r2" / "latest"], exp, str(exp))
    assert "detach copies, issue 7" in text and summary.added == [] and summary.dropped == []


def test_update_drops_entries_whose_cases_now_pass(tmp_path):
    results = tmp_path / "results.jsonl"
    lines = [
        {"type": "run", "run_id": "r1"},
        {"type": "engine", "engine": "e", "info": {"version": "1.0"}},
        *[
            {"type": "result", "case_id": c, "engine": "e", "device": "cpu", "status": s}
            for c, s in [("a.fixed", "xpass"), ("a.broken", "crash"), ("a.known", "xfail")]
        ],
    ]
    results.write_text("".join(json.dumps(line) + "\n" for line in lines))
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        "expectations:\n"
        "  - {id: a.fixed, outcome: fail, reason: was broken}\n"
        "  - {id: a.known, outcome: fail, issue: 'https://x/1'}\n"
        "  - {id: 'b.*', outcome: skip, reason: glob kept}\n"
    )
    text, summary = update([results], exp, str(exp))
    assert summary.dropped == ["a.fixed"] and summary.added == ["a.broken"]
    kept = parse_expectations(text, "new.yaml").entries
    assert [e.id for e in kept] == ["a.known", "b.*", "a.broken"]
    assert kept[2].reason == "recorded from r1" and kept[2].outcomes == ("crash",)


@pytest.mark.downstream_venv
def test_downstream_example_installs_into_a_fresh_venv_and_its_suite_runs(tmp_path):
    """examples/downstream as a user's project: its own venv, its adapter found by entry point,
    its pytest configuration turning the plugin on with its specs and expectations."""
    project = tmp_path / "downstream"
    shutil.copytree(ROOT / "examples" / "downstream", project)  # builds write beside the sources
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = str(env_dir / "bin" / "python")
    # The packages of the environment running this test (pip, setuptools, torch, pytest) are
    # the new venv's too, through a .pth file: the base interpreter's own site-packages may
    # hold a setuptools too old for the project's SPDX license string.
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "running-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    for target in (["-e", str(ROOT)], [str(project)]):
        done = subprocess.run([*pip, *target], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    result = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "7 passed, 2 xfailed" in result.stdout
    located = subprocess.run(
        [python, "-c", "import tinytorch; print(tinytorch.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert str(env_dir) in located.stdout  # the installed package, not the checkout
