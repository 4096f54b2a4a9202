"""nn.RNNCell, LSTMCell, GRUCell, RNN, LSTM and GRU against torch: parameters, reprs, values
and gradients (torch's parameters copied into the reference module), unbatched inputs, the
optional hidden state, and torch's errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import conformance.reference as ref

TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def _make(name, *args, dtype=torch.float64, **kwargs):
    """The torch module (seeded) and the reference one holding the same parameters."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).to(dtype)
    ours = getattr(ref.nn, name)(*args, **kwargs).to(getattr(ref, str(dtype)[6:]))
    ours.load_state_dict(
        {k: ref.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    return theirs, ours


def _pair(shape, dtype):
    t = torch.randn(*shape, dtype=dtype, requires_grad=True)
    return t, ref.tensor(t.detach().numpy(), requires_grad=True)


def _flat(out):
    return list(out) if isinstance(out, tuple) else [out]


def _compare(theirs, ours, inputs, dtype):
    """Forward values, then the gradients of the inputs and every parameter of a weighted sum
    of the outputs."""
    tol = TOL[dtype]
    t_out = theirs(*[t for t, _ in inputs])
    r_out = ours(*[r for _, r in inputs])
    t_flat = [x for o in _flat(t_out) for x in _flat(o)]
    r_flat = [x for o in _flat(r_out) for x in _flat(o)]
    assert len(t_flat) == len(r_flat)
    t_loss, r_loss = 0, 0
    for i, (t, r) in enumerate(zip(t_flat, r_flat, strict=True)):
        assert tuple(t.shape) == tuple(r.shape)
        np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)
        weights = torch.linspace(-1, 1, t.numel(), dtype=dtype).reshape(t.shape) * (i + 1)
        t_loss = t_loss + (t * weights).sum()
        r_loss = r_loss + (r * ref.tensor(weights.numpy())).sum()
    t_loss.backward()
    r_loss.backward()
    for t, r in inputs:
        np.testing.assert_allclose(r.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        got = ours_params[name].grad.numpy()
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=tol, atol=tol, err_msg=name)
    return t_out, r_out


def _raises(f_torch, f_ref):
    with pytest.raises(Exception) as t_err:
        f_torch()
    with pytest.raises(type(t_err.value)) as r_err:
        f_ref()
    assert str(r_err.value) == str(t_err.value)


# Cells

CELLS = [
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("RNNCell", {"bias": False}),
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
    ("GRUCell", {"bias": False}),
]


def _cell_hidden(name, batch, dtype):
    shape = (batch, 4) if batch is not None else (4,)
    if name == "LSTMCell":
        return [_pair(shape, dtype), _pair(shape, dtype)]
    return [_pair(shape, dtype)]


class _TupleHidden(torch.nn.Module):
    """Calls a cell with (input, (h, c)) given three arguments (for _compare)."""

    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, x, h, c):
        return self.cell(x, (h, c))


def _tupled(theirs, ours):
    wrapped = ref.nn.Module()
    wrapped.cell = ours
    wrapped.forward = lambda x, h, c: ours(x, (h, c))
    return _TupleHidden(theirs), wrapped


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name, kwargs", CELLS)
@pytest.mark.parametrize("batch", [2, 0, None])
def test_cell_values_and_gradients(name, kwargs, batch, dtype):
    theirs, ours = _make(name, 3, 4, dtype=dtype, **kwargs)
    x = _pair((batch, 3) if batch is not None else (3,), dtype)
    hidden = _cell_hidden(name, batch, dtype)
    if name == "LSTMCell":
        theirs, ours = _tupled(theirs, ours)
    _compare(theirs, ours, [x, *hidden], dtype)


@pytest.mark.parametrize("name, kwargs", CELLS)
def test_cell_without_hidden_state_and_node_names(name, kwargs):
    theirs, ours = _make(name, 3, 4, **kwargs)
    for shape in [(2, 3), (3,)]:
        x = _pair(shape, torch.float64)
        t_out, r_out = _compare(theirs, ours, [x], torch.float64)
        for t, r in zip(_flat(t_out), _flat(r_out), strict=True):
            assert type(r.grad_fn).__name__ == type(t.grad_fn).__name__


