"""The Textual UI: the app, its screen, one widget per file and the styles."""
