"""gradcheck and gradgradcheck: autograd's Jacobians against central finite differences.

The numerical Jacobian perturbs one input element at a time by ``±eps`` and takes
``(f(x + eps) - f(x - eps)) / 2eps``; the analytical one runs one backward pass per output
element (and, with ``check_forward_ad=True``, one forward-mode pass per input element).
Both are laid out as PyTorch lays them out: one row per input element, one column per output
element. A failure raises PyTorch's message, then a per-element table of the entries that
differ and, for inputs that are not float64, a ``Hint:`` line.
"""

import itertools
import warnings

import numpy as np

__all__ = ["GradcheckError", "gradcheck", "gradcheck_table", "gradgradcheck"]

_FLOAT64_HINT = ("Hint: gradcheck needs float64 inputs: float32 finite differences are too "
                 "coarse; call .double()")
_TABLE_ROWS = 20  # past this many differing entries the table says how many more there are


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    from ..tensor import Tensor
    return isinstance(x, Tensor)


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _check_inputs(inputs):
    """PyTorch's checks: some input requires grad; warn about anything but float64."""
    any_requires_grad = False
    for idx, inp in enumerate(inputs):
        if not (_is_tensor(inp) and inp.requires_grad):
            continue
        if inp.dtype.name != "float64":
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ", stacklevel=4)
        data = inp._data
        if any(st == 0 and sz > 1 for st, sz in zip(data.strides, data.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs "
                "that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck.")
        any_requires_grad = True
    if not any_requires_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True.")


# --------------------------------------------------------------------- the two Jacobians
def _numerical_jacobians(func, inputs, outputs, eps):
    """``[input][output]`` arrays of shape (input numel, output numel), by central differences."""
    result = []
    float_outputs = [i for i, o in enumerate(outputs) if o.dtype.is_floating_point]
    for inp in inputs:
        if not (_is_tensor(inp) and inp.requires_grad):
            continue
        data = inp._data  # perturbed in place, as PyTorch perturbs .data: no version bump
        jac = [np.zeros((inp.numel(), outputs[i].numel()), dtype=outputs[i].dtype.np)
               for i in float_outputs]
        for d_idx, idx in enumerate(itertools.product(*[range(n) for n in data.shape])):
            orig = data[idx].copy()
            data[idx] = orig - eps
            out_a = _snapshot(func(*inputs))
            data[idx] = orig + eps
            out_b = _snapshot(func(*inputs))
            data[idx] = orig
            for col, i in zip(jac, float_outputs):
                col[d_idx] = ((out_b[i] - out_a[i]) / (2 * eps)).reshape(-1)
        result.append(jac)
    return result


def _snapshot(out):
    # Copies: an output may share memory with the input we are about to perturb again.
    return [np.array(o._data, copy=True) for o in _as_tuple(out)]


def _analytical_jacobian(inputs, output):
    """Per input, an array (input numel, output numel): row k of the transposed Jacobian is
    the backward pass seeded with the k-th basis vector of the output."""
    from ..tensor import Tensor
    from . import grad
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    jac = [np.zeros((x.numel(), output.numel()), dtype=x.dtype.np) for x in diff_inputs]
    for k in range(output.numel()):
        seed = np.zeros(output.numel(), dtype=output.dtype.np)
        seed[k] = 1
        grads = grad(output, diff_inputs, Tensor._make(seed.reshape(output.shape), output.dtype),
                     retain_graph=True, allow_unused=True)
        for col, g in zip(jac, grads):
            if g is not None:
                col[:, k] = g._data.reshape(-1)
    return jac


def _forward_jacobians(func, inputs, outputs):
    """``[input][output]`` arrays like the numerical ones, from forward-mode tangents."""
    from .. import forward as fwAD
    from ..tensor import Tensor
    diff = [j for j, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    result = []
    for j in diff:
        x = inputs[j]
        jac = [np.zeros((x.numel(), o.numel()), dtype=o.dtype.np) for o in outputs]
        for k in range(x.numel()):
            seed = np.zeros(x.numel(), dtype=x.dtype.np)
            seed[k] = 1
            with fwAD.dual_level(), fwAD._tangent_graph(False):
                args = [a.detach() if i in diff else a for i, a in enumerate(inputs)]
                args[j] = fwAD.make_dual(args[j], Tensor._make(seed.reshape(x.shape), x.dtype))
                tangents = [fwAD.unpack_dual(o).tangent for o in _as_tuple(func(*args))]
            for col, t in zip(jac, tangents):
                if t is not None:
                    col[k] = t._data.reshape(-1)
        result.append(jac)
    return result


# --------------------------------------------------------------------- the report
def _mismatch(analytical, numerical, out_idx, in_idx, inputs, outputs, rtol, atol, mode=""):
    """PyTorch's message, then the differing entries and, for non-float64 inputs, a hint."""
    from ..tensor import Tensor
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    a_t = Tensor._make(analytical, _dtype(analytical))
    n_t = Tensor._make(numerical, _dtype(numerical))
    message = (f"Jacobian {mode}mismatch for output {out_idx:d} with respect to input "
               f"{in_idx:d},\nnumerical:{n_t}\nanalytical:{a_t}\n")
    message += "\n" + _table(analytical, numerical, diff_inputs[in_idx].shape,
                             outputs[out_idx].shape, out_idx, in_idx, rtol, atol)
    from ..hints import hints_enabled
    if any(x.dtype.name != "float64" for x in diff_inputs) and hints_enabled():
        message += "\n" + _FLOAT64_HINT
    return GradcheckError(message)


def _dtype(array):
    from ..dtypes import from_numpy_dtype
    return from_numpy_dtype(array.dtype)


def _table(analytical, numerical, in_shape, out_shape, out_idx, in_idx, rtol, atol):
    """The entries ``d output[j] / d input[i]`` where the two Jacobians disagree."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isclose(analytical, numerical.astype(analytical.dtype), rtol=rtol, atol=atol)
    rows = np.argwhere(bad)
    header = (f"{len(rows)} of {bad.size} entries differ "
              f"(|analytical - numerical| > atol + rtol * |numerical|):")
    i_name, j_name = f"input {in_idx}", f"output {out_idx}"
    lines = [header, (f"  {i_name:<12} {j_name:<12} {'analytical':>14} {'numerical':>14} "
                     f"{'difference':>12}")]
    for i, j in rows[:_TABLE_ROWS]:
        a, n = float(analytical[i, j]), float(numerical[i, j])
        lines.append(f"  {_index(i, in_shape):<12} {_index(j, out_shape):<12} {a:>14.6g} "
                     f"{n:>14.6g} {a - n:>12.3g}")
    if len(rows) > _TABLE_ROWS:
        lines.append(f"  ... and {len(rows) - _TABLE_ROWS} more")
    return "\n".join(lines)


def _index(flat, shape):
    return str([int(i) for i in np.unravel_index(flat, tuple(shape))]) if len(shape) else "[]"


_EXPLAIN_ROWS = 50  # per output and input pair; a readable table is a small one


def gradcheck_table(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3):
    """The readable gradient check: every entry ``d output[j] / d input[i]`` of the Jacobians,
    analytical (backward) next to numerical (central differences), with the absolute and
    relative errors, failing entries marked ✗; then, for inputs that are not float64, a
    ``Hint:`` line. ``gradcheck(..., explain=True)`` prints this text.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd import gradcheck_table
    >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> print(gradcheck_table(lambda x: x * x.detach(), x))
    output 0 w.r.t. input 0: analytical (backward) vs numerical (central differences, eps=1e-06)
      input  output    analytical     numerical   abs error   rel error
      [0]    [0]                1             2           1         0.5  ✗
      [0]    [1]                0             0           0           -
      [1]    [0]                0             0           0           -
      [1]    [1]                2             4           2         0.5  ✗
    2 of 4 entries differ (|analytical - numerical| > atol + rtol * |numerical|, atol=1e-05, rtol=0.001)
    """
    inputs = _as_tuple(inputs)
    func_out = _as_tuple(func(*inputs))
    float_outs = [o for o in func_out if o.dtype.is_floating_point]
    numerical = _numerical_jacobians(func, inputs, func_out, eps)
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    blocks = []
    kept = [(k, o) for k, o in enumerate(float_outs) if o.requires_grad]
    for k, (out_k, out) in enumerate(kept):
        analytical = _analytical_jacobian(inputs, out)
        for i, (a, x) in enumerate(zip(analytical, diff_inputs)):
            blocks.append(_explained(a, numerical[i][out_k].astype(a.dtype), x.shape, out.shape,
                                     k, i, eps, atol, rtol))
    if not blocks:
        blocks.append("no output requires grad: there is no analytical Jacobian to check")
    if any(x.dtype.name != "float64" for x in diff_inputs):
        blocks.append(_FLOAT64_HINT)
    return "\n".join(blocks)


def _explained(analytical, numerical, in_shape, out_shape, out_idx, in_idx, eps, atol, rtol):
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.abs(analytical - numerical)
        bad = ~np.isclose(analytical, numerical, rtol=rtol, atol=atol)
        rel = np.where(numerical != 0, error / np.abs(numerical), np.nan)
    lines = [f"output {out_idx} w.r.t. input {in_idx}: analytical (backward) vs numerical "
             f"(central differences, eps={eps:g})",
             f"  {'input':<6} {'output':<6} {'analytical':>13} {'numerical':>13} "
             f"{'abs error':>11} {'rel error':>11}"]
    entries = list(np.ndindex(analytical.shape))
    for i, j in entries[:_EXPLAIN_ROWS]:
        r = "-" if np.isnan(rel[i, j]) else f"{rel[i, j]:.2g}"
        lines.append(f"  {_index(i, in_shape):<6} {_index(j, out_shape):<6} "
                     f"{float(analytical[i, j]):>13.6g} {float(numerical[i, j]):>13.6g} "
                     f"{float(error[i, j]):>11.2g} {r:>11}{'  ✗' if bad[i, j] else ''}")
    if len(entries) > _EXPLAIN_ROWS:
        lines.append(f"  ... and {len(entries) - _EXPLAIN_ROWS} more entries")
    n_bad = int(bad.sum())
    verdict = (f"{n_bad} of {bad.size} entries differ" if n_bad else
               f"all {bad.size} entries agree")
    lines.append(f"{verdict} (|analytical - numerical| {'>' if n_bad else '<='} atol + rtol * "
                 f"|numerical|, atol={atol:g}, rtol={rtol:g})")
    return "\n".join(lines)


# --------------------------------------------------------------------- public API
def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None,
              explain=False):
    """Check ``func``'s gradients against finite differences; ``True`` if they agree.

    ``explain=True`` (ours, not PyTorch's) first prints :func:`gradcheck_table`: every
    Jacobian entry, analytical next to numerical with their errors, the failing ones marked,
    and a hint for float32 inputs; the verdict (or the error) is then PyTorch's, as without it.

    Use float64 inputs: float32 differences are too coarse for the default tolerances.
    The vmap, sparse and undefined-gradient options are accepted for compatibility; this
    engine has none of those features, so they check nothing. ``fast_mode`` runs the full
    check.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd import gradcheck
    >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> gradcheck(lambda x: (x.sin() * x).sum(), x)
    True
    >>> gradcheck(lambda x: x * x.detach(), x, raise_exception=False)  # the detach drops a term
    False
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True")
    if explain:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the check below warns once, as PyTorch does
            _check_inputs(_as_tuple(inputs))  # PyTorch's refusals come before any table
            print(gradcheck_table(func, inputs, eps=eps, atol=atol, rtol=rtol))
    try:
        return _gradcheck(func, _as_tuple(inputs), eps, atol, rtol, check_forward_ad,
                          check_backward_ad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck(func, inputs, eps, atol, rtol, check_forward_ad, check_backward_ad):
    from ..creation import zeros_like
    from . import grad
    _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    outputs = _differentiable_outputs(func_out)
    numerical = _numerical_jacobians(func, inputs, func_out, eps)
    if not outputs:
        if any((col != 0).any() for per_input in numerical for col in per_input):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    # Keep the numerical Jacobians of the outputs that require grad, as [output][input].
    float_outs = [o for o in func_out if o.dtype.is_floating_point]
    keep = [k for k, o in enumerate(float_outs) if o.requires_grad]
    numerical = [[per_input[k] for per_input in numerical] for k in keep]
    if check_backward_ad:
        for i, out in enumerate(outputs):
            for j, (a, n) in enumerate(zip(_analytical_jacobian(inputs, out), numerical[i])):
                if not np.allclose(a, n.astype(a.dtype), rtol, atol):
                    raise _mismatch(a, n, i, j, inputs, outputs, rtol, atol)
    if check_forward_ad:
        forward = _forward_jacobians(func, inputs, float_outs)
        for i in range(len(outputs)):
            for j, n in enumerate(numerical[i]):
                a = forward[j][keep[i]]
                if not np.allclose(a, n.astype(a.dtype), rtol, atol):
                    raise _mismatch(a, n, i, j, inputs, outputs, rtol, atol,
                                    mode="computed with forward mode ")
    if not check_backward_ad:
        return True
    # PyTorch's last check: a zero upstream gradient must give exactly zero gradients.
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    zero_grads = grad(outputs, diff_inputs, [zeros_like(o) for o in outputs], allow_unused=True)
    if any(g is not None and (g._data != 0).any() for g in zero_grads):
        raise GradcheckError("backward not multiplied by grad_output")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of the map ``(inputs, v) ↦ vᵀ·J``.

    Without ``grad_outputs``, ``v`` is drawn uniformly from [-1, 1) (from the global seed).

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd import gradgradcheck
    >>> x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    >>> gradgradcheck(lambda x: x.tanh() * x, x)
    True
    """
    from .. import dtypes
    from ..random import rand
    from . import grad
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError(
            "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = tuple(
            (rand(tuple(x.shape), dtype=x.dtype if x.dtype.is_floating_point else dtypes.float64)
             * 2 - 1).requires_grad_() for x in _differentiable_outputs(func(*inputs)))
    else:
        grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(grad_outputs)
    diff_inputs = {i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad}
    diff_grad_outputs = {i for i, x in enumerate(grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_inputs else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        vs = tuple(x.requires_grad_() if i in diff_grad_outputs else x
                   for i, x in enumerate(args[-num_outputs:]))
        grads = grad(outputs, tuple(input_args[i] for i in sorted(diff_inputs)), vs,
                     create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev)
