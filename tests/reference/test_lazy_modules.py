"""Lazy modules (nn.LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*,
LazyInstanceNorm*) and their placeholders (nn.UninitializedParameter, nn.UninitializedBuffer),
against real PyTorch side by side: what a placeholder allows and refuses, materialize(), the
first call that infers the shapes and changes the class, state_dict/load_state_dict before
that call, optimizers built before it, and the initial values' distributions."""

from __future__ import annotations

import copy
import math
import pickle
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference.nn.parameter import is_lazy

LIBS = [torch, ref]
REFUSED = "Attempted to use an uninitialized parameter in"


def _outcome(fn):
    """('ok', value) or (error type name, message)."""
    try:
        return "ok", fn()
    except Exception as error:  # noqa: BLE001 - the error is the observation
        return type(error).__name__, str(error)


def _same_error(fn, prefix_only=False):
    """fn(torch) and fn(ref) raise the same error type (and message, or its first sentence)."""
    theirs, ours = _outcome(lambda: fn(torch)), _outcome(lambda: fn(ref))
    assert theirs[0] != "ok" and ours[0] == theirs[0], (theirs, ours)
    if prefix_only:
        assert ours[1].split(" in ")[0] == theirs[1].split(" in ")[0]
        assert ours[1].split(". ", 1)[1] == theirs[1].split(". ", 1)[1]
    else:
        assert ours[1] == theirs[1]


# -- the placeholders ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["UninitializedParameter", "UninitializedBuffer"])
def test_placeholder_properties_and_printing(kind):
    for lib in LIBS:
        p = getattr(lib.nn, kind)()
        is_param = kind == "UninitializedParameter"
        assert repr(p) == str(p) == f"<{kind}>"
        assert isinstance(p, lib.Tensor)
        assert isinstance(p, lib.nn.Parameter) is is_param
        assert isinstance(p, lib.nn.Buffer) is not is_param
        assert p.requires_grad is is_param and p.is_leaf and p.grad is None
        assert str(p.dtype) == "torch.float32" and p.ndim == 1
        assert tuple(p.size()) == (0,) and tuple(p.data.size()) == (0,)
        # A buffer's properties give placeholders (torch keeps the subclass), a parameter's not.
        assert type(p.data) is (lib.Tensor if is_param else lib.nn.UninitializedBuffer)
        assert p.data is not p
        assert p.cls_to_become is (lib.nn.Parameter if is_param else lib.Tensor)
        assert p.is_floating_point() and not p.is_complex()


def test_placeholder_constructor_arguments():
    for lib in LIBS:
        p = lib.nn.UninitializedParameter(False, dtype=lib.float64)
        assert (p.requires_grad, str(p.dtype)) == (False, "torch.float64")
        b = lib.nn.UninitializedBuffer(requires_grad=True, persistent=False)
        assert b.requires_grad and b.persistent is False and b._is_buffer
        assert str(lib.nn.UninitializedBuffer(dtype=lib.int64).dtype) == "torch.int64"
    _same_error(lambda lib: lib.nn.UninitializedParameter(dtype=lib.int64))
    _same_error(lambda lib: lib.nn.UninitializedBuffer(True, dtype=lib.int64))


def test_shape_is_refused_with_torch_message():
    _same_error(lambda lib: lib.nn.UninitializedParameter().shape)
    _same_error(lambda lib: lib.nn.UninitializedBuffer().shape)


@pytest.mark.parametrize(
    "method",
    ["numel", "dim", "sum", "detach", "clone", "zero_", "requires_grad_", "retain_grad", "tolist"],
)
def test_methods_outside_the_allowed_list_are_refused(method):
    _same_error(lambda lib: getattr(lib.nn.UninitializedParameter(), method)())
    _same_error(lambda lib: getattr(lib.nn.UninitializedBuffer(), method)())


@pytest.mark.parametrize(
    "use",
    [
        lambda lib, p: p + 1,
        lambda lib, p: 2 * p,
        lambda lib, p: -p,
        lambda lib, p: p[0],
        lambda lib, p: len(p),
        lambda lib, p: bool(p),
        lambda lib, p: lib.add(p, 1),
        lambda lib, p: lib.cat([p, p]),
        lambda lib, p: lib.nn.functional.linear(lib.ones(2, 3), p),
    ],
)
def test_ops_on_a_placeholder_raise_value_error(use):
    """Operators, torch.* and nn functions: a ValueError with torch's wording around the name
    of the function (which torch prints as its Python object)."""
    _same_error(lambda lib: use(lib, lib.nn.UninitializedParameter()), prefix_only=True)
    _same_error(lambda lib: use(lib, lib.nn.UninitializedBuffer()), prefix_only=True)