def _names(fn, seen=None):
    """Every node name reachable from fn, once each, in a stable order."""
    out, stack, seen = [], [fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        out.append(type(node).__name__)
        stack.extend(n for n, _ in node.next_functions)
    return sorted(out)


@pytest.mark.parametrize("name, kwargs", CELLS)
def test_cell_graph_records_torch_nodes(name, kwargs):
    theirs, ours = _make(name, 3, 4, **kwargs)
    x = _pair((2, 3), torch.float64)
    hidden = _cell_hidden(name, 2, torch.float64)
    if name == "LSTMCell":
        t_out = theirs(x[0], (hidden[0][0], hidden[1][0]))[1]
        r_out = ours(x[1], (hidden[0][1], hidden[1][1]))[1]
    else:
        t_out, r_out = theirs(x[0], hidden[0][0]), ours(x[1], hidden[0][1])
    assert _names(r_out.grad_fn) == _names(t_out.grad_fn)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_parameters_and_init(name):
    gates = {"RNNCell": 1, "LSTMCell": 4, "GRUCell": 3}[name]
    theirs = getattr(torch.nn, name)(3, 16)
    ours = getattr(ref.nn, name)(3, 16)
    assert [(k, tuple(v.shape)) for k, v in ours.named_parameters()] == [
        (k, tuple(v.shape)) for k, v in theirs.named_parameters()
    ]
    assert ours.weight_ih.shape == (gates * 16, 3)
    bound = 1 / math.sqrt(16)
    for p in ours.parameters():
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() - values.min() > bound  # drawn, not constant
    assert repr(ours) == repr(theirs)
    no_bias = getattr(ref.nn, name)(3, 16, bias=False)
    assert no_bias.bias_ih is None and len(list(no_bias.parameters())) == 2
    assert repr(no_bias) == repr(getattr(torch.nn, name)(3, 16, bias=False))
    assert repr(ref.nn.RNNCell(3, 4, False, "relu")) == repr(torch.nn.RNNCell(3, 4, False, "relu"))


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors(name):
    theirs, ours = _make(name, 3, 4)

    def hid(lib, *shape):
        h = lib.randn(*shape, dtype=lib.float64)
        return (h, h) if name == "LSTMCell" else h

    for args in [((2, 4),), ((2, 3, 1),), ((2, 3), (3, 4)), ((2, 3), (2, 5)), ((3,), (1, 4))]:
        x = args[0]

        def call(lib, module, args=args, x=x):
            return module(lib.randn(*x, dtype=lib.float64), *[hid(lib, *s) for s in args[1:]])

        _raises(lambda call=call: call(torch, theirs), lambda call=call: call(ref, ours))
    _raises(lambda: theirs(torch.randn(2, 3)), lambda: ours(ref.randn(2, 3)))


# Sequence layers

LAYERS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bias": False, "bidirectional": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"bias": False}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"batch_first": True, "bias": False}),
]


class _LSTMHidden(torch.nn.Module):
    def __init__(self, lstm):
        super().__init__()
        self.lstm = lstm

    def forward(self, x, h, c):
        return self.lstm(x, (h, c))


