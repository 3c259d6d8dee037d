"""Derivatives of whole functions, as torch.autograd.functional: jacobian, hessian, vjp, jvp...

``vjp`` and reverse-mode ``jacobian`` run backward passes, one per output element; ``jvp`` and
``jacobian(strategy="forward-mode")`` run forward passes on dual tensors
(:mod:`autodiff_lab.forward`), one per input element. Inputs, outputs and error texts follow
PyTorch: a single tensor in gives a single tensor out, a tuple gives a tuple, and the Jacobian
of output ``i`` with respect to input ``j`` has shape ``out_i.shape + in_j.shape``.
"""

from . import grad_mode

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


# --------------------------------------------------------------------- shared checks
def _as_tuple(inp, arg_name, fn_name):
    """``(was_a_tuple, tuple_of_tensors)``, with PyTorch's TypeError for anything else."""
    from ..tensor import Tensor
    is_tuple = isinstance(inp, tuple)
    if not is_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but {where} has type {type(el)}.")
    return is_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo ``_as_tuple``: a single tensor goes back out as a single tensor."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    # Always new tensor objects, so inputs the function also captures from outside stay apart.
    return tuple(inp.view_as(inp) if create_graph and inp.requires_grad
                 else inp.detach().requires_grad_(need_graph) for inp in inputs)


def _grad_postprocess(inputs, create_graph):
    """Results carry no history unless the caller asked for ``create_graph``."""
    from ..tensor import Tensor
    if isinstance(inputs[0], Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _size(t):
    return f"torch.Size({list(t.shape)})"


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prepend}v has invalid size: should be {_size(el_other)} but got {_size(el_v)}.")