def test_share_memory_is_refused():
    _same_error(lambda lib: lib.nn.UninitializedParameter().share_memory_())


def test_conversions_are_allowed():
    """A Parameter placeholder's conversions give plain tensors; a buffer's stay placeholders
    (torch keeps the subclass); a conversion that changes nothing returns the placeholder."""
    for lib in LIBS:
        p, b = lib.nn.UninitializedParameter(), lib.nn.UninitializedBuffer()
        for name in ("double", "half", "long"):
            converted = getattr(p, name)()
            assert type(converted) is lib.Tensor and tuple(converted.shape) == (0,)
            assert type(getattr(b, name)()) is lib.nn.UninitializedBuffer
        assert type(p.to(lib.float64).grad_fn).__name__ == "ToCopyBackward0"
        assert p.float() is p and p.to("cpu") is p and p.cpu() is p
        assert b.float() is b
        assert str(b.to(lib.float64).dtype) == "torch.float64"


def test_copy_into_a_placeholder_under_no_grad():
    for lib in LIBS:
        p = lib.nn.UninitializedParameter()
        with lib.no_grad():
            assert p.copy_(lib.zeros(0)) is p
        assert is_lazy(p) if lib is ref else lib.nn.parameter.is_lazy(p)
    _same_error(lambda lib: lib.nn.UninitializedParameter().copy_(lib.zeros(0)))


def test_materialize_makes_the_same_object_a_parameter():
    for lib in LIBS:
        p = lib.nn.UninitializedParameter(requires_grad=False, dtype=lib.float64)
        before = id(p)
        p.materialize((2, 3))
        assert type(p) is lib.nn.Parameter and id(p) == before
        assert tuple(p.shape) == (2, 3) and str(p.dtype) == "torch.float64"
        assert not p.requires_grad and p.is_leaf
        q = lib.nn.UninitializedParameter()
        q.materialize(4, dtype=lib.float16)
        assert tuple(q.shape) == (4,) and str(q.dtype) == "torch.float16"
        b = lib.nn.UninitializedBuffer(persistent=False)
        b.materialize((5,))
        assert type(b) is lib.Tensor and tuple(b.shape) == (5,) and b.persistent is False


def test_materialize_refuses_an_integer_dtype_that_requires_grad():
    def materialize(lib):
        p = lib.nn.UninitializedParameter()
        try:
            p.materialize((2,), dtype=lib.int64)
        finally:
            assert type(p) is lib.nn.UninitializedParameter
        return p

    _same_error(materialize)


def test_is_lazy():
    assert is_lazy(ref.nn.UninitializedParameter()) and is_lazy(ref.nn.UninitializedBuffer())
    assert not is_lazy(ref.nn.Parameter(ref.zeros(1))) and not is_lazy(ref.zeros(1))
    assert torch.nn.parameter.is_lazy(torch.nn.UninitializedBuffer())


def test_deepcopy_and_pickle():
    for lib in LIBS:
        p = copy.deepcopy(lib.nn.UninitializedParameter(False, dtype=lib.float64))
        assert type(p) is lib.nn.UninitializedParameter
        assert (p.requires_grad, str(p.dtype)) == (False, "torch.float64")
        # Pickling keeps requires_grad only: the dtype comes back as the default.
        q = pickle.loads(pickle.dumps(lib.nn.UninitializedParameter(False, dtype=lib.float64)))
        assert type(q).__name__ == "UninitializedParameter"
        assert (q.requires_grad, str(q.dtype)) == (False, "torch.float32")
    _same_error(lambda lib: copy.deepcopy(lib.nn.UninitializedBuffer()), prefix_only=True)


# -- the lazy modules: construction and the first call -----------------------------------------

