"""Rows of test_op_gradients.py's table for the nn layers ops: F.softmin, F.rms_norm, and the
modules of nn/activation_variant_modules.py, norm_shape_modules.py, more_loss_modules.py and
padding_modules.py called as layers, where the module does more than call its functional form
(whose rows are in ops_more_nn.py): its own argument handling, unbatched inputs, settings."""

from __future__ import annotations

from opcase import OpCase, positive

CASES: list[OpCase] = [
    OpCase("softmin", lambda t, a: t.nn.functional.softmin(a, 1), [(2, 3)]),
    OpCase("softmin-last", lambda t, a: t.nn.functional.softmin(a, -1), [(2, 3, 4)]),
    OpCase("Softmin", lambda t, a: t.nn.Softmin(0)(a), [(3, 2)]),
    OpCase("Softmax2d", lambda t, a: t.nn.Softmax2d()(a), [(2, 3, 2, 2)]),
    # Modules with parameters make them float32: these rows run without (affine=False).
    # (GroupNorm has no row: its create_graph backward records other nodes than PyTorch's,
    # as the group-norm row of ops_more_nn.py, listed in test_second_order_graphs.py.)
    OpCase(
        "InstanceNorm1d",
        lambda t, a: t.nn.InstanceNorm1d(3)(a),
        [(2, 3, 4)],
        forward_atol=1e-4,
    ),
    OpCase(
        "InstanceNorm2d-unbatched",
        lambda t, a: t.nn.InstanceNorm2d(2)(a),
        [(2, 3, 3)],
        forward_atol=1e-4,
    ),
    OpCase("rms_norm", lambda t, a, w: t.nn.functional.rms_norm(a, [3], w), [(2, 3), (3,)]),
    OpCase(
        "rms_norm-eps-two-dims",
        lambda t, a: t.nn.functional.rms_norm(a, (3, 2), eps=0.1),
        [(2, 3, 2)],
    ),
    OpCase(
        "RMSNorm",
        lambda t, a: t.nn.RMSNorm([4], elementwise_affine=False)(a),
        [(3, 4)],
        forward_atol=1e-5,
    ),
    OpCase("ConstantPad2d", lambda t, a: t.nn.ConstantPad2d((1, 0, 2, -1), 1.5)(a), [(2, 3, 3)]),
    OpCase("ZeroPad1d", lambda t, a: t.nn.ZeroPad1d(2)(a), [(2, 3)]),
    OpCase("ZeroPad3d", lambda t, a: t.nn.ZeroPad3d((1, 1, 0, 1, 1, 0))(a), [(1, 2, 2, 2)]),
    OpCase(
        "TripletMarginLoss",
        lambda t, a, p, n: t.nn.TripletMarginLoss(margin=2.0)(a, p, n),
        [(3, 4), (3, 4), (3, 4)],
    ),
    positive(
        "GaussianNLLLoss",
        lambda t, a, y, v: t.nn.GaussianNLLLoss()(a, y, v),
        [(2, 3), (2, 3), (2, 3)],
    ),
]
