"""Device semantics of the reference engine: without a CUDA backend it fails as a CPU-only
PyTorch does; with the simulated device it enforces PyTorch's placement rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference import devices, simulated_cuda


@pytest.fixture
def simulated(monkeypatch):
    """Switch the simulated CUDA device on for one test (the env var does it per process)."""
    monkeypatch.setattr(devices.CUDA, "kind", "simulated")
    monkeypatch.setattr(devices.CUDA, "xp", simulated_cuda.xp)
    monkeypatch.setattr(devices.CUDA, "count", 1)
    monkeypatch.setattr(devices.CUDA, "name", "cuda (simulated)")


@pytest.mark.parametrize(
    "request_cuda",
    [
        lambda t: t.ones(2, device="cuda"),
        lambda t: t.ones(2).cuda(),
        lambda t: t.ones(2).to("cuda"),
        lambda t: t.cuda.get_device_name(),
        lambda t: t.cuda.current_device(),
    ],
)
def test_without_cuda_it_fails_as_a_cpu_only_pytorch(request_cuda):
    with pytest.raises(AssertionError) as theirs:
        request_cuda(torch)
    with pytest.raises(AssertionError) as ours:
        request_cuda(ref)
    assert str(ours.value) == str(theirs.value) == "Torch not compiled with CUDA enabled"
    assert ref.cuda.is_available() is torch.cuda.is_available() is False


def test_simulated_device_is_cuda_0_and_says_it_is_simulated(simulated):
    x = ref.zeros(2, 3, device="cuda")
    assert str(x.device) == "cuda:0" and x.is_cuda and x.type() == "torch.cuda.FloatTensor"
    assert ref.cuda.is_available() and ref.cuda.is_simulated()
    assert ref.cuda.get_device_name() == "cuda (simulated)"
    assert repr(ref.ones(2, device="cuda")) == "tensor([1., 1.], device='cuda:0')"


def test_only_cuda_0_exists(simulated):
    with pytest.raises(RuntimeError, match="CUDA error: invalid device ordinal"):
        ref.ones(1, device="cuda:1")


def test_mixed_devices_raise_except_a_zero_dim_cpu_tensor(simulated):
    x = ref.ones(2, device="cuda")
    message = "Expected all tensors to be on the same device, but found at least two devices"
    for mixed in (
        lambda: x + ref.ones(2),
        lambda: ref.ones(2) * x,
        lambda: ref.mm(ref.ones(2, 2, device="cuda"), ref.ones(2, 2)),
        lambda: ref.cat([x, ref.ones(2)]),
    ):
        with pytest.raises(RuntimeError, match=message):
            mixed()
    total = x + ref.tensor(2.0)
    assert str(total.device) == "cuda:0" and total.tolist() == [3.0, 3.0]


def test_numpy_of_a_cuda_tensor_raises_type_error(simulated):
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy"):
        ref.ones(2, device="cuda").numpy()


def test_transfers_copy_and_to_is_a_no_op_when_nothing_changes(simulated):
    x = ref.ones(2, device="cuda")
    assert x.to("cuda") is x and x.cuda() is x and x.to("cuda:0") is x
    host = x.cpu()
    host.add_(1)
    assert x.tolist() == [1.0, 1.0] and host.tolist() == [2.0, 2.0]
    back = host.cuda()
    back.add_(1)
    assert host.tolist() == [2.0, 2.0]


def test_gradients_live_on_their_tensor_device_and_cross_transfers(simulated):
    leaf_cpu = ref.tensor([1.0, 2.0], requires_grad=True)
    leaf_gpu = ref.tensor([3.0, 4.0], requires_grad=True, device="cuda")
    y = (leaf_cpu.cuda() * leaf_gpu).sum()
    y.backward()
    assert str(leaf_cpu.grad.device) == "cpu" and leaf_cpu.grad.tolist() == [3.0, 4.0]
    assert str(leaf_gpu.grad.device) == "cuda:0" and leaf_gpu.grad.tolist() == [1.0, 2.0]
    z = leaf_gpu.cpu().pow(2).sum()
    (g,) = ref.autograd.grad(z, leaf_gpu, create_graph=True)
    assert str(g.device) == "cuda:0" and g.tolist() == [6.0, 8.0]


def test_writes_through_an_expanded_tensor_follow_pytorch():
    """A row of an expand()ed tensor may be written (it lands in the shared memory); an op that
    would write one element from several places raises; fill_ and zero_ are allowed."""
    for t in (ref, torch):
        base = t.zeros(1, 3)
        wide = base.expand(2, 3)
        wide[0] = 5
        assert base.tolist() == [[5.0, 5.0, 5.0]]
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            wide.add_(1)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            wide[:, 0] = 1
        wide.fill_(2)
        assert base.tolist() == [[2.0, 2.0, 2.0]]


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"])
def test_legacy_cuda_types_without_cuda_are_refused_as_in_torch(name):
    """torch.cuda.FloatTensor and friends exist on a CPU-only build, are no tensor's type, and
    refuse to construct with a TypeError."""
    for args in ([1], (2, 3), ()):
        with pytest.raises(TypeError) as theirs:
            getattr(torch.cuda, name)(*args)
        with pytest.raises(TypeError) as ours:
            getattr(ref.cuda, name)(*args)
        assert str(ours.value) == str(theirs.value)
    assert repr(getattr(ref.cuda, name)) == repr(getattr(torch.cuda, name))
    assert not isinstance(ref.ones(1), getattr(ref.cuda, name))


def test_legacy_cuda_types_make_cuda_tensors_on_the_simulated_device(simulated):
    x = ref.cuda.FloatTensor([1.0, 2.0])
    assert (
        x.device.type == "cuda" and x.dtype is ref.float32 and x.type() == "torch.cuda.FloatTensor"
    )
    assert isinstance(x, ref.cuda.FloatTensor) and not isinstance(x, ref.FloatTensor)
    assert ref.cuda.LongTensor(2, 3).shape == (2, 3) and ref.cuda.LongTensor(2).dtype is ref.int64


def test_default_device_without_cuda_fails_as_a_cpu_only_pytorch() -> None:
    for t in (torch, ref):
        assert t.get_default_device() == t.device("cpu")
        t.set_default_device("cuda")
        try:
            with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
                t.zeros(2)
            with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
                t.get_default_device()
        finally:
            t.set_default_device(None)
        assert str(t.zeros(1).device) == "cpu"


def test_default_device_places_factories_but_not_from_numpy(simulated):
    ref.set_default_device("cuda")
    try:
        assert ref.get_default_device() == ref.device("cuda", 0)
        made = [ref.zeros(2), ref.tensor([1]), ref.arange(3), ref.randn(2), ref.as_tensor([1.0])]
        assert {str(t.device) for t in made} == {"cuda:0"}
        assert str(ref.from_numpy(np.ones(2)).device) == "cpu"
        assert str(ref.ones(2, device="cpu").device) == "cpu"
        assert str(ref.zeros_like(ref.ones(2, device="cpu")).device) == "cpu"
    finally:
        ref.set_default_device(None)
    assert str(ref.zeros(1).device) == "cpu"