# (name, constructor arguments, first input shape, non-lazy class)
LAZY = [
    ("LazyLinear", (3,), (4, 5), "Linear"),
    ("LazyConv1d", (6, 3), (2, 4, 9), "Conv1d"),
    ("LazyConv2d", (6, 3), (2, 4, 7, 7), "Conv2d"),
    ("LazyConv3d", (6, 3), (2, 4, 5, 5, 5), "Conv3d"),
    ("LazyConvTranspose1d", (6, 3), (2, 4, 9), "ConvTranspose1d"),
    ("LazyConvTranspose2d", (6, 3), (4, 7, 7), "ConvTranspose2d"),
    ("LazyConvTranspose3d", (6, 3), (1, 4, 3, 3, 3), "ConvTranspose3d"),
    ("LazyBatchNorm1d", (), (4, 5), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), (4, 5, 3, 3), "BatchNorm2d"),
    ("LazyBatchNorm3d", (), (4, 5, 2, 2, 2), "BatchNorm3d"),
    ("LazyInstanceNorm1d", (), (4, 5, 6), "InstanceNorm1d"),
    ("LazyInstanceNorm2d", (), (4, 5, 3, 3), "InstanceNorm2d"),
    ("LazyInstanceNorm3d", (), (4, 5, 2, 2, 2), "InstanceNorm3d"),
]


def _members(module):
    named = [*module.named_parameters(), *module.named_buffers()]
    return [(name, type(t).__name__) for name, t in named]


def _shapes(module):
    named = [*module.named_parameters(), *module.named_buffers()]
    return [(name, type(t).__name__, tuple(t.shape), str(t.dtype)) for name, t in named]


@pytest.mark.parametrize("name, args, shape, becomes", LAZY, ids=[row[0] for row in LAZY])
def test_lazy_module_before_and_after_the_first_call(name, args, shape, becomes):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    seen = {}
    for lib in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # PyTorch 2.13 no longer warns on construction
            m = getattr(lib.nn, name)(*args)
        assert isinstance(m, lib.nn.modules.lazy.LazyModuleMixin)
        assert m.has_uninitialized_params()
        assert m.cls_to_become is getattr(lib.nn, becomes)
        before = (
            repr(m),
            _members(m),
            list(m.state_dict()),
            [repr(v) for v in m.state_dict().values()],
        )
        y = m(lib.tensor(x))
        assert type(m) is getattr(lib.nn, becomes)
        assert not hasattr(m, "_initialize_hook") and not hasattr(m, "_load_hook")
        assert not m._forward_pre_hooks
        after = (repr(m), _shapes(m), tuple(y.shape), type(y.grad_fn).__name__)
        seen[lib] = (before, after)
    assert seen[ref] == seen[torch]


