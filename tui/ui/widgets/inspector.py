"""The chain-rule inspector: dE/dw of one weight as three factors, with the code's numbers.

    dE_s/dw = dE_s/da * da/dz * dz/dw     (one sample s's loss E_s)
    dE/dw = the batch mean of dE_s/dw     (E, the batch's loss, is the mean of the E_s)

then the update W_new = W_old - lr * grad, and the value the network holds afterwards.
For 2-D data, the maps of the two neurons the weight joins (what each computes over the
plane) where there is room: below the text, beside it, or alone (a toggles).
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from ...snapshot import Snapshot, parameter_name
from ..fields import finite_number
from ..fit import cut_words, first_fit
from ..formulas import update_rule
from ..neuron_maps import cell_rows, map_palette, map_pixels
from ..numbers import num
from .prompt_dialog import PromptDialog


def loss_derivative(s: Snapshot) -> str:
    """dE_s/da at the output for a loss that is not fused with its activation, in words.
    E_s averages over the K outputs too, hence the /K."""
    k = s.sizes[-1]
    per = "" if k == 1 else f"/{k}"
    return f"{s.loss_name}' = {s.loss_formula}{per}"


ARROW = " ─w→ "  # between the maps of the weight's input and of the neuron it feeds
MAX_MAP_ROWS = 8  # a map's height in lines, at most (twice as many pixels)
ROOM_FOR_NOTES = 14  # from this height on, an activation's note under its derivative


class Inspector(Widget, can_focus=True):
    """Shows the chain rule of the selected weight; arrows and [ ] move the selection."""

    DEFAULT_CSS = "Inspector { text-wrap: nowrap; text-overflow: ellipsis; }"

    BINDINGS = [
        Binding("left", "move(-1, 0, 0)", "Layer -", show=False),
        Binding("right", "move(1, 0, 0)", "Layer +", show=False),
        Binding("up", "move(0, 0, -1)", "Neuron -", show=False),
        Binding("down", "move(0, 0, 1)", "Neuron +", show=False),
        Binding("left_square_bracket", "move(0, -1, 0)", "Input -", show=False),
        Binding("right_square_bracket", "move(0, 1, 0)", "Input +", show=False),
        # not in the footer (80 columns are short): the inspector's last line names them
        Binding("f", "check", "Finite diff", show=False, tooltip="Check this gradient"),
        Binding("w", "edit", "Edit weight", show=False, tooltip="Type a new value for it"),
        Binding("a", "toggle_maps", "Maps", show=False, tooltip="The two neurons' maps alone"),
        Binding("0", "switch", "Off/on", show=False, tooltip="Switch its neuron off or on"),
    ]

    class Move(Message):
        """Move the selection by (layers, inputs, neurons)."""

        def __init__(self, dk: int, di: int, dj: int) -> None:
            super().__init__()
            self.delta = (dk, di, dj)

    class Check(Message):
        """Run a finite-difference check of the selected weight."""

    class WeightEdited(Message):
        """The person typed ``value`` for W_layer[i, j]."""

        def __init__(self, layer: int, i: int, j: int, value: float) -> None:
            super().__init__()
            self.layer, self.i, self.j, self.value = layer, i, j, value

    class Switch(Message):
        """Switch hidden neuron ``unit`` of column ``column`` (1 the first hidden layer) off
        or back on."""

        def __init__(self, column: int, unit: int) -> None:
            super().__init__()
            self.column, self.unit = column, unit

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.maps_alone = False  # the neurons' maps instead of the chain rule (a)

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.refresh()

    def action_move(self, dk: int, di: int, dj: int) -> None:
        self.post_message(self.Move(dk, di, dj))

    def action_check(self) -> None:
        self.post_message(self.Check())

    def action_switch(self) -> None:
        """Switch the neuron the selected weight feeds off (output held at 0) or on."""
        s = self.snapshot
        if s is None or s.selected is None:
            return
        k, _, j = s.selected
        if k + 1 >= len(s.sizes) - 1:
            self.notify("an output neuron stays on: pick a weight into a hidden neuron (←)")
            return
        self.post_message(self.Switch(k + 1, j))

    def action_toggle_maps(self) -> None:
        """The two neurons' maps alone, as large as the panel allows, or back."""
        self.maps_alone = not self.maps_alone
        self.refresh()

    def action_edit(self) -> None:
        """Paused: type a new value for the selected weight or bias (a bad one is refused)."""
        s = self.snapshot
        if s is None or s.selected is None:
            return
        if s.status == "running":
            self.notify("pause first (space): weights are edited between steps")
            return
        k, i, j = s.selected

        def done(answer: tuple[object] | None) -> None:
            if answer is not None:
                self.post_message(self.WeightEdited(k, i, j, float(answer[0])))

        self.app.push_screen(weight_prompt(s, s.selected), done)

    def render(self) -> Text:
        s = self.snapshot
        if s is None or s.selected is None:
            return Text("select a weight: arrows, [ ]")
        text = Text(no_wrap=True, overflow="ellipsis")
        k, i, j = s.selected
        bias = i == s.sizes[k]
        act = s.activation_names[k]
        source = "bias" if bias else source_name(s, k, i)
        text.append(s.selected_name, style="bold yellow")
        text.append(f": {source} → {act} neuron {j}", style="dim")
        off = " ✕ off" if (k + 1, j) in s.off_neurons else ""
        text.append(f"{off}\n", style="bold")
        maps = self.maps_alone and s.neuron_maps is not None
        ins = s.inspection
        if maps:  # the maps alone (a): no chain rule below the title
            pass
        elif s.status == "running" and s.pace.kind not in ("steps", "phases") or ins is None:
            text.append(f"{'b' if bias else 'w'} = {num(value_of(s))}\n")
            text.append(
                "pause (space) and step (n or p) to see\nthe chain rule with numbers\n", style="dim"
            )
        elif ins.chain is None:
            text.append(f"{'b' if bias else 'w'} = {num(ins.w_now)}\n{ins.waiting}\n", style="dim")
        else:
            self._factors(text, s, ins.chain)
        return self._with_maps(text, s)

    def _with_maps(self, text: Text, s: Snapshot) -> Text:
        """The text, the neurons' maps where they fit (below, else beside), the keys."""
        width, height = self.size
        lines = list(text.split("\n"))  # (the last newline makes no empty line)
        room_below = height - len(lines) - 1  # the keys take the last line
        block: list[Text] = []
        if s.neuron_maps is not None and room_below >= 3:
            block = map_block(s, room_below, width, self.rich_style)
            lines = [*lines, *block]
        elif s.neuron_maps is not None and height >= 4:
            used = max(line.cell_len for line in lines) + 2
            block = map_block(s, min(height - 1, len(lines)), width - used, self.rich_style)
            for row, piece in enumerate(block):
                lines[row] = lines[row].copy()
                lines[row].pad_right(used - lines[row].cell_len)
                lines[row].append_text(piece)
        out = Text("\n", no_wrap=True, overflow="ellipsis").join(lines)
        out.append("\n")
        return self._keys(out, has_maps=bool(block))

    def _factors(self, text: Text, s: Snapshot, c) -> None:
        """The three factors for one sample, its product, the batch mean and the update:
        each line the most complete form that fits (a number is never cut)."""
        k, j = c.layer, c.j
        n = len(c.dz_dw)
        at = s.sample % n  # the sample , and . pick (the screen's keys), in this batch
        last = k == len(s.sizes) - 2
        width = self.size.width or 1000

        def line(name: str, *forms: str) -> None:
            text.append(name, style="bold").append(first_fit(list(forms), width - len(name)))
            text.append("\n")

        source = loss_derivative(s) if last else f"Σm δ{k + 2}[m]·W{k + 2}[{j},m]"
        line("dE_s/da", f" = {source} = {num(c.de_da[at])}", f" = {num(c.de_da[at])}")
        if c.norm:  # f'(y) per sample, then the normalisation's coupled backward
            line("da/dy", f" = {s.activation_names[k]}'(y) = {num(c.da_dz[at])}")
            value, how = num(c.de_dz[at]), f" = through {c.norm}: γ/σ·(g - ḡ - u·ḡu)"
            line("dE_s/dz", f"{how} = {value}", f" = via {c.norm} = {value}", f" = {value}")
        elif c.coupled:  # softmax: every output depends on every z, no single da/dz
            rule = "a - t" if c.fused else "a(dE_s/da - Σ a·dE_s/da)"
            value = num(c.de_dz[at])
            fused = " (fused)" if c.fused else ""
            line("dE_s/dz", f" = {rule} = {value}{fused}", f" = {value}{fused}", f" = {value}")
        else:
            formula = f" = {s.activation_names[k]}' = {s.derivative_formulas[k]}"
            value = num(c.da_dz[at])
            if s.derivative_formulas[k] == value:  # linear' = 1: not "= 1 = 1"
                line("da/dz", formula)
            elif len(f"da/dz{formula} = {value}") > width and len(f"da/dz{formula}") <= width:
                text.append("da/dz", style="bold").append(f"{formula}\n     = {value}\n")
            else:  # on one line, or the number alone
                line("da/dz", f"{formula} = {value}", f" = {value}")
            note = s.activation_notes[k] if k < len(s.activation_notes) else ""
            if note and self.size.height >= ROOM_FOR_NOTES:
                text.append(f"  {cut_words(note, width - 2)}\n", style="dim")
            if c.fused:  # the shortcut the code takes: the product, exact for any z
                value = num(c.de_dz[at])
                line(
                    "dE_s/dz",
                    f" = dE_s/da·da/dz = a - t = {value} (fused)",
                    f" = a - t = {value} (fused)",
                    f" = a - t = {value}",
                    f" = {value}",
                )
        if c.bias:
            line("dz/db", " = 1")
        else:
            line("dz/dw", f" = a{k}[{c.i}] = {num(c.dz_dw[at])}", f" = {num(c.dz_dw[at])}")
        d = "db" if c.bias else "dw"
        product = num(float(c.products[at]))
        text.append(
            first_fit(
                [
                    f"sample {at + 1}/{n}: dE_s/{d} = {product}",
                    f"s {at + 1}/{n}: dE_s/{d} = {product}",
                ],
                width,
            )
            + "\n"
        )
        agree = math.isclose(c.product_mean, c.backprop, rel_tol=1e-9, abs_tol=1e-15)
        mean, tick = f"{c.product_mean:.6g}", "✓" if agree else "✗"
        forms = [f"dE/{d} = batch mean {mean} = backprop {tick}", f"dE/{d} = mean {mean} {tick}"]
        text.append(first_fit(forms, width) + "\n", "bold")
        self._update_line(text, s.inspection, c.backprop, c.bias)
        if s.inspection.finite_difference is not None:
            text.append(f"finite diff {s.inspection.finite_difference:.6g}\n")

    @staticmethod
    def _update_line(text: Text, ins, grad: float, bias: bool) -> None:
        if not ins.step_done or ins.w_before is None:
            text.append("update: after the update phase\n", style="dim")
            return
        w, name = ins.w_before, "b" if bias else "W"
        l2, l1 = (0.0, 0.0) if bias else (ins.l2, ins.l1)  # penalties skip biases
        if ins.optimizer == "sgd" and not ins.clip:  # the same sums the optimiser does
            expected = w - ins.lr * (grad + l2 * w + l1 * float(np.sign(w)))
            ok = "✓" if expected == ins.w_now else "≈"
            if l2 or l1:  # "W_new = W - lr·(dE/dW + 0.5·W)"
                text.append(update_rule("sgd", l2, l1) + "\n")
            else:
                text.append(f"{name}_new = {num(w)} - {ins.lr:g}·{signed(grad)}\n")
            text.append(f"      = {expected:.8g} {ok} held\n")
        else:  # momentum, Adam or clipping: the step depends on more than this gradient
            rule = update_rule(ins.optimizer, clip=ins.clip)
            text.append(f"{rule}: {name} {num(w)} → {num(ins.w_now)}\n")

    def _keys(self, text: Text, has_maps: bool = False) -> Text:
        if self.maps_alone and has_maps:  # (a on data with no plane: the chain rule stays)
            keys = "←→↑↓[] pick  a the chain rule"
        else:
            keys = "←→↑↓[] pick ,. sample f check w edit"
            if self.size.width >= len(keys) + 6:
                keys += " 0 off"
            if has_maps and self.size.width >= len(keys) + 6:
                keys += " a map"
        text.append(keys, style="dim")
        return text


