"""``save``/``load``: exact round trips, PyTorch's file format both ways, and weights-only
safety (nothing outside the allow-list is ever called)."""

import collections
import fractions
import io
import os
import pickle
import zipfile

import numpy as np
import pytest
from conftest import require_torch

import autodiff_lab as adl


def _same(a, b):
    """Equal as loaded objects: tensors by type, dtype, shape, requires_grad and exact values."""
    if isinstance(a, adl.Tensor):
        assert type(a) is type(b)
        assert (a.dtype, tuple(a.shape), a.requires_grad) == (b.dtype, tuple(b.shape),
                                                              b.requires_grad)
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
        assert a.is_leaf and b.is_leaf
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b and type(a) is type(b)


def _sample():
    rng = np.random.default_rng(0)
    return {
        "f32": adl.tensor(rng.normal(size=(2, 3)).astype(np.float32)),
        "f64 grad": adl.tensor(rng.normal(size=(4,)), requires_grad=True),
        "f16": adl.tensor([1.5, -2.25], dtype=adl.float16),
        "i64": adl.tensor([[1, -2], [3, 4]]),
        "i32": adl.tensor([7], dtype=adl.int32),
        "u8": adl.tensor([0, 255], dtype=adl.uint8),
        "bool": adl.tensor([True, False]),
        "0-d": adl.tensor(3.5),
        "empty": adl.zeros(0, 3),
        "transposed": adl.arange(6.0).reshape(2, 3).t(),
        "non-leaf": adl.ones(2, requires_grad=True) * 2,
        "param": adl.nn.Parameter(adl.tensor([1.0, 2.0])),
        "frozen param": adl.nn.Parameter(adl.tensor([1.0]), requires_grad=False),
        "nested": [adl.tensor([1.0]), (2, "two", None), {"deep": [adl.tensor([[True]])]}],
        "state": adl.nn.Sequential(adl.nn.Linear(3, 2), adl.nn.ReLU()).state_dict(),
        "numbers": {"epoch": 3, "lr": 0.01, "name": "run", "flags": {1, 2}, "raw": b"\x00\xff",
                "counts": collections.Counter("aab"), "z": 1 - 2j},
        "dtype": adl.float64,
        "size": adl.Size([2, 3]),
    }


def _expected(sample):
    """What loading gives back: a non-leaf comes back as a leaf with requires_grad."""
    out = dict(sample)
    out["non-leaf"] = adl.tensor([2.0, 2.0], requires_grad=True)
    out["transposed"] = adl.tensor([[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]])
    return out


@pytest.mark.parametrize("target", ["str path", "pathlib path", "file object"])
def test_round_trip_is_exact(tmp_path, target):
    sample = _sample()
    if target == "file object":
        f = io.BytesIO()
        adl.save(sample, f)
        f.seek(0)
        loaded = adl.load(f)
    else:
        path = tmp_path / "ckpt.pt"
        adl.save(sample, str(path) if target == "str path" else path)
        loaded = adl.load(path)
    _same(_expected(sample), loaded)
    assert isinstance(loaded["state"], collections.OrderedDict)
    assert loaded["size"] == (2, 3) and type(loaded["size"]) is adl.Size
    assert loaded["dtype"] is adl.float64


def test_a_tensor_saved_twice_loads_once_and_is_stored_once(tmp_path):
    t = adl.tensor([1.0, 2.0])
    adl.save({"a": t, "b": t, "c": [t]}, tmp_path / "x.pt")
    loaded = adl.load(tmp_path / "x.pt")
    assert loaded["a"] is loaded["b"] is loaded["c"][0]
    names = zipfile.ZipFile(tmp_path / "x.pt").namelist()
    assert names == ["x/data.pkl", "x/byteorder", "x/data/0", "x/version"]


def test_model_and_optimizer_checkpoint_resume_exactly(tmp_path):
    def make():
        adl.manual_seed(0)
        model = adl.nn.Sequential(adl.nn.Linear(3, 4), adl.nn.Tanh(), adl.nn.Linear(4, 1))
        return model, adl.optim.Adam(model.parameters(), lr=0.05)

    x, y = adl.tensor(np.linspace(-1, 1, 12).reshape(4, 3)), adl.ones(4, 1)

    def step(model, opt):
        opt.zero_grad()
        loss = adl.nn.functional.mse_loss(model(x.float()), y)
        loss.backward()
        opt.step()
        return loss.item()

    model, opt = make()
    step(model, opt)
    adl.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 1},
             tmp_path / "ckpt.pt")
    expected = [step(model, opt) for _ in range(3)]

    model2, opt2 = make()
    ckpt = adl.load(tmp_path / "ckpt.pt")
    assert repr(model2.load_state_dict(ckpt["model"])) == "<All keys matched successfully>"
    opt2.load_state_dict(ckpt["opt"])
    assert [step(model2, opt2) for _ in range(3)] == expected


