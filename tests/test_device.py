"""The device surface of a CPU build (torch.device, cuda, backends, accelerator, default device
and dtype, ``.to``/``.cpu``/``.cuda``, ``device=`` and ``size=`` on creation functions), each
program run with autodiff_lab and with the real PyTorch and compared as text."""

import pickle

import pytest

import autodiff_lab

from conftest import outcome, require_torch


def same(prog):
    torch = require_torch()
    expected = outcome(prog, torch)
    assert outcome(prog, autodiff_lab) == expected
    return expected


DEVICES = {
    "cpu": lambda t: t.device("cpu"),
    "keyword": lambda t: t.device(type="cpu"),
    "index": lambda t: t.device("cpu", 0),
    "index_keyword": lambda t: t.device("cuda", index=2),
    "both_keywords": lambda t: t.device(type="cuda", index=2),
    "string_index": lambda t: t.device("cuda:1"),
    "cuda": lambda t: t.device("cuda"),
    "mps": lambda t: t.device("mps"),
    "copy": lambda t: t.device(t.device("cpu:3")),
    "fields": lambda t: (t.device("cuda:1").type, t.device("cuda:1").index, t.device("cpu").index),
    "str": lambda t: (str(t.device("cpu")), str(t.device("cuda", 1)), f"{t.device('cpu')}"),
    "eq_string": lambda t: (t.device("cpu") == "cpu", t.device("cpu") != "cpu",
                            "cpu" == t.device("cpu")),
    "eq_device": lambda t: (t.device("cpu") == t.device("cpu"),
                            t.device("cpu") == t.device("cpu", 0),
                            t.device("cuda", 0) == t.device("cuda:0")),
    "hash": lambda t: {t.device("cpu"): 1, t.device("cpu"): 2},
    "str_compare": lambda t: str(t.zeros(1).device) == "cpu",
    "in_list": lambda t: [t.device("cpu"), t.device("cuda", 1)],
    # errors
    "unknown": lambda t: t.device("gpu"),
    "upper": lambda t: t.device("CPU"),
    "empty": lambda t: t.device(""),
    "bad_index": lambda t: t.device("cpu:x"),
    "negative_in_string": lambda t: t.device("cuda:-1"),
    "leading_zero": lambda t: t.device("cuda:01"),
    "negative": lambda t: t.device("cpu", -1),
    "index_twice": lambda t: t.device("cpu:0", 0),
    "index_str": lambda t: t.device("cpu", "0"),
    "float": lambda t: t.device(1.5),
    "nothing": lambda t: t.device(),
    "int": lambda t: t.device(0),
}


@pytest.mark.parametrize("name", DEVICES)
def test_device_objects_match_torch(name):
    same(DEVICES[name])


def test_device_pickles_and_is_read_only():
    d = autodiff_lab.device("cuda", 1)
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(AttributeError):
        d.type = "cpu"


