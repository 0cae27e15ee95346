"""A saved run continued, with the live settings its flags change (core.settings)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.checkpoint import load_checkpoint
from core.trainer import Trainer

from .args import resume_changes


def resume(path: str | Path, args: argparse.Namespace) -> Trainer:
    """The checkpoint's run, with the changes its flags ask for (``resume_changes``
    refuses any that are not live, before the file is read)."""
    changes = resume_changes(args)
    trainer = load_checkpoint(path)
    trainer.apply(changes)
    return trainer
