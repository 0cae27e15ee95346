"""Predict, then reveal, without the screen: the truth a question keeps is what its step
then computes; the reveal's numbers are the trainer's and the inspector's; the score, the
questions a lesson plans at its epochs, and what is refused."""

from __future__ import annotations

import numpy as np
import pytest

from core.config import Config
from core.inspect import chain_rule
from core.lessons import quiz_moments
from core.pace import parse_pace
from core.quiz import KINDS, LOWER, SIGN, SMALLEST, ask, rehearse
from core.trainer import Trainer
from tui.worker.clock import ManualClock
from tui.worker.commands import AnswerQuiz, AskQuiz, DropQuiz, NextPhase, PlanQuiz, Step
from tui.worker.session import TrainingSession

RUNS = [  # plain SGD; Adam with L2; momentum on a full batch of three classes; float32
    dict(),
    dict(optimizer="adam", l2=0.01, lr=0.01),
    dict(dataset="blobs", optimizer="momentum", batch_size=None, hidden=(5,)),
    dict(dataset="sine", hidden=(6, 6), dtype="float32", lr=0.1),
    dict(hidden=(6, 5), dropout=0.3),  # the step's own dropout mask, drawn ahead
]


def session(**config) -> TrainingSession:
    return TrainingSession(Trainer(Config(n_samples=120, **config)), paused=True)


def applied(s: TrainingSession, *commands) -> None:
    for command in commands:
        s.submit(command)
    s.tick()


IDS = ["sgd", "adam-l2", "momentum-full", "float32", "dropout"]


@pytest.mark.parametrize("config", RUNS, ids=IDS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_truth_is_what_the_step_then_computes(config, kind):
    s = session(**config)
    applied(s, Step(), Step())  # a step or two in: the optimiser has state
    for _ in range(3):
        t = s.trainer
        r = rehearse(t)
        applied(s, AskQuiz(kind))
        q = s.latest.quiz_question
        assert q.kind == kind and q.step == t.steps + 1 and s.latest.status == "paused"
        truth = s.quizzes.pending.truth
        before = t.net.params.copy()
        applied(s, AnswerQuiz(q.number, q.keys[0]))
        reveal = s.latest.quiz_reveal
        assert reveal.shown == truth and reveal.right == (q.keys[0] == truth)
        # the rehearsal's numbers are the step's, bit for bit
        assert all(np.array_equal(a, b) for a, b in zip(r.dweights, t.net.dweights, strict=True))
        assert np.array_equal(r.delta_norm, t.report().delta_norm)
        assert r.loss_before == t.last_loss and np.array_equal(reveal.delta_norm, r.delta_norm)
        assert r.loss_after == t.evaluate(t.batch_x, t.batch_y)[0] == reveal.loss_after
        if kind == SIGN:  # the inspector's chain rule, with the weights the batch saw
            k, i, j = q.weight
            chain = chain_rule(t.net, k, i, j, t.loss, t.batch_y, *t.net.views(before))
            assert reveal.chain.backprop == chain.backprop == t.net.dweights[k][i, j]
            assert np.array_equal(reveal.chain.products, chain.products)
            assert reveal.w_after == t.net.weights[k][i, j] and q.w == before_weight(t, before, q)
            assert s.latest.selected == q.weight  # i then shows it in the inspector


def before_weight(t: Trainer, params: np.ndarray, q) -> float:
    k, i, j = q.weight
    return float(t.net.views(params)[0][k][i, j])


def test_questions_take_turns_and_the_score_counts_right_answers():
    s = session()
    kinds, right = [], 0
    for n in range(1, 7):
        applied(s, AskQuiz())
        q = s.latest.quiz_question
        kinds.append(q.kind)
        truth = s.quizzes.pending.truth
        key = truth if n % 2 else next(k for k in q.keys if k != truth)
        right += key == truth
        applied(s, AnswerQuiz(q.number, key))
        assert s.latest.quiz_score == (right, n) and s.latest.quiz_question is None
    assert kinds == [SIGN, SMALLEST, LOWER] * 2
    assert s.latest.steps == 6  # each answer ran one step


def test_a_question_left_unanswered_runs_nothing_and_scores_nothing():
    s = session()
    applied(s, AskQuiz())
    q = s.latest.quiz_question
    applied(s, DropQuiz(q.number))
    assert s.latest.quiz_question is None and s.latest.steps == 0
    applied(s, AnswerQuiz(q.number, q.keys[0]))  # too late: said, nothing runs
    assert s.latest.notice_error and "no longer asked" in s.latest.notice
    assert s.latest.steps == 0 and s.latest.quiz_score == (0, 0)


def test_an_answer_after_the_run_moved_on_is_not_scored():
    s = session()
    applied(s, AskQuiz(), Step())  # the step ran outside the question
    q = s.quizzes.pending.question
    applied(s, AnswerQuiz(q.number, q.keys[0]))
    assert "the run moved on since the question" in s.latest.notice
    assert s.latest.quiz_score == (0, 0) and s.latest.steps == 1


def test_a_key_the_question_does_not_have_is_refused_and_the_question_stays():
    s = session()
    applied(s, AskQuiz(SIGN))
    q = s.latest.quiz_question
    applied(s, AnswerQuiz(q.number, "7"))
    assert "'7' answers nothing: one of + -" in s.latest.notice and s.latest.steps == 0
    # (the check took the question off: asked again, it is a new one)
    applied(s, AskQuiz(SIGN))
    assert s.latest.quiz_question.number == q.number + 1


def test_asked_mid_step_the_step_under_way_ends_first():
    s = session()
    applied(s, NextPhase(), NextPhase())  # forward and loss of step 1
    applied(s, AskQuiz())
    assert s.trainer.phase_index == 0 and s.latest.steps == 1
    assert s.latest.quiz_question.step == 2


def test_running_the_question_pauses_the_run():
    s = TrainingSession(Trainer(Config(n_samples=120)), paused=False, clock=ManualClock())
    applied(s, AskQuiz())
    assert not s.running and s.latest.quiz_question is not None


def test_what_a_step_cannot_answer_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="smallest-delta question on this step: it needs 2 to 9"):
        ask(Trainer(Config(dataset="linear", hidden=())), 1, SMALLEST)
    # zero initial weights: every dW is 0 (only the output's bias moves), no sign to ask about
    t = Trainer(Config(init="zeros", hidden=(4,), n_samples=120))
    with pytest.raises(ValueError, match="no sign question on this step: no weight has"):
        ask(t, 1, SIGN)
    q, _ = ask(t, 1)  # taking turns, it asks what it can
    assert q.kind != SIGN
    with pytest.raises(ValueError, match="no question 'colour'"):
        ask(Trainer(Config(n_samples=120)), 1, "colour")