def _check_requires_grad(inputs, input_type, strict):
    """In strict mode, refuse results that do not depend on the inputs (PyTorch's texts)."""
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode.")
        if inp.requires_grad:
            continue
        if input_type == "hessian":
            raise RuntimeError(
                f"The hessian of the user-provided function with respect to input {i} is "
                "independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is thrice differentiable and that the hessian depends on the "
                "inputs.")
        if input_type == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).")
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients. The outputs "
            "must be computed in a differentiable manner from the input when running in strict "
            "mode.")


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` that skips outputs which do not require grad (None if none does)."""
    from . import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs),
                allow_unused=True, create_graph=create_graph, retain_graph=retain_graph)


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    """Zeros for inputs the result does not depend on (an error in strict mode)."""
    from ..creation import zeros_like
    res = ()
    for i, grads_i in enumerate(grads):
        if grads_i is None:
            if strict:
                raise RuntimeError(_STRICT_NONE[stage].format(i=i))
            grads_i = zeros_like(refs[i])
        elif strict and create_graph and not grads_i.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode when create_graph=True.")
        res += (grads_i,)
    return res


_STRICT_NONE = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
            "allowed in strict mode.",
    "forward": "Output {i} of the user-provided function has no tangent: it is independent of "
               "the inputs. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
                         "in the grad_jacobian. This is not allowed in strict mode as it prevents "
                         "from using the double backward trick to replace forward mode AD.",
}


def _v_or_one(v, inputs, is_inputs_tuple, create_graph, fn_name):
    """``v`` checked against the inputs, or a single 1 for a single one-element input."""
    from ..creation import ones_like
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, inputs, is_inputs_tuple)
        return v
    if len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError(
            "The vector v can only be None if the input to the user-provided function is a single "
            "Tensor with a single element."
            + _v_hint("input", inputs, "jacobian" if fn_name == "jvp" else "hessian"))
    return (ones_like(inputs[0]),)


def _contract(ys, xs, v, refs, strict, create_graph, stage):
    """``vᵀ·(∂ys/∂xs)`` by one backward pass, zeros where ys do not depend on an x."""
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grad_res = _autograd_grad(ys, xs, v, create_graph=create_graph)
        return _fill_in_zeros(grad_res, refs, strict, create_graph, stage)


def _finish(outputs, is_outputs_tuple, result, is_result_tuple, create_graph):
    """``(outputs, result)`` without history (unless ``create_graph``), shaped as given."""
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_result_tuple))


def _v_hint(what, tensors, whole):
    """The teaching line after PyTorch's text: the shape ``v`` needs, and the alternative."""
    if len(tensors) == 1:
        shape = list(tensors[0].shape)
        v = (f"the {what} has shape {shape}; pass v of that shape, e.g. "
             f"v=torch.ones({', '.join(map(str, shape))})")
    else:
        v = (f"the {what}s have shapes {' and '.join(str(list(t.shape)) for t in tensors)}; "
             "pass v as a tuple of tensors of those shapes")
    return f"\nHint: {v}, or call {whole}() for the whole matrix."


def _single_element_output(outputs, is_outputs_tuple, fn_name):
    from ..tensor import Tensor
    if is_outputs_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn_name} should contain a single "
            "element")


# --------------------------------------------------------------------- public API
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``func(inputs)`` and the vector-Jacobian product ``vᵀ·J``, by one backward pass.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd.functional import vjp
    >>> x = torch.tensor([1.0, 2.0, 3.0])
    >>> vjp(lambda x: x ** 2, x, torch.tensor([1.0, 0.0, 1.0]))
    (tensor([1., 4., 9.]), tensor([2., 0., 6.]))
    """
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single "
                "Tensor with a single element." + _v_hint("output", outputs, "jacobian"))
    result = _contract(outputs, inputs, v, inputs, strict, create_graph, "back")
    return _finish(outputs, is_outputs_tuple, result, is_inputs_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``func(inputs)`` and the Jacobian-vector product ``J·v``, by one forward pass (dual tensors).

    PyTorch's version uses a double backward; this one is true forward mode
    (:mod:`autodiff_lab.forward`), with the same results.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd.functional import jvp
    >>> x = torch.tensor([1.0, 2.0, 3.0])
    >>> jvp(lambda x: x ** 2, x, torch.tensor([1.0, 0.0, 1.0]))
    (tensor([1., 4., 9.]), tensor([2., 0., 6.]))
    >>> jvp(lambda x, y: x * y, (torch.tensor(2.0), torch.tensor(5.0)),
    ...     (torch.tensor(1.0), torch.tensor(0.0)))   # ∂(xy)/∂x = y
    (tensor(10.), tensor(5.))
    """
    from .. import forward as fwAD
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _v_or_one(v, inputs, is_inputs_tuple, create_graph, "jvp")
        with fwAD.dual_level(), fwAD._tangent_graph(create_graph):
            outputs = func(*(fwAD.make_dual(x, t) for x, t in zip(inputs, v)))
            is_outputs_tuple, outputs = _as_tuple(
                outputs, "outputs of the user-provided function", "jvp")
            _check_requires_grad(outputs, "outputs", strict=strict)
            tangents = tuple(fwAD.unpack_dual(out).tangent for out in outputs)
    # The outputs themselves are the primals (their tangents went when the level closed).
    result = _fill_in_zeros(tangents, outputs, strict, False, "forward")
    return _finish(outputs, is_outputs_tuple, result, is_outputs_tuple, create_graph)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: one backward pass per output element (reverse
    mode) or one forward pass per input element (``strategy="forward-mode"``).

    ``vectorize`` is accepted for compatibility and changes nothing here; unlike PyTorch,
    forward mode does not require it.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd.functional import jacobian
    >>> x = torch.tensor([1.0, 2.0])
    >>> jacobian(lambda x: x ** 3, x)
    tensor([[ 3.,  0.],
            [ 0., 12.]])
    >>> jacobian(lambda x: x ** 3, x, strategy="forward-mode")
    tensor([[ 3.,  0.],
            [ 0., 12.]])
    >>> jacobian(lambda a, b: a * b, (torch.tensor(2.0), torch.tensor(5.0)))
    (tensor(5.), tensor(2.))
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        return _jacfwd(func, inputs, strict)
    if vectorize and strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`.")
    from ..creation import zeros, zeros_like
    from ..ops.shape import stack
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        jacobian = ()
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)  # one row of d out_i[k] / d input_j per element k
            for k in range(out.numel()):
                vj = _autograd_grad((out.reshape(-1)[k],), inputs, retain_graph=True,
                                    create_graph=create_graph)
                for j, (row, vj_el, inp) in enumerate(zip(rows, vj, inputs)):
                    if vj_el is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {j}. This is not allowed in strict mode.")
                        vj_el = zeros_like(inp)
                    elif strict and create_graph and not vj_el.requires_grad:
                        raise RuntimeError(
                            "The jacobian of the user-provided function is independent of "
                            f"input {i}. This is not allowed in strict mode when "
                            "create_graph=True.")
                    row.append(vj_el)
            jacobian += (tuple(
                stack(row, dim=0).view(tuple(out.shape) + tuple(inp.shape)) if row
                else zeros(tuple(out.shape) + tuple(inp.shape), dtype=inp.dtype)
                for row, inp in zip(rows, inputs)),)
        jacobian = _grad_postprocess(jacobian, create_graph)
        return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