TENSORS = {
    "device": lambda t: t.zeros(2).device,
    "device_of_result": lambda t: (t.ones(2, requires_grad=True) * 2).device,
    "to_cpu_is_self": lambda t: [x.to("cpu") is x for x in [t.ones(2)]],
    "to_device_is_self": lambda t: [x.to(t.device("cpu")) is x for x in [t.ones(2)]],
    "to_cpu_index": lambda t: t.ones(2).to("cpu:0"),
    "cpu_is_self": lambda t: [x.cpu() is x for x in [t.ones(2)]],
    "to_device_dtype": lambda t: t.ones(2).to("cpu", t.float64),
    "to_device_none": lambda t: t.ones(2).to(t.device("cpu"), None),
    "to_keywords": lambda t: t.ones(2).to(device="cpu", dtype=t.int64),
    "to_other": lambda t: t.ones(2).to(t.zeros(1, dtype=t.int32)),
    "to_dtype": lambda t: t.ones(2, requires_grad=True).to(t.float64),
    "to_positional_flags": lambda t: t.ones(2).to("cpu", t.int64, True),
    "to_copy": lambda t: [(y is x, y.grad_fn is None) for x in [t.ones(2, requires_grad=True)]
                          for y in [x.to("cpu", copy=True)]],
    "to_copy_grad_fn": lambda t: type(t.ones(2, requires_grad=True).to("cpu", copy=True).grad_fn
                                      ).__name__,
    "to_none": lambda t: t.ones(2).to(None),
    "to_nothing": lambda t: t.ones(2).to(),
    "to_dtype_then_string": lambda t: t.ones(2).to(t.int64, "cpu"),
    "to_two_strings": lambda t: t.ones(2).to("cpu", "cpu"),
    "to_dtype_name": lambda t: t.ones(2).to("float64"),
    "get_device": lambda t: t.ones(2).get_device(),
    "is_cuda": lambda t: (t.ones(2).is_cuda, t.ones(2).is_cpu),
    "cuda": lambda t: t.ones(2).cuda(),
    "cuda_string": lambda t: t.ones(2).cuda("cuda"),
    "cuda_index": lambda t: t.ones(2).cuda(0),
    "to_cuda": lambda t: t.ones(2).to("cuda"),
    "to_cuda_index": lambda t: t.ones(2).to("cuda:0"),
    "to_cuda_device": lambda t: t.ones(2).to(t.device("cuda", 1), t.float64),
    "to_cuda_keyword": lambda t: t.ones(2).to(device="cuda"),
    "to_mps": lambda t: t.ones(2).to("mps"),
    "to_xpu": lambda t: t.ones(2).to("xpu"),
    "to_int": lambda t: t.ones(2).to(0),
    "to_gpu": lambda t: t.ones(2).to("gpu"),
    "tutorial_pattern": lambda t: t.ones(2).to(
        t.device("cuda" if t.cuda.is_available() else "cpu")),
    "accelerator_pattern": lambda t: t.ones(2).to(
        t.accelerator.current_accelerator().type if t.accelerator.is_available() else "cpu"),
    "mps_pattern": lambda t: t.device("mps" if t.backends.mps.is_available() else "cpu"),
    "module_to": lambda t: [(m.to("cpu") is m, m.to(t.device("cpu")) is m, m.cpu() is m,
                             m.to(device="cpu", dtype=t.float64).weight.dtype)
                            for m in [t.nn.Linear(2, 1)]],
    "module_to_cuda": lambda t: t.nn.Linear(2, 1).to("cuda"),
    "module_to_cuda_keyword": lambda t: t.nn.Linear(2, 1).to(device=t.device("cuda")),
    "module_to_mps": lambda t: t.nn.Linear(2, 1).to("mps"),
    "module_cuda": lambda t: t.nn.Linear(2, 1).cuda(),
    "module_cuda_index": lambda t: t.nn.Linear(2, 1).cuda(0),
}


@pytest.mark.parametrize("name", TENSORS)
def test_tensor_devices_match_torch(name):
    same(TENSORS[name])


CREATION = {
    "tensor": lambda t: t.tensor([1.0, 2.0], device="cpu"),
    "tensor_device_object": lambda t: t.tensor([1, 2], device=t.device("cpu")),
    "as_tensor": lambda t: t.as_tensor([1, 2], device="cpu"),
    "zeros": lambda t: t.zeros(2, 3, device="cpu"),
    "ones": lambda t: t.ones(2, device=t.device("cpu", 0)),
    "empty_shape": lambda t: t.empty(2, 3, device="cpu").shape,
    "full": lambda t: t.full((2,), 3.0, device="cpu"),
    "arange": lambda t: t.arange(3, device="cpu"),
    "linspace": lambda t: t.linspace(0, 1, 3, device="cpu"),
    "eye": lambda t: t.eye(2, device="cpu"),
    "zeros_like": lambda t: t.zeros_like(t.ones(2), device="cpu"),
    "ones_like": lambda t: t.ones_like(t.ones(2), device="cpu"),
    "full_like": lambda t: t.full_like(t.ones(2), 7, device="cpu"),
    "empty_like_shape": lambda t: t.empty_like(t.ones(2), device="cpu").shape,
    "tensor_cuda": lambda t: t.tensor([1.0], device="cuda"),
    "zeros_cuda": lambda t: t.zeros(2, device="cuda"),
    "zeros_cuda_index": lambda t: t.zeros(2, device="cuda:0"),
    "zeros_cuda_device": lambda t: t.zeros(2, device=t.device("cuda", 1)),
    "ones_cuda": lambda t: t.ones(2, device="cuda"),
    "full_cuda": lambda t: t.full((2,), 1.0, device="cuda"),
    "arange_cuda": lambda t: t.arange(3, device="cuda"),
    "linspace_cuda": lambda t: t.linspace(0, 1, 3, device="cuda"),
    "eye_cuda": lambda t: t.eye(2, device="cuda"),
    "zeros_like_cuda": lambda t: t.zeros_like(t.ones(2), device="cuda"),
    "tensor_mps": lambda t: t.tensor([1.0], device="mps"),
    "zeros_xpu": lambda t: t.zeros(2, device="xpu"),
    "zeros_int_device": lambda t: t.zeros(2, device=0),
    "zeros_gpu": lambda t: t.zeros(2, device="gpu"),
    # the keyword form of the size
    "zeros_size": lambda t: t.zeros(size=(2, 3)),
    "ones_size_list": lambda t: t.ones(size=[2]),
    "empty_size": lambda t: t.empty(size=(1, 2)).shape,
    "full_size": lambda t: t.full(size=(2,), fill_value=1.5),
    "zeros_size_int": lambda t: t.zeros(size=2),
    "zeros_size_twice": lambda t: t.zeros(2, size=(2, 3)),
    "zeros_no_size": lambda t: t.zeros(),
    "ones_size_dtype": lambda t: t.ones(size=(2,), dtype=t.int64, requires_grad=False),
}


