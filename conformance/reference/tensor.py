"""The Tensor: an array plus what autograd needs to know about it.

Data lives in `_data`, an array of the device's array library. Views share their base's array
memory and its version counter (`_version_counter`, a one-element list), as `detach()` does;
in-place ops bump the counter, which is how a saved tensor notices it was modified. The ops
themselves live in `conformance.reference.ops`; the methods here only route to them.
"""

from __future__ import annotations

import warnings
from typing import Any

from conformance.reference import dtypes, grad_mode, graph
from conformance.reference import memory_formats as formats
from conformance.reference.devices import CPU, array_module
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.ops import define, shape

NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


_new = object.__new__
_STATE = grad_mode.STATE


class Size(tuple):
    """torch.Size: a tuple that prints as torch.Size([2, 3])."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n


class Tensor:
    # What every tensor sets lives in slots; what few tensors need (hooks, view records, a
    # gradient) has a class-level default and lands in the instance dict only when set, so
    # making a tensor stays cheap.
    __slots__ = (
        "_data",
        "_dtype",
        "_device",
        "_requires_grad",
        "_grad_fn",
        "_version_counter",
        "__weakref__",
        "__dict__",
    )
    _output_nr = 0
    _grad = None
    _base = None
    _view = None
    _hooks = None
    _post_accumulate_hooks = None
    _accumulator = None
    _retains_grad = False
    _inference = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        if cls is Tensor and (args or kwargs):  # torch.Tensor([1, 2]), torch.Tensor(2, 3)
            from conformance.reference.ops.creation import legacy_new

            default = dtypes.get_default_dtype()
            return legacy_new(default, args, kwargs.get("device"), typed=False)
        return object.__new__(cls)

    def new(self, *args: Any, device: Any = None) -> Tensor:
        """The legacy constructor of this tensor's type: x.new(2, 3) is uninitialised,
        x.new([1, 2]) copies, x.new(t) is a view of t (which must have x's dtype)."""
        from conformance.reference.ops.creation import legacy_new

        return legacy_new(self._dtype, args, device or self._device)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not hasattr(self, "_data"):
            Tensor._init(self, array_module(CPU).zeros(0, dtypes.float32.np), dtypes.float32, CPU)

    def _init(self, data: Any, dtype: dtypes.dtype, device: Any) -> None:
        self._data = data
        self._dtype = dtype
        self._device = device
        self._requires_grad = False
        self._grad_fn = None
        self._version_counter = [0]
        if grad_mode.STATE.inference:
            self._inference = True

    @classmethod
    def _wrap(cls, data: Any, dtype: dtypes.dtype, device: Any = None) -> Tensor:
        """A new tensor over `data` (what every op returns; kept to one frame, it is hot)."""
        t = _new(Tensor)
        t._data = data
        t._dtype = dtype
        t._device = device or CPU
        t._requires_grad = False
        t._grad_fn = None
        t._version_counter = [0]
        if _STATE.inference:
            t._inference = True
        return t

    @classmethod
    def _from_node_output(cls, data: Any, node: Any, counter: list, output_nr: int = 0) -> Tensor:
        """A saved output, unpacked for a create_graph backward: same data, same grad_fn (and
        the same output of it)."""
        t = cls._wrap(data, dtypes.from_numpy_dtype(data.dtype), node.device)
        t._requires_grad, t._grad_fn, t._version_counter = True, node, counter
        t._output_nr = output_nr
        return t

    # -- what a tensor is ------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        return self._data.shape[shape.existing_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> dtypes.dtype:
        return self._dtype

    @property
    def device(self) -> Any:
        return self._device

    @property
    def layout(self) -> Any:
        return formats.strided

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self._dtype.itemsize * self.numel()

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    # Layouts and backends the engine does not have: PyTorch's flags for a dense tensor.
    is_sparse = is_sparse_csr = is_quantized = is_meta = is_nested = is_mkldnn = False
    is_xla = is_mps = is_xpu = is_ipu = is_vulkan = is_maia = is_mtia = False
    name = None  # named tensors are not supported: every tensor is unnamed

    def get_device(self) -> int:
        """The CUDA device index, or -1 for a CPU tensor."""
        return -1 if self._device.type == "cpu" else self._device.index

    def is_shared(self) -> bool:
        return False  # (no shared memory between processes here)

    def is_pinned(self) -> bool:
        return False

    def dense_dim(self) -> int:
        return self.ndim

    def sparse_dim(self) -> int:
        return 0

    def dim_order(self) -> tuple:
        """The dims from the outermost to the innermost in memory: by stride, largest first,
        ties in dim order (so a size-1 dim keeps its place)."""
        strides = self.stride()
        return tuple(sorted(range(len(strides)), key=lambda d: -strides[d]))

    def is_floating_point(self) -> bool:
        return self._dtype.category == dtypes.FLOATING

    def is_complex(self) -> bool:
        return self._dtype.category == dtypes.COMPLEX

    def is_inference(self) -> bool:
        return self._inference

    def stride(self, dim: int | None = None) -> Any:
        array = self._data
        strides = tuple(s // self._dtype.itemsize for s in array.strides)
        if array.size == 0 and strides and not any(strides):
            # NumPy 2 gives a new empty array zero strides; PyTorch lays it out contiguously,
            # a dimension of size 0 stepping as one of size 1. (Views of such an array keep
            # zeros, and read as contiguous too, which PyTorch's views are not always.)
            strides = formats.strides_for(formats.contiguous_format, array.shape, strides)
        return strides if dim is None else strides[shape.existing_dim(dim, len(strides))]

    def is_contiguous(self, memory_format: Any = formats.contiguous_format) -> bool:
        if memory_format is formats.contiguous_format:
            return bool(self._data.flags.c_contiguous)
        sizes = self._data.shape  # (not `shape`: that name is the shape-ops module here)
        strides = self.stride()
        wanted = formats.strides_for(memory_format, sizes, strides)
        return all(n < 2 or s == w for n, s, w in zip(sizes, strides, wanted, strict=True))

    def storage_offset(self) -> int:
        return (_address(self._data) - _address(_owner(self._data))) // self._dtype.itemsize

    def data_ptr(self) -> int:
        return _address(self._data)

    const_data_ptr = data_ptr

    def untyped_storage(self) -> _Storage:
        return _Storage(_owner(self._data))

    def type(self, dtype: Any = None) -> Any:
        """With no argument, the legacy type name (torch.FloatTensor, torch.cuda.FloatTensor)."""
        if dtype is None:
            prefix = "torch.cuda." if self._device.type == "cuda" else "torch."
            return prefix + self._dtype.legacy_name
        if isinstance(dtype, str):
            dtype = _dtype_from_type_name(dtype)
        return self.to(dtype)

    # -- autograd state --------------------------------------------------------------------

    @property
    def grad_fn(self) -> Any:
        """The node that made this tensor (None for a leaf). A view whose base changed in place
        since gets its history regenerated first, as in PyTorch."""
        if self._view is not None:
            define.refresh_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Any) -> None:
        self._grad_fn = node

    @property
    def requires_grad(self) -> bool:
        if self._view is not None:
            define.refresh_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None:
            if flag:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if flag and self._dtype.category < dtypes.FLOATING:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._dtype.category < dtypes.FLOATING and self.grad_fn is None:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self._inference and requires_grad and not grad_mode.STATE.inference:
            raise RuntimeError(
                "Setting requires_grad=True on inference tensor outside InferenceMode is not "
                "allowed."
            )
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor "
                    f"of size '{list(self.shape)}'. Please ensure that the gradient and the "
                    "tensor are the same size"
                )
            if value._dtype is not self._dtype:
                given, expected = cpp_type_name(value._dtype), scalar_type_name(self._dtype)
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{given}' to a tensor with "
                    f"grad_dtype '{expected}'. The gradient must match the tensor's grad_dtype "
                    "(defaults to the tensor's dtype). You can set the tensor's grad_dtype "
                    "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype "
                    "with caution. Diverging the dtypes of a tensor and its gradient may break "
                    "downstream systems that assume they match."
                )
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None and not self._retains_grad:
            self.grad_fn.retain(self._output_nr, self)
            self._retains_grad = True

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def data(self) -> Tensor:
        """The same memory, outside autograd, and blind to the version counter."""
        return Tensor._wrap(self._data, self._dtype, self._device)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data, self._dtype, self._device = value._data, value._dtype, value._device

    def register_hook(self, hook: Any) -> graph.RemovableHandle:
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return graph.add_hook(self.grad_fn.tensor_hooks(self._output_nr, self._device), hook)
        if self._hooks is None:
            self._hooks = {}
        return graph.add_hook(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Any) -> graph.RemovableHandle:
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        return graph.add_hook(self._post_accumulate_hooks, hook)

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """Same memory and version counter, no history, requires_grad False."""
        t = Tensor._wrap(self._data, self._dtype, self._device)
        t._version_counter = self._version_counter
        t._inference = self._inference
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and self._view is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- Python protocols ------------------------------------------------------------------

    def __len__(self) -> int:
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if not self._data.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def item(self) -> Any:
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return _python_scalar(self._data.reshape(()).item(), self._dtype)

    def tolist(self) -> Any:
        if self._dtype is dtypes.bfloat16:
            return self._data.astype("float32").tolist()
        return _host(self._data).tolist()

    def _one_element(self, kind: str) -> Any:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self) -> float:
        return float(self._one_element("float"))

    def __int__(self) -> int:
        return int(self._one_element("int"))

    def __index__(self) -> int:
        if self._dtype.category not in (dtypes.BOOL, dtypes.INTEGER) or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            amount = "more than one value" if self._data.size else "no values"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self.item())

    def __complex__(self) -> complex:
        return complex(self._one_element("complex"))

    def numpy(self, *, force: bool = False) -> Any:
        if self._device.type != "cpu":
            if not force:
                raise TypeError(
                    f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() "
                    "to copy the tensor to host memory first."
                )
            return _host(self._data)
        if self._requires_grad and not force and _STATE.grad_enabled:  # no_grad() allows it
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    # NumPy defers to a type of higher priority in its binary operators, so np.int64(2) + t
    # calls t.__radd__ and gives a Tensor, as with torch.Tensor (whose priority is 1000).
    __array_priority__ = 1000

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __repr__(self) -> str:
        from conformance.reference.printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and type(self) is Tensor:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol: int) -> Any:
        raise TypeError("conformance.reference tensors cannot be pickled")

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may "
                "be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        new = type(self).__new__(type(self))
        Tensor._init(new, self._data.copy(), self._dtype, self._device)
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        new.__dict__.update(self.__dict__)
        memo[id(self)] = new
        return new


