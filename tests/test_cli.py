"""The `conformance` command as a user runs it: exit codes, output, and the planted deviation."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

SPECS = Path(__file__).parent / "specs"


def conformance(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_help_teaches_the_commands_with_examples():
    out = conformance("--help").stdout
    for word in ("run", "list", "lint", "engines", "show", "examples:", "module:"):
        assert word in out


def test_lint_passes_on_the_bundled_corpus():
    result = conformance("lint")
    assert result.returncode == 0, result.stdout
    assert "ok:" in result.stdout


def test_lint_names_file_line_and_suggestion_and_exits_2():
    result = conformance("lint", "--no-bundled-specs", "--specs", str(SPECS / "broken"))
    assert result.returncode == 2
    out = result.stdout
    assert (
        "good.yaml:14:11" in out
        and "unknown matcher 'valuez'" in out
        and "did you mean 'values'" in out
    )
    assert "not_yaml.yaml:" in out and "invalid YAML" in out
    assert "duplicate id 'fixture.good.dup'" in out
    assert "torch.load" in out


def test_run_on_torch_passes_every_bundled_spec(tmp_path):
    result = conformance("run", "--engine", "torch", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Summary" in result.stdout


def test_run_on_module_torch_passes_every_bundled_spec(tmp_path):
    result = conformance("run", "--engine", "module:torch", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_planted_deviation_exits_1_and_names_the_spec_that_caught_it(tmp_path):
    result = conformance("run", "--engine", "module:detach_copies_torch", "--out", str(tmp_path))
    assert result.returncode == 1
    failing = [line for line in result.stdout.splitlines() if line.startswith(("FAIL", "ERROR"))]
    assert failing and all("detach" in line for line in failing), result.stdout[-3000:]
    assert "conformance show" in result.stdout


def test_show_prints_the_spec_and_a_repro_script_that_runs(tmp_path):
    listed = conformance("list", "--ids", "-k", "leaf").stdout.split()
    case_id = "autograd.leaf.grad-populated-on-leaves-only"
    assert case_id in listed
    script = conformance("show", case_id, "--script-only").stdout
    assert "import torch" in script and "device = 'cpu'" in script
    path = tmp_path / "repro.py"
    path.write_text(script)
    ran = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert "expected:" in ran.stdout


def test_show_suggests_close_ids():
    result = conformance("show", "autograd.leaf.grad-populated-on-leaves-onl")
    assert result.returncode == 2


def test_unknown_engine_is_reported_with_the_known_ones(tmp_path):
    result = conformance("run", "--engine", "nosuchengine", "--out", str(tmp_path), "-k", "leaf")
    assert result.returncode == 1
    assert "unknown engine 'nosuchengine'" in result.stdout


def test_a_keyword_that_matches_nothing_is_a_usage_error():
    result = conformance("run", "--engine", "torch", "-k", "zzznomatch")
    assert result.returncode == 2 and "no case matches" in result.stdout


def test_engines_lists_torch_with_its_version_and_devices():
    out = conformance("engines").stdout
    assert "torch" in out and "2.13.0" in out and "cpu" in out


def test_asking_for_a_device_no_engine_has_is_a_usage_error(tmp_path):
    result = conformance(
        "run", "--engine", "torch", "--device", "nosuchdevice", "-k", "leaf", "--out", str(tmp_path)
    )
    assert result.returncode == 2
    assert "none of the devices asked for" in result.stdout and "nothing ran" in result.stdout
