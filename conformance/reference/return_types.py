"""torch.return_types: the named tuples that ops with several results return.

PyTorch returns `torch.max(x, 0)` as a `torch.return_types.max`: a tuple (it unpacks and
indexes as one) whose fields also have names (`.values`, `.indices`) and whose repr names them
one per line. Each type here is made by `_structseq` from its name and field names, so every op
family returns the same kind of object, and `type(r).__mro__` is `(max, tuple, object)` as in
PyTorch.
"""

from __future__ import annotations

from operator import itemgetter


def _structseq(name: str, fields: tuple[str, ...]) -> type:
    """A tuple type named `torch.return_types.<name>` with one read-only property per field."""

    def __new__(cls, sequence):
        # Built from one sequence, as PyTorch's structseq types are, with their errors.
        try:
            values = tuple(sequence)
        except TypeError:
            raise TypeError("constructor requires a sequence") from None
        if len(values) != len(fields):
            raise TypeError(
                f"torch.return_types.{name}() takes a {len(fields)}-sequence "
                f"({len(values)}-sequence given)"
            )
        return tuple.__new__(cls, values)

    def __repr__(self) -> str:
        items = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self, strict=True))
        return f"torch.return_types.{name}(\n{items})"

    def __reduce__(self):
        # By this module's function: pickle would look the class up as torch.return_types.<name>.
        return (_rebuild, (name, tuple(self)))

    namespace = {
        "__slots__": (),
        "__new__": __new__,
        "__repr__": __repr__,
        "__reduce__": __reduce__,
        "__module__": "torch.return_types",
        "__qualname__": name,
        "__match_args__": fields,
        "n_fields": len(fields),
        "n_sequence_fields": len(fields),
        "n_unnamed_fields": 0,
    }
    namespace.update({field: property(itemgetter(i)) for i, field in enumerate(fields)})
    return type(name, (tuple,), namespace)


def _rebuild(name: str, values: tuple):
    """Unpickles a return type by its name here."""
    return globals()[name](values)


_PAIR = ("values", "indices")

max = _structseq("max", _PAIR)  # noqa: A001 - torch.return_types.max
min = _structseq("min", _PAIR)  # noqa: A001 - torch.return_types.min
sort = _structseq("sort", _PAIR)
topk = _structseq("topk", _PAIR)
kthvalue = _structseq("kthvalue", _PAIR)
median = _structseq("median", _PAIR)
nanmedian = _structseq("nanmedian", _PAIR)
mode = _structseq("mode", _PAIR)
cummax = _structseq("cummax", _PAIR)
cummin = _structseq("cummin", _PAIR)
aminmax = _structseq("aminmax", ("min", "max"))
frexp = _structseq("frexp", ("mantissa", "exponent"))
histogram = _structseq("histogram", ("hist", "bin_edges"))
triangular_solve = _structseq("triangular_solve", ("solution", "cloned_coefficient"))
lu_unpack = _structseq("lu_unpack", ("P", "L", "U"))
linalg_lu = _structseq("linalg_lu", ("P", "L", "U"))
linalg_lu_factor = _structseq("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _structseq("linalg_lu_factor_ex", ("LU", "pivots", "info"))
_lu_with_info = _structseq("_lu_with_info", ("LU", "pivots", "info"))
slogdet = _structseq("slogdet", ("sign", "logabsdet"))
linalg_slogdet = _structseq("linalg_slogdet", ("sign", "logabsdet"))
linalg_inv_ex = _structseq("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex = _structseq("linalg_cholesky_ex", ("L", "info"))
linalg_solve_ex = _structseq("linalg_solve_ex", ("result", "info"))
linalg_qr = _structseq("linalg_qr", ("Q", "R"))
qr = _structseq("qr", ("Q", "R"))
linalg_eigh = _structseq("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_svd = _structseq("linalg_svd", ("U", "S", "Vh"))
svd = _structseq("svd", ("U", "S", "V"))
linalg_lstsq = _structseq("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
