"""The command line: flags, headless training and the app launcher."""

from .main import main

__all__ = ["main"]
