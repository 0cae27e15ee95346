"""backprop-tui's terminal app (Textual) and command line."""