def test_lazy_modules_compute_as_their_non_lazy_class():
    """After the first call, the same parameters give the same outputs and gradients."""
    x = np.random.default_rng(1).standard_normal((2, 4, 7, 7))
    outs = {}
    for lib in LIBS:
        conv = lib.nn.LazyConv2d(6, 3, padding=1, groups=2, dtype=lib.float64)
        bn = lib.nn.LazyBatchNorm2d(dtype=lib.float64)
        conv(lib.tensor(x))
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(np.linspace(-1, 1, 6 * 2 * 9).reshape(6, 2, 3, 3)))
            conv.bias.copy_(lib.tensor(np.linspace(0, 1, 6)))
        xt = lib.tensor(x, requires_grad=True)
        y = bn(conv(xt))
        y.pow(2).sum().backward()
        outs[lib] = (y.detach().numpy(), xt.grad.numpy(), conv.weight.grad.numpy())
        outs[lib] += (bn.running_mean.numpy(), bn.running_var.numpy())
    for ours, theirs in zip(outs[ref], outs[torch], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_lazy_linear_defaults_and_inputs():
    for lib in LIBS:
        m = lib.nn.LazyLinear(3, bias=False)
        assert _members(m) == [("weight", "UninitializedParameter")] and m.bias is None
        assert (m.in_features, m.out_features) == (0, 3)
        assert tuple(m(input=lib.ones(2, 4)).shape) == (2, 3)  # a keyword input
        assert tuple(m.weight.shape) == (3, 4) and m.in_features == 4
        one_d = lib.nn.LazyLinear(3)
        assert tuple(one_d(lib.ones(4)).shape) == (3,)
        double = lib.nn.LazyLinear(3, dtype=lib.float64)
        assert str(double.weight.dtype) == str(double.bias.dtype) == "torch.float64"
    _same_error(lambda lib: lib.nn.LazyLinear(3)(lib.tensor(1.0)))
    _same_error(lambda lib: lib.nn.LazyLinear(3)(lib.ones(2, 4, dtype=lib.int64)))


def test_lazy_norm_defaults_and_quirks():
    for lib in LIBS:
        # The lazy instance norms default to affine and tracked statistics, unlike InstanceNorm.
        m = lib.nn.LazyInstanceNorm2d()
        assert m.affine and m.track_running_stats
        plain = lib.nn.LazyInstanceNorm1d(affine=False, track_running_stats=False)
        assert not plain.has_uninitialized_params()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            plain(lib.ones(2, 3, 4))
        # Nothing to infer, so num_features stays 0 and the forward warns about it.
        assert type(plain) is lib.nn.InstanceNorm1d and plain.num_features == 0
        assert len(caught) == 1 and "does not match num_features" in str(caught[0].message)
        bn = lib.nn.LazyBatchNorm1d(affine=False, momentum=None, eps=1e-3)
        assert _members(bn) == [
            ("running_mean", "UninitializedBuffer"),
            ("running_var", "UninitializedBuffer"),
            ("num_batches_tracked", "Tensor"),
        ]
    # num_features is input.shape[1] whatever the rank: an unbatched input gives the wrong one.
    _same_error(lambda lib: lib.nn.LazyInstanceNorm2d()(lib.ones(3, 5, 6)))
    _same_error(lambda lib: lib.nn.LazyBatchNorm1d()(lib.ones(3)))
    # The input's rank is checked by forward, after the module is initialised.
    _same_error(lambda lib: lib.nn.LazyBatchNorm2d()(lib.ones(4, 3)))


def test_lazy_conv_errors():
    _same_error(lambda lib: lib.nn.LazyConv2d(6, 3, groups=4)(lib.ones(2, 6, 7, 7)))
    _same_error(lambda lib: lib.nn.LazyConv2d(6, 3)(lib.ones(2, 6, 7, 7, 1)))
    _same_error(lambda lib: lib.nn.LazyConvTranspose2d(4, 3, padding_mode="reflect"))
    for lib in LIBS:
        # out_channels is not checked against groups until the first call.
        assert repr(lib.nn.LazyConv2d(6, 3, groups=4)).startswith("LazyConv2d(0, 6")
        m = lib.nn.LazyConvTranspose2d(4, 3, stride=2)
        assert tuple(m(lib.ones(1, 2, 5, 5), output_size=(12, 12)).shape) == (1, 4, 12, 12)


def test_an_incomplete_initialize_parameters_is_refused():
    def run(lib):
        class Half(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = lib.nn.UninitializedParameter()
                self.b = lib.nn.UninitializedParameter()

            def initialize_parameters(self, x):
                self.a.materialize(x.shape)

            def forward(self, x):
                return x * self.a

        return Half()(lib.ones(2))

    _same_error(run)


def test_a_lazy_module_without_cls_to_become_keeps_its_class():
    def scale(lib):
        class Scale(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.UninitializedParameter()

            def initialize_parameters(self, x, *, shift=0.0):
                self.w.materialize(x.shape[-1:])
                with lib.no_grad():
                    self.w.fill_(2.0 + shift)

            def forward(self, x, *, shift=0.0):
                return x * self.w

        return Scale

    for lib in LIBS:
        cls = scale(lib)
        m = cls()
        assert m.cls_to_become is None
        y = m(lib.ones(3), shift=1.0)  # keywords reach initialize_parameters too
        assert type(m) is cls and not m.has_uninitialized_params()
        assert y.tolist() == [3.0, 3.0, 3.0]
    _same_error(lambda lib: lib.nn.modules.lazy.LazyModuleMixin.initialize_parameters(None))


# -- state dicts and copies --------------------------------------------------------------------


def test_state_dict_of_an_uninitialised_module_holds_the_placeholders():
    for lib in LIBS:
        m = lib.nn.LazyLinear(3)
        sd = m.state_dict()
        assert list(sd) == ["weight", "bias"] and sd["weight"] is m.weight
        assert m.state_dict(keep_vars=True)["bias"] is m.bias
        seq = lib.nn.Sequential(lib.nn.LazyLinear(4), lib.nn.ReLU(), lib.nn.LazyBatchNorm1d())
        assert [repr(v) for v in seq.state_dict().values()][:3] == [
            "<UninitializedParameter>",
            "<UninitializedParameter>",
            "<UninitializedParameter>",
        ]


def test_load_state_dict_materialises_placeholders():
    seen = {}
    for lib in LIBS:
        full = lib.nn.Linear(5, 3)
        lazy = lib.nn.LazyLinear(3)
        result = lazy.load_state_dict(full.state_dict())
        assert repr(result) == "<All keys matched successfully>"
        # Loaded but not called: still a LazyLinear with in_features 0, holding Parameters.
        assert type(lazy) is lib.nn.LazyLinear and type(lazy.weight) is lib.nn.Parameter
        assert lazy.in_features == 0 and not lazy.has_uninitialized_params()
        assert lib.equal(lazy.weight, full.weight) and lib.equal(lazy.bias, full.bias)
        # The first call keeps the loaded values and checks the input against them.
        assert lib.equal(lazy(lib.ones(2, 5)), full(lib.ones(2, 5)))
        assert type(lazy) is lib.nn.Linear and lazy.in_features == 5
        partial = lib.nn.LazyLinear(3)
        keys = partial.load_state_dict({"weight": lib.ones(3, 5)}, strict=False)
        seen[lib] = (keys.missing_keys, _members(partial))
        # A shape of the checkpoint's choosing: the placeholder takes it.
        odd = lib.nn.LazyLinear(3)
        odd.load_state_dict({"weight": lib.ones(3, 5), "bias": lib.ones(4)})
        assert tuple(odd.bias.shape) == (4,)
        # Placeholders into placeholders: they stay placeholders.
        again = lib.nn.LazyLinear(3)
        again.load_state_dict(lib.nn.LazyLinear(3).state_dict())
        assert again.has_uninitialized_params()
    assert seen[ref] == seen[torch]

    def wrong_input(lib):
        lazy = lib.nn.LazyLinear(3)
        lazy.load_state_dict(lib.nn.Linear(5, 3).state_dict())
        return lazy(lib.ones(2, 4))

    _same_error(wrong_input)
    _same_error(lambda lib: lib.nn.LazyLinear(3).load_state_dict({}))
    _same_error(lambda lib: lib.nn.Linear(5, 3).load_state_dict(lib.nn.LazyLinear(3).state_dict()))


def test_load_state_dict_into_a_lazy_batch_norm():
    for lib in LIBS:
        full = lib.nn.BatchNorm1d(3)
        full(lib.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3)))
        lazy = lib.nn.LazyBatchNorm1d()
        lazy.load_state_dict(full.state_dict())
        assert type(lazy.running_mean) is lib.Tensor
        assert lazy.running_mean.tolist() == pytest.approx(full.running_mean.tolist())
        assert int(lazy.num_batches_tracked) == 1 and lazy.num_features == 0


def test_deepcopy_of_a_lazy_module():
    for lib in LIBS:
        m = lib.nn.LazyLinear(3)
        c = copy.deepcopy(m)
        assert type(c.weight) is lib.nn.UninitializedParameter and c.weight is not m.weight
        c(lib.ones(2, 4))
        assert type(c) is lib.nn.Linear and type(m) is lib.nn.LazyLinear
        assert m.has_uninitialized_params() and len(m._forward_pre_hooks) == 1
    _same_error(lambda lib: copy.deepcopy(lib.nn.LazyBatchNorm1d()), prefix_only=True)


# -- modules that hold placeholders --------------------------------------------------------------


def test_module_conversions_before_the_first_call():
    for lib in LIBS:
        m = lib.nn.LazyBatchNorm1d().double()
        assert type(m.weight) is lib.nn.UninitializedParameter
        assert type(m.running_mean) is lib.nn.UninitializedBuffer
        assert str(m.weight.dtype) == str(m.running_mean.dtype) == "torch.float64"
        assert str(m.num_batches_tracked.dtype) == "torch.int64"
        m(lib.ones(3, 2, dtype=lib.float64))
        assert str(m.running_var.dtype) == "torch.float64" and tuple(m.weight.shape) == (2,)
        lin = lib.nn.LazyLinear(3).half().float()
        assert str(lin.weight.dtype) == "torch.float32"
        lin.zero_grad()
        lin.train(False)
    _same_error(lambda lib: lib.nn.LazyLinear(3).requires_grad_(False))


def test_parameters_before_initialisation_and_sequential():
    for lib in LIBS:
        seq = lib.nn.Sequential(lib.nn.LazyLinear(4), lib.nn.ReLU(), lib.nn.LazyLinear(2))
        assert [type(p).__name__ for p in seq.parameters()] == ["UninitializedParameter"] * 4
        assert repr(seq).count("LazyLinear(in_features=0") == 2
        seq(lib.ones(5, 7))
        assert [tuple(p.shape) for p in seq.parameters()] == [(4, 7), (4,), (2, 4), (2,)]
        assert "Linear(in_features=7, out_features=4, bias=True)" in repr(seq)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_an_optimizer_built_before_the_first_call_steps_the_materialised_parameters(optimizer):
    seen = {}
    for lib in LIBS:
        m = lib.nn.LazyLinear(2)
        params = list(m.parameters())
        opt = getattr(lib.optim, optimizer)(m.parameters(), lr=0.1)
        x = lib.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
        m(x)
        assert all(a is b for a, b in zip(opt.param_groups[0]["params"], params, strict=True))
        assert opt.param_groups[0]["params"][0] is m.weight
        with lib.no_grad():
            m.weight.fill_(0.5)
            m.bias.fill_(-0.25)
        for _ in range(2):
            opt.zero_grad()
            m(x).pow(2).sum().backward()
            opt.step()
        seen[lib] = (m.weight.detach().numpy(), m.bias.detach().numpy())
    for ours, theirs in zip(seen[ref], seen[torch], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


# -- the initial values --------------------------------------------------------------------------


def _sample(lib, name, args, shape, repeats):
    values = {}
    for _ in range(repeats):
        m = getattr(lib.nn, name)(*args)
        m(lib.ones(*shape))
        for key, t in m.state_dict().items():
            values.setdefault(key, []).append(t.double().numpy().ravel())
    return {key: np.concatenate(v) for key, v in values.items()}


@pytest.mark.parametrize(
    "name, args, shape, fan_in",
    [
        ("LazyLinear", (40,), (2, 25), 25),
        ("LazyConv2d", (12, 3), (1, 6, 5, 5), 6 * 9),
        ("LazyConvTranspose1d", (8, 3, 1, 0, 0, 2), (1, 6, 5), 4 * 3),
    ],
)
def test_weights_are_drawn_as_the_non_lazy_layer_draws_them(name, args, shape, fan_in):
    """kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the bias too; for a
    transposed convolution fan_in is weight.shape[1] * prod(kernel_size)."""
    bound = 1 / math.sqrt(fan_in)
    ours = _sample(ref, name, args, shape, 20)
    theirs = _sample(torch, name, args, shape, 20)
    for key in ("weight", "bias"):
        assert np.abs(ours[key]).max() <= bound
        assert ours[key].size == theirs[key].size
        # Uniform on (-b, b): mean 0, std b / sqrt(3); standard errors are small at this size.
        n = ours[key].size
        assert abs(ours[key].mean()) < 5 * bound / math.sqrt(3 * n)
        assert ours[key].std() == pytest.approx(bound / math.sqrt(3), rel=0.1)
        assert theirs[key].std() == pytest.approx(bound / math.sqrt(3), rel=0.1)


def test_norm_parameters_and_statistics_start_at_the_identity():
    for lib in LIBS:
        for name in ("LazyBatchNorm3d", "LazyInstanceNorm3d"):
            m = getattr(lib.nn, name)()
            m.eval()  # eval mode, so the statistics are not updated by the call
            m(lib.ones(2, 3, 2, 2, 2))
            assert m.weight.tolist() == [1.0] * 3 and m.bias.tolist() == [0.0] * 3
            assert m.running_mean.tolist() == [0.0] * 3 and m.running_var.tolist() == [1.0] * 3
            assert int(m.num_batches_tracked) == 0


def test_lazy_names_are_exported():
    lazy_names = [n for n in torch.nn.modules.__all__ if n.startswith("Lazy")]
    for name in [*lazy_names, "UninitializedParameter", "UninitializedBuffer"]:
        assert name in ref.nn.__all__ and hasattr(ref.nn, name)
    assert ref.nn.modules.lazy.LazyModuleMixin is type(ref.nn.LazyLinear(1)).__mro__[1]