# --------------------------------------------------------------------- weights-only safety
class _Thing:
    pass


WEIGHTS_ONLY_TEXT = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, "
    "\x1b[1mdo those steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In "
    "PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` please "
    "check the recommended steps in the following error message.\n\tWeightsUnpickler error: "
    "Unsupported global: GLOBAL {0} was not an allowed global by default. Please use "
    "`torch.serialization.add_safe_globals([{0}])` or the "
    "`torch.serialization.safe_globals([{0}])` context manager to allowlist this global if you "
    "trust this class/function.\n\nCheck the documentation of torch.load to learn more about "
    "types accepted by default with weights_only "
    "https://pytorch.org/docs/stable/generated/torch.load.html.")


def test_whole_model_needs_weights_only_false(tmp_path):
    model = adl.nn.Sequential(adl.nn.Linear(2, 1))
    adl.save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError) as info:
        adl.load(tmp_path / "model.pt")
    assert str(info.value) == WEIGHTS_ONLY_TEXT.format("autodiff_lab.nn.modules.Sequential")
    loaded = adl.load(tmp_path / "model.pt", weights_only=False)
    assert repr(loaded) == repr(model)
    x = adl.ones(1, 2)
    assert adl.equal(loaded(x), model(x))


def test_safe_globals_allow_a_class(tmp_path):
    adl.save({"c": fractions.Fraction(1, 3)}, tmp_path / "c.pt")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL fractions.Fraction was not"):
        adl.load(tmp_path / "c.pt")
    with adl.serialization.safe_globals([fractions.Fraction]):
        assert adl.load(tmp_path / "c.pt") == {"c": fractions.Fraction(1, 3)}
    assert adl.serialization.get_safe_globals() == []
    adl.serialization.add_safe_globals([fractions.Fraction])
    try:
        assert adl.load(tmp_path / "c.pt")["c"] * 3 == 1
    finally:
        adl.serialization.clear_safe_globals()


def _zip_with_pickle(path, data_pkl, records=()):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", data_pkl)
        for name, data in records:
            zf.writestr(f"archive/{name}", data)


def test_a_hostile_file_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    # os.system("touch marker"), written as a pickle by hand.
    payload = (b"\x80\x02cos\nsystem\nX" + len(f"touch {marker}").to_bytes(4, "little")
               + f"touch {marker}".encode() + b"\x85R.")
    _zip_with_pickle(tmp_path / "evil.pt", payload)
    with pytest.raises(pickle.UnpicklingError) as info:
        adl.load(tmp_path / "evil.pt")
    assert str(info.value) == WEIGHTS_ONLY_TEXT.format("os.system")
    assert not marker.exists()


def test_a_tensor_cannot_read_outside_its_storage(tmp_path):
    good = io.BytesIO()
    adl.save(adl.tensor([1.0, 2.0]), good)
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as zf:
        pkl = zf.read("archive/data.pkl")
        data = zf.read("archive/data/0")
    # The size tuple (2,) becomes (2000,): far past the 2-element record.
    evil = pkl.replace(b"K\x02\x85", b"M\xd0\x07\x85", 1)
    assert evil != pkl
    _zip_with_pickle(tmp_path / "evil.pt", evil, [("data/0", data)])
    with pytest.raises(pickle.UnpicklingError, match=r"tensor of size \(2000,\) and stride "
                       r"\(1,\) at offset 0 reads past its storage of 2 elements"):
        adl.load(tmp_path / "evil.pt")


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"hello")
    with pytest.raises(RuntimeError, match="reads the zip format that torch.save writes"):
        adl.load(tmp_path / "x.pt")
    with pytest.raises(FileNotFoundError):
        adl.load(tmp_path / "missing.pt")


def test_unpicklable_objects_raise_picklingerror():
    with pytest.raises(pickle.PicklingError, match="Can't pickle <function"):
        adl.save({"f": lambda: 0}, io.BytesIO())


