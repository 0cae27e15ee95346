"""Every key of the app in one table: the bindings, the footer, the help screen and the
README's key table all come from here (a test checks the README against it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    """One key and what it does.

    ``bind``: Textual key names and ``action`` when this table binds it; keys bound by a
    widget (the inspector's, the controls') or by Textual itself only document them here.
    ``footer``: the footer shows it as ``label`` (a pair like + and - shares one item: the
    first shows "+/-", the second is not shown); the palette names it by ``does``.
    """

    show: str  # as the help screen and the README write it: "space", "+", "ctrl+p"
    does: str  # what it does, in one sentence
    bind: str = ""
    action: str = ""
    label: str = ""  # in the footer
    footer: str = ""  # how the footer writes the key ("+/-"); "" keeps it out of the footer
    scope: str = "screen"  # "screen": the main screen's binding; "app": the app's

    @property
    def title(self) -> str:
        """Its name in the command palette: what it does, up to a colon or a parenthesis."""
        name = self.does.split(":")[0].split(" (")[0].split(";")[0]
        return name[0].upper() + name[1:]

    def binding(self) -> Binding:
        return Binding(
            self.bind,
            self.action,
            self.label,
            show=bool(self.footer),
            key_display=self.footer or None,
            id=re.sub(r"\W+", "_", self.action).strip("_"),  # view('data') -> view_data
        )


KEYS: tuple[Key, ...] = (
    Key("space", "pause / resume", "space", "toggle", "Pause", "space"),
    Key("n", "one step: one mini-batch through forward, loss, backward, update",
        "n", "step", "Step", "n"),
    Key("p", "one phase of the step: forward, loss, backward of each layer (the last first), "
        "update", "p", "phase", "Phase", "p"),
    Key("e", "one epoch: one pass over the training data (many steps with mini-batches)",
        "e", "epoch", "Epoch", "e"),
    Key("+", "learning rate up the 1-3-10 ladder (0.01, 0.03, 0.1, 0.3 ...)",
        "plus,equals_sign", "lr_up", "lr", "+/-"),
    Key("-", "learning rate down the ladder", "minus", "lr_down"),
    Key("<", "slower: down the pace ladder from full speed through 1000 ... 1 epochs a second "
        "and 1 step a second to animated phases (each phase of a step for half a second)",
        "less_than_sign", "pace(True)", "pace", "</>"),
    Key(">", "faster: up the pace ladder, to full speed", "greater_than_sign", "pace(False)"),
    Key("l", "type an exact learning rate", "l", "type_lr", "Set lr"),
    Key("r", "new random weights on the same data", "r", "reset", "New weights"),
    Key("d", "data view: the model's output over its input plane, the data on top",
        "d", "view('data')", "Data"),
    Key("v", "validation points in the data view on / off", "v", "validation", "Val points"),
    Key("u", "loss surface: the loss over (m, b) for y = m x + b, with the path of descent; "
        "any other network: the loss along the last update and over a plane through the "
        "weights (its landscape)", "u", "view('surface')", "Surface"),
    Key("t", "the landscape's plane: two random directions, or the two the path moved most "
        "along", "t", "switch_plane", "Plane"),
    Key("i", "chain-rule inspector of one weight: ←→ layer, ↑↓ neuron, [ ] input (one past "
        "the last is the bias), , . the batch's samples, f finite-difference check, w type a "
        "new value (paused), a the maps of the two neurons it joins (2-D data), 0 switch the "
        "hidden neuron it feeds off (output held at 0) or on",
        "i", "view('inspector')", "Inspect"),
    Key(",", "the batch's previous sample: the one the inspector, the phase view and the "
        "graph (x) show", "comma", "sample(-1)"),
    Key(".", "the batch's next sample", "full_stop", "sample(1)"),
    Key("x", "one sample's computation graph on the network: each neuron's z and a forward, "
        "δ = dE_s/dz back, the lines coloured by w·δ; ←→↑↓ the neuron, x again the weights",
        "x", "graph", "Graph"),
    Key("k", "predict, then reveal: a question about the next step (the sign of a weight's "
        "dE/dw, the layer whose ‖δ‖ is smallest, or whether it lowers its batch's loss); "
        "answer with a key, the step runs and the answer comes with its own numbers and why; "
        "a score for the session", "k", "quiz", "Quiz"),
    Key("c", "confusion matrix of a classification on the validation set, with each class's "
        "precision and recall", "c", "view('results')", "Confusion"),
    Key("b", "back to the weights of the epoch with the lowest validation loss",
        "b", "restore_best", "Best weights"),
    Key("y", "loss plot on a log scale on / off", "y", "log_scale", "Log y"),
    Key("g", "keep this run's loss curve as a ghost: the next runs (r, a new setting) are "
        "drawn against it, labelled by what differs; up to 3", "g", "keep_ghost", "Ghost"),
    Key("G", "forget the ghosts", "G", "clear_ghosts", "Clear ghosts"),
    Key("m", "lessons: a preset run and what to watch", "m", "lessons", "Lessons"),
    Key("s", "save the run to a checkpoint", "s", "save", "Save"),
    Key("o", "open a checkpoint", "o", "load", "Open"),
    Key("tab", "move between panels; in the controls, arrows and ⏎ edit a setting"),
    Key("?", "help (this list, what the panels show, the lesson's text)",
        "question_mark", "help", "Help", "?", "app"),
    Key("ctrl+p", "command palette: every action by name"),
    Key("q", "quit; the run is saved to an autosave that backprop-tui --resume continues "
        "(in a class in the browser: leave the page, the run waiting for you)",
        "q", "quit", "Quit", "q", "app"),
)  # fmt: skip


def bindings(scope: str) -> list[Binding]:
    """The bindings of the main screen ("screen") or of the app ("app")."""
    return [k.binding() for k in KEYS if k.bind and k.scope == scope]
