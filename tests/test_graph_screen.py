"""The graph of one sample on screen (x), watched at the phases pace on a controlled clock:
each phase writes the values it computed, the trainer's own, on the network's drawing
(the forward phase a layer after the other), at 80x24 what fits and how to see more."""

from __future__ import annotations

import pytest
from apphelpers import key, wait_until

from core.config import Config
from core.pace import PACES, PHASE_SECONDS
from core.trainer import Trainer
from tui.ui.app import BackpropApp
from tui.ui.sample_graph import PENDING, block_text
from tui.ui.widgets.network_view import NetworkView
from tui.worker.clock import ManualClock
from tui.worker.session import TrainingSession

PHASES = PACES[-1]


class Watched:
    """The app running at the phases pace over a session whose clock the test moves."""

    def __init__(self, paused: bool = False) -> None:
        self.clock = ManualClock()
        self.trainer = Trainer(Config(n_samples=200, seed=3, pace=PHASES))
        self.session = TrainingSession(self.trainer, paused=paused, clock=self.clock)
        self.app = BackpropApp(self.session, run_worker=False)

    async def turn(self, pilot, seconds: float = 0.0) -> None:
        """Let ``seconds`` pass and the worker take its turn; the screen catches up."""
        self.clock.now += seconds
        self.session.tick()
        await pilot.pause()

    async def press(self, pilot, *names: str) -> None:
        """Press keys that each send the worker a command, and wait until it has sent it."""
        for name in names:
            sent = self.session.submitted
            await key(pilot, name)
            assert await wait_until(pilot, lambda: self.session.submitted > sent)  # noqa: B023

    async def settle(self, pilot) -> None:
        """Worker turns until every command sent has been applied and shown."""
        session, app = self.session, self.app
        assert await wait_until(
            pilot, lambda: session.tick() or app.snapshot.applied >= session.submitted
        )
        await pilot.pause()

    async def next_phase(self, pilot) -> None:
        index = self.trainer.phase_index
        await self.turn(pilot, PHASE_SECONDS)
        assert self.trainer.phase_index != index
        snap = self.session.latest
        assert await wait_until(pilot, lambda: self.app.snapshot.seq == snap.seq)

    def panel(self) -> str:
        """The network panel as it is on screen."""
        view = self.app.query_one(NetworkView)
        lines = self.app.screen._compositor.render_strips()
        x, y, width, height = view.region
        return "\n".join(line.text[x : x + width] for line in lines[y : y + height])

    def expected(self, column: int, neuron: int, deltas: set[int], revealed: int) -> dict:
        """A neuron's lines as the trainer's own numbers make them, and whether each is
        due (False: pending) for the sample the screen shows."""
        net, s = self.trainer.net, self.app.snapshot.sample
        if column == 0:
            return {block_text("x", float(self.trainer.batch_x[s, neuron])): column < revealed}
        k = column - 1
        lines = {
            block_text("z", float(net.z[k][s, neuron])): column < revealed,
            block_text("a", float(net.a[k][s, neuron])): column < revealed,
        }
        n = self.trainer.batch_x.shape[0]
        lines[block_text("δ", float(net.delta[k][s, neuron] * n))] = k in deltas
        return lines

    def wrong(self, deltas: set[int], revealed: int = 99) -> list[str]:
        """What the panel gets wrong: a due value of a shown neuron missing, a value the
        step has not computed yet shown, a pending one not marked as such."""
        panel, view = self.panel(), self.app.query_one(NetworkView)
        columns, neurons = view._ids
        wrong, pending = [], 0
        for c, shown in zip(columns, neurons, strict=True):
            for i in shown:
                for text, due in self.expected(c, i, deltas, revealed).items():
                    if due and text not in panel:
                        wrong.append(f"{text!r} of neuron {i} of column {c} is not shown")
                    elif not due and text in panel:
                        wrong.append(f"{text!r} of neuron {i} of column {c} is shown too early")
                    pending += not due
        if panel.count(PENDING) < pending:
            wrong.append(f"{pending} values should be pending ({PENDING})")
        return wrong

    async def shows(self, pilot, deltas: set[int], revealed: int = 99) -> None:
        """Wait until the panel shows what the step has computed (a failure says what not)."""
        if not await wait_until(pilot, lambda: not self.wrong(deltas, revealed)):
            raise AssertionError("\n".join([*self.wrong(deltas, revealed), self.panel()]))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_values_flow_forward_then_back_at_the_phases_pace(size):
    w = Watched()
    async with w.app.run_test(size=size) as pilot:
        await w.press(pilot, "x", "full_stop", "full_stop")  # the batch's third sample
        await w.settle(pilot)
        while w.trainer.phase_index != 0:  # to the start of a step
            await w.next_phase(pilot)
        await w.next_phase(pilot)  # forward: the inputs and layer 1 at once
        assert w.app.snapshot.sample == 2
        title = w.app.screen.query_one("#network-box").border_title
        assert "Sample 3 of 10" in title and "◉ a3[0]" in title  # the output it centres on
        await w.shows(pilot, deltas=set(), revealed=2)
        assert "▶ forward" in w.panel()
        await w.turn(pilot, 0.2 * PHASE_SECONDS)  # a layer each third of the phase
        await w.shows(pilot, deltas=set(), revealed=2)
        await w.turn(pilot, 0.2 * PHASE_SECONDS)
        await w.shows(pilot, deltas=set(), revealed=3)
        await w.turn(pilot, 0.3 * PHASE_SECONDS)
        await w.shows(pilot, deltas=set())
        assert w.trainer.phase_index == 1  # all that within the forward phase
        await w.next_phase(pilot)
        assert "▶ loss: E_s" in w.panel()
        await w.shows(pilot, deltas={2})
        for layer, deltas in ((3, {1, 2}), (2, {0, 1, 2}), (1, {0, 1, 2})):
            await w.next_phase(pilot)
            assert f"▶ backward {layer}" in w.panel()
            await w.shows(pilot, deltas)
        await w.next_phase(pilot)
        assert "▶ update" in w.panel()
        await w.shows(pilot, {0, 1, 2})
        panel = w.panel()
        if size == (80, 24):  # three of the four columns, the selected output's and two more
            assert panel.splitlines()[0].startswith("◀")
            assert "x " not in panel and "1 sigmoid" in panel
        else:
            assert "◀" not in panel and "2 in" in panel and "1 sigmoid" in panel


async def test_at_80x24_the_arrows_show_the_columns_left_out():
    w = Watched(paused=True)
    async with w.app.run_test(size=(80, 24)) as pilot:
        await w.press(pilot, "n", "x")
        await w.settle(pilot)
        panel, title = w.panel(), w.app.screen.query_one("#network-box").border_title
        assert "←→ more" in panel and "◀" in panel and "2 in" not in panel
        assert title == "Sample 1 of 10, ◉ a3[0] · ←→ more"
        await w.shows(pilot, {0, 1, 2})
        await w.press(pilot, "left", "left")  # from the output to layer 1: the inputs too
        await w.settle(pilot)
        panel = w.panel()
        assert "2 in" in panel and "▶" in panel and "1 sigmoid" not in panel
        await w.shows(pilot, {0, 1, 2})
        await w.press(pilot, "x")  # back to the weights
        await w.settle(pilot)
        assert w.app.screen.query_one("#network-box").border_title == "Network"
        assert "1 sigmoid" in w.panel() and "z " not in w.panel()
