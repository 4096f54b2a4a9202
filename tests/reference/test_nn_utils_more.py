"""torch.nn.utils parametrizations (parametrize, orthogonal, weight_norm, spectral_norm), the
hook-based weight_norm/spectral_norm, batch-norm fusion, skip_init and the conv weight memory
format, against real PyTorch side by side: class swaps, parameter/buffer/state_dict names,
values and gradients in float64. Spectral norm's u and v start random, so its checks are those
that do not depend on the seed (power iteration converges to the top singular vectors)."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

W = np.random.default_rng(0).standard_normal((4, 3))
X = np.random.default_rng(1).standard_normal((2, 3))


def _arr(t):
    return t.detach().numpy()


def _same(fn):
    """fn(torch) and fn(ref) give equal lists (arrays compared to 1e-10)."""
    theirs, ours = fn(torch), fn(ref)
    assert len(theirs) == len(ours)
    for i, (a, b) in enumerate(zip(theirs, ours, strict=True)):
        if isinstance(a, np.ndarray):
            assert a.shape == b.shape, (i, a.shape, b.shape)
            np.testing.assert_allclose(b, a, atol=1e-10, err_msg=f"item {i}")
        else:
            assert a == b, (i, a, b)


def _error(fn):
    """fn(torch) and fn(ref) raise the same error type with the same message."""
    outcomes = []
    for lib in (torch, ref):
        with pytest.raises(Exception) as info:
            fn(lib)
        outcomes.append((type(info.value).__name__, str(info.value)))
    assert outcomes[0] == outcomes[1]


def _linear(lib, w=W):
    """A float64 Linear holding w, with a zero bias."""
    m = lib.nn.Linear(w.shape[1], w.shape[0]).double()
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w))
        m.bias.zero_()
    return m


def _parametrizations(lib):
    """Two parametrizations of a square weight: its symmetric part, and doubling."""

    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, X):
            return X.triu()

    class Double(lib.nn.Module):
        def forward(self, X):
            return X * 2

        def right_inverse(self, X):
            return X / 2

    return Symmetric, Double


# -- parametrize ----------------------------------------------------------------------------


def test_register_two_parametrizations_names_values_grads_and_assignment():
    def run(lib):
        P = lib.nn.utils.parametrize
        Symmetric, Double = _parametrizations(lib)
        m = _linear(lib, np.arange(9.0).reshape(3, 3))
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "weight", Double())
        out = [
            type(m).__name__,
            type(m).__bases__[0].__name__,
            P.type_before_parametrizations(m).__name__,
            type(m.parametrizations.weight).__name__,
            len(m.parametrizations.weight),
            [n for n, _ in m.named_parameters()],
            list(m.state_dict()),
            P.is_parametrized(m),
            P.is_parametrized(m, "weight"),
            P.is_parametrized(m, "bias"),
            "weight" in m._parameters,
            _arr(m.weight),
            type(m.weight.grad_fn).__name__,
            _arr(m.parametrizations.weight.original),
        ]
        m(lib.tensor(np.ones((2, 3)))).pow(2).sum().backward()
        out.append(_arr(m.parametrizations.weight.original.grad))
        original = m.parametrizations.weight.original
        m.weight = lib.tensor(np.eye(3) * 4)  # right_inverse, last to first
        out += [m.parametrizations.weight.original is original, _arr(original), _arr(m.weight)]
        return out

    _same(run)


def test_other_instances_keep_their_class():
    def run(lib):
        a, b = _linear(lib), _linear(lib)
        lib.nn.utils.parametrize.register_parametrization(a, "weight", lib.nn.Identity())
        return [type(a).__name__, type(b).__name__, hasattr(type(b), "weight")]

    _same(run)


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations_restores_class_and_parameter(leave_parametrized):
    def run(lib):
        P = lib.nn.utils.parametrize
        _, Double = _parametrizations(lib)
        m = _linear(lib, np.arange(9.0).reshape(3, 3))
        P.register_parametrization(m, "weight", Double())
        P.register_parametrization(m, "bias", Double())
        original = m.parametrizations.weight.original
        P.remove_parametrizations(m, "weight", leave_parametrized=leave_parametrized)
        out = [type(m).__name__, [n for n, _ in m.named_parameters()], m.weight is original]
        out += [type(m.weight).__name__, _arr(m.weight), P.is_parametrized(m, "weight")]
        P.remove_parametrizations(m, "bias")
        out += [type(m).__name__, hasattr(m, "parametrizations"), list(m.state_dict())]
        return out

    _same(run)


def test_parametrized_buffer_stays_a_buffer():
    def run(lib):
        P = lib.nn.utils.parametrize
        _, Double = _parametrizations(lib)
        m = lib.nn.BatchNorm1d(3).double()
        P.register_parametrization(m, "running_var", Double())
        out = [
            [n for n, _ in m.named_buffers()],
            list(m.state_dict()),
            _arr(m.running_var),
            type(m).__name__,
        ]
        P.remove_parametrizations(m, "running_var")
        return [*out, [n for n, _ in m.named_buffers()], _arr(m.running_var)]

    _same(run)


def test_right_inverse_returning_a_sequence_gives_original0_original1():
    def run(lib):
        class Sum(lib.nn.Module):
            def forward(self, A, B):
                return A + B

            def right_inverse(self, X):
                return X / 4, X * 3 / 4

        m = _linear(lib)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Sum())
        pl = m.parametrizations.weight
        out = [[n for n, _ in m.named_parameters()], pl.is_tensor, pl.ntensors, _arr(m.weight)]
        out += [_arr(pl.original0), type(pl.original0).__name__, pl.original0.requires_grad]
        m.weight = lib.tensor(np.ones((4, 3)))
        out += [_arr(pl.original1), _arr(m.weight)]
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        return [*out, [n for n, _ in m.named_parameters()], _arr(m.weight)]

    _same(run)


def test_cached_computes_each_parametrized_tensor_once():
    def run(lib):
        P = lib.nn.utils.parametrize
        _, Double = _parametrizations(lib)
        m = _linear(lib)
        P.register_parametrization(m, "weight", Double())
        out = [m.weight is m.weight]
        with P.cached():
            first = m.weight
            with P.cached():
                out.append(m.weight is first)
            out.append(m.weight is first)
        return [*out, m.weight is first]

    _same(run)


def test_parametrize_errors():
    def shape_change(lib):
        class Grow(lib.nn.Module):
            def forward(self, X):
                return lib.cat([X, X])

        lib.nn.utils.parametrize.register_parametrization(_linear(lib), "weight", Grow())

    def dtype_change(lib):
        class Cast(lib.nn.Module):
            def forward(self, X):
                return X.float()

        lib.nn.utils.parametrize.register_parametrization(_linear(lib), "weight", Cast())

    def appended_shape_change(lib):
        class Grow(lib.nn.Module):
            def forward(self, X):
                return lib.cat([X, X])

        m = _linear(lib)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", lib.nn.Identity())
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Grow())

    def missing_right_inverse(lib):
        m = _linear(lib)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", lib.nn.Tanh())
        m.weight = lib.zeros(4, 3, dtype=lib.float64)

    def empty_list(lib):
        lib.nn.utils.parametrize.ParametrizationList([], lib.zeros(2))

    def remove_missing(lib):
        lib.nn.utils.parametrize.remove_parametrizations(lib.nn.Tanh(), "weight")

    for fn in (shape_change, dtype_change, appended_shape_change, missing_right_inverse):
        _error(fn)
    for fn in (empty_list, remove_missing):
        _error(fn)


def test_unsafe_allows_a_shape_change():
    def run(lib):
        class Grow(lib.nn.Module):
            def forward(self, X):
                return lib.cat([X, X])

        m = _linear(lib)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Grow(), unsafe=True)
        return [tuple(m.weight.shape), m.parametrizations.weight.unsafe]

    _same(run)


def test_parametrized_module_pickling_refused_deepcopy_allowed():
    for lib in (torch, ref):
        m = _linear(lib)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", lib.nn.Identity())
        with pytest.raises(RuntimeError, match="Serialization of parametrized modules"):
            pickle.dumps(m)
        clone = copy.deepcopy(m)
        assert type(clone).__name__ == "ParametrizedLinear"
        np.testing.assert_array_equal(_arr(clone.weight), W)


def test_transfer_parametrizations_and_params():
    def run(lib):
        P = lib.nn.utils.parametrize
        _, Double = _parametrizations(lib)
        a, b = _linear(lib), lib.nn.Linear(3, 4).double()
        P.register_parametrization(a, "weight", Double())
        P.transfer_parametrizations_and_params(a, b)
        same = b.parametrizations.weight.original is a.parametrizations.weight.original
        return [type(b).__name__, same, _arr(b.weight)]

    _same(run)


# -- parametrizations.weight_norm / spectral_norm / orthogonal -------------------------------


@pytest.mark.parametrize("dim", [0, 1, -1, None])
def test_weight_norm_parametrization(dim):
    def run(lib):
        m = lib.nn.utils.parametrizations.weight_norm(_linear(lib), dim=dim)
        pl = m.parametrizations.weight
        out = [type(m).__name__, [n for n, _ in m.named_parameters()], list(m.state_dict())]
        out += [_arr(m.weight), _arr(pl.original0), _arr(pl.original1)]
        m(lib.tensor(X)).pow(2).sum().backward()
        return [*out, _arr(pl.original0.grad), _arr(pl.original1.grad)]

    _same(run)


@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_spectral_norm_parametrization(n_power_iterations):
    def run(lib):
        lib.manual_seed(0)
        SN = lib.nn.utils.parametrizations.spectral_norm
        m = SN(_linear(lib), n_power_iterations=n_power_iterations)
        sn = m.parametrizations.weight[0]
        out = [type(m).__name__, [n for n, _ in m.named_parameters()]]
        out += [[n for n, _ in m.named_buffers()], list(m.state_dict())]
        out += [tuple(sn._u.shape), tuple(sn._v.shape), sn.n_power_iterations]
        for _ in range(30):  # converged: the value no longer depends on the random start
            weight = m.weight
        out += [_arr(weight), np.array(np.linalg.norm(_arr(weight), 2))]
        m(lib.tensor(X)).pow(2).sum().backward()
        out += [_arr(m.parametrizations.weight.original.grad), np.array(float(sn._u.norm()))]
        m.eval()  # no power iteration: u stays as it is
        u = _arr(sn._u).copy()
        m(lib.tensor(X))
        return [*out, bool(np.array_equal(u, _arr(sn._u)))]

    _same(run)


def test_spectral_norm_dims_and_errors():
    def run(lib):
        SN = lib.nn.utils.parametrizations.spectral_norm
        conv_t = SN(lib.nn.ConvTranspose2d(3, 5, 2))
        conv = SN(lib.nn.Conv2d(3, 5, 2))
        vec = lib.nn.Linear(3, 4)
        SN(vec, "bias")
        return [
            conv_t.parametrizations.weight[0].dim,
            tuple(conv_t.parametrizations.weight[0]._u.shape),
            conv.parametrizations.weight[0].dim,
            tuple(conv.parametrizations.weight[0]._v.shape),
            [n for n, _ in vec.named_buffers()],
            np.array(float(vec.bias.detach().norm())),
        ]

    _same(run)
    _error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(_linear(lib), dim=2))
    _error(
        lambda lib: lib.nn.utils.parametrizations.spectral_norm(_linear(lib), n_power_iterations=0)
    )
    _error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Tanh()))


@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
def test_orthogonal_square(orthogonal_map):
    def run(lib):
        w = np.random.default_rng(2).standard_normal((3, 3))
        orthogonal = lib.nn.utils.parametrizations.orthogonal
        m = orthogonal(_linear(lib, w), orthogonal_map=orthogonal_map)
        out = [type(m).__name__, [n for n, _ in m.named_parameters()]]
        out += [[n for n, _ in m.named_buffers()], list(m.state_dict()), _arr(m.weight)]
        m(lib.tensor(np.ones((2, 3)))).pow(3).sum().backward()
        return [*out, _arr(m.parametrizations.weight.original.grad)]

    _same(run)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5)])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley"])
def test_orthogonal_without_trivialization(shape, orthogonal_map):
    def run(lib):
        w = np.random.default_rng(2).standard_normal(shape)
        orthogonal = lib.nn.utils.parametrizations.orthogonal
        m = orthogonal(_linear(lib, w), orthogonal_map=orthogonal_map, use_trivialization=False)
        out = [[n for n, _ in m.named_buffers()], _arr(m.weight)]
        m(lib.tensor(np.ones((2, shape[1])))).pow(3).sum().backward()
        return [*out, _arr(m.parametrizations.weight.original.grad)]

    _same(run)


@pytest.mark.parametrize("orthogonal_map", [None, "cayley", "householder"])
def test_orthogonal_rectangular_value(orthogonal_map):
    """With trivialization a non-square weight is completed by random columns: the value
    depends only on the weight (QR's first columns), the gradient on the random completion."""

    def run(lib):
        w = np.random.default_rng(3).standard_normal((5, 3))
        orthogonal = lib.nn.utils.parametrizations.orthogonal
        m = orthogonal(_linear(lib, w), orthogonal_map=orthogonal_map)
        q = _arr(m.weight)
        return [q, bool(np.allclose(q.T @ q, np.eye(3)))]

    _same(run)


def test_orthogonal_errors():
    def call(lib, *args, **kwargs):
        return lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), *args, **kwargs)

    _error(lambda lib: call(lib, "bias"))
    _error(lambda lib: call(lib, "nope"))
    _error(lambda lib: call(lib, orthogonal_map="x"))