def value_of(s: Snapshot, line: tuple[int, int, int] | None = None) -> float:
    """The value in the snapshot of the weight W_k[i, j] (the bias b_k[j] for i ==
    sizes[k]) given as ``line`` = (k, i, j): by default the selected one."""
    k, i, j = line or s.selected
    return float(s.biases[k][j] if i == s.sizes[k] else s.weights[k][i, j])


def weight_prompt(s: Snapshot, line: tuple[int, int, int]) -> PromptDialog:
    """The dialog that asks for a new value of W_k[i, j] (b_k[j]), today's offered; it
    returns (value,) or None (the inspector's w, a click on a line of the network)."""
    k, i, j = line
    current = f"{value_of(s, line):.6g}"
    name = parameter_name(k, i, j, list(s.sizes))
    source = "bias" if i == s.sizes[k] else source_name(s, k, i)
    return PromptDialog(
        f"{name} (now {current}): {source} → neuron {j} of layer {k + 1}",
        current,
        parse=finite_number,
        help="the notice says the training loss before and after",
    )


def signed(x: float) -> str:
    """A factor in a product: negative numbers in parentheses, "0.3·(-0.0688)"."""
    return f"({num(x)})" if x < 0 else num(x)


def source_name(s: Snapshot, k: int, i: int) -> str:
    """The weight's input: a_k[i], or an input's own name (x1², a CSV column) at layer 0."""
    if k == 0 and len(s.input_names) == s.sizes[0]:
        return s.input_names[i]
    return f"a{k}[{i}]"


