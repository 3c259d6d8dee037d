"""Sample inputs for every op in the registry, shared by the op-level tests.

Each entry maps an op class name to a function of a NumPy Generator returning ``(args, params)``:
float arrays become float64 tensors that require grad, ``Const`` arrays become tensors that do
not (masks, indices), and Python numbers stay numbers. Values keep clear of kinks (|x| > 0.2
where an op has one) so that central finite differences are meaningful.
"""

import numpy as np

import autodiff_lab


class Const:
    """An argument that is passed as a tensor without grad (a mask, a target)."""

    def __init__(self, array):
        self.array = np.asarray(array)


def away(r, shape, margin=0.2):
    """Normal samples pushed at least ``margin`` away from 0."""
    x = r.normal(size=shape)
    return np.where(x >= 0, x + margin, x - margin)


def distinct(r, shape):
    """Values whose pairwise gaps are wide (no ties for max/min/maximum)."""
    n = int(np.prod(shape))
    return (r.permutation(n) * 0.5 + r.uniform(0, 0.1, n) - n / 4).reshape(shape)


def positive(r, shape):
    return r.uniform(0.5, 2.0, size=shape)


SAMPLES = {
    # elementwise
    "Add": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(3,))), {}),
    "Sub": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(2, 1))), {"alpha": 2.0}),
    "Rsub": lambda r: ((r.normal(size=(3,)),), {"other": 1.5}),
    "Mul": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(2, 3))), {}),
    "Div": lambda r: ((r.normal(size=(2, 3)), away(r, (3,), 0.5)), {}),
    "DivRounding": lambda r: ((r.normal(size=(2, 3)) * 3, away(r, (3,), 0.5)),
                              {"rounding_mode": "floor"}),
    "DivNoRounding": lambda r: ((r.normal(size=(2, 3)), away(r, (3,), 0.5)), {}),
    "Remainder": lambda r: ((r.normal(size=(2, 3)) * 3, away(r, (2, 3), 0.5)), {}),
    "RemainderScalar": lambda r: ((r.normal(size=(3,)) * 3, -1.5), {}),
    "Fmod": lambda r: ((r.normal(size=(2, 3)) * 3, away(r, (3,), 0.5)), {}),
    "FmodScalar": lambda r: ((r.normal(size=(3,)) * 3, 1.5), {}),
    "Rsqrt": lambda r: ((positive(r, (3,)),), {}),
    "Log1p": lambda r: ((r.uniform(-0.5, 2.0, size=(3,)),), {}),
    "Expm1": lambda r: ((r.normal(size=(3,)),), {}),
    "Exp2": lambda r: ((r.normal(size=(3,)),), {}),
    "Log2": lambda r: ((positive(r, (3,)),), {}),
    "Log10": lambda r: ((positive(r, (3,)),), {}),
    "Sinh": lambda r: ((r.normal(size=(3,)),), {}),
    "Cosh": lambda r: ((r.normal(size=(3,)),), {}),
    "Asin": lambda r: ((r.uniform(-0.8, 0.8, size=(3,)),), {}),
    "Acos": lambda r: ((r.uniform(-0.8, 0.8, size=(3,)),), {}),
    "Atan": lambda r: ((r.normal(size=(3,)),), {}),
    "Atan2": lambda r: ((r.normal(size=(2, 3)), away(r, (3,), 0.3)), {}),
    "Floor": lambda r: ((r.normal(size=(3,)) * 3,), {}),
    "Ceil": lambda r: ((r.normal(size=(3,)) * 3,), {}),
    "Trunc": lambda r: ((r.normal(size=(3,)) * 3,), {}),
    "Round": lambda r: ((r.normal(size=(3,)) * 3,), {}),
    "RoundDecimals": lambda r: ((r.normal(size=(3,)) * 3,), {"decimals": 1}),
    "Frac": lambda r: ((r.normal(size=(3,)) * 3,), {}),
    "Reciprocal": lambda r: ((away(r, (4,), 0.5),), {}),
    "Neg": lambda r: ((r.normal(size=(3,)),), {}),
    "Pow": lambda r: ((positive(r, (3,)),), {"exponent": 2.5}),
    "PowTensor": lambda r: ((positive(r, (2, 3)), r.normal(size=(3,))), {}),
    "RPow": lambda r: ((r.normal(size=(3,)),), {"base": 2.0}),
    "Exp": lambda r: ((r.normal(size=(2, 2)),), {}),
    "Log": lambda r: ((positive(r, (3,)),), {}),
    "Sqrt": lambda r: ((positive(r, (3,)),), {}),
    "Sin": lambda r: ((r.normal(size=(3,)),), {}),
    "Cos": lambda r: ((r.normal(size=(3,)),), {}),
    "Tan": lambda r: ((r.uniform(-1, 1, size=(3,)),), {}),
    "Tanh": lambda r: ((r.normal(size=(3,)),), {}),
    "Sigmoid": lambda r: ((r.normal(size=(3,)),), {}),
    "Relu": lambda r: ((away(r, (2, 3)),), {}),
    "Abs": lambda r: ((away(r, (2, 3)),), {}),
    "Sign": lambda r: ((away(r, (3,)),), {}),
    "Clamp": lambda r: ((np.array([-1.3, -0.2, 0.1, 0.4, 1.7]),), {"min": -0.5, "max": 0.5}),
    "Maximum": lambda r: ((distinct(r, (2, 3)), distinct(r, (2, 3)) + 0.25), {}),
    "Minimum": lambda r: ((distinct(r, (2, 3)), distinct(r, (2, 3)) + 0.25), {}),
    "Where": lambda r: ((Const(r.normal(size=(2, 3)) > 0), r.normal(size=(2, 3)),
                         r.normal(size=(3,))), {}),
    "Fill": lambda r: ((r.normal(size=(3,)),), {"value": 2.0}),
    "Zero": lambda r: ((r.normal(size=(3,)),), {"value": 0}),
    "Copy": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(3,))), {}),
    # the in-place samplers (autodiff_lab/random.py): fixed new values, zero gradient
    **{name: (lambda r: ((r.normal(size=(3,)),), {"value": r.normal(size=(3,))}))
       for name in ("UniformFill", "NormalFill", "RandomFill", "BernoulliFill",
                    "ExponentialFill")},
    # reductions
    "Sum": lambda r: ((r.normal(size=(2, 3)),), {}),
    "SumDim": lambda r: ((r.normal(size=(2, 3, 2)),), {"dim": (0, 2), "keepdim": False}),
    "Mean": lambda r: ((r.normal(size=(2, 3)),), {}),
    "MeanDim": lambda r: ((r.normal(size=(2, 3)),), {"dim": (1,), "keepdim": True}),
    "Max": lambda r: ((distinct(r, (2, 3)),), {}),
    "Min": lambda r: ((distinct(r, (2, 3)),), {}),
    "MaxDim": lambda r: ((distinct(r, (2, 3)),), {"dim": 1, "keepdim": False}),
    "MinDim": lambda r: ((distinct(r, (2, 3)),), {"dim": 0, "keepdim": True}),
    "Prod": lambda r: ((away(r, (2, 3)),), {}),
    "ProdDim": lambda r: ((away(r, (2, 3)),), {"dim": 1, "keepdim": False}),
    "Cumsum": lambda r: ((r.normal(size=(2, 3)),), {"dim": 1}),
    "Amax": lambda r: ((distinct(r, (2, 3)),), {"dim": (1,), "keepdim": False}),
    "Amin": lambda r: ((distinct(r, (2, 3)),), {"dim": (0, 1), "keepdim": True}),
    "Logsumexp": lambda r: ((r.normal(size=(2, 3)),), {"dim": (1,), "keepdim": False}),
    "Norm": lambda r: ((r.normal(size=(2, 3)),), {"p": 2, "dim": (1,), "keepdim": False}),
    "Softmax": lambda r: ((r.normal(size=(2, 3)),), {"dim": 1}),
    "LogSoftmax": lambda r: ((r.normal(size=(2, 3)),), {"dim": 0}),
    # shape
    "Reshape": lambda r: ((r.normal(size=(2, 3)),), {"shape": (3, 2)}),
    "UnsafeView": lambda r: ((r.normal(size=(2, 3)),), {"shape": (6,)}),
    "ReshapeAlias": lambda r: ((r.normal(size=(2, 3)),), {"shape": (3, 2)}),
    "Squeeze": lambda r: ((r.normal(size=(2, 1, 3)),), {}),
    "SqueezeDim": lambda r: ((r.normal(size=(2, 1, 3)),), {"dim": (1,)}),
    "SqueezeDims": lambda r: ((r.normal(size=(1, 3)),), {"dim": (0,)}),
    "Unsqueeze": lambda r: ((r.normal(size=(2, 3)),), {"dim": 1}),
    "Expand": lambda r: ((r.normal(size=(3, 1)),), {"shape": (2, 3, 4)}),
    "Permute": lambda r: ((r.normal(size=(2, 3, 4)),), {"dims": (2, 0, 1)}),
    "Transpose": lambda r: ((r.normal(size=(2, 3, 4)),), {"dim0": 0, "dim1": 2}),
    "T": lambda r: ((r.normal(size=(2, 3)),), {}),
    "Cat": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(1, 3))), {"dim": 0}),
    "Stack": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(2, 3))), {"dim": 1}),
    "Clone": lambda r: ((r.normal(size=(3,)),), {}),
    "ToCopy": lambda r: ((r.normal(size=(3,)),), {"dtype": autodiff_lab.float64}),
    "Alias": lambda r: ((r.normal(size=(3,)),), {}),
    "Identity": lambda r: ((r.normal(size=(3,)),), {}),  # forward.unpack_dual's primal
    "Flip": lambda r: ((r.normal(size=(2, 3)),), {"dims": (0, 1)}),
    "Repeat": lambda r: ((r.normal(size=(2, 3)),), {"repeats": (2, 1, 2)}),
    "Tril": lambda r: ((r.normal(size=(3, 3)),), {"diagonal": 0}),
    "Triu": lambda r: ((r.normal(size=(2, 3, 3)),), {"diagonal": 1}),
    # linear algebra
    "Dot": lambda r: ((r.normal(size=(4,)), r.normal(size=(4,))), {}),
    "Mv": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(3,))), {}),
    "Mm": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(3, 4))), {}),
    "Bmm": lambda r: ((r.normal(size=(2, 2, 3)), r.normal(size=(3, 2))), {}),
    "Addmm": lambda r: ((r.normal(size=(4,)), r.normal(size=(2, 3)), r.normal(size=(3, 4))), {}),
    # indexing
    "Select": lambda r: ((r.normal(size=(3, 4)),), {"key": (slice(None), 2)}),
    "SplitPart": lambda r: ((r.normal(size=(3, 4)),), {"key": (slice(None), slice(2, 4))}),
    "SplitWithSizesPart": lambda r: ((r.normal(size=(5,)),), {"key": (slice(0, 2),)}),
    "Slice": lambda r: ((r.normal(size=(3, 4)),), {"key": (slice(1, 3),)}),
    "Index": lambda r: ((r.normal(size=(3, 4)),), {"key": (np.array([0, 2, 0]),)}),
    "IndexScatter": lambda r: ((r.normal(size=(3,)),), {"key": (np.array([0, 2, 0]),),
                                                        "shape": (4,)}),
    "IndexPut": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(3,))),
                           {"key": (np.array([True, False]),)}),
    "CopySlices": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(3,))), {"key": (1,)}),
    "Gather": lambda r: ((r.normal(size=(2, 3)),), {"dim": 1, "index": np.array([[0, 2, 0],
                                                                                [1, 1, 2]])}),
    "Sort": lambda r: ((r.normal(size=(2, 3)),), {"dim": 0, "index": np.array([[1, 0, 0],
                                                                              [0, 1, 1]])}),
    "Topk": lambda r: ((r.normal(size=(3,)),), {"dim": 0, "index": np.array([2, 0])}),
    "ScatterAdd": lambda r: ((r.normal(size=(2, 2)),), {"dim": 0, "index": np.array([[0, 2],
                                                                                    [0, 1]]),
                                                        "shape": (3, 2)}),
    "IndexSelect": lambda r: ((r.normal(size=(3, 4)),), {"key": (slice(None),
                                                                 np.array([3, 0, 3]))}),
    "MaskedFill": lambda r: ((r.normal(size=(2, 3)), Const(r.normal(size=(3,)) > 0)),
                             {"value": 0.5}),
    "MaskedFillTensor": lambda r: ((r.normal(size=(2, 3)), Const(r.normal(size=(2, 3)) > 0),
                                    np.array(0.7)), {}),
    # losses (autodiff_lab.nn.functional): targets and class weights are parameters
    "DivScalar": lambda r: ((r.normal(size=(3,)),), {"other": 4}),
    "MseLoss": lambda r: ((r.normal(size=(2, 3)), r.normal(size=(2, 3))), {"reduction": "mean"}),
    "NllLoss": lambda r: ((r.normal(size=(4, 3)),),
                          {"target": np.array([0, 2, -100, 1]), "weight": np.array([1., 2., .5]),
                           "reduction": "mean", "ignore_index": -100}),
    "NllLoss2d": lambda r: ((r.normal(size=(2, 3, 1, 2)),),
                            {"target": np.array([[[0, 2]], [[1, 1]]]), "weight": np.ones(3),
                             "reduction": "sum", "ignore_index": -100}),
    "BinaryCrossEntropy": lambda r: ((r.uniform(0.1, 0.9, size=(2, 3)),
                                      r.uniform(0, 1, size=(2, 3))),
                                     {"weight": r.uniform(0.5, 2, size=(2, 3)),
                                      "reduction": "sum"}),
    "BinaryCrossEntropyWithLogits": lambda r: ((r.normal(size=(2, 3)), r.uniform(0, 1, (2, 3))),
                                               {"pos_weight": np.array([0.5, 2.0, 3.0]),
                                                "reduction": "mean"}),
    # activations and losses added for issue 11 (autodiff_lab.nn.activations, functional)
    "Erf": lambda r: ((r.normal(size=(2, 3)),), {}),
    "LeakyRelu": lambda r: ((away(r, (2, 3)),), {"negative_slope": 0.1}),
    "Elu": lambda r: ((away(r, (2, 3)),), {"alpha": 0.7}),
    "LeakyReluInplace": lambda r: ((away(r, (2, 3)),), {"negative_slope": 0.2}),
    "EluInplace": lambda r: ((away(r, (2, 3)),), {"alpha": 1.3}),
    "Gelu": lambda r: ((r.normal(size=(2, 3)),), {"approximate": "none"}),
    "Silu": lambda r: ((r.normal(size=(2, 3)),), {}),
    "Softplus": lambda r: ((0.5 + away(r, (2, 3)),), {"beta": 2.0, "threshold": 1.0}),
    "HuberLoss": lambda r: _kinked_pair(r, 1.5, {"reduction": "mean", "delta": 1.5}),
    "SmoothL1Loss": lambda r: _kinked_pair(r, 0.5, {"reduction": "none", "beta": 0.5}),
}


def _kinked_pair(r, at, params):
    """``(x, y)`` whose differences ``x - y`` fall on both sides of the kink ``|d| = at``."""
    y = r.normal(size=(2, 3))
    d = np.array([[0.3, -0.6, 1.7], [-2.2, 0.1, 1.5]]) * at + r.uniform(-0.05, 0.05, (2, 3))
    return (y + d, y), params
