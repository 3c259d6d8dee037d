"""Grad modes: no_grad, enable_grad, set_grad_enabled and inference_mode, as in PyTorch."""

import functools
import inspect
import threading


class _State(threading.local):
    grad_enabled = True
    inference = False


STATE = _State()


def is_grad_enabled():
    """Whether operations are currently recorded for autograd.

    >>> import autodiff_lab as torch
    >>> with torch.no_grad():
    ...     torch.is_grad_enabled()
    False
    """
    return STATE.grad_enabled


def is_inference_mode_enabled():
    """Whether an ``inference_mode`` block is active."""
    return STATE.inference


class _GradMode:
    """Base of the grad-mode switches: a context manager that is also a decorator.

    Used bare (``@no_grad``) or called (``@no_grad()``), like PyTorch 2.x.
    """

    def __new__(cls, orig_func=None, *args, **kwargs):
        if cls._takes_no_args and callable(orig_func):
            return cls()(orig_func)
        return super().__new__(cls)

    _takes_no_args = True
    _target = True  # the grad-enabled value inside the block

    def __init__(self, *args, **kwargs):
        self._saved = []

    def __enter__(self):
        self._saved.append((STATE.grad_enabled, STATE.inference))
        STATE.grad_enabled = self._target

    def __exit__(self, *exc):
        STATE.grad_enabled, STATE.inference = self._saved.pop()
        return False

    def clone(self):
        return type(self)()

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args, **kwargs):
                # The mode holds while the generator runs, not while its caller does.
                gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException as e:  # thrown in by the caller: pass it on
                            with self.clone():
                                response = gen.throw(e)
                        else:
                            with self.clone():
                                response = gen.send(request)
                except StopIteration as e:  # the generator is done: so are we
                    return e.value
            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Do not record operations: results do not require grad.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(1.0, requires_grad=True)
    >>> with torch.no_grad():
    ...     (x * 2).requires_grad
    False
    """

    _target = False


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` block.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(1.0, requires_grad=True)
    >>> with torch.no_grad(), torch.enable_grad():
    ...     (x * 2).requires_grad
    True
    """

    _target = True


class set_grad_enabled(_GradMode):
    """Turn recording on or off: as a call, a context manager or a decorator.

    >>> import autodiff_lab as torch
    >>> with torch.set_grad_enabled(False):
    ...     torch.is_grad_enabled()
    False
    >>> torch.is_grad_enabled()
    True
    """

    _takes_no_args = False

    def __init__(self, mode):
        self._target = bool(mode)
        self._prev = (STATE.grad_enabled, STATE.inference)
        # PyTorch switches at construction, so a bare call works as a function.
        STATE.grad_enabled = self._target
        self._saved = []

    def __enter__(self):
        self._saved.append(self._prev)
        STATE.grad_enabled = self._target

    def clone(self):
        return set_grad_enabled.__new__(set_grad_enabled)._init_quiet(self._target)

    def _init_quiet(self, mode):
        self._target = mode
        self._prev = (STATE.grad_enabled, STATE.inference)
        self._saved = []
        return self

    def __call__(self, func):
        # Undo the switch made at construction: the decorator applies it per call.
        STATE.grad_enabled, STATE.inference = self._prev
        return super().__call__(func)


class inference_mode(_GradMode):
    """Like ``no_grad``, and tensors made inside are inference tensors that never join a graph.

    >>> import autodiff_lab as torch
    >>> with torch.inference_mode():
    ...     y = torch.ones(2) * 2
    >>> y.is_inference()
    True
    """

    _takes_no_args = False

    def __new__(cls, mode=True):
        if callable(mode):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self._saved = []

    def __enter__(self):
        self._saved.append((STATE.grad_enabled, STATE.inference))
        if self.mode:  # inference_mode(False) leaves grad mode as it is, like PyTorch
            STATE.grad_enabled = False
        STATE.inference = self.mode

    def clone(self):
        return inference_mode(self.mode)
