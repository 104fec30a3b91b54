"""Backpropagation, one number at a time: the ordered steps a stepper shows for a tiny network.

:func:`backprop_steps` turns a small MLP and a handful of points into the list of operations of one
gradient-descent step, in the order they happen, each with the numbers that make it:

1. **forward**, layer by layer and unit by unit: the weighted sum ``z = Σᵢ wᵢⱼ aᵢ + bⱼ`` with each term
   ``wᵢⱼ · aᵢ``, then the activation ``a = f(z)``;
2. the **loss**, per sample and as the batch mean;
3. **backward**, from the output down: each delta ``δ = ∂L/∂z`` (at the output ``(a − y)/N`` for a
   sigmoid + bce or softmax + cross-entropy output, ``(a − y) f′(z)/N`` for ``mse``; below it
   ``f′(z) · Σₘ wⱼₘ δₘ``), then the gradient of each of that layer's weights, ``∂L/∂wᵢⱼ = Σₙ aᵢ δⱼ``
   with the product for every sample (plus ``λ₂ w + λ₁ sign w`` with L1/L2), and of each bias;
4. the **update** ``w ← w − η ∂L/∂w``, one step per layer.

Every value is the core's own: the forward pass, the deltas and the gradients come from
:meth:`nnviz.core.Network.trace` with targets, run on a copy (the network is not touched); the factors
and terms are what those values are made of, so they add up to them (to rounding, tested) and to
central differences of the loss.

Notation
--------
Layers are numbered from 1 (``a⁽⁰⁾ = x``, the inputs), units from 1 in the symbols; the Python indices
(``layer``, ``unit``, ``source``) count from 0 and ``layer`` indexes ``network.mlp_levels()``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnviz.core import Dense
from nnviz.core._validation import check_float, check_matrix

from ._validation import check_network

__all__ = ["BackpropStep", "BackpropTrace", "Factor", "MAX_PARAMS", "MAX_SAMPLES", "Symbol", "Term",
           "backprop_steps"]

#: A stepper lists every number: networks and batches beyond these sizes are refused.
MAX_PARAMS = 64
MAX_SAMPLES = 16

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


@dataclass(frozen=True)
class Symbol:
    """A quantity's name in parts, so that a view can typeset it: ``base``, subscript ``sub`` and the
    layer number ``layer`` (shown as a superscript in brackets; None for none).

    ``str(Symbol("w", "12", 1))`` is ``"w₁₂⁽¹⁾"``; ``Symbol("∂L/∂w", "12", 1)`` is a gradient."""

    base: str
    sub: str = ""
    layer: int | None = None

    def __str__(self) -> str:
        sup = "" if self.layer is None else f"({self.layer})".translate(_SUP)
        return f"{self.base}{self.sub.translate(_SUB)}{sup}"


@dataclass(frozen=True, eq=False)
class Factor:
    """One number in a product: a ``symbol`` and its ``value`` (a float, or one per sample of shape
    (n_samples,))."""

    symbol: Symbol
    value: object

    def __repr__(self) -> str:
        return f"Factor({self.symbol})"


@dataclass(frozen=True, eq=False)
class Term:
    """A product of factors, one value per sample: ``value = Π factor.value``, shape (n_samples,)."""

    factors: tuple
    value: np.ndarray

    def __repr__(self) -> str:
        return "Term(" + " · ".join(str(f.symbol) for f in self.factors) + ")"


@dataclass(frozen=True, eq=False)
class BackpropStep:
    """One operation of the step.

    Attributes
    ----------
    index : int
        Position in :attr:`BackpropTrace.steps`.
    phase : {"forward", "loss", "backward", "update"}
    kind : {"weighted_sum", "activation", "loss", "delta", "weight_gradient", "bias_gradient", "update"}
    layer, unit, source : int or None
        The ``network.mlp_levels()`` index, the unit ``j`` within it and, for a weight, the input ``i``.
    symbol : Symbol
        What is computed (``z₁⁽¹⁾``, ``a₁⁽¹⁾``, ``L``, ``δ₁⁽²⁾``, ``∂L/∂w₁₂⁽¹⁾``, ``W⁽¹⁾``).
    formula : str
        The rule in symbols, e.g. ``"z₁⁽¹⁾ = w₁₁⁽¹⁾·x₁ + w₂₁⁽¹⁾·x₂ + b₁⁽¹⁾"``.
    factors : tuple of Factor
        Factors multiplying the whole step (``f′(z)`` of a hidden delta; ``a − y``, ``f′(z)``, ``1/N`` of
        an output delta); empty when there are none.
    terms : tuple of Term
        The summands (``wᵢⱼ·aᵢ`` and ``b`` of a weighted sum, ``wⱼₘ·δₘ`` of a hidden delta); empty when
        none. Per sample, ``value = Π factors × Σ terms`` (either part left out when empty).
    inputs : dict of str to ndarray
        What else goes in: ``{"z": ..., "activation": name}`` for an activation (a softmax also has
        ``"z_all"``, the whole layer's ``z`` of shape (n_samples, n_units)); ``{"y": ..., "a": ...}``
        (targets and outputs) for the loss.
    value : ndarray of shape (n_samples,) or None
        The result for each sample (None for an update).
    total : float or None
        The number for the batch: the mean loss, a gradient ``Σₙ`` value (+ penalty), or None.
    penalty : float
        The L1/L2 part of a weight gradient (0 otherwise).
    update : dict or None
        For an update: ``{"W": (old, grad, new), "b": (old, grad, new)}``, arrays shaped as the layer's
        parameters, and ``"lr"``.
    nodes : tuple of (level, unit)
        Units to highlight (level 0 is the inputs, level ``k + 1`` is ``mlp_levels()[k]``).
    edges : tuple of (layer, i, j)
        Weights to highlight.
    """

    index: int
    phase: str
    kind: str
    layer: int | None
    unit: int | None
    source: int | None
    symbol: Symbol
    formula: str
    factors: tuple = ()
    terms: tuple = ()
    inputs: dict = field(default_factory=dict)
    value: np.ndarray | None = None
    total: float | None = None
    penalty: float = 0.0
    update: dict | None = None
    nodes: tuple = ()
    edges: tuple = ()

    def __repr__(self) -> str:
        what = f" = {self.total:.4g}" if self.total is not None else ""
        return f"BackpropStep({self.index}: {self.phase} {self.kind} {self.symbol}{what})"


@dataclass(frozen=True, eq=False)
class BackpropTrace:
    """All steps of one gradient-descent step, and the arrays they were made from.

    Attributes
    ----------
    steps : tuple of BackpropStep
    X : ndarray of shape (n_samples, n_inputs)
    targets : ndarray of shape (n_samples, n_outputs)
        The loss's target matrix (0/1 column for bce, one-hot rows for cross-entropy).
    z, a : list of ndarray
        Per layer (``mlp_levels()``), shape (n_samples, n_units): pre-activations and activations.
    deltas : list of ndarray
        Per layer, ``∂L/∂z`` of shape (n_samples, n_units).
    grads : list of dict
        Per layer, ``{"W", "b"}``: gradients of the objective (data loss plus any L1/L2 penalty), as
        ``network.gradients(X, y)``.
    loss : float
        The data loss (as ``network.evaluate``).
    lr : float
    new_params : list of dict
        Per layer, ``{"W", "b"}`` after ``w ← w − lr · ∂L/∂w``.
    new_vector : ndarray of shape (n_params,)
        The same, in :func:`nnviz.core.parameters_to_vector` order (``vector_to_parameters`` it to apply).
    """

    steps: tuple
    X: np.ndarray
    targets: np.ndarray
    z: list
    a: list
    deltas: list
    grads: list
    loss: float
    lr: float
    new_params: list
    new_vector: np.ndarray
    loss_name: str = ""
    units: tuple = ()

    def phase_start(self, phase: str) -> int:
        """Index of the first step of ``phase`` ("forward", "loss", "backward", "update")."""
        for s in self.steps:
            if s.phase == phase:
                return s.index
        raise ValueError(f"phase must be one of 'forward', 'loss', 'backward', 'update', got {phase!r}")

    def find(self, kind: str, layer=None, unit=None, source=None) -> BackpropStep:
        """The step of ``kind`` for ``layer`` / ``unit`` / ``source`` (the first match)."""
        for s in self.steps:
            if s.kind == kind and (layer is None or s.layer == layer) and (unit is None or s.unit == unit) \
                    and (source is None or s.source == source):
                return s
        raise KeyError(f"no {kind!r} step for layer={layer}, unit={unit}, source={source}")

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i) -> BackpropStep:
        return self.steps[i]

    def __repr__(self) -> str:
        arch = "-".join(str(u) for u in self.units)
        return (f"BackpropTrace({arch} network, {len(self.X)} samples, {len(self.steps)} steps, "
                f"loss {self.loss:.4g}, lr {self.lr:g})")


# ------------------------------------------------------------------------------------------ checks
def _check_tiny(network):
    network = check_network(network)
    for i, layer in enumerate(network.layers):
        if type(layer) is not Dense:
            raise ValueError(f"backprop_steps needs a network of Dense layers only, got layers[{i}] = {layer!r}")
    levels = network.mlp_levels()
    if network.n_params > MAX_PARAMS:
        raise ValueError(f"backprop_steps lists every number: network must have at most {MAX_PARAMS} "
                         f"parameters, got {network.n_params} ({network!r})")
    for k, layer in enumerate(levels):
        name = layer.activation.name
        if name == "softmax" and (k < len(levels) - 1 or network.loss.name != "cross_entropy"):
            raise ValueError("backprop_steps takes softmax only as the output of a 'cross_entropy' network "
                             f"(its derivative is not elementwise), got it in layer {k + 1} with loss "
                             f"{network.loss.name!r}")
    return network, levels


# ------------------------------------------------------------------------------------------ builder
def backprop_steps(network, X, y, lr=None) -> BackpropTrace:
    """Every operation of one gradient-descent step on ``(X, y)``, in order, with its numbers.

    Parameters
    ----------
    network : nnviz.core.Network
        A small MLP of Dense layers (at most :data:`MAX_PARAMS` parameters); left unchanged.
    X : array-like of shape (n_samples, n_inputs)
        At most :data:`MAX_SAMPLES` samples: the whole batch of the step.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    lr : float or None
        Learning rate of the update ``w ← w − lr · ∂L/∂w`` (None: ``network.optimizer.lr``).

    Returns
    -------
    BackpropTrace
        ``trace.steps`` in order: forward (a weighted sum and an activation per unit, layer by layer),
        the loss, backward (per layer from the output: each delta, then each weight's and bias's
        gradient), then one update per layer.
    """
    from .lr_finder import copy_network

    network, levels = _check_tiny(network)
    lr = network.optimizer.lr if lr is None else check_float("lr", lr, low=0.0, low_open=True)
    net = copy_network(network)  # trace(X, y) leaves deltas behind in the layers: use a copy
    loss, _ = net.evaluate(X, y)  # the core's checks of X and y, and its loss
    Xc = check_matrix("X", X, n_columns=net.n_inputs)
    if len(Xc) > MAX_SAMPLES:
        raise ValueError(f"backprop_steps lists every number: X must have at most {MAX_SAMPLES} samples, "
                         f"got {len(Xc)}")
    T = net.loss.prepare_targets(y, net.n_outputs, np.float64)
    traces = net.trace(Xc, y)
    grads = net.gradients(Xc, y)  # the objective's gradients (with any L1/L2 term), at these weights
    n, L = len(Xc), len(levels)
    z = [np.array(t.z, dtype=np.float64) for t in traces]
    a = [np.array(t.a, dtype=np.float64) for t in traces]
    deltas = [np.array(t.delta, dtype=np.float64) for t in traces]
    grads = [{k: np.array(v, dtype=np.float64) for k, v in g.items()} for g in grads]
    W = [np.array(l.params["W"], dtype=np.float64) for l in levels]
    b = [np.array(l.params["b"], dtype=np.float64) for l in levels]
    acts = [l.activation for l in levels]
    inputs = [Xc] + a[:-1]

    def src(k, i):  # the symbol of input i of layer k (0-based)
        return Symbol("x", str(i + 1)) if k == 0 else Symbol("a", str(i + 1), k)

    steps = []

    def add(**kw):
        steps.append(BackpropStep(index=len(steps), **kw))

    # 1. forward
    for k in range(L):
        for j in range(W[k].shape[1]):
            zs = Symbol("z", str(j + 1), k + 1)
            terms = tuple(
                Term((Factor(Symbol("w", f"{i + 1}{j + 1}", k + 1), W[k][i, j]), Factor(src(k, i), inputs[k][:, i])),
                     W[k][i, j] * inputs[k][:, i])
                for i in range(W[k].shape[0])
            ) + (Term((Factor(Symbol("b", str(j + 1), k + 1), b[k][j]),), np.full(n, b[k][j])),)
            formula = f"{zs} = " + " + ".join(
                [f"{Symbol('w', f'{i + 1}{j + 1}', k + 1)}·{src(k, i)}" for i in range(W[k].shape[0])]
                + [str(Symbol("b", str(j + 1), k + 1))])
            add(phase="forward", kind="weighted_sum", layer=k, unit=j, source=None, symbol=zs, formula=formula,
                terms=terms, value=z[k][:, j].copy(), nodes=((k + 1, j),) + tuple((k, i) for i in range(W[k].shape[0])),
                edges=tuple((k, i, j) for i in range(W[k].shape[0])))
            as_ = Symbol("a", str(j + 1), k + 1)
            add(phase="forward", kind="activation", layer=k, unit=j, source=None, symbol=as_,
                formula=f"{as_} = {acts[k].name}({zs})" if acts[k].name != "softmax" else
                f"{as_} = exp({zs}) / Σₘ exp({Symbol('z', 'ₘ', k + 1)})",
                inputs={"z": z[k][:, j].copy(), "activation": acts[k].name,
                        **({"z_all": z[k].copy()} if acts[k].name == "softmax" else {})},
                value=a[k][:, j].copy(),
                nodes=((k + 1, j),))

    # 2. loss
    per_sample = _per_sample_loss(net.loss.name, z[-1], a[-1], T)
    add(phase="loss", kind="loss", layer=None, unit=None, source=None, symbol=Symbol("L"),
        formula=_LOSS_FORMULAS[net.loss.name], inputs={"y": T.copy(), "a": a[-1].copy()}, value=per_sample,
        total=float(loss), nodes=tuple((L, j) for j in range(W[-1].shape[1])))

    # 3. backward
    l1, l2 = net.l1, net.l2
    for k in reversed(range(L)):
        for j in range(W[k].shape[1]):
            ds = Symbol("δ", str(j + 1), k + 1)
            zs = Symbol("z", str(j + 1), k + 1)
            fprime = acts[k].derivative(z[k][:, [j]], a[k][:, [j]])[:, 0] if acts[k].name != "softmax" else None
            if k == L - 1:
                sub = str(j + 1).translate(_SUB)
                factors = [Factor(Symbol(f"(a{sub} − y{sub})"), a[k][:, j] - T[:, j])]
                formula = f"{ds} = ∂L/∂{zs} = (a{sub} − y{sub})"
                if net.loss.name == "mse":
                    factors.append(Factor(Symbol(f"{acts[k].name}′({zs})"), fprime))
                    formula += f" · {acts[k].name}′({zs})"
                factors.append(Factor(Symbol("1/N"), 1.0 / n))
                formula += " / N"
                terms = ()
                edges = ()
                nodes = ((k + 1, j),)
            else:
                factors = [Factor(Symbol(f"{acts[k].name}′({zs})"), fprime)]
                terms = tuple(
                    Term((Factor(Symbol("w", f"{j + 1}{m + 1}", k + 2), W[k + 1][j, m]),
                          Factor(Symbol("δ", str(m + 1), k + 2), deltas[k + 1][:, m])),
                         W[k + 1][j, m] * deltas[k + 1][:, m])
                    for m in range(W[k + 1].shape[1])
                )
                formula = f"{ds} = {acts[k].name}′({zs}) · (" + " + ".join(
                    f"{Symbol('w', f'{j + 1}{m + 1}', k + 2)}·{Symbol('δ', str(m + 1), k + 2)}"
                    for m in range(W[k + 1].shape[1])) + ")"
                edges = tuple((k + 1, j, m) for m in range(W[k + 1].shape[1]))
                nodes = ((k + 1, j),) + tuple((k + 2, m) for m in range(W[k + 1].shape[1]))
            add(phase="backward", kind="delta", layer=k, unit=j, source=None, symbol=ds, formula=formula,
                factors=tuple(factors), terms=terms, value=deltas[k][:, j].copy(), nodes=nodes, edges=edges)
        for j in range(W[k].shape[1]):
            ds = Symbol("δ", str(j + 1), k + 1)
            for i in range(W[k].shape[0]):
                w = W[k][i, j]
                gs = Symbol("∂L/∂w", f"{i + 1}{j + 1}", k + 1)
                penalty = l2 * w + l1 * float(np.sign(w))
                formula = f"{gs} = Σₙ {src(k, i)}·{ds}"
                if l2:
                    formula += f" + λ₂·{Symbol('w', f'{i + 1}{j + 1}', k + 1)}"
                if l1:
                    formula += f" + λ₁·sign({Symbol('w', f'{i + 1}{j + 1}', k + 1)})"
                add(phase="backward", kind="weight_gradient", layer=k, unit=j, source=i, symbol=gs,
                    formula=formula, factors=(Factor(src(k, i), inputs[k][:, i]), Factor(ds, deltas[k][:, j])),
                    value=inputs[k][:, i] * deltas[k][:, j], total=float(grads[k]["W"][i, j]),
                    penalty=float(penalty), nodes=((k, i), (k + 1, j)), edges=((k, i, j),))
            gs = Symbol("∂L/∂b", str(j + 1), k + 1)
            add(phase="backward", kind="bias_gradient", layer=k, unit=j, source=None, symbol=gs,
                formula=f"{gs} = Σₙ {ds}", factors=(Factor(ds, deltas[k][:, j]),), value=deltas[k][:, j].copy(),
                total=float(grads[k]["b"][j]), nodes=((k + 1, j),))

    # 4. update
    new_params = []
    for k in range(L):
        new = {"W": W[k] - lr * grads[k]["W"], "b": b[k] - lr * grads[k]["b"]}
        new_params.append(new)
        Ws = Symbol("W", "", k + 1)
        add(phase="update", kind="update", layer=k, unit=None, source=None, symbol=Ws,
            formula=f"w ← w − η·∂L/∂w for every weight and bias of layer {k + 1} (η = {lr:g})",
            update={"W": (W[k].copy(), grads[k]["W"].copy(), new["W"]),
                    "b": (b[k].copy(), grads[k]["b"].copy(), new["b"]), "lr": lr},
            nodes=tuple((k + 1, j) for j in range(W[k].shape[1])),
            edges=tuple((k, i, j) for i in range(W[k].shape[0]) for j in range(W[k].shape[1])))
    # parameters_to_vector's order: layer by layer, W (C order) before b
    new_vector = np.concatenate([np.concatenate([p["W"].ravel(), p["b"]]) for p in new_params])
    return BackpropTrace(tuple(steps), Xc, T, z, a, deltas, grads, float(loss), float(lr), new_params, new_vector,
                         net.loss.name, tuple(network.units_per_level()))


_LOSS_FORMULAS = {
    "bce": "L = (1/N) Σₙ −[y log a + (1 − y) log(1 − a)]",
    "cross_entropy": "L = (1/N) Σₙ −log a_y",
    "mse": "L = (1/N) Σₙ ½ Σₖ (aₖ − yₖ)²",
}


def _per_sample_loss(name: str, z: np.ndarray, a: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each sample's loss ℓₙ, shape (n_samples,), by the core's formulas (their mean is the loss)."""
    if name == "bce":
        return (np.maximum(z, 0.0) - z * T + np.log1p(np.exp(-np.abs(z))))[:, 0]
    if name == "cross_entropy":
        m = z.max(axis=1, keepdims=True)
        return np.log(np.exp(z - m).sum(axis=1)) + m[:, 0] - (z * T).sum(axis=1)
    d = a - T
    return 0.5 * (d * d).sum(axis=1)