@pytest.mark.parametrize("name", CREATION)
def test_creation_devices_match_torch(name):
    same(CREATION[name])


def test_mps_creation_raises_pytorch_first_sentences():
    torch = require_torch()
    for lib in (torch, autodiff_lab):
        with pytest.raises(NotImplementedError) as info:
            lib.zeros(2, device="mps")
        assert str(info.value).startswith(
            "Could not run 'aten::empty.memory_format' with arguments from the 'MPS' backend. "
            "This could be because the operator doesn't exist for this backend, or was omitted "
            "during the selective/custom build process (if using custom build).")


MODULES = {
    "cuda_is_available": lambda t: t.cuda.is_available(),
    "cuda_device_count": lambda t: t.cuda.device_count(),
    "cuda_manual_seed": lambda t: (t.cuda.manual_seed(0), t.cuda.manual_seed_all(1)),
    "cuda_seeds": lambda t: (t.cuda.seed(), t.cuda.seed_all(), t.cuda.empty_cache()),
    "cuda_is_initialized": lambda t: t.cuda.is_initialized(),
    "cuda_current_device": lambda t: t.cuda.current_device(),
    "cuda_get_device_name": lambda t: t.cuda.get_device_name(),
    "cuda_synchronize": lambda t: t.cuda.synchronize(),
    "mps": lambda t: (t.backends.mps.is_available(), t.backends.mps.is_built()),
    "cudnn": lambda t: (t.backends.cudnn.is_available(), t.backends.cudnn.version(),
                        t.backends.cudnn.enabled, t.backends.cudnn.benchmark,
                        t.backends.cudnn.deterministic, t.backends.cudnn.allow_tf32),
    "backends_cuda": lambda t: (t.backends.cuda.is_built(), t.backends.cuda.matmul.allow_tf32),
    "accelerator": lambda t: (t.accelerator.is_available(), t.accelerator.current_accelerator(),
                              t.accelerator.current_accelerator(check_available=True),
                              t.accelerator.device_count()),
    "accelerator_index": lambda t: t.accelerator.current_device_index(),
    "default_device": lambda t: t.get_default_device(),
    "default_dtype": lambda t: t.get_default_dtype(),
}


@pytest.mark.parametrize("name", MODULES)
def test_modules_match_torch(name):
    same(MODULES[name])


def test_cudnn_flags_keep_what_a_tutorial_sets():
    import autodiff_lab.backends.cudnn as cudnn  # the import form tutorials use
    try:
        cudnn.benchmark, cudnn.deterministic = True, True
        assert autodiff_lab.backends.cudnn.benchmark and autodiff_lab.backends.cudnn.deterministic
    finally:
        cudnn.benchmark, cudnn.deterministic = False, False


def _with_default_device(device, prog):
    def run(t):
        t.set_default_device(device(t))
        try:
            return prog(t)
        finally:
            t.set_default_device(None)
    return run


DEFAULT_DEVICE = {
    "cpu": (lambda t: "cpu", lambda t: (t.get_default_device(), t.zeros(2).device)),
    "cpu_index": (lambda t: t.device("cpu", 0), lambda t: (t.get_default_device(), t.ones(1))),
    "cuda_zeros": (lambda t: "cuda", lambda t: t.zeros(2)),
    "cuda_tensor": (lambda t: "cuda", lambda t: t.tensor([1.0])),
    "cuda_get": (lambda t: "cuda", lambda t: t.get_default_device()),
    "none": (lambda t: None, lambda t: t.get_default_device()),
    "bad": (lambda t: "gpu", lambda t: t.zeros(1)),
}


@pytest.mark.parametrize("name", DEFAULT_DEVICE)
def test_default_device_matches_torch(name):
    same(_with_default_device(*DEFAULT_DEVICE[name]))
    assert autodiff_lab.get_default_device() == autodiff_lab.device("cpu")


def test_device_as_context_manager_sets_the_default():
    with autodiff_lab.device("cuda"):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            autodiff_lab.zeros(2)
    assert autodiff_lab.zeros(2).device == autodiff_lab.device("cpu")


def _with_default_dtype(dtype, prog):
    def run(t):
        t.set_default_dtype(getattr(t, dtype) if isinstance(dtype, str) else dtype)
        try:
            return prog(t)
        finally:
            t.set_default_dtype(t.float32)
    return run


