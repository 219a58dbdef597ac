"""The one colour palette of the charts and the slides, and the one mapping from a drug or regimen to its colour.

Every view that colours a therapy (the case timeline, the cohort swimmer, the tumor board, the native PowerPoint
shapes) takes it from ``therapy_colors`` here, with the mapping of the cases shown together (``shared_colors`` of a
case folder or a study, passed as ``Display.colors``), so a therapy has one colour between views. ``delta_e`` (CIEDE2000,
plain math) is how the palette is held apart: a test measures every pair.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re

# Okabe & Ito's colour-blind-safe scheme (Okabe and Ito 2008; Wong, Nature Methods 2011): its six hues that read on
# a projector (yellow vanishes on it, black is the death mark), distinct under deuteranopia, protanopia and
# tritanopia.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
# The second palette, for a chart of more than six therapies: Paul Tol's "muted" scheme (Tol, "Colour schemes",
# SRON/EPS/TN/09-002, 2021), also designed for colour-blind readers, less the three of its hues that lie near an
# Okabe-Ito hue (teal, cyan, rose: ΔE00 < 15), its sand (a bar drawn fading, or only within a window, vanished on
# white) and its pale grey (the lane shading); then a brown (Tableau 10's) in the sand's place.
TOL_MUTED = ("#882255", "#999933", "#332288", "#117733", "#AA4499")
BROWN = "#8C564B"
# Twelve hues, no two closer than MIN_DELTA_E (CIEDE2000) for normal colour vision; the second palette's are not
# all apart for colour-blind readers (the lane labels, the legend and the tooltips name every therapy). Order is the
# order of choice for a therapy without a colour of its own: sky blue late (a faded blue bar, drawn at about half
# opacity, looks like it), vermillion last (progression marks, in vermillion, sit on the bars).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#882255", "#999933",
           "#332288", "#117733", "#AA4499", "#56B4E9", BROWN, "#D55E00")
MIN_DELTA_E = 15.0  # ΔE00 of the closest pair (wine and purple); 10 and more reads as another colour at a glance
THERAPY_PALETTE = PALETTE
# How far every event kind's colour (theme.KIND_COLORS) is from every palette colour at least: a kind is never
# drawn in a drug's colour, nor in one confusable with it in the same view.
KIND_MIN_DELTA_E = MIN_DELTA_E

# The colour of a drug or regimen, the same in every case and every view unless two therapies of one chart would
# share it (therapy_colors). Keys are lower-case generic names; a regimen is the set of its agents, whatever order
# or separator the case file uses ("EP (etoposide plus cisplatin)"). Drugs given one after the other (the ALK
# inhibitors; sunitinib then sorafenib) have colours apart.
DRUG_COLORS = {
    "alectinib": "#0072B2",
    "crizotinib": "#E69F00",
    "ensartinib": "#009E73",
    "lorlatinib": "#882255",
    "brigatinib": "#56B4E9",
    "ceritinib": "#999933",
    "osimertinib": "#D55E00",
    "gefitinib": "#CC79A7",
    "erlotinib": "#AA4499",
    "afatinib": "#117733",
    "imatinib": "#CC79A7",
    "sunitinib": "#117733",
    "sorafenib": "#56B4E9",
    "pembrolizumab": "#56B4E9",
    "nivolumab": "#332288",
    "atezolizumab": "#009E73",
    "durvalumab": "#999933",
    "tamoxifen": "#CC79A7",
    "zoledronic acid": "#8C564B",
    "folfox": "#AA4499",
    "carboplatin + paclitaxel + bevacizumab": "#999933",
    "carboplatin + paclitaxel": "#E69F00",
    "cisplatin + etoposide": "#332288",
    "carboplatin + etoposide": "#117733",
    "carboplatin + pemetrexed": "#CC79A7",
    "cisplatin + pemetrexed": "#56B4E9",
}
# Unknown names (an unnamed regimen, "Endocrine therapy") prefer a palette colour chosen by a hash of the name.
REGIMENS = {frozenset(name.split(" + ")): name for name in DRUG_COLORS if " + " in name}
AGENTS = frozenset(agent for name in DRUG_COLORS for agent in name.split(" + "))
# Brand names, and the one-word names of multi-word agents, mapped to their generic name.
ALIASES = {"alecensa": "alectinib", "lorbrena": "lorlatinib", "lorviqua": "lorlatinib", "xalkori": "crizotinib",
           "ensacove": "ensartinib", "alunbrig": "brigatinib", "zykadia": "ceritinib", "tagrisso": "osimertinib",
           "iressa": "gefitinib", "tarceva": "erlotinib", "giotrif": "afatinib", "keytruda": "pembrolizumab",
           "opdivo": "nivolumab", "tecentriq": "atezolizumab", "imfinzi": "durvalumab", "avastin": "bevacizumab",
           "alimta": "pemetrexed", "taxol": "paclitaxel", "zometa": "zoledronic acid", "zoledronate": "zoledronic acid",
           "gleevec": "imatinib", "glivec": "imatinib", "sutent": "sunitinib", "nexavar": "sorafenib"}
_WORD = re.compile(r"[a-z][a-z0-9]*(?:\s+acid)?")


def drug_agents(name: str) -> frozenset[str]:
    """The known agents named in a drug or regimen label, case-insensitively ('EP (etoposide plus cisplatin)')."""
    words = (ALIASES.get(word, word) for word in _WORD.findall(str(name).lower()))
    return frozenset(word for word in words if word in AGENTS)


def drug_key(name: str) -> str:
    """The canonical name a drug's colour is looked up by: a known drug or regimen, else the normalised label."""
    agents = drug_agents(name)
    if len(agents) == 1:
        return next(iter(agents))
    if agents:
        return REGIMENS.get(agents, " + ".join(sorted(agents)))
    return " ".join(str(name).lower().split())