def _layer_inputs(name, kwargs, batched, dtype, with_hidden):
    seq, batch = 5, 2
    directions = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1)
    if batched:
        shape = (batch, seq, 3) if kwargs.get("batch_first") else (seq, batch, 3)
        hidden = (layers * directions, batch, 4)
    else:
        shape, hidden = (seq, 3), (layers * directions, 4)
    inputs = [_pair(shape, dtype)]
    if with_hidden:
        inputs += [_pair(hidden, dtype) for _ in range(2 if name == "LSTM" else 1)]
    return inputs


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name, kwargs", LAYERS)
@pytest.mark.parametrize("batched, with_hidden", [(True, True), (True, False), (False, True)])
def test_layer_values_and_gradients(name, kwargs, batched, with_hidden, dtype):
    theirs, ours = _make(name, 3, 4, dtype=dtype, **kwargs)
    inputs = _layer_inputs(name, kwargs, batched, dtype, with_hidden)
    if name == "LSTM" and with_hidden:
        theirs = _LSTMHidden(theirs)
        lstm = ours
        ours = ref.nn.Module()
        ours.lstm = lstm
        ours.forward = lambda x, h, c: lstm(x, (h, c))
    t_out, r_out = _compare(theirs, ours, inputs, dtype)
    assert isinstance(r_out, tuple) and len(r_out) == 2
    if name == "LSTM":
        assert isinstance(r_out[1], tuple) and len(r_out[1]) == 2


def test_layer_parameters_init_and_repr():
    for name, kwargs in LAYERS + [("RNN", {"num_layers": 3, "dropout": 0.25})]:
        theirs = getattr(torch.nn, name)(3, 16, **kwargs)
        ours = getattr(ref.nn, name)(3, 16, **kwargs)
        assert [(k, tuple(v.shape)) for k, v in ours.named_parameters()] == [
            (k, tuple(v.shape)) for k, v in theirs.named_parameters()
        ]
        assert repr(ours) == repr(theirs)
        bound = 1 / math.sqrt(16)
        for p in ours.parameters():
            values = p.detach().numpy()
            assert values.min() >= -bound and values.max() <= bound
    assert repr(ref.nn.RNN(3, 4, 1, "relu")) == repr(torch.nn.RNN(3, 4, 1, "relu"))


