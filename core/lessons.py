"""Lessons: preset runs with one paragraph on what to watch (assets/lessons.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from .config import Config
from .csv_data import asset_path
from .quiz import KINDS


@dataclass(frozen=True)
class Lesson:
    """A preset run and what to watch in it.

    ``config.pace``: how fast the app trains it (the file's ``[watch] pace``, as --pace
    reads it: "30" epochs a second, "1 step", "phases"): slow enough that what ``text``
    says can be watched. ``view``: what the middle panel shows (loss, data, surface, phase).
    ``compare``: further runs, each the preset with some settings changed, run one after
    the other for ``compare_epochs`` epochs each; the earlier ones stay as ghosts, so that
    all of them end on one plot. ``quiz``: questions (core.quiz) at the lesson's key
    moments, as (epoch, kind): each asked once the run has completed that many epochs.
    ``ghost_val`` (the file's ``[watch] ghost_val``): the loss plot draws the compared runs'
    validation losses too.
    """

    name: str
    title: str
    text: str
    config: Config
    view: str = "loss"
    compare: tuple[dict, ...] = ()
    compare_epochs: int = 0
    quiz: tuple[tuple[int, str], ...] = ()
    ghost_val: bool = False  # the loss plot draws the ghosts' validation losses too


def load_lessons() -> dict[str, Lesson]:
    """All lessons by name, in file order."""
    with asset_path("lessons.toml").open("rb") as f:
        data = tomllib.load(f)
    return {
        item["name"]: Lesson(
            item["name"],
            item["title"],
            " ".join(item["text"].split()),
            Config.from_dict({**item["config"], "pace": item.get("watch", {}).get("pace", "full")}),
            item.get("watch", {}).get("view", "loss"),
            tuple(item.get("compare", {}).get("runs", ())),
            item.get("compare", {}).get("epochs", 0),
            quiz_moments(item),
            bool(item.get("watch", {}).get("ghost_val", False)),
        )
        for item in data["lesson"]
    }


def quiz_moments(item: dict) -> tuple[tuple[int, str], ...]:
    """A lesson's ``[[lesson.quiz]]`` tables as (epoch, kind) pairs; ValueError names a
    wrong one."""
    moments = []
    for entry in item.get("quiz", ()):
        epoch, kind = entry.get("epoch"), entry.get("ask")
        if not isinstance(epoch, int) or epoch < 0 or kind not in KINDS:
            raise ValueError(
                f"lesson {item['name']!r}: a quiz needs epoch = a whole number >= 0 and ask = "
                f"one of {', '.join(KINDS)}; it has {entry}"
            )
        moments.append((epoch, kind))
    return tuple(moments)


def get_lesson(name: str) -> Lesson:
    lessons = load_lessons()
    try:
        return lessons[name]
    except KeyError:
        raise ValueError(
            f"lesson {name!r} is unknown: choose one of {', '.join(lessons)} (--list-lessons)"
        ) from None
