"""A multilayer perceptron with backpropagation written out, one layer at a time.

Layer k (k = 0 .. L-1) maps a_k (n, sizes[k]) to a_{k+1} (n, sizes[k+1]):

    z_k     = a_k @ W_k + b_k            W_k (sizes[k], sizes[k+1]), b_k (sizes[k+1],)
    a_{k+1} = f_k(z_k)

In the code z_k = [a_k, 1] @ [W_k; b_k]: one product does the sum and the bias.

Backward starts from the output delta dE/dz_{L-1} (set by ``output_delta``) and walks down:

    dW_k         = a_k.T @ delta_k        (the batch mean is already inside delta)
    db_k         = sum over rows of delta_k
    dE/da_k      = delta_k @ W_k.T                       (only for k > 0)
    delta_{k-1}  = dE/da_k * f_{k-1}'(z_{k-1})

With ``norm`` "batch" or "layer" each hidden layer normalises its z before the activation
(core/normalization.py): y_k = gamma_k * (z_k - mean) / sqrt(var + eps) + beta_k and
a_{k+1} = f_k(y_k); backward goes through it: dE/dy_{k-1} = dE/da_k * f'(y_{k-1}), then
the normalisation's backward gives delta_{k-1} = dE/dz_{k-1} and dgamma, dbeta.

All parameters live in one flat buffer (row 0 of ``flat``); ``weights[k]`` and
``biases[k]`` (then ``gammas[k]``, ``betas[k]`` of hidden layers) are views into it, so
writing into them changes the network. The gradients (row 1) and the optimiser's last step
(row 2) share the same layout, which lets the trainer compute every layer's norms with a
single reduction. Nothing here updates the weights:
that is the optimiser's job, so the gradients can be read before they are applied.

``run_forward``, ``output_delta`` and ``backward_layer`` are the phases a learner steps
through; ``forward_backward`` runs them all for one batch in one loop (what the trainer's
steps run), with the same NumPy calls in the same order, so both give the same bits.

A hidden unit can be masked: switched off by the learner (``switch``: its a held at 0) or
dropped for one training batch (``dropped``, dropout's masks). With masks m_k the hidden
layers compute a_{k+1} = f_k(z_k) * m_k, and backward multiplies dE/da_k by the same m_k
before f'(z): nothing flows back through a unit held at 0, and its outgoing weights get
no gradient from it. f'(z) is taken at the unmasked f(z) (``_Buffers.unmasked``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .activations import Activation, get_activation, softmax_parts
from .initializers import get_initializer
from .losses import Loss, get_loss
from .normalization import NORMS, Normalization

Array = NDArray[np.floating]

PARAMS, GRADS, STEP = 0, 1, 2  # rows of Network.flat


class _Buffers:
    """Per-batch-size work arrays and the views into them, made once and reused from step
    to step (no fresh temporaries, no new views).

    Layer inputs carry a last column of ones, so that z_k = [a_k, 1] @ [W_k; b_k] is one
    matrix product and dW_k, db_k come out of one product too: [a_k, 1].T @ delta_k.
    Each [a_k, 1] is an array of its own (contiguous: BLAS then gives np.dot and np.matmul
    the same bits; products are written ``a.dot(b, out=c)``, np.dot without its dispatch).
    ``forward`` and ``backward`` list, layer by layer, what ``Network.forward_backward``
    hands to each call.
    """

    def __init__(self, net: Network, n: int):
        sizes, dtype, acts = net.sizes, net.dtype, net.activations
        self.inputs = [np.ones((n, m + 1), dtype) for m in sizes[:-1]]  # [a_k, 1]
        self.inputs_T = [inp.T for inp in self.inputs]  # [a_k, 1].T (k = 0: the batch's own)
        self.hidden_inputs = self.inputs[1:]
        self.z = [np.empty((n, m), dtype) for m in sizes[1:]]
        output = self.z[-1] if acts[-1].identity else np.empty((n, sizes[-1]), dtype)
        self.a = [inp[:, :-1] for inp in self.inputs[1:]] + [output]
        self.delta = [np.zeros((n, m), dtype) for m in sizes[1:]]  # read for ||delta||
        self.grad_a = [np.empty((n, m), dtype) for m in sizes[1:-1]]
        normed = bool(net.norm_layers)  # y_k (normalised z_k) and dE/dy_k of hidden layers
        self.y = [np.empty((n, m), dtype) for m in sizes[1:-1]] if normed else []
        self.grad_y = [np.empty((n, m), dtype) for m in sizes[1:-1]] if normed else []
        self.out_tmp = np.empty((n, sizes[-1]), dtype)  # f'(z) of the output layer
        self.softmax_m = self.softmax_s = None  # softmax's row max and sum (n, 1) each
        self.unmasked: list[np.ndarray] | None = None  # f(z_k) before a mask (made when used)
        # per hidden layer k: [W_k; b_k], z_k, f_k, a_{k+1}, [a_{k+1}, 1]
        self.forward = [
            (net.stacked[k], self.z[k], acts[k].fn, self.a[k], self.inputs[k + 1])
            for k in range(net.n_layers - 1)
        ]
        # per layer k = L-1 .. 1: [a_k, 1].T, delta_k, [dW_k; db_k], W_k.T, dE/da_k,
        # f_{k-1}' (None if f_{k-1} is linear), z_{k-1}, a_k, delta_{k-1}
        self.backward = [
            (
                self.inputs_T[k], self.delta[k], net.dstacked[k], net.weights_T[k],
                self.grad_a[k - 1], None if acts[k - 1].identity else acts[k - 1].derivative,
                self.z[k - 1], self.a[k - 1], self.delta[k - 1],
            )
            for k in reversed(range(1, net.n_layers))
        ]  # fmt: skip


class Network:
    """A dense feed-forward network.

    Args:
        sizes: units per layer, input first: [2, 8, 8, 1].
        activations: one name per layer of weights (len(sizes) - 1), or one name for all.
        init: initialiser name (zeros, uniform, normal, xavier, he).
        seed: an int or a np.random.Generator for the initial weights.
        init_scale: multiplies the initial weights (large values make gradients explode).
        dtype: float64 (default) or float32.
        norm: "none", "batch" or "layer": normalisation of every hidden layer's z.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str] | str = "tanh",
        init: str = "xavier",
        seed: int | np.random.Generator = 0,
        init_scale: float = 1.0,
        dtype: type = np.float64,
        norm: str = "none",
    ) -> None:
        self.sizes = [int(s) for s in sizes]
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes {list(sizes)} need at least 2 layers of >= 1 unit each")
        n_layers = len(self.sizes) - 1
        if isinstance(activations, str):
            activations = [activations] * n_layers
        if len(activations) != n_layers:
            raise ValueError(
                f"activations: {len(activations)} names given for {n_layers} layers of weights"
            )
        self.activations: list[Activation] = [get_activation(a) for a in activations]
        for k, act in enumerate(self.activations[:-1]):
            if not act.elementwise:
                raise ValueError(f"activation of layer {k + 1}: {act.name} is for the output only")
        self.dtype = np.dtype(dtype)
        if norm not in NORMS:
            raise ValueError(f"norm {norm!r}: one of {', '.join(NORMS)}")
        self.norm = norm
        self.norm_layers: list[Normalization] = (
            [] if norm == "none" else [Normalization(norm, m, self.dtype) for m in self.sizes[1:-1]]
        )  # one per hidden layer
        self._layout()
        self.init(init, seed, init_scale)
        self._buffers: dict[int, _Buffers] = {}
        self._cache: _Buffers | None = None
        self._x_aug: Array | None = None  # the last forward pass's [x, 1]
        self.output: Array | None = None  # and its output a_L (n, sizes[-1]): a[-1]
        self.on = [np.ones(m, self.dtype) for m in self.sizes[1:-1]]  # 1 on, 0 switched off
        self.n_off = 0  # hidden units switched off
        self.dropped: list[Array] | None = None  # this batch's dropout masks (n, sizes[k+1])

    # --- parameters -------------------------------------------------------------------

    def _layout(self) -> None:
        shapes = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            shapes += [(fan_in, fan_out), (fan_out,)]
        for norm in self.norm_layers:
            shapes += [(norm.units,), (norm.units,)]  # gamma_k, beta_k after every W and b
        layer_segments = 2 * (len(self.sizes) - 1)
        counts = [int(np.prod(s)) for s in shapes]
        self.segment_starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        self.n_params = int(sum(counts))
        self.layer_segments = layer_segments  # W_0, b_0, ..., b_{L-1}; then gamma_0, beta_0...
        self.flat = np.zeros((3, self.n_params), self.dtype)

        def views(row: int) -> list[Array]:
            return [
                self.flat[row, s : s + c].reshape(shape)
                for s, c, shape in zip(self.segment_starts, counts, shapes, strict=True)
            ]

        params, grads, step = views(PARAMS), views(GRADS), views(STEP)
        # [W_k; b_k] as one (fan_in + 1, fan_out) matrix: b_k follows W_k in the flat buffer
        starts, ls = self.segment_starts[:layer_segments], slice(0, layer_segments)
        layers = list(
            zip(starts[0::2], counts[ls][0::2], counts[ls][1::2], shapes[ls][0::2], strict=True)
        )
        self.stacked = [
            self.flat[PARAMS, s : s + w + b].reshape(shape[0] + 1, shape[1])
            for s, w, b, shape in layers
        ]
        self.dstacked = [
            self.flat[GRADS, s : s + w + b].reshape(shape[0] + 1, shape[1])
            for s, w, b, shape in layers
        ]
        w, b, g = slice(0, layer_segments, 2), slice(1, layer_segments, 2), layer_segments
        self.weights, self.biases = params[w], params[b]
        self.weights_T = [w.T for w in self.weights]  # W_k.T, for dE/da_k = delta_k @ W_k.T
        self.dweights, self.dbiases = grads[w], grads[b]
        self.step_weights, self.step_biases = step[w], step[b]
        self.gammas, self.betas = params[g::2], params[g + 1 :: 2]  # (units,) per hidden layer
        self.dgammas, self.dbetas = grads[g::2], grads[g + 1 :: 2]
        mask = np.zeros(self.n_params, self.dtype)
        for start, count, _, _ in layers:
            mask[start : start + count] = 1.0
        self.weight_mask = mask  # 1 on weights, 0 on biases, gamma, beta (no penalty)

    def init(self, init: str, seed: int | np.random.Generator, scale: float = 1.0) -> None:
        """Draw new weights (biases to zero) from the named initialiser."""
        initializer = get_initializer(init)
        rng = np.random.default_rng(seed)
        for w, b in zip(self.weights, self.biases, strict=True):
            w[...] = initializer(w.shape[0], w.shape[1], rng) * scale
            b[...] = 0.0
        for gamma, beta, norm in zip(self.gammas, self.betas, self.norm_layers, strict=True):
            gamma[...], beta[...] = 1.0, 0.0
            norm.running_mean[...], norm.running_var[...] = 0.0, 1.0

    def views(self, flat: Array) -> tuple[list[Array], list[Array]]:
        """(weights, biases) as views into any flat vector laid out like ``params`` (a
        normalised network's gamma and beta follow them: ``gammas``, ``betas``)."""
        ends = [*self.segment_starts[1:], self.n_params]
        parts = [flat[s:e] for s, e in zip(self.segment_starts, ends, strict=True)]
        parts = parts[: self.layer_segments]
        weights = [p.reshape(w.shape) for p, w in zip(parts[0::2], self.weights, strict=True)]
        return weights, parts[1::2]

    def copy(self) -> Network:
        """A network of the same layers with a copy of the parameters, the running
        statistics and the neurons switched off. (Not a deepcopy: that would cut the views
        off the flat buffer.)"""
        names = [a.name for a in self.activations]
        twin = Network(self.sizes, names, "zeros", 0, 1.0, self.dtype, self.norm)
        np.copyto(twin.params, self.params)
        for mine, theirs in zip(self.norm_layers, twin.norm_layers, strict=True):
            np.copyto(theirs.running_mean, mine.running_mean)
            np.copyto(theirs.running_var, mine.running_var)
        for layer, unit in self.off:  # the neurons switched off stay off
            twin.switch(layer, unit, on=False)
        return twin

    def update_running_stats(self) -> None:
        """Batch norm: fold the last forward pass's batch statistics into the running
        averages (the trainer calls it once per update)."""
        for norm in self.norm_layers:
            norm.update_running()

    @property
    def params(self) -> Array:
        """Every parameter in one flat array (a view): W_0, b_0, W_1, b_1, ..., then a
        normalised network's gamma_0, beta_0, gamma_1, ..."""
        return self.flat[PARAMS]

    @property
    def grads(self) -> Array:
        """The gradients of the last backward pass, laid out like ``params`` (a view)."""
        return self.flat[GRADS]

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    # --- units switched off, dropout ----------------------------------------------------

    def switch(self, layer: int, unit: int, on: bool) -> None:
        """Let hidden unit ``unit`` of hidden layer ``layer`` (a[layer], 0 the first hidden
        layer) compute (on) or hold its output at 0 (off)."""
        if not (0 <= layer < self.n_layers - 1 and 0 <= unit < self.sizes[layer + 1]):
            raise ValueError(f"no hidden unit {unit} in hidden layer {layer}")
        self.n_off += int(bool(self.on[layer][unit])) - int(on)
        self.on[layer][unit] = 1.0 if on else 0.0

    @property
    def off(self) -> list[tuple[int, int]]:
        """(hidden layer, unit) of every unit switched off, in order."""
        return [(k, int(u)) for k, on in enumerate(self.on) for u in np.flatnonzero(on == 0)]

    @property
    def masked(self) -> bool:
        """True when a hidden unit is switched off or dropout masks are set."""
        return self.n_off > 0 or self.dropped is not None

    def mask(self, k: int) -> Array | None:
        """The multiplier of hidden layer k's output: on[k] (sizes[k+1],) times this
        batch's dropout mask (n, sizes[k+1]) if any; None when nothing is masked."""
        if self.dropped is not None:
            return self.dropped[k] * self.on[k]
        return self.on[k] if self.n_off else None

    # --- forward ----------------------------------------------------------------------

    def run_forward(self, X: Array, augmented: bool = False) -> Array:
        """Forward pass keeping z_k and a_{k+1} for backward; returns the output buffer.

        X (n, sizes[0]) -> (n, sizes[-1]). The returned array is reused by the next pass.
        ``augmented``: X already has a last column of ones (n, sizes[0] + 1), as the
        trainer keeps it, which saves a copy.
        """
        buf = self._buffers_for(X.shape[0])
        if augmented:
            self._x_aug = X
        else:
            self._x_aug = buf.inputs[0]
            np.copyto(self._x_aug[:, :-1], X)
        inp = self._x_aug
        for k, act in enumerate(self.activations):
            z = inp.dot(self.stacked[k], out=buf.z[k])  # [a, 1] @ [W; b] = a W + b
            if k < len(self.norm_layers):  # a normalised hidden layer: y = gamma u + beta
                z = self.norm_layers[k].forward(z, self.gammas[k], self.betas[k], out=buf.y[k])
            if not act.elementwise:  # softmax: keep its max and sum for the cross-entropy
                _, buf.softmax_m, buf.softmax_s = softmax_parts(z, out=buf.a[k])
            elif k + 1 < len(self.activations) and self.masked:  # a = f(z) * m
                np.multiply(act.fn(z, out=self._unmasked(buf)[k]), self.mask(k), out=buf.a[k])
            elif not act.identity or k + 1 < len(self.activations):
                act.fn(z, out=buf.a[k])  # (a linear output layer's a is its z: no copy)
            if k + 1 < len(buf.inputs):
                inp = buf.inputs[k + 1]
        self._cache, self.output = buf, buf.a[-1]
        return self.output

    def _buffers_for(self, n: int) -> _Buffers:
        """The work arrays for batches of n rows (made at the first batch of that size)."""
        buf = self._buffers.get(n)
        if buf is None:
            buf = self._buffers[n] = _Buffers(self, n)
        return buf

    def _unmasked(self, buf: _Buffers) -> list[Array]:
        """The buffers of f(z_k) before the mask, per hidden layer (made at first use)."""
        if buf.unmasked is None:
            buf.unmasked = [np.empty_like(z) for z in buf.z[:-1]]
        return buf.unmasked

    def predict(
        self, X: Array, batch_stats: bool = False, dropped: list[Array] | None = None
    ) -> tuple[Array, Array]:
        """(z_{L-1}, a_L) for inputs X (n, sizes[0]) in fresh arrays; caches untouched.

        Batch norm uses its running averages, or with ``batch_stats`` the statistics of
        this X as a training step does. Units switched off are held at 0; dropout only with
        its masks given as ``dropped`` (n, sizes[k+1]) per hidden layer. (Both: what a
        finite-difference check of a training step needs.)"""
        a = np.asarray(X, self.dtype)
        z = a
        layers = zip(self.weights, self.biases, self.activations, strict=True)
        for k, (w, b, act) in enumerate(layers):
            z = a @ w + b
            if k < len(self.norm_layers):
                z = self.norm_layers[k].apply(z, self.gammas[k], self.betas[k], batch_stats)
            a = act.fn(z)
            if self.n_off and k < len(self.on):
                a *= self.on[k]
            if dropped is not None and k < len(dropped):
                a *= dropped[k]
        return z, a

    def forward(self, X: Array) -> Array:
        """The network's output (n, sizes[-1]) for inputs X (n, sizes[0]): a fresh array."""
        return self.predict(X)[1]

    # The cached values of the last pass, for phases and inspection: z[k], a[k] are layer
    # k's pre-activation and output (n, sizes[k+1]); delta[k] is dE/dz[k];
    # grad_a[k] is dE/da[k] for hidden layers.
    @property
    def z(self) -> list[Array]:
        return self._require_cache().z

    @property
    def a(self) -> list[Array]:
        return self._require_cache().a

    @property
    def delta(self) -> list[Array]:
        return self._require_cache().delta

    @property
    def grad_a(self) -> list[Array]:
        return self._require_cache().grad_a

    def activation_input(self, k: int) -> Array:
        """What layer k's activation read in the last pass (n, sizes[k+1]): a normalised
        hidden layer's y_k = gamma_k u_k + beta_k, else z[k]."""
        buf = self._require_cache()
        return buf.y[k] if k < len(buf.y) else buf.z[k]

    @property
    def hidden_inputs(self) -> list[Array]:
        """Each hidden layer's output with a ones column, [a[k], 1] (n, sizes[k + 1] + 1):
        the array the next layer's product reads (``a[k]`` is a view of it)."""
        return self._require_cache().hidden_inputs

    @property
    def x(self) -> Array | None:
        """The last forward pass's input x (n, sizes[0]), None before any."""
        return None if self._x_aug is None else self._x_aug[:, :-1]

    @property
    def has_pass(self) -> bool:
        """True once a forward pass has filled z, a (and backward delta, grad_a)."""
        return self._cache is not None

    def _require_cache(self) -> _Buffers:
        if self._cache is None:
            raise RuntimeError("run a forward pass first")
        return self._cache

    def layer_input(self, k: int) -> Array:
        """a_k, the input of layer k (n, sizes[k]): X for k = 0."""
        return self.x if k == 0 else self.a[k - 1]

    # --- loss and backward --------------------------------------------------------------

    def output_delta(self, Y: Array, loss: Loss | str) -> float:
        """Loss of the last forward pass against targets Y (n, sizes[-1]); sets delta_{L-1}.

        Returns E. For the fused pairs (sigmoid + bce, softmax + cross_entropy) the delta is
        (a - Y) / count directly; otherwise delta = dE/dy * f'(z).
        """
        if isinstance(loss, str):
            loss = get_loss(loss)
        buf = self._cache
        if buf is None:
            raise RuntimeError("run a forward pass first")
        z, y, act, delta = buf.z[-1], buf.a[-1], self.activations[-1], buf.delta[-1]
        if loss.output_activation is not None:  # computed from the logits
            if act.name != loss.output_activation:
                raise ValueError(
                    f"loss {loss.name} needs a {loss.output_activation} output, not {act.name}"
                )
            loss.gradient(y, Y, out=delta)
            if loss.value_from_parts is not None:  # from the max and sum softmax kept
                return loss.value_from_parts(z, Y, buf.softmax_m, buf.softmax_s)
            return loss.value(z, Y)
        if loss.value_and_gradient is not None:
            value = loss.value_and_gradient(y, Y, delta)
        else:
            loss.gradient(y, Y, out=delta)
            value = loss.value(y, Y)
        if not act.elementwise:  # softmax without its fused loss: the full Jacobian
            act.backward(z, y, delta.copy(), out=delta)
        elif not act.identity:  # delta = dE/dy * f'(z)
            delta *= act.derivative(z, y, out=buf.out_tmp)
        return value

    def backward_layer(self, k: int) -> None:
        """Gradients of layer k from delta_k; then delta_{k-1} for the layer below.

        dW_k = a_k.T @ delta_k, db_k = sum_rows delta_k; for k > 0:
        dE/da_k = delta_k @ W_k.T and delta_{k-1} = dE/da_k * f'(z_{k-1}).
        """
        buf = self._require_cache()
        delta = buf.delta[k]
        inp_T = self._x_aug.T if k == 0 else buf.inputs_T[k]
        inp_T.dot(delta, out=self.dstacked[k])  # [dW; db] = [a, 1].T @ delta
        if k > 0:
            grad_a = delta.dot(self.weights_T[k], out=buf.grad_a[k - 1])
            j, a = k - 1, buf.a[k - 1]
            if self.masked:  # dE/da_k * m: nothing flows back through a masked unit
                grad_a *= self.mask(j)
                a = self._unmasked(buf)[j]  # f'(z) at f(z), not at f(z) * m
            if not self.norm_layers:  # delta_{k-1} = dE/da_k * f'(z_{k-1})
                self.activations[j].backward(buf.z[j], a, grad_a, out=buf.delta[j])
                return
            # dE/dy_j = dE/da_k * f'(y_j), then through the normalisation
            g = self.activations[j].backward(buf.y[j], a, grad_a, out=buf.grad_y[j])
            self.norm_layers[j].backward(
                g, self.gammas[j], self.dgammas[j], self.dbetas[j], out=buf.delta[j]
            )

    def backward(self) -> None:
        """All layers, the last first: fills ``dweights`` and ``dbiases``."""
        for k in reversed(range(self.n_layers)):
            self.backward_layer(k)

    def forward_backward(self, xa: Array, Y: Array, loss: Loss) -> float:
        """A whole batch through the phases: ``run_forward(xa, augmented=True)``,
        ``output_delta(Y, loss)``, then, if the loss is finite, ``backward_layer(k)`` for
        k = L-1 .. 0. Returns E. xa (n, sizes[0] + 1) holds the inputs and a ones column.

        This is those three methods fused: the same NumPy calls on the same arrays in the
        same order (the same bits), walking lists of views the batch size made once
        (``_Buffers.forward`` and ``.backward``) instead of looking each one up per call,
        which at small sizes costs as much as the arithmetic. Read them to learn backprop.
        A normalised network, or one with a unit masked (switched off, dropout), calls those
        methods themselves.
        """
        if self.norm_layers or self.masked:  # a step of their own: the phases themselves
            self.run_forward(xa, augmented=True)
            value = self.output_delta(Y, loss)
            if math.isfinite(value):
                self.backward()
            return value
        n = len(xa)
        buf = self._buffers.get(n) or self._buffers_for(n)
        self._x_aug, self._cache, self.output = xa, buf, buf.a[-1]
        inp = xa
        for stacked, z, f, a, a_next in buf.forward:  # the hidden layers, as run_forward
            inp.dot(stacked, out=z)  # z_k = [a_k, 1] @ [W_k; b_k]
            f(z, out=a)  # a_{k+1} = f(z_k)
            inp = a_next  # [a_{k+1}, 1]
        act, z = self.activations[-1], buf.z[-1]
        inp.dot(self.stacked[-1], out=z)  # the output layer, as run_forward
        if not act.elementwise:
            _, buf.softmax_m, buf.softmax_s = softmax_parts(z, out=buf.a[-1])
        elif not act.identity:
            act.fn(z, out=buf.a[-1])
        value = self.output_delta(Y, loss)
        if not math.isfinite(value):
            return value  # the step stops at its loss, as the phases do
        for inp_T, delta, dstacked, W_T, grad_a, f_prime, z, a, delta_below in buf.backward:
            inp_T.dot(delta, out=dstacked)  # [dW_k; db_k] = [a_k, 1].T @ delta_k
            delta.dot(W_T, out=grad_a)  # dE/da_k = delta_k @ W_k.T
            if f_prime is None:  # delta_{k-1} = dE/da_k * f'(z_{k-1}), f' = 1
                np.copyto(delta_below, grad_a)
            else:  # as Activation.backward: f'(z_{k-1}), then times dE/da_k
                f_prime(z, a, out=delta_below)
                delta_below *= grad_a
        xa.T.dot(buf.delta[0], out=self.dstacked[0])  # [dW_0; db_0] = [x, 1].T @ delta_0
        return value

    def loss_and_grads(
        self, X: Array, Y: Array, loss: str = "mse"
    ) -> tuple[float, list[tuple[Array, Array]]]:
        """E and [(dE/dW_k, dE/db_k), ...] for the batch (X, Y); copies, nothing updated."""
        self.run_forward(np.asarray(X, self.dtype))
        value = self.output_delta(np.asarray(Y, self.dtype), loss)
        self.backward()
        return value, [
            (dw.copy(), db.copy()) for dw, db in zip(self.dweights, self.dbiases, strict=True)
        ]
