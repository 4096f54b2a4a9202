"""Engine resolution: built-in names, entry points, module:NAME and pkg.mod:Class, with errors
that say what to do; and the memory-sharing test adapters rely on."""

import importlib.metadata

import numpy as np
import pytest

from conformance import adapter as adapters
from conformance.adapter import EngineLoadError, ModuleAdapter, load_adapter, memory_span

torch = pytest.importorskip("torch")


def test_an_adapter_registered_through_the_entry_point_group_is_found(monkeypatch):
    registered = importlib.metadata.EntryPoint(
        name="faulty", value="faulty_adapters:ObserveRaises", group=adapters.ENTRY_POINT_GROUP
    )
    real = importlib.metadata.entry_points

    def entry_points(**kwargs):
        if kwargs.get("group") == adapters.ENTRY_POINT_GROUP:
            return [registered]
        return real(**kwargs)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert adapters.available_engines()["faulty"] == "faulty_adapters:ObserveRaises"
    assert type(load_adapter("faulty")).__name__ == "ObserveRaises"


def test_the_torch_adapter_is_built_in_and_a_default_engine():
    assert "torch" in adapters.available_engines()
    assert "torch" in adapters.default_engines()
    info = load_adapter("torch").info()
    assert info.name == "torch" and info.pytorch_version == "2.13.0" and "cpu" in info.devices


def test_an_unknown_engine_names_the_known_ones_and_the_other_syntaxes():
    with pytest.raises(EngineLoadError, match="unknown engine 'nope'; known: .*torch.*module:NAME"):
        load_adapter("nope")


def test_a_missing_module_says_to_install_it():
    with pytest.raises(EngineLoadError, match="cannot import 'no_such_engine_module'.*install it"):
        load_adapter("module:no_such_engine_module")


def test_module_torch_follows_its_own_version_and_other_modules_the_target():
    assert ModuleAdapter("torch").info().pytorch_version == "2.13.0"
    assert ModuleAdapter("slow_torch").info().pytorch_version == adapters.TARGET_PYTORCH


def test_module_capabilities_are_read_off_the_module():
    caps = ModuleAdapter("torch").capabilities()
    assert {"autograd", "nn", "optim", "numpy", "hooks", "custom_function"} <= caps
    assert "cuda" not in caps or torch.cuda.is_available()


def test_memory_spans_cover_views_detach_and_the_numpy_bridge():
    x = torch.arange(6.0)
    a = load_adapter("torch")
    assert a.shares_memory(x[3:], x[:2])  # same storage, disjoint elements: still shared
    assert a.shares_memory(x, x.view(2, 3)) and not a.shares_memory(x, x.clone())
    n = np.zeros(3)
    assert a.shares_memory(torch.from_numpy(n), n) and not a.shares_memory(torch.tensor(n), n)
    assert memory_span(object()) is None
    with pytest.raises(TypeError, match="cannot tell what memory"):
        a.shares_memory(x, object())
