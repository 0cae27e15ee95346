"""Writes pause-glyph.ttf beside this file: one glyph, U+23F8 DOUBLE VERTICAL BAR (the
status line's pause sign), two bars in a monospace cell (600 units of a 1000-unit em),
served to the pages of backprop-tui serve, whose fonts may lack it (Debian's Chromium
has none with it). Run once where fontTools is installed (pip install fonttools); the
app never imports it."""

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen


def bars():
    pen = TTGlyphPen(None)
    for x0, x1 in ((150, 260), (340, 450)):
        pen.moveTo((x0, 0))
        for corner in ((x0, 640), (x1, 640), (x1, 0)):
            pen.lineTo(corner)
        pen.closePath()
    return pen.glyph()


fb = FontBuilder(1000, isTTF=True)
fb.setupGlyphOrder([".notdef", "pause"])
fb.setupCharacterMap({0x23F8: "pause"})
fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "pause": bars()})
fb.setupHorizontalMetrics({".notdef": (600, 0), "pause": (600, 150)})
fb.setupHorizontalHeader(ascent=800, descent=-200)
fb.setupNameTable({"familyName": "backprop-tui pause", "styleName": "Regular"})
fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
fb.setupPost()
fb.save(Path(__file__).with_name("pause-glyph.ttf"))
