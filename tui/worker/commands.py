"""What the app asks of a training session, as values: frozen, picklable, comparable.

The app builds a command and ``submit``s it; the session's worker ``apply``s it between two
steps, never inside one. The very same values go on a queue in thread mode and through a
pipe to the worker process (tui.worker.remote), so both run one code path, and a list of
them can be logged and replayed. A command that changes a setting names it, never a value
the app read from its own copy of the run: relative ones (``StepLr``, ``StepPace``) and
structural ones (``Rebuild``) are worked out on the worker from the trainer's own config,
so no key is lost whatever order keys come in and however far behind the screen is.

Failures are the session's to report: ValueError and OSError become an error notice with
the run unchanged, Diverged pauses the run with its reason (see TrainingSession).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import Config
from core.ghosts import MAX_GHOSTS, Ghost, keep
from core.inspect import parameter_name
from core.pace import pace_step
from core.quiz import SIGN
from core.run_data import describe
from core.settings import LIVE
from core.trainer import Trainer

from .ladder import ladder_step
from .landscape import PATH, RANDOM
from .views import clamp_selection, finite_difference_of

if TYPE_CHECKING:
    from .session import TrainingSession

Pairs = tuple[tuple[str, Any], ...]
# what the worker computes only while on screen
VIEWS = ("data", "surface", "results", "maps", "graph", "landscape", "sharpness")


def pairs(changes: dict[str, Any]) -> Pairs:
    """A dict of settings as the immutable pairs commands hold."""
    return tuple(changes.items())


class Command:
    """One thing the worker does between two steps."""

    label: ClassVar[str] = "command"  # how a failure names it ("lr failed ...")

    def apply(self, session: TrainingSession) -> None:
        raise NotImplementedError


# --- running, stepping ------------------------------------------------------------------


@dataclass(frozen=True)
class SetRunning(Command):
    """Run, or pause; ``running`` None toggles."""

    running: bool | None = None
    label: ClassVar[str] = "pause"

    def apply(self, session: TrainingSession) -> None:
        session.set_running(not session.running if self.running is None else self.running)


@dataclass(frozen=True)
class Step(Command):
    """Pause and run one mini-batch (the rest of it when stepping phase by phase)."""

    label: ClassVar[str] = "step"

    def apply(self, session: TrainingSession) -> None:
        session.paused_then(session.trainer.advance)


@dataclass(frozen=True)
class NextPhase(Command):
    """Pause and run the next phase of the step."""

    label: ClassVar[str] = "phase"

    def apply(self, session: TrainingSession) -> None:
        session.paused_then(session.trainer.next_phase)


@dataclass(frozen=True)
class RunEpoch(Command):
    """Pause and run the rest of the epoch."""

    label: ClassVar[str] = "epoch"

    def apply(self, session: TrainingSession) -> None:
        session.paused_then(session.trainer.run_epoch, whole_steps=False)


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeSettings(Command):
    """Live settings (core.settings.LIVE, the pace among them) from the next step on."""

    changes: Pairs
    label: ClassVar[str] = "settings"

    @classmethod
    def of(cls, **changes: Any) -> ChangeSettings:
        """``ChangeSettings.of(lr=0.1)``."""
        return cls(pairs(changes))

    def apply(self, session: TrainingSession) -> None:
        session.apply_settings(dict(self.changes))


@dataclass(frozen=True)
class StepLr(Command):
    """One rung up or down the 1-3-10 ladder from the rate the run has when this applies:
    keys pressed faster than the screen follows each take a rung."""

    up: bool
    label: ClassVar[str] = "lr"

    def apply(self, session: TrainingSession) -> None:
        session.apply_settings({"lr": ladder_step(session.trainer.config.lr, self.up)})


@dataclass(frozen=True)
class StepPace(Command):
    """One rung slower or faster from the pace the run has when this applies."""

    slower: bool
    label: ClassVar[str] = "pace"

    def apply(self, session: TrainingSession) -> None:
        session.apply_settings({"pace": pace_step(session.trainer.config.pace, self.slower)})


@dataclass(frozen=True)
class Rebuild(Command):
    """A new run: the trainer's own config with ``changes`` (any settings; the live ones
    go along), so a live change queued before it is kept. Errors keep the old run. The
    ghosts stay, to compare the new run with; a comparison under way ends."""

    changes: Pairs
    label: ClassVar[str] = "rebuild"

    def apply(self, session: TrainingSession) -> None:
        session.start_run(session.trainer.config.replace(**dict(self.changes)))


@dataclass(frozen=True)
class StartRun(Command):
    """A new run from a whole config (a lesson's preset, its pace included)."""

    config: Config
    label: ClassVar[str] = "run"

    def apply(self, session: TrainingSession) -> None:
        session.start_run(self.config)


@dataclass(frozen=True)
class Compare(Command):
    """After ``epochs`` epochs of this run, keep it as a ghost and start the next with the
    settings of this one changed as ``runs[0]`` says (same seed: the same initial weights),
    and so on; pause after the last. ``runs``: settings as in a config file."""

    runs: tuple[Pairs, ...]
    epochs: int
    label: ClassVar[str] = "compare"

    def apply(self, session: TrainingSession) -> None:
        base = session.trainer.config.to_dict()
        configs = [Config.from_dict({**base, **dict(change)}) for change in self.runs]
        session.plan_runs(configs, self.epochs)


# --- the weights --------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetWeights(Command):
    """New random weights on the same data."""

    label: ClassVar[str] = "reset"

    def apply(self, session: TrainingSession) -> None:
        session.trainer.reinitialize()
        session.path.clear()


@dataclass(frozen=True)
class RestoreBest(Command):
    """Back to the weights with the lowest validation loss (the initial ones included)."""

    label: ClassVar[str] = "best"

    def apply(self, session: TrainingSession) -> None:
        t = session.trainer
        epoch = t.restore_best()
        which = f"epoch {epoch:,}" if epoch else "the start (epoch 0)"
        session.notify(
            f"back to the weights of {which}, the lowest validation loss "
            f"({t.best_val.loss:.4g}); training goes on from there"
        )


@dataclass(frozen=True)
class SetWeight(Command):
    """Write W_layer[i, j] (b_layer[j] for i == sizes[layer]); say the training loss before
    and after."""

    layer: int
    i: int
    j: int
    value: float
    label: ClassVar[str] = "weight"

    def apply(self, session: TrainingSession) -> None:
        t = session.trainer
        before = t.training_loss()
        t.set_weight(self.layer, self.i, self.j, self.value)
        after = t.training_loss()
        session.before = None
        name = parameter_name(self.layer, self.i, self.j, t.net.sizes)
        session.notify(f"{name} = {self.value:g}: training loss {before:.4g} → {after:.4g}")


@dataclass(frozen=True)
class SwitchNeuron(Command):
    """Switch hidden neuron ``unit`` of neuron column ``column`` (1 the first hidden layer)
    off (its output held at 0) or back on; say the training loss before and after."""

    column: int
    unit: int
    label: ClassVar[str] = "neuron"

    def apply(self, session: TrainingSession) -> None:
        t = session.trainer
        before = t.training_loss()
        on = t.switch_neuron(self.column, self.unit)
        after = t.training_loss()
        session.before = None
        state = "on again" if on else "off (its output held at 0)"
        session.notify(
            f"neuron {self.unit} of layer {self.column} {state}: "
            f"training loss {before:.4g} → {after:.4g}"
        )


# --- the inspector and the views --------------------------------------------------------


@dataclass(frozen=True)
class Select(Command):
    """Inspect the weight W_k[i, j] given as (k, i, j), or nothing."""

    selection: tuple[int, int, int] | None
    label: ClassVar[str] = "select"

    def apply(self, session: TrainingSession) -> None:
        session.selected = clamp_selection(self.selection, session.trainer.net.sizes)
        session.finite_difference = None


@dataclass(frozen=True)
class MoveSelection(Command):
    """Move the selection by (layers, inputs, neurons) from where it is when this applies
    (keys faster than the screen each take a step); a new layer starts at [0, 0]."""

    delta: tuple[int, int, int]
    label: ClassVar[str] = "select"

    def apply(self, session: TrainingSession) -> None:
        k, i, j = session.selected or (0, 0, 0)
        dk, di, dj = self.delta
        if dk:
            i, j = 0, 0
        session.selected = clamp_selection((k + dk, i + di, j + dj), session.trainer.net.sizes)
        session.finite_difference = None


@dataclass(frozen=True)
class MoveSample(Command):
    """Go ``delta`` samples on in the mini-batch (wrapping around at its ends): the one
    sample the inspector, the phase view and the graph of one sample show."""

    delta: int
    label: ClassVar[str] = "sample"

    def apply(self, session: TrainingSession) -> None:
        batch = session.trainer.batch_x
        session.sample += self.delta  # before any batch: wrapped around the first one
        if batch is not None and len(batch):
            session.sample %= len(batch)


@dataclass(frozen=True)
class CheckSelected(Command):
    """Finite-difference check of the selected weight on the current batch."""

    label: ClassVar[str] = "check"

    def apply(self, session: TrainingSession) -> None:
        t = session.trainer
        session.finite_difference = finite_difference_of(t, session.selected, session.before)


@dataclass(frozen=True)
class Show(Command):
    """Compute ``view`` (one of VIEWS) for each snapshot, only while it is on screen."""

    view: str
    on: bool
    label: ClassVar[str] = "view"

    def apply(self, session: TrainingSession) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"no view {self.view!r}: one of {', '.join(VIEWS)}")
        (session.wanted.add if self.on else session.wanted.discard)(self.view)