def test_layer_dropout_between_layers():
    """Training applies dropout to every layer's output but the last; eval applies none."""
    theirs, ours = _make("GRU", 3, 4, num_layers=2, dropout=0.5)
    x = ref.randn(5, 2, 3, dtype=ref.float64)
    ours.eval()
    quiet = ours(x)[0]
    np.testing.assert_allclose(
        quiet.detach().numpy(),
        theirs.eval()(torch.from_numpy(x.numpy()))[0].detach().numpy(),
        rtol=1e-10,
    )
    ours.train()
    ref.manual_seed(1)
    first = ours(x)[0]
    ref.manual_seed(1)
    again = ours(x)[0]
    np.testing.assert_array_equal(first.detach().numpy(), again.detach().numpy())
    assert not np.allclose(first.detach().numpy(), quiet.detach().numpy())
    # One layer: no dropout at all, even in training (and torch warns at construction).
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        single = ref.nn.GRU(3, 4, dropout=0.5).to(ref.float64)
    single.load_state_dict({k: v for k, v in ours.state_dict().items() if "_l0" in k})
    a, b = single(x)[0], single.eval()(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_layer_errors(name):
    theirs, ours = _make(name, 3, 4, num_layers=2)

    def hid(lib, *shape):
        h = lib.randn(*shape, dtype=lib.float64)
        return (h, h) if name == "LSTM" else h

    for x, h in [
        ((5, 2, 4), None),
        ((5, 2, 3, 1), None),
        ((5, 3), (2, 1, 4)),
        ((5, 2, 3), (2, 4)),
        ((5, 2, 3), (1, 2, 4)),
    ]:

        def call(lib, module, x=x, h=h):
            args = [lib.randn(*x, dtype=lib.float64)]
            return module(*args, *([hid(lib, *h)] if h else []))

        _raises(lambda call=call: call(torch, theirs), lambda call=call: call(ref, ours))
    _raises(lambda: theirs(torch.randn(5, 2, 3)), lambda: ours(ref.randn(5, 2, 3)))
    if name == "LSTM":
        _raises(
            lambda: theirs(
                torch.randn(5, 2, 3, dtype=torch.float64),
                (torch.randn(2, 2, 4, dtype=torch.float64), torch.randn(1, 2, 4)),
            ),
            lambda: ours(
                ref.randn(5, 2, 3, dtype=ref.float64),
                (ref.randn(2, 2, 4, dtype=ref.float64), ref.randn(1, 2, 4)),
            ),
        )


def test_layer_constructor_errors():
    for kwargs in [
        {"nonlinearity": "foo"},
        {"dropout": 1.5},
        {"num_layers": 0},
        {"proj_size": 2},
    ]:
        _raises(
            lambda kwargs=kwargs: torch.nn.RNN(3, 4, **kwargs),
            lambda kwargs=kwargs: ref.nn.RNN(3, 4, **kwargs),
        )
    _raises(lambda: torch.nn.GRU(3, 0), lambda: ref.nn.GRU(3, 0))


# PackedSequence inputs and the LSTM's projection

PACKED = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 3, "bias": False, "batch_first": True}),
    ("GRU", {"bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False, "num_layers": 2}),
]


def _hidden_pairs(name, kwargs, batch, dtype):
    """(h,) or (h, c) pairs of torch and reference tensors for a layer's initial state."""
    rows = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h = _pair((rows, batch, kwargs.get("proj_size") or 4), dtype)
    return [h, _pair((rows, batch, 4), dtype)] if name == "LSTM" else [h]


def _packed_outputs(module, out):
    """The tensors a packed forward returns, and its output's index fields."""
    packed, hidden = out
    tensors = [packed.data, *(hidden if isinstance(hidden, tuple) else (hidden,))]
    fields = [packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices]
    return tensors, [None if f is None else f.tolist() for f in fields]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("enforce_sorted, with_hidden", [(True, False), (False, True)])
@pytest.mark.parametrize("name, kwargs", PACKED)
def test_layer_on_packed_sequences(name, kwargs, enforce_sorted, with_hidden, dtype):
    """Variable-length sequences packed (sorted, or sorted by the packing with a given hx
    permuted into that order): the packed output, h_n after each sequence's own last step (in
    the caller's order), the node names, and the gradients of the padded input, the initial
    state and every parameter."""
    tol = TOL[dtype]
    theirs, ours = _make(name, 3, 4, dtype=dtype, **kwargs)
    batch_first = kwargs.get("batch_first", False)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = _pair((4, 5, 3) if batch_first else (5, 4, 3), dtype)
    hidden = _hidden_pairs(name, kwargs, 4, dtype) if with_hidden else []
    results = []
    for i, (lib, module) in enumerate(((torch, theirs), (ref, ours))):
        packed = lib.nn.utils.rnn.pack_padded_sequence(
            x[i], lengths, batch_first=batch_first, enforce_sorted=enforce_sorted
        )
        states = [pair[i] for pair in hidden]
        hx = None if not states else states[0] if name != "LSTM" else tuple(states)
        tensors, fields = _packed_outputs(module, module(packed, hx))
        loss = sum(
            (t * lib.tensor(np.linspace(-1, 1, t.numel()).reshape(t.shape) * (k + 1))).sum()
            for k, t in enumerate(tensors)
        )
        loss.backward()
        results.append((tensors, fields))
    (t_tensors, t_fields), (r_tensors, r_fields) = results
    assert r_fields == t_fields
    for t, r in zip(t_tensors, r_tensors, strict=True):
        assert type(r.grad_fn).__name__ == type(t.grad_fn).__name__
        assert tuple(r.shape) == tuple(t.shape)
        np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)
    for t, r in [x, *hidden]:
        np.testing.assert_allclose(r.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)
    ours_params = dict(ours.named_parameters())
    for key, p in theirs.named_parameters():
        got = ours_params[key].grad.numpy()
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=tol, atol=tol, err_msg=key)