DEFAULT_DTYPE = {
    "tensor": lambda t: (t.tensor(1.0), t.tensor([1.5, 2.0]).dtype, t.get_default_dtype()),
    "float32_prints_its_dtype": lambda t: t.tensor([1.0], dtype=t.float32),
    "empty_float32": lambda t: (t.tensor([], dtype=t.float32), t.zeros(0)),
    "creation": lambda t: (t.zeros(2).dtype, t.ones(1).dtype, t.full((1,), 2.0).dtype,
                           t.arange(2.0).dtype, t.linspace(0, 1, 2).dtype, t.eye(1).dtype,
                           t.empty(1).dtype),
    "Tensor": lambda t: (t.Tensor([1]).dtype, t.Tensor(2).dtype),
    "promotion": lambda t: ((t.tensor([1]) * 2.5).dtype, (t.tensor([1]) / 2).dtype,
                            t.tensor([1]).float().dtype),
    "int_stays": lambda t: (t.tensor([1]).dtype, t.arange(3).dtype),
    "python_float_dtype": lambda t: t.zeros(1, dtype=float).dtype,
    "grad": lambda t: [x.grad for x in [t.tensor(2.0, requires_grad=True)] if
                       (x ** 2).backward() is None],
}


@pytest.mark.parametrize("name", DEFAULT_DTYPE)
def test_default_dtype_float64_matches_torch(name):
    same(_with_default_dtype("float64", DEFAULT_DTYPE[name]))
    assert autodiff_lab.get_default_dtype() is autodiff_lab.float32
    assert repr(autodiff_lab.tensor([1.0])) == "tensor([1.])"


@pytest.mark.parametrize("dtype", ["int64", "bool", float, "float64"])
def test_set_default_dtype_errors_match_torch(dtype):
    same(_with_default_dtype(dtype, lambda t: t.get_default_dtype()))


def test_python_types_as_dtypes_match_torch():
    same(lambda t: (t.zeros(1, dtype=float).dtype, t.zeros(1, dtype=int).dtype,
                    t.zeros(1, dtype=bool).dtype, t.tensor([1], dtype=float).dtype))


TYPES = {
    "type": lambda t: (t.ones(1).type(), t.ones(1).double().type(), t.ones(1).long().type(),
                       t.tensor(True).type()),
    "type_cast": lambda t: (t.ones(1).type(t.float64), t.ones(1).type("torch.DoubleTensor")),
    "contiguous": lambda t: [(x.is_contiguous(), x.t().is_contiguous(), x[:, 1].is_contiguous(),
                              x[1].is_contiguous(), x.expand(2, 2, 3).is_contiguous(),
                              x[:, :1].is_contiguous(), t.zeros(3, 1).t().is_contiguous())
                             for x in [t.ones(2, 3)]],
    "contiguous_is_self": lambda t: [x.contiguous() is x for x in [t.ones(2, 3)]],
    "contiguous_copy": lambda t: [(y.is_contiguous(), type(y.grad_fn).__name__, y.view(6))
                                  for y in [t.ones(2, 3, requires_grad=True).t().contiguous()]],
    "contiguous_view_grad": lambda t: [x.grad for x in [t.arange(6.0).reshape(2, 3)
                                                         .requires_grad_()]
                                       if (x.t().contiguous().view(6) * t.arange(6.0)).sum()
                                       .backward() is None],
    "view_of_transpose": lambda t: t.ones(2, 3).t().view(6),
    "view_of_transpose_rows": lambda t: t.arange(6).reshape(2, 3).t().view(3, 2),
}


@pytest.mark.parametrize("name", TYPES)
def test_layout_and_types_match_torch(name):
    same(TYPES[name])


def test_readme_device_example_does_what_its_comments_say():
    import os
    import re
    with open(os.path.join(os.path.dirname(__file__), os.pardir, "README.md"),
              encoding="utf-8") as f:
        block = re.search(r"## PyTorch code for a GPU runs here, on the CPU\n.*?```python\n"
                          r"(.*?)```", f.read(), re.S).group(1)
    namespace = {}
    try:
        for line in block.splitlines():
            code, _, comment = line.partition("  # ")
            if comment.startswith("AssertionError: "):
                with pytest.raises(AssertionError, match=comment.split(": ", 1)[1]):
                    exec(code, namespace)
                continue
            assigned = re.match(r"(\w+) = ", code)
            if comment.startswith(("device(", "(")):
                if assigned:
                    exec(code, namespace)
                value = namespace[assigned.group(1)] if assigned else eval(code, namespace)
                assert repr(value) == comment.strip()
            else:
                exec(code, namespace)
        assert repr(namespace["torch"].tensor(1.).dtype) == "torch.float64"
    finally:
        autodiff_lab.set_default_dtype(autodiff_lab.float32)
    assert namespace["x"].shape == (2, 3)