def test_a_step_that_would_diverge_gets_no_question():
    t = Trainer(Config(dataset="linear", hidden=(), lr=1e6, batch_size=None, n_samples=50))
    t.set_weight(0, 0, 0, 1e200)
    with pytest.raises(ValueError, match="would diverge"):
        ask(t, 1, LOWER)


def test_a_lessons_question_comes_at_its_very_epoch_whatever_the_pace():
    for pace in ("full", "30", "1 step"):
        clock = ManualClock(tick=0.001)  # at full speed a slice ends by the clock
        config = Config(n_samples=120, batch_size=40, pace=parse_pace(pace))
        s = TrainingSession(Trainer(config), paused=True, clock=clock)
        applied(s, PlanQuiz(((3, LOWER),)))
        s.set_running(True)
        for _ in range(2000):
            clock.now += 0.05
            s.tick()
            if not s.running:
                break
        q = s.latest.quiz_question
        assert s.trainer.epoch == 3 and s.trainer.phase_index == 0, pace
        assert q.kind == LOWER and q.resume and q.epoch == 4


def test_a_lessons_quiz_entries_are_checked():
    item = {"name": "x", "quiz": [{"epoch": 2, "ask": SMALLEST}]}
    assert quiz_moments(item) == ((2, SMALLEST),)
    for bad in ({"epoch": -1, "ask": SIGN}, {"epoch": 2, "ask": "colour"}, {"ask": SIGN}):
        with pytest.raises(ValueError, match="lesson 'x': a quiz needs epoch"):
            quiz_moments({"name": "x", "quiz": [bad]})


def test_over_the_worker_process_the_question_and_its_reveal_cross_read_only():
    from waiting import wait_for

    from tui.worker.remote import RemoteSession

    remote = RemoteSession()
    try:
        remote.start(Trainer(Config(n_samples=120)), paused=True)
        assert remote.wait_ready(20.0)

        def latest_after(command):
            number = remote.submit(command)
            assert wait_for(lambda: remote.request_snapshot() or remote.latest.applied >= number)
            return remote.latest

        q = latest_after(AskQuiz(SIGN)).quiz_question
        assert q.kind == SIGN and q.step == 1
        snap = latest_after(AnswerQuiz(q.number, "+"))
        r = snap.quiz_reveal
        assert r.question == q and r.shown in "+-" and snap.steps == 1
        assert snap.quiz_score == (int(r.shown == "+"), 1)
        assert not r.chain.de_dz.flags.writeable and not r.delta_norm.flags.writeable
    finally:
        remote.close()