def drug_color(name: str) -> str:
    """The colour of a drug or regimen, identical in every case.

    Known drugs and regimens have a fixed colour (``DRUG_COLORS``); any other name gets a colour of ``PALETTE``
    chosen by a hash of its normalised name (md5, not ``hash()``, which changes between runs).
    """
    key = drug_key(name)
    if key in DRUG_COLORS:
        return DRUG_COLORS[key]
    digest = hashlib.md5(key.encode("utf-8")).hexdigest()
    return PALETTE[int(digest, 16) % len(PALETTE)]


SharedColors = tuple[tuple[str, str], ...]  # (drug_key, colour) pairs of a set of cases shown together, sorted


def therapy_colors(names, shared: SharedColors = ()) -> dict[str, str]:
    """One colour per therapy of a chart, no two alike while the palette lasts (twelve). A name of ``shared`` (the
    mapping of the cases shown together, ``shared_colors``) takes that colour, so a therapy keeps its colour from the
    cohort to its case; then known drugs and regimens, then other names, each in the order given (first start
    first): a name takes its ``drug_color`` unless another holds it, else the first ``PALETTE`` colour still free
    (and not held by a shared name of the chart). Names with one ``drug_key`` (two lanes of one drug) share a
    colour; past twelve therapies colours repeat (the legend, the lane labels and the tooltips still name each one).

    >>> therapy_colors(["Adjuvant chemotherapy", "alectinib", "imatinib", "osimertinib"])
    {'Adjuvant chemotherapy': '#009E73', 'alectinib': '#0072B2', 'imatinib': '#CC79A7', 'osimertinib': '#D55E00'}
    >>> therapy_colors(["Adjuvant chemotherapy", "alectinib"], (("adjuvant chemotherapy", "#882255"),))
    {'Adjuvant chemotherapy': '#882255', 'alectinib': '#0072B2'}
    """
    names = list(dict.fromkeys(names))
    keys = {name: drug_key(name) for name in names}
    fixed = dict(shared)
    reserved = {fixed[key] for key in keys.values() if key in fixed}  # the shared colours of this chart's names
    by_key: dict[str, str] = {}
    # stable: shared names first, then known drugs, each keeping its colour where it can
    for name in sorted(names, key=lambda n: (keys[n] not in fixed, keys[n] not in DRUG_COLORS)):
        key = keys[name]
        if key in by_key:
            continue
        taken = set(by_key.values())
        preferred = fixed.get(key) or drug_color(name)
        free = [c for c in PALETTE if c not in taken and c not in reserved]
        by_key[key] = preferred if preferred not in taken or not free else free[0]
    return {name: by_key[keys[name]] for name in names}


