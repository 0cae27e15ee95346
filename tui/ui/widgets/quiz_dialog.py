"""Predict, then reveal: a question about the next step, answered with a key; the step runs
and the dialog shows its own numbers and why (core.quiz, tui.ui.quiz_words).

The app opens it when a snapshot brings a new question and hands it every snapshot. While
it is up, its keys are the only ones the main screen's panels do not see: + - 1-9 y n
answer, ⏎ or space closes the answer, k asks another, Esc leaves (a question left
unanswered runs nothing and is not scored).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...snapshot import Question, Reveal, Snapshot
from ..quiz_words import answer_keys, question_lines, reveal_keys, reveal_lines


@dataclass(frozen=True)
class QuizActions:
    """What the dialog asks of the session (the app submits the commands): each returns
    the command's number (a snapshot's ``applied`` says when it has run)."""

    answer: Callable[[int, str], int]  # (question number, key): the step runs
    another: Callable[[], int]  # a new question
    drop: Callable[[int], int]  # the question left unanswered
    resume: Callable[[], int]  # the lesson's run goes on


class QuizDialog(ModalScreen[None]):
    """One question at a time: asked, answered (the step runs), revealed."""

    BINDINGS = [
        Binding("plus,equals_sign", "answer('+')", "+", show=False),
        Binding("minus", "answer('-')", "-", show=False),
        Binding("y", "answer('y')", "yes", show=False),
        Binding("n", "answer('n')", "no", show=False),
        *(Binding(str(d), f"answer('{d}')", str(d), show=False) for d in range(1, 10)),
        Binding("enter,space", "done", "Close", show=False),
        Binding("k", "another", "Another", show=False),
        Binding("escape", "leave", "Leave", show=False),
    ]

    def __init__(self, snapshot: Snapshot, actions: QuizActions) -> None:
        super().__init__()
        self.snapshot, self.actions = snapshot, actions
        self.question: Question | None = snapshot.quiz_question
        self.reveal: Reveal | None = None
        self.answered_by: int | None = None  # the answer's command, until its reveal comes
        self.asked_by: int | None = None  # k's command, until its question comes

    def compose(self) -> ComposeResult:
        with Vertical(id="quiz"):
            yield Label("", id="quiz-title")
            yield Static("", id="quiz-body", markup=False)
            yield Label("", id="quiz-help")

    def on_mount(self) -> None:
        self.draw()

    # --- snapshots down ---------------------------------------------------------------

    def show(self, snap: Snapshot) -> None:
        """Follow the run: the reveal of the answer sent, the question k asked for; close
        when the worker refused either (its notice says why) or the question went away."""
        self.snapshot = snap
        q = snap.quiz_question
        if self.answered_by is not None:
            r = snap.quiz_reveal
            if r is not None and r.question.number == self.question.number:
                self.reveal, self.answered_by = r, None
            elif snap.applied >= self.answered_by:
                self.dismiss()
                return
        elif self.asked_by is not None:
            if q is not None and q.number > self.question.number:
                self.question, self.reveal, self.asked_by = q, None, None
            elif snap.applied >= self.asked_by:
                self.dismiss()
                return
        elif self.reveal is None:  # a question on screen, not answered yet
            if q is None:
                self.dismiss()
                return
            self.question = q  # (a newer one replaces it)
        if self.is_mounted:
            self.draw()

    def draw(self) -> None:
        snap, q, r = self.snapshot, self.question, self.reveal
        right, answered = snap.quiz_score
        title = f"Predict, then reveal · question {q.number}"
        score = f" · score {right} of {answered} in this session" if answered else ""
        self.query_one("#quiz-title", Label).update(Content(title + score))
        if r is not None:
            body, keys = reveal_lines(snap, r), reveal_keys(r)
        elif self.answered_by is not None:
            body, keys = [*question_lines(snap, q), f"running step {q.step:,}…"], ""
        elif self.asked_by is not None:
            body, keys = ["looking at the next step…"], ""
        else:
            body, keys = question_lines(snap, q), answer_keys(q)
        self.query_one("#quiz-body", Static).update("\n".join(body))
        self.query_one("#quiz-help", Label).update(Content(keys))

    # --- keys -------------------------------------------------------------------------

    @property
    def asking(self) -> bool:
        """A question is on screen waiting for its answer."""
        return self.reveal is None and self.answered_by is None and self.asked_by is None

    def action_answer(self, key: str) -> None:
        if self.asking and key in self.question.keys:
            self.answered_by = self.actions.answer(self.question.number, key)
            self.draw()

    def action_done(self) -> None:
        if self.reveal is not None:
            self.finish()

    def action_another(self) -> None:
        if self.reveal is not None:
            self.asked_by = self.actions.another()
            self.draw()

    def action_leave(self) -> None:
        if self.asking:
            self.actions.drop(self.question.number)
        self.finish()

    def finish(self) -> None:
        """Leave; a lesson's question lets its run go on."""
        if self.question.resume:
            self.actions.resume()
        self.dismiss()