# -- the hook-based weight_norm and spectral_norm --------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm(dim):
    def run(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = lib.nn.utils.weight_norm(_linear(lib), dim=dim)
        out = [[(w.category.__name__, str(w.message)) for w in caught]]
        out += [type(m).__name__, [n for n, _ in m.named_parameters()], list(m.state_dict())]
        out += [_arr(m.weight), _arr(m.weight_g), type(m.weight).__name__]
        m(lib.tensor(X)).pow(2).sum().backward()
        out += [_arr(m.weight_g.grad), _arr(m.weight_v.grad)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as info:
                lib.nn.utils.weight_norm(m, dim=dim)
        out.append(str(info.value))
        lib.nn.utils.remove_weight_norm(m)
        out += [[n for n, _ in m.named_parameters()], _arr(m.weight)]
        with pytest.raises(ValueError) as info:
            lib.nn.utils.remove_weight_norm(m)
        return [*out, str(info.value)]

    _same(run)


def test_old_spectral_norm():
    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.spectral_norm(_linear(lib))
        out = [type(m).__name__, [n for n, _ in m.named_parameters()]]
        out += [[n for n, _ in m.named_buffers()], list(m.state_dict()), type(m.weight).__name__]
        for _ in range(40):
            m(lib.tensor(X))
        out += [_arr(m.weight), np.array(np.linalg.norm(_arr(m.weight), 2))]
        m(lib.tensor(X)).pow(2).sum().backward()
        out.append(_arr(m.weight_orig.grad))
        m.eval()
        u = _arr(m.weight_u).copy()
        m(lib.tensor(X))
        out.append(bool(np.array_equal(u, _arr(m.weight_u))))
        with pytest.raises(RuntimeError) as info:
            lib.nn.utils.spectral_norm(m)
        out.append(str(info.value))
        lib.nn.utils.remove_spectral_norm(m)
        out += [[n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()]]
        out.append(_arr(m.weight))
        with pytest.raises(ValueError) as info:
            lib.nn.utils.remove_spectral_norm(m)
        return [*out, str(info.value)]

    _same(run)


# -- fusion, skip_init, memory format, RNN base classes --------------------------------------


def _bn(lib, n, affine=True):
    bn = lib.nn.BatchNorm2d(n, affine=affine).double()
    rng = np.random.default_rng(4)
    with lib.no_grad():
        bn.running_mean.copy_(lib.tensor(rng.standard_normal(n)))
        bn.running_var.copy_(lib.tensor(rng.uniform(0.5, 2, n)))
        if affine:
            bn.weight.copy_(lib.tensor(rng.standard_normal(n)))
            bn.bias.copy_(lib.tensor(rng.standard_normal(n)))
    return bn.eval()


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_fuse_conv_bn_eval(transpose, bias, affine):
    def run(lib):
        cls = lib.nn.ConvTranspose2d if transpose else lib.nn.Conv2d
        conv = cls(3, 4, 2, bias=bias).double().eval()
        with lib.no_grad():
            values = lib.tensor(np.linspace(-1, 1, conv.weight.numel()))
            conv.weight.copy_(values.view_as(conv.weight))
            if bias:
                conv.bias.copy_(lib.tensor([0.1, -0.2, 0.3, 0.0]))
        bn = _bn(lib, 4, affine)
        fused = lib.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        x = lib.tensor(np.random.default_rng(5).standard_normal((1, 3, 4, 4)))
        return [
            type(fused).__name__,
            fused is conv,
            type(fused.bias).__name__,
            fused.weight.grad_fn is None,
            _arr(fused.weight),
            _arr(fused.bias),
            _arr(fused(x)),
            bool(np.allclose(_arr(fused(x)), _arr(bn(conv(x))))),
        ]

    _same(run)


def test_fuse_linear_bn_eval_and_weights():
    def run(lib):
        linear = _linear(lib).eval()
        bn = lib.nn.BatchNorm1d(4).double().eval()
        with lib.no_grad():
            bn.running_mean.copy_(lib.tensor([0.5, -1.0, 2.0, 0.0]))
            bn.running_var.copy_(lib.tensor([1.0, 2.0, 0.5, 3.0]))
            bn.weight.copy_(lib.tensor([1.5, -1.0, 0.5, 2.0]))
        fused = lib.nn.utils.fuse_linear_bn_eval(linear, bn)
        w, b = lib.nn.utils.fuse_linear_bn_weights(
            linear.weight, None, bn.running_mean, bn.running_var, 1e-3, bn.weight, bn.bias
        )
        one = lib.nn.BatchNorm1d(1).double().eval()
        broadcast = lib.nn.utils.fuse_linear_bn_eval(linear, one)
        x = lib.tensor(X)
        return [
            _arr(fused.weight),
            _arr(fused.bias),
            _arr(fused(x)),
            _arr(w),
            _arr(b),
            type(w).__name__,
            w.requires_grad,
            _arr(broadcast.bias),
        ]

    _same(run)


def test_fusion_errors():
    def fuse(lib, layer, bn):
        fn = lib.nn.utils.fuse_linear_bn_eval
        if isinstance(layer, lib.nn.Conv2d):
            fn = lib.nn.utils.fuse_conv_bn_eval
        return fn(layer, bn)

    _error(lambda lib: fuse(lib, lib.nn.Conv2d(3, 4, 2), lib.nn.BatchNorm2d(4)))
    _error(lambda lib: fuse(lib, lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4)))
    _error(lambda lib: fuse(lib, lib.nn.Linear(3, 4).eval(), lib.nn.BatchNorm1d(3).eval()))


def test_fuse_conv_bn_weights_keeps_dtypes():
    def run(lib):
        w = lib.ones(4, 3, 2, 2, dtype=lib.float32)
        rm, rv = lib.zeros(4, dtype=lib.float64), lib.ones(4, dtype=lib.float64)
        fw, fb = lib.nn.utils.fuse_conv_bn_weights(w, None, rm, rv, 1e-5, None, None)
        return [
            fw.dtype is lib.float32,
            fb.dtype is lib.float32,
            fb.requires_grad,
            fw.requires_grad,
        ]

    _same(run)


def test_skip_init_consumes_no_random_draws():
    def run(lib):
        lib.manual_seed(0)
        first = float(lib.rand(1))
        lib.manual_seed(0)
        m = lib.nn.utils.skip_init(lib.nn.Linear, 3, 4, dtype=lib.float64)
        after = float(lib.rand(1)) == first  # the generators differ; their use must not
        return [
            type(m).__name__,
            [n for n, _ in m.named_parameters()],
            tuple(m.weight.shape),
            m.weight.dtype is lib.float64,
            type(m.weight).__name__,
            m.weight.requires_grad,
            str(m.weight.device),
            after,
        ]

    _same(run)
    _error(lambda lib: lib.nn.utils.skip_init(int))
    _error(lambda lib: lib.nn.utils.skip_init(lib.nn.Tanh))


def test_convert_conv2d_weight_memory_format():
    def run(lib):
        nn = lib.nn
        m = nn.Sequential(nn.Conv2d(3, 4, 2), nn.Sequential(nn.ConvTranspose2d(4, 2, 3)))
        m.add_module("c3", nn.Conv3d(2, 2, 1))
        weight = m[0].weight
        out = nn.utils.convert_conv2d_weight_memory_format(m, lib.channels_last)
        result = [
            out is m,
            m[0].weight is weight,
            m[0].weight.stride(),
            m[1][0].weight.stride(),
            m[0].weight.is_contiguous(memory_format=lib.channels_last),
            m.c3.weight.is_contiguous(),
        ]
        nn.utils.convert_conv3d_weight_memory_format(m, lib.channels_last_3d)
        return [*result, m.c3.weight.stride(), m[0].weight.stride()]

    _same(run)


def test_rnn_base_classes_are_exported():
    def run(lib):
        nn = lib.nn
        layers = [nn.RNN(2, 3), nn.LSTM(2, 3), nn.GRU(2, 3)]
        cells = [nn.RNNCell(2, 3), nn.LSTMCell(2, 3), nn.GRUCell(2, 3)]
        return [
            [isinstance(m, nn.RNNBase) for m in layers + cells],
            [isinstance(m, nn.RNNCellBase) for m in layers + cells],
            "RNNBase" in dir(nn),
            "RNNCellBase" in dir(nn),
        ]

    _same(run)