# --------------------------------------------------------------------- PyTorch's files
def _torch_version(torch, obj):
    """The same sample object built with real torch."""
    if isinstance(obj, adl.nn.Parameter):
        return torch.nn.Parameter(torch.from_numpy(obj.detach().numpy().copy()),
                                  requires_grad=obj.requires_grad)
    if isinstance(obj, adl.Tensor):
        t = torch.from_numpy(obj.detach().numpy().copy())
        return t.requires_grad_() if obj.requires_grad else t
    if isinstance(obj, adl.dtype):
        return getattr(torch, obj.name)
    if isinstance(obj, adl.Size):
        return torch.Size(obj)
    if isinstance(obj, dict):
        return type(obj)({k: _torch_version(torch, v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return type(obj)(_torch_version(torch, v) for v in obj)
    return obj


def _from_torch(torch, obj):
    """A torch-loaded object in autodiff_lab terms, for comparison."""
    if isinstance(obj, torch.nn.Parameter):
        return adl.nn.Parameter(adl.from_numpy(obj.detach().numpy().copy()), obj.requires_grad)
    if isinstance(obj, torch.Tensor):
        t = adl.from_numpy(obj.detach().numpy().copy())
        return t.requires_grad_() if obj.requires_grad else t
    if isinstance(obj, torch.dtype):
        return getattr(adl, str(obj).split(".")[1])
    if isinstance(obj, torch.Size):
        return adl.Size(obj)
    if isinstance(obj, dict):
        return type(obj)({k: _from_torch(torch, v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return type(obj)(_from_torch(torch, v) for v in obj)
    return obj


def test_torch_loads_our_files(tmp_path):
    torch = require_torch()
    sample = _sample()
    adl.save(sample, tmp_path / "ours.pt")
    loaded = torch.load(tmp_path / "ours.pt")  # weights_only=True: only allowed globals
    _same(_expected(sample), _from_torch(torch, loaded))
    mapped = torch.load(tmp_path / "ours.pt", mmap=True)  # records are 64-byte aligned
    assert torch.equal(mapped["f32"], loaded["f32"])


def test_we_load_torch_files(tmp_path):
    torch = require_torch()
    sample = _torch_version(torch, _expected(_sample()))
    base = torch.arange(10.0)
    sample["view"] = base[3:7:2]            # a view: storage offset and stride
    sample["shared"] = base                 # the same storage as the view
    sample["device"] = torch.device("cpu")
    torch.save(sample, tmp_path / "theirs.pt")
    loaded = adl.load(tmp_path / "theirs.pt")
    assert adl.equal(loaded.pop("view"), adl.tensor([3.0, 5.0]))
    assert adl.equal(loaded.pop("shared"), adl.arange(10.0))
    assert str(loaded.pop("device")) == "cpu"
    del sample["view"], sample["shared"], sample["device"]
    _same(_from_torch(torch, sample), loaded)


def test_real_torch_state_dict_loads_into_our_model(tmp_path):
    torch = require_torch()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    torch.save(theirs.state_dict(), tmp_path / "sd.pt")
    ours = adl.nn.Sequential(adl.nn.Linear(3, 2), adl.nn.ReLU(), adl.nn.Linear(2, 1))
    ours.load_state_dict(adl.load(tmp_path / "sd.pt"))
    x = np.array([[0.5, -1.0, 2.0]], dtype=np.float32)
    np.testing.assert_allclose(ours(adl.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_cuda_storage_needs_map_location(tmp_path):
    torch = require_torch()
    torch.save({"w": torch.ones(2)}, tmp_path / "gpu.pt")
    with zipfile.ZipFile(tmp_path / "gpu.pt") as zf:
        records = {n: zf.read(n) for n in zf.namelist()}
    pkl = records["gpu/data.pkl"].replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    with zipfile.ZipFile(tmp_path / "gpu.pt", "w") as zf:
        for name, data in records.items():
            zf.writestr(name, pkl if name.endswith("data.pkl") else data)
    with pytest.raises(RuntimeError) as info:
        adl.load(tmp_path / "gpu.pt")
    assert str(info.value) == (
        "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
        "False. If you are running on a CPU-only machine, please use torch.load with "
        "map_location=torch.device('cpu') to map your storages to the CPU.")
    assert adl.equal(adl.load(tmp_path / "gpu.pt", map_location="cpu")["w"], adl.ones(2))


def test_refusal_text_matches_torch(tmp_path):
    torch = require_torch()
    adl.save({"c": fractions.Fraction(1, 3)}, tmp_path / "ours.pt")
    torch.save({"c": fractions.Fraction(1, 3)}, tmp_path / "theirs.pt")
    errors = []
    for lib, name in ((adl, "ours.pt"), (torch, "theirs.pt")):
        with pytest.raises(pickle.UnpicklingError) as info:
            lib.load(tmp_path / name)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    assert os.path.exists(tmp_path / "theirs.pt")
