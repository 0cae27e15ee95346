"""The panels and dialogs of the app, one widget per file."""
