"""The colours every panel agrees on: a weight's (or a class's) sign, and the selection.

Blue for w >= 0 (class 1), orange for w < 0 (class 0), as in the TensorFlow Playground.
"""

POSITIVE, NEGATIVE, SELECTED = "#3b82f6", "#f97316", "#eab308"
# The loss plot's curves (and the status line's numbers of each): the training loss, the
# validation loss, and the ghost runs' (oldest first), drawn GHOST_FADE of the way to the
# background behind the live ones. Chosen so that every two of them differ by a CIEDE2000
# distance of 20 or more in normal vision and as a deuteranope or a protanope sees them
# (the Machado 2009 simulation, tests/colour_vision.py), on the default dark theme.
TRAIN, VAL = "#3b82f6", "#fea62b"
GHOSTS = ("#ffffff", "#cc79a7", "#d55e00")
GHOST_FADE = 0.25
RESTORE = "#ef4444"  # the loss plot's mark where the run went back to earlier weights
BEST = "#2dd4bf"  # its dotted mark at the lowest validation loss's epoch (early stopping)
# one colour per class of a many-class data set
CLASSES = (NEGATIVE, POSITIVE, "#22c55e", "#a855f7", "#eab308", "#ec4899", "#14b8a6")
