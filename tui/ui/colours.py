"""The colours every panel agrees on: a weight's (or a class's) sign, and the selection.

Blue for w >= 0 (class 1), orange for w < 0 (class 0), as in the TensorFlow Playground.
"""

POSITIVE, NEGATIVE, SELECTED = "#3b82f6", "#f97316", "#eab308"
# ghost runs' curves, drawn faint behind the live ones: oldest first
GHOSTS = ("#a855f7", "#14b8a6", "#eab308")
# one colour per class of a many-class data set
CLASSES = (NEGATIVE, POSITIVE, "#22c55e", "#a855f7", "#eab308", "#ec4899", "#14b8a6")