class _Storage:
    """What untyped_storage() reports: where the memory behind a tensor starts and ends."""

    def __init__(self, root: Any) -> None:
        self._root = root

    def data_ptr(self) -> int:
        return _address(self._root)

    def nbytes(self) -> int:
        return int(self._root.nbytes)

    def size(self) -> int:
        return int(self._root.nbytes)


def _owner(array: Any) -> Any:
    """The array that owns the memory a (possibly viewed) array uses: its storage. NumPy's
    as_strided (expand, as_strided) wraps its source in a DummyArray, whose own base is the
    source: look through it."""
    while True:
        base = getattr(array, "base", None)
        if base is not None and not hasattr(base, "shape"):
            base = getattr(base, "base", None)
        if base is None or not hasattr(base, "shape"):
            return array
        array = base


def _address(array: Any) -> int:
    if hasattr(array, "__array_interface__"):
        return array.__array_interface__["data"][0]
    return int(array.data.ptr)


def _host(array: Any) -> Any:
    return array.get() if hasattr(array, "get") else array


def _python_scalar(value: Any, dtype: dtypes.dtype) -> Any:
    if dtype.category == dtypes.FLOATING:
        return float(value)
    if dtype.category == dtypes.INTEGER:
        return int(value)
    if dtype is dtypes.bool:
        return bool(value)
    return complex(value)


def _dtype_from_type_name(name: str) -> dtypes.dtype:
    short = name.rsplit(".", 1)[-1]
    for d in dtypes.ALL:
        if d.legacy_name == short:
            return d
    raise ValueError(f"invalid type: '{name}'")


graph.Tensor = Tensor
define.Tensor = Tensor

# Imported last: it builds on Tensor.
from conformance.reference import autograd  # noqa: E402
