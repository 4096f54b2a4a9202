"""The adapter protocol, a base class for engines whose tensors look like torch's, and how an
engine named on the command line (`torch`, `module:NAME`, `pkg.mod:Class`) becomes an adapter.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from conformance.model import CAPABILITIES
from conformance.observe import Observation, dtype_name, observe_torch_like

try:
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # NumPy < 2.0
    from numpy import byte_bounds

ENTRY_POINT_GROUP = "conformance.adapters"
# The PyTorch release whose semantics the corpus states; an engine that does not say which
# release it follows is held to this one when a case carries a `pytorch:` version range.
TARGET_PYTORCH = "2.13.0"
# Built-in engines, with the module each needs installed: the default engines of a run.
BUILTINS = {
    "torch": ("conformance.adapters.torch:TorchAdapter", "torch"),
    "reference": ("conformance.adapters.reference:ReferenceAdapter", None),
}


@dataclass
class EngineInfo:
    """What an engine is, as reported in every run's metadata and by `conformance engines`."""

    name: str
    version: str
    devices: list[str]
    capabilities: list[str]
    pytorch_version: str = TARGET_PYTORCH
    # How a device is shown in reports, e.g. {"cuda": "cuda (simulated)"}; default: its name.
    device_labels: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Adapter(Protocol):
    def info(self) -> EngineInfo: ...
    def namespace(self, device: str) -> Any: ...
    def observe(self, value: Any) -> Observation: ...
    def shares_memory(self, a: Any, b: Any) -> bool: ...
    def reset(self) -> None: ...


class EngineLoadError(Exception):
    """An engine that cannot be resolved or imported; the message says what to do."""


class TorchLikeAdapter:
    """Everything an adapter needs for an engine that mirrors torch's tensor API.

    Subclasses set `self.module` (the engine's namespace) and may override `info`.
    """

    module: Any
    label: str = "torch-like"

    def info(self) -> EngineInfo:
        return EngineInfo(
            name=self.label,
            version=str(getattr(self.module, "__version__", "unknown")),
            devices=self.devices(),
            capabilities=sorted(self.capabilities()),
        )

    def devices(self) -> list[str]:
        devices = ["cpu"]
        try:
            if self.module.cuda.is_available():
                devices.append("cuda")
        except Exception:  # an engine without a working cuda namespace simply has no cuda
            pass
        return devices

    def capabilities(self) -> set[str]:
        """Read off what the module has, so an engine missing a feature gets 'unsupported'."""
        mod = self.module
        tensor = getattr(mod, "Tensor", object)
        probes = {
            "autograd": hasattr(tensor, "backward"),
            "nn": hasattr(mod, "nn"),
            "optim": hasattr(mod, "optim"),
            "numpy": hasattr(mod, "from_numpy"),
            "float16": hasattr(mod, "float16"),
            "bfloat16": hasattr(mod, "bfloat16"),
            "float64": hasattr(mod, "float64"),
            "inference_mode": hasattr(mod, "inference_mode"),
            "hooks": hasattr(tensor, "register_hook"),
            "custom_function": hasattr(getattr(mod, "autograd", None), "Function"),
            "legacy_constructors": hasattr(mod, "FloatTensor"),
            "cuda": "cuda" in self.devices(),
        }
        return {name for name, present in probes.items() if present and name in CAPABILITIES}

    def namespace(self, device: str) -> Any:
        return self.module

    def reset(self) -> None:
        """Undo global state a previous case may have changed: default dtype, grad mode, seeds,
        and warn-once filters (a warning must show in every case that triggers it)."""
        mod = self.module
        for setter, argument in (
            ("set_default_dtype", getattr(mod, "float32", None)),
            ("set_grad_enabled", True),
            ("set_warn_always", True),
            ("manual_seed", 0),
        ):
            if hasattr(mod, setter) and argument is not None:
                getattr(mod, setter)(argument)

    def finish(self, device: str) -> None:
        """Wait for the device's queued work, so that an asynchronous fault (a CUDA
        device-side assert) is charged to the case that caused it, not to the next one."""
        if device.split(":")[0] == "cuda":
            self.module.cuda.synchronize()

    def is_tensor(self, value: Any) -> bool:
        tensor_type = getattr(self.module, "Tensor", None)
        if isinstance(tensor_type, type):
            return isinstance(value, tensor_type)
        return all(hasattr(value, a) for a in ("shape", "dtype", "detach"))

    def to_numpy(self, value: Any) -> np.ndarray:
        t = value.detach() if hasattr(value, "detach") else value
        if dtype_name(t.dtype) == "bfloat16":  # NumPy has no bfloat16; float32 holds it exactly
            t = t.float()
        if hasattr(t, "cpu"):
            t = t.cpu()
        if hasattr(t, "numpy"):
            return np.array(t.numpy(), copy=True)
        return np.asarray(t.tolist())

    def observe(self, value: Any) -> Observation:
        return observe_torch_like(value, self.is_tensor, self.to_numpy)

    def shares_memory(self, a: Any, b: Any) -> bool:
        span_a, span_b = memory_span(a), memory_span(b)
        if span_a is None or span_b is None:
            raise TypeError(
                f"cannot tell what memory a {type(a).__name__} and a {type(b).__name__} use"
            )
        return span_a[0] < span_b[1] and span_b[0] < span_a[1]