def neuron_name(s: Snapshot, column: int, n: int) -> str:
    """a_c[n] of a hidden or output neuron; an input by its name (x1, x2, x1², ...)."""
    if column:
        return f"a{column}[{n}]"
    return s.input_names[n] if len(s.input_names) == s.sizes[0] else f"x{n + 1}"


def map_block(s: Snapshot, rows: int, width: int, base) -> list[Text]:
    """The maps of the two neurons the selected weight joins, side by side: its input's
    (none for a bias) and the neuron it feeds, each as large as ``rows`` lines and
    ``width`` cells allow (a label line over them); [] when they do not fit."""
    maps, (k, i, j) = s.neuron_maps, s.selected
    if maps is None or len(maps.columns) != len(s.sizes) or rows < 3:
        return []
    ends = [(k, i)] if i < min(s.sizes[k], len(maps.columns[k])) else []
    ends += [(k + 1, j)] if j < len(maps.columns[k + 1]) else []
    gap = len(ARROW)
    high = min(rows - 1, MAX_MAP_ROWS)
    cells = min(2 * high, (width - gap * (len(ends) - 1)) // max(len(ends), 1))
    if not ends or cells < 4:
        return []
    high = min(high, max(2, cells // 2))  # square: a cell is two pixels tall
    palette = map_palette(base)
    drawn = [
        cell_rows(map_pixels(maps.columns[c][n], maps.ranges[c], 2 * high, cells), palette, base)
        for c, n in ends
    ]
    label = Text(no_wrap=True, overflow="ellipsis")
    for index, (c, n) in enumerate(ends):
        masks = s.dead_neurons
        dead = 0 < c <= len(masks) and masks[c - 1] is not None and bool(masks[c - 1][n])
        title = neuron_name(s, c, n) + (" ○ dead" if dead else "")
        room = cells + gap if index + 1 < len(ends) else cells
        label.append(title[:room].ljust(room), style="bold red" if dead else "dim")
    block = [label]
    for row in range(high):
        line = Text(no_wrap=True)
        for index, cells_of_map in enumerate(drawn):
            if index:
                middle = row == high // 2
                line.append(ARROW if middle else " " * gap, style="bold yellow" if middle else "")
            for segment in cells_of_map[row]:
                line.append(segment.text, style=segment.style)
        block.append(line)
    return block