@dataclass(frozen=True)
class SwitchPlane(Command):
    """The loss landscape's plane: from two random directions to the path's own two, or
    back (worked out from the session's own choice when this applies)."""

    label: ClassVar[str] = "plane"

    def apply(self, session: TrainingSession) -> None:
        session.plane = PATH if session.plane == RANDOM else RANDOM


# --- predict, then reveal (core.quiz) ----------------------------------------------------


@dataclass(frozen=True)
class AskQuiz(Command):
    """Pause (at the end of the step under way) and ask a question about the next step:
    ``kind`` one of core.quiz.KINDS, or "" to take turns."""

    kind: str = ""
    label: ClassVar[str] = "quiz"

    def apply(self, session: TrainingSession) -> None:
        session.set_running(False)
        t = session.trainer
        if t.phase_index:  # a question is about a whole step: this one ends first
            session.paused_then(t.advance)
        session.quizzes.ask(t, self.kind or None)


@dataclass(frozen=True)
class AnswerQuiz(Command):
    """The learner's answer (a key of the question) to question ``number``: the step runs,
    the reveal reads the answer from its numbers, the score counts it."""

    number: int
    answer: str
    label: ClassVar[str] = "quiz"

    def apply(self, session: TrainingSession) -> None:
        t = session.trainer
        pending = session.quizzes.check(t, self.number)
        if self.answer not in pending.question.keys:
            keys = " ".join(pending.question.keys)
            raise ValueError(f"{self.answer!r} answers nothing: one of {keys}")
        session.paused_then(t.advance)
        session.quizzes.score(t, pending, self.answer, session.before)
        if pending.question.kind == SIGN:  # i then shows the weight's chain rule for this step
            session.selected = pending.question.weight
            session.finite_difference = None