def test_packed_h_n_is_each_sequences_last_valid_step():
    """h_n of a packed batch is, for each sequence, the state after its own length: the same
    as running that sequence alone (checked within the reference, in float64)."""
    _, ours = _make("GRU", 3, 4, bidirectional=True)
    x = ref.randn(5, 3, 3, dtype=ref.float64)
    lengths = [2, 5, 3]
    packed = ref.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
    _, h_n = ours(packed)
    for b, n in enumerate(lengths):
        _, alone = ours(x[:n, b : b + 1])
        np.testing.assert_allclose(h_n[:, b].detach().numpy(), alone[:, 0].detach().numpy())


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"proj_size": 2},
        {"proj_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True},
        {"proj_size": 1, "bias": False},
    ],
)
@pytest.mark.parametrize("with_hidden", [False, True])
def test_lstm_projection_values_and_gradients(kwargs, with_hidden, dtype):
    theirs, ours = _make("LSTM", 3, 4, dtype=dtype, **kwargs)
    shape = (2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3)
    inputs = [_pair(shape, dtype)]
    if with_hidden:
        inputs += _hidden_pairs("LSTM", kwargs, 2, dtype)
        theirs = _LSTMHidden(theirs)
        lstm = ours
        ours = ref.nn.Module()
        ours.lstm = lstm
        ours.forward = lambda x, h, c: lstm(x, (h, c))
    _, r_out = _compare(theirs, ours, inputs, dtype)
    assert r_out[1][0].shape[-1] == kwargs["proj_size"]
    assert r_out[1][1].shape[-1] == 4


def test_lstm_projection_parameters_repr_and_errors():
    for kwargs in [{"proj_size": 2}, {"proj_size": 3, "num_layers": 2, "bidirectional": True}]:
        theirs = torch.nn.LSTM(3, 4, **kwargs)
        ours = ref.nn.LSTM(3, 4, **kwargs)
        assert [(k, tuple(v.shape)) for k, v in ours.named_parameters()] == [
            (k, tuple(v.shape)) for k, v in theirs.named_parameters()
        ]
        assert repr(ours) == repr(theirs)
        assert [len(w) for w in ours.all_weights] == [len(w) for w in theirs.all_weights]
    for proj_size in (-1, 4, 5):
        _raises(
            lambda p=proj_size: torch.nn.LSTM(3, 4, proj_size=p),
            lambda p=proj_size: ref.nn.LSTM(3, 4, proj_size=p),
        )
    theirs, ours = _make("LSTM", 3, 4, proj_size=2)
    for h, c in [((1, 2, 4), (1, 2, 4)), ((1, 2, 2), (1, 2, 2))]:
        _raises(
            lambda h=h, c=c: theirs(
                torch.zeros(5, 2, 3, dtype=torch.float64),
                (torch.zeros(h, dtype=torch.float64), torch.zeros(c, dtype=torch.float64)),
            ),
            lambda h=h, c=c: ours(
                ref.zeros(5, 2, 3, dtype=ref.float64),
                (ref.zeros(h, dtype=ref.float64), ref.zeros(c, dtype=ref.float64)),
            ),
        )


@pytest.mark.parametrize("name", ["RNN", "GRU"])
def test_packed_input_errors(name):
    theirs, ours = _make(name, 3, 4)
    lengths = [5, 3, 2]

    def packed(lib, shape=(5, 3, 3), dtype=None):
        x = lib.zeros(*shape, dtype=dtype or lib.float64)
        return lib.nn.utils.rnn.pack_padded_sequence(x, lengths)

    _raises(
        lambda: theirs(packed(torch), torch.zeros(1, 2, 4, dtype=torch.float64)),
        lambda: ours(packed(ref), ref.zeros(1, 2, 4, dtype=ref.float64)),
    )
    _raises(
        lambda: theirs(packed(torch, dtype=torch.float32)),
        lambda: ours(packed(ref, dtype=ref.float32)),
    )
    _raises(
        lambda: theirs(packed(torch, (5, 3, 3, 1))),
        lambda: ours(packed(ref, (5, 3, 3, 1))),
    )