def shared_colors(cases) -> SharedColors:
    """The one colour of each therapy of a set of cases shown together (a case folder, a study's patients), for
    every view of them (``therapy_colors(names, shared)``): ``cases`` are the therapy names of each case.

    No two therapies alike while the palette lasts, chosen as ``therapy_colors`` chooses (known drugs first, then
    other names in order of first mention); past twelve, a therapy takes a colour that no therapy of a case it is in
    holds, so that two therapies of one case still differ: of those, the one given in the fewest cases (a colour
    shared with a drug of one case misleads less than one shared with a drug of many).

    >>> shared_colors([["alectinib", "Chemo + anti-angiogenic"], ["Alecensa"]])
    (('alectinib', '#0072B2'), ('chemo + anti-angiogenic', '#E69F00'))
    """
    return _shared_colors(tuple(tuple(dict.fromkeys(drug_key(name) for name in names)) for names in cases))


@functools.lru_cache(maxsize=16)
def _shared_colors(cases: tuple[tuple[str, ...], ...]) -> SharedColors:
    """``shared_colors`` of the cases' drug keys: computed once per set of therapies."""
    keys = list(dict.fromkeys(key for names in cases for key in names))
    together: dict[str, set[str]] = {key: set() for key in keys}
    for names in cases:
        for key in names:
            together[key].update(names)
    uses = {key: sum(key in names for names in cases) for key in keys}
    colors: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: k not in DRUG_COLORS):
        preferred = drug_color(key)
        free = [c for c in PALETTE if c not in colors.values()]
        if free:
            colors[key] = preferred if preferred in free else free[0]
        else:  # past twelve: none of the colours of the therapies it is given with, the least used first
            beside = {colors.get(other) for other in together[key]}
            apart = [c for c in PALETTE if c not in beside] or [preferred]
            used = {c: sum(uses[k] for k, held in colors.items() if held == c) for c in apart}
            colors[key] = min(apart, key=lambda c: (used[c], c != preferred))
    return tuple(sorted(colors.items()))


def tint(color: str, opacity: float) -> str:
    """``color`` drawn at ``opacity`` over white, as one opaque colour: marks of that tint that overlap stay that
    tint, where translucent ones darken where they overlap (and a stack of them reads as a solid bar)."""
    rgb = [int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(255 - (255 - c) * opacity):02X}" for c in rgb)


# ---------------------------------------------------------------------------------------------------------------
# Perceptual distance: sRGB -> CIE L*a*b* (D65) -> CIEDE2000 (Sharma, Wu and Dalal, Color Res Appl 2005)
# ---------------------------------------------------------------------------------------------------------------

_D65 = (0.95047, 1.0, 1.08883)
_SRGB_TO_XYZ = ((0.4124564, 0.3575761, 0.1804375), (0.2126729, 0.7151522, 0.0721750),
                (0.0193339, 0.1191920, 0.9503041))


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def lab(color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a hex sRGB colour."""
    rgb = [_linear(int(color.lstrip("#")[i:i + 2], 16)) for i in (0, 2, 4)]
    xyz = [sum(m * c for m, c in zip(row, rgb)) / white for row, white in zip(_SRGB_TO_XYZ, _D65)]
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _hue(b: float, a: float) -> float:
    return math.degrees(math.atan2(b, a)) % 360 if (a or b) else 0.0


def _mean_hue(h1: float, h2: float, chroma_product: float) -> float:
    if chroma_product == 0:
        return h1 + h2
    if abs(h1 - h2) <= 180:
        return (h1 + h2) / 2
    return (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """The CIEDE2000 colour difference of two L*a*b* colours (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = _hue(b1, a1), _hue(b2, a2)
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c, d_h = l2 - l1, c2 - c1, 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean, h_mean = (l1 + l2) / 2, (c1 + c2) / 2, _mean_hue(h1, h2, c1 * c2)
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    r_c = 2 * math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7))
    r_t = -math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2)))) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def delta_e(color1: str, color2: str) -> float:
    """How far apart two hex colours look: CIEDE2000 of their L*a*b*."""
    return ciede2000(lab(color1), lab(color2))
