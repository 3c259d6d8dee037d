"""Anomaly detection: name the forward op whose backward produced NaN."""

import threading
import traceback
import warnings

import numpy as np


class _State(threading.local):
    enabled = False
    check_nan = True


STATE = _State()


def is_anomaly_enabled():
    return STATE.enabled


class detect_anomaly:
    """Check every backward step for NaN and name the op whose gradient went wrong.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(0.0, requires_grad=True)
    >>> with torch.autograd.detect_anomaly():
    ...     try:
    ...         (x.sqrt() * 0).backward()
    ...     except RuntimeError as e:
    ...         print(e)
    Function 'SqrtBackward0' returned nan values in its 0th output.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self._prev = None
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = True, self.check_nan

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._prev
        return False

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (as a call or a context manager)."""

    def __init__(self, mode, check_nan=True):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = bool(mode), check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._prev
        return False


def record_trace(node):
    """Remember where in the user's code a node was created (only while anomaly mode is on)."""
    node.metadata["traceback_"] = traceback.format_stack()[:-3]


def run_checked(node, g, create_graph):
    """Run one backward step; raise naming the node if it produced NaN."""
    try:
        grads = node._apply(g, create_graph)
    except Exception:
        _print_forward_trace(node)
        raise
    if STATE.check_nan:
        for i, gi in enumerate(grads):
            if gi is None:
                continue
            data = getattr(gi, "_data", gi)
            if np.isnan(data).any():
                _print_forward_trace(node)
                raise RuntimeError(
                    f"Function '{node.name()}' returned nan values in its {i}th output.")
    return grads


def _print_forward_trace(node):
    trace = node.metadata.get("traceback_")
    if trace:
        warnings.warn(
            "Error detected in " + node.name() + ". Traceback of forward call that caused the "
            "error:\n" + "".join(trace), UserWarning, stacklevel=3)