@dataclass(frozen=True)
class DropQuiz(Command):
    """No answer to question ``number``: nothing runs, nothing is scored."""

    number: int
    label: ClassVar[str] = "quiz"

    def apply(self, session: TrainingSession) -> None:
        session.quizzes.drop(self.number)


@dataclass(frozen=True)
class PlanQuiz(Command):
    """A lesson's questions: (epoch, kind) pairs, each asked once the run has completed that
    many epochs (0: before its first step), pausing it."""

    moments: tuple[tuple[int, str], ...]
    label: ClassVar[str] = "quiz"

    def apply(self, session: TrainingSession) -> None:
        session.quizzes.plan = sorted(self.moments)


# --- ghosts, files ----------------------------------------------------------------------


@dataclass(frozen=True)
class KeepGhost(Command):
    """Keep the run's loss curves as a ghost, to compare the next runs with."""

    label: ClassVar[str] = "ghost"

    def apply(self, session: TrainingSession) -> None:
        t = session.trainer
        if t.epoch == 0:
            raise ValueError("no epoch finished yet: there is no curve to keep")
        ghost = Ghost.of(t)
        session.path.keep(ghost, t.ghosts)  # y = m x + b: its path on the surface too
        t.ghosts = keep(t.ghosts, ghost)
        session.notify(f"kept this run's curves as ghost {len(t.ghosts)} (up to {MAX_GHOSTS})")


@dataclass(frozen=True)
class ClearGhosts(Command):
    label: ClassVar[str] = "ghosts"

    def apply(self, session: TrainingSession) -> None:
        session.trainer.ghosts = []


@dataclass(frozen=True)
class Save(Command):
    path: str
    label: ClassVar[str] = "save"

    def apply(self, session: TrainingSession) -> None:
        session.notify(f"saved {save_checkpoint(session.trainer, self.path)}")


@dataclass(frozen=True)
class Load(Command):
    """Replace the run with a checkpoint's, at the pace on screen. A file that cannot be
    read, or a run that cannot be drawn, leaves the run as it was and says why."""

    path: str
    label: ClassVar[str] = "load"

    def apply(self, session: TrainingSession) -> None:
        loaded = load_checkpoint(self.path)  # CheckpointError: the file says what is wrong
        loaded.apply({"pace": session.trainer.config.pace})  # how you watch, not the run
        session.replace_run(loaded, ghosts=None, shown_first=self.path)
        session.plan = None
        session.notify(f"loaded {self.path} at epoch {loaded.epoch}")


def live_or_rebuild(changes: dict[str, Any]) -> Command:
    """The command for a change of settings: live ones apply at the next step, any other
    builds a new run (with the live ones among ``changes`` too)."""
    if all(name in LIVE for name in changes):
        return ChangeSettings(pairs(changes))
    return Rebuild(pairs(changes))


def described(trainer: Trainer) -> str:
    """What a CSV file's run read and decided, for a notice ("" for built-in data)."""
    return "\n".join(describe(trainer)) if trainer.config.data is not None else ""


# what the worker computes only while on screen
VIEWS = ("data", "surface", "results", "maps", "graph", "landscape", "sharpness")
