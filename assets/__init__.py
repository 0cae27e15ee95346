"""Data files shipped with backprop-tui (installed as the package backprop_tui_assets)."""
