"""How far apart two colours look, in normal vision and with a common colour blindness.

- ``seen_as(rgb, vision)``: the colour as a protanope or a deuteranope sees it, by the
  Machado, Oliveira and Fernandes (2009) matrices at full severity, applied to linear RGB.
- ``distance(a, b, vision)``: CIEDE2000 between the two as seen; about 2 is the smallest
  difference a person notices side by side, 10 and more read as different colours at a
  glance.
"""

from __future__ import annotations

import math

import numpy as np

VISIONS = ("normal", "deuteranopia", "protanopia")
MACHADO = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
}  # fmt: skip
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
WHITE = np.array([0.95047, 1.0, 1.08883])  # D65


def rgb(colour: str | tuple) -> np.ndarray:
    """ "#rrggbb" or (r, g, b) as three floats 0..255."""
    if isinstance(colour, str):
        return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float)
    return np.array(colour, float)


def linear(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, float) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def encoded(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return 255 * np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def seen_as(colour, vision: str = "normal") -> np.ndarray:
    """The RGB (0..255) a person with this vision sees for ``colour``."""
    c = rgb(colour)
    return c if vision == "normal" else encoded(MACHADO[vision] @ linear(c))


def lab(colour) -> np.ndarray:
    """CIELAB (L, a, b) of an sRGB colour under D65."""
    xyz = SRGB_TO_XYZ @ linear(rgb(colour)) / WHITE
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """The CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = (math.degrees(math.atan2(b, a)) % 360 for a, b in ((a1, b1), (a2, b2)))
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c = l2 - l1, c2 - c1
    d_h = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    rotation = -math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2))))
    r_t = rotation * 2 * math.sqrt(c_mean**7 / (c_mean**7 + 25**7))
    terms = (d_l / s_l, d_c / s_c, d_h / s_h)
    return math.sqrt(sum(x * x for x in terms) + r_t * terms[1] * terms[2])


def distance(a, b, vision: str = "normal") -> float:
    """How different two colours look to a person with this vision (CIEDE2000)."""
    return ciede2000(lab(seen_as(a, vision)), lab(seen_as(b, vision)))