def memory_span(value: Any) -> tuple[int, int] | None:
    """The [start, end) addresses of the storage behind a tensor or NumPy array.

    Two tensors share memory when their storages overlap; comparing storages (not data
    pointers) counts a view with an offset as sharing, as PyTorch's own notion does.
    """
    if isinstance(value, np.ndarray):
        low, high = byte_bounds(value)
        return (low, max(high, low + 1))
    if hasattr(value, "untyped_storage"):
        storage = value.untyped_storage()
        start = storage.data_ptr()
        return (start, start + storage.nbytes()) if storage.nbytes() else (start, start)
    if hasattr(value, "numpy"):
        return memory_span(value.numpy())
    return None


class ModuleAdapter(TorchLikeAdapter):
    """`module:NAME`: any importable module that looks like torch, with no adapter code."""

    def __init__(self, module_name: str) -> None:
        try:
            self.module = importlib.import_module(module_name)
        except ImportError as exc:
            raise EngineLoadError(
                f"engine 'module:{module_name}': cannot import {module_name!r} ({exc}); "
                "install it or check the name"
            ) from exc
        self.label = f"module:{module_name}"

    def info(self) -> EngineInfo:
        info = super().info()
        if self.module.__name__ == "torch":
            info.pytorch_version = info.version.split("+")[0]
        else:
            info.pytorch_version = getattr(self.module, "__pytorch_version__", TARGET_PYTORCH)
        return info


def available_engines() -> dict[str, str]:
    """Engine names a user can pass to --engine: built-ins plus registered entry points."""
    engines = {name: target for name, (target, _) in BUILTINS.items()}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        engines.setdefault(ep.name, ep.value)
    return engines


def default_engines() -> list[str]:
    """The built-in engines whose engine package is installed."""
    return [
        name
        for name, (_, needs) in BUILTINS.items()
        if needs is None or importlib.util.find_spec(needs) is not None
    ]


def load_adapter(engine: str) -> Adapter:
    """Resolve an engine reference: `module:NAME`, `pkg.mod:Class`, or a registered name."""
    if engine.startswith("module:"):
        return ModuleAdapter(engine.removeprefix("module:"))
    known = available_engines()
    target = known.get(engine, engine if ":" in engine else None)
    if target is None:
        raise EngineLoadError(
            f"unknown engine {engine!r}; known: {', '.join(sorted(known))}. "
            "Use module:NAME for a torch-like module or pkg.mod:Class for an adapter class"
        )
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise EngineLoadError(f"engine {engine!r}: cannot load {target} ({exc})") from exc
    adapter = cls()
    missing = [
        m
        for m in ("info", "namespace", "observe", "shares_memory", "reset")
        if not hasattr(adapter, m)
    ]
    if missing:
        raise EngineLoadError(
            f"engine {engine!r}: {target} is not an adapter (missing {', '.join(missing)}); "
            "subclass conformance.adapter.TorchLikeAdapter or implement conformance.adapter.Adapter"
        )
    return adapter
