"""The session's questions (predict, then reveal: core.quiz), on the worker.

The true answer of the question pending stays here until the learner has answered: the
snapshot carries the question, then the reveal. The score counts the questions answered
in this session, across runs and lessons; it belongs to the learner, not to a run, so it
is not saved with a run (a checkpoint handed on carries no one's score).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from core.quiz import Question, Reveal, ask, reveal
from core.trainer import Trainer


@dataclass
class Pending:
    """A question asked, its true answer, and the run as it was when asked."""

    question: Question
    truth: str
    run: tuple  # (trainer id, steps, phase, edits, config): the step the question is about


def run_key(t: Trainer) -> tuple:
    return (id(t), t.steps, t.phase_index, t.edits, t.config)


@dataclass
class Quizzes:
    """The question pending, the last reveal, the score, and a lesson's planned questions
    ((epoch, kind) pairs, asked when the run has completed that many epochs)."""

    asked: int = 0
    right: int = 0
    answered: int = 0
    pending: Pending | None = None
    last: Reveal | None = None
    plan: list[tuple[int, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """Changes whenever what a snapshot shows of the questions changes."""
        return (self.asked, self.answered, self.pending is None)

    @property
    def question(self) -> Question | None:
        return None if self.pending is None else self.pending.question

    def ask(self, t: Trainer, kind: str | None = None, resume: bool = False) -> Question:
        """A new question about the next step (replacing any pending one); ``resume``: the
        run goes on once the learner has closed it (a lesson's)."""
        question, truth = ask(t, self.asked + 1, kind)
        question = replace(question, resume=resume)
        self.asked += 1
        self.pending = Pending(question, truth, run_key(t))
        return question

    def check(self, t: Trainer, number: int) -> Pending:
        """The pending question ``number``, if the run is still where it was asked
        (ValueError otherwise: nothing is scored); it is then no longer pending."""
        p = self.pending
        if p is None or p.question.number != number:
            raise ValueError(f"question {number} is no longer asked: press k for a new one")
        self.pending = None
        if p.run != run_key(t):
            raise ValueError("the run moved on since the question: not scored (k asks again)")
        return p

    def score(self, t: Trainer, p: Pending, given: str, before: np.ndarray) -> Reveal:
        """The reveal of ``p`` from the step just run, counted in the score."""
        self.last = reveal(t, p.question, given, p.truth, before)
        self.answered += 1
        self.right += self.last.right
        return self.last

    def drop(self, number: int) -> None:
        if self.pending is not None and self.pending.question.number == number:
            self.pending = None

    def due(self, t: Trainer) -> bool:
        """A planned question falls due: the run has completed its epoch, between steps."""
        return bool(self.plan) and t.phase_index == 0 and t.epoch >= self.plan[0][0]

    def ask_planned(self, t: Trainer) -> Question:
        """The planned question due (any others due by now are passed over); the run, which
        was running, goes on once it is closed."""
        kind = None
        while self.plan and t.epoch >= self.plan[0][0]:
            kind = self.plan.pop(0)[1]
        return self.ask(t, kind, resume=True)