def _jacfwd(func, inputs, strict):
    """Forward-mode Jacobian: column ``k`` is the tangent of a pass seeded with basis vector k."""
    import numpy as np

    from .. import forward as fwAD
    from ..tensor import Tensor
    if strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` "
            "are not supported together (yet). Please either set `strict=False` or "
            '`strategy="reverse-mode"`.')
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    columns = [[] for _ in inputs]   # columns[j][k]: the output tangents for input j, element k
    outputs = is_outputs_tuple = None
    for j, inp in enumerate(inputs):
        for k in range(inp.numel()):
            seed = np.zeros(inp.numel(), dtype=inp.dtype.np)
            seed[k] = 1
            with fwAD.dual_level(), fwAD._tangent_graph(False):
                args = list(inputs)
                args[j] = fwAD.make_dual(inp, Tensor._make(seed.reshape(inp._data.shape),
                                                            inp.dtype))
                is_outputs_tuple, outs = _as_tuple(
                    func(*args), "outputs of the user-provided function", "jacobian")
                tangents = [fwAD.unpack_dual(o).tangent for o in outs]
            outputs = outs
            columns[j].append([np.zeros(o.shape, o.dtype.np) if t is None else t._data
                               for o, t in zip(outs, tangents)])
    if outputs is None:  # every input is empty: one plain call tells the output shapes
        is_outputs_tuple, outputs = _as_tuple(
            func(*inputs), "outputs of the user-provided function", "jacobian")
    # Lists, not tuples: PyTorch's forward-mode jacobian returns them (and prints them) so.
    jacobian = [[_from_columns([col[i] for col in columns[j]], out, inp)
                 for j, inp in enumerate(inputs)]
                for i, out in enumerate(outputs)]
    return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


def _from_columns(cols, out, inp):
    """Stack per-input-element tangents into a Jacobian of shape ``out.shape + inp.shape``."""
    import numpy as np

    from ..tensor import Tensor
    shape = tuple(out.shape) + tuple(inp.shape)
    data = np.stack([c.reshape(-1) for c in cols], axis=-1) if cols else \
        np.zeros((out.numel(), 0), dtype=out.dtype.np)
    return Tensor._make(np.ascontiguousarray(data.reshape(shape)), out.dtype)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its gradient.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        _single_element_output(t_out, is_out_tuple, "hessian")
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_gradient(func, inputs, v, create_graph, strict, fn_name):
    """Shared start of vhp/hvp: the checked inputs, ``v``, outputs and the gradient graph."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    v = _v_or_one(v, inputs, is_inputs_tuple, create_graph, fn_name)
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(
        outputs, "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    _single_element_output(outputs, is_outputs_tuple, fn_name)
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict=strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``func(inputs)`` and the vector-Hessian product ``vᵀ·H`` of a scalar function.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd.functional import vhp
    >>> vhp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _scalar_gradient(
            func, inputs, v, create_graph, strict, "vhp")
    result = _contract(jac, inputs, v, inputs, strict, create_graph, "double_back")
    return _finish(outputs, is_outputs_tuple, result, is_inputs_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``func(inputs)`` and the Hessian-vector product ``H·v`` of a scalar function.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd.functional import hvp
    >>> hvp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
    (tensor(9.), tensor([6., 0.]))
    """
    from ..creation import zeros_like
    with grad_mode.enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _scalar_gradient(
            func, inputs, v, create_graph, strict, "hvp")
        # The double backward trick: the gradient of vᵀ·(Hᵀ·u) with respect to u is H·v.
        grad_jac = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    result = _contract(double_back, grad_jac, v, inputs, strict, create_graph,
                       "double_back_trick")
    return _finish(outputs, is_outputs_tuple, result, is_inputs_tuple, create_graph)
