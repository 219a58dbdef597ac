"""The one palette: CIEDE2000 as published, no two palette colours alike, Okabe-Ito's hues apart for colour-blind
readers, every drug of the bundled cohort its own colour, and a legend swatch the colour its bar is drawn in."""

from __future__ import annotations

import itertools
import re

import pytest

from components.charts import cohort as cohort_charts
from components.charts import lesions, palette, theme
from timelines.cohort import swimmer_table, therapy_agents
from timelines.reading.catalog import case_paths, load_entry

from conftest import CASES
from specs import find, mark_prop, mark_type, scale_map, units


# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula": pairs 1, 7, 8, 17, 25 and 34 of their test
# data (pair 8 is the hue-angle edge case that careless implementations get wrong).
@pytest.mark.parametrize(("lab1", "lab2", "expected"), [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
])
def test_ciede2000_gives_the_published_differences(lab1, lab2, expected):
    assert palette.ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("color", "expected"), [  # sRGB primaries in CIE L*a*b* (D65), as tabulated
    ("#FFFFFF", (100.0, 0.0, 0.0)), ("#FF0000", (53.24, 80.09, 67.20)), ("#0000FF", (32.30, 79.19, -107.86))])
def test_lab_of_srgb_colours(color, expected):
    assert palette.lab(color) == pytest.approx(expected, abs=0.01)


def test_no_two_palette_colours_are_closer_than_15_ciede2000():
    pairs = {(a, b): palette.delta_e(a, b) for a, b in itertools.combinations(palette.PALETTE, 2)}
    assert len(palette.PALETTE) == len(set(palette.PALETTE)) == 12
    assert palette.MIN_DELTA_E == 15.0
    closest = min(pairs, key=pairs.get)
    assert closest == ("#882255", "#AA4499") and pairs[closest] >= 15.0  # wine and purple, the nearest pair


# Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
SIMULATIONS = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


def _seen_with(color: str, matrix) -> str:
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def encoded(c):
        c = min(max(c, 0.0), 1.0)
        return round(255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055))

    rgb = [linear(int(color[i:i + 2], 16)) for i in (1, 3, 5)]
    return "#" + "".join(f"{encoded(sum(m * c for m, c in zip(row, rgb))):02X}" for row in matrix)


@pytest.mark.parametrize("deficiency", SIMULATIONS)
def test_the_first_six_colours_okabe_ito_stay_apart_for_colour_blind_readers(deficiency):
    assert palette.PALETTE[:4] + palette.PALETTE[9:10] + palette.PALETTE[11:] == palette.OKABE_ITO[:4] + (
        "#56B4E9", "#D55E00")
    seen = {c: _seen_with(c, SIMULATIONS[deficiency]) for c in palette.OKABE_ITO}
    assert min(palette.delta_e(seen[a], seen[b]) for a, b in itertools.combinations(seen, 2)) >= 10


def test_every_drug_colour_is_a_palette_colour_and_the_tints_are_the_drawn_shades():
    assert set(palette.DRUG_COLORS.values()) <= set(palette.PALETTE)
    assert palette.tint("#882255", 0.55) == "#BE85A2"  # 255 - (255 - 0x88) * 0.55 = 190 = 0xBE ...
    assert theme.drug_color("FOLFOX") == "#AA4499" and theme.drug_color("Sutent") == "#117733"


def test_every_event_kind_colour_is_at_least_15_ciede2000_from_every_drug_colour():
    """Before: radiotherapy was crizotinib's orange, response ensartinib's green, progression osimertinib's
    vermillion, surgery sunitinib's green, diagnosis nivolumab's indigo."""
    assert palette.KIND_MIN_DELTA_E == 15.0
    kinds = {**theme.KIND_COLORS, "unknown kind": theme.UNKNOWN_KIND_COLOR}
    nearest = {kind: min(palette.PALETTE, key=lambda drug: palette.delta_e(color, drug)) for kind, color in kinds.items()}
    closest = min(kinds, key=lambda kind: palette.delta_e(kinds[kind], nearest[kind]))
    assert (closest, nearest[closest]) == ("adverse_event", "#8C564B")  # dusty rose and the brown: 15.0
    assert all(palette.delta_e(color, drug) >= 15.0 for color in kinds.values() for drug in palette.PALETTE)
    assert theme.KIND_COLORS["radiotherapy"] == "#B08858" and palette.delta_e("#B08858", "#E69F00") > 15.7
    # The RECIST categories, drawn over the therapy bands and beside the swimmer's bars, and the RECIST lines: PR was
    # alectinib's blue, CR ensartinib's green, PD osimertinib's vermillion.
    categories = {**lesions.CATEGORY_COLORS, "PR line": lesions.PR_LINE_COLOR, "PD line": lesions.PD_LINE_COLOR}
    assert min(palette.delta_e(c, drug) for c in categories.values() for drug in palette.PALETTE) >= 15.0
    assert (categories["PR"], categories["PD"], categories["PD line"]) == ("#00A0A8", "#CC0000", "#CC0000")
    # The lesions' colours and the imaging trends', over the same therapy bands: the first lesion was alectinib's blue.
    drawn = [*theme.LESION_COLORS, *lesions.TREND_COLORS.values()]
    assert min(palette.delta_e(c, drug) for c in drawn for drug in palette.PALETTE) >= 15.0
    assert min(palette.delta_e(a, b) for a, b in itertools.combinations(theme.LESION_COLORS, 2)) >= 19.5
    # and the kinds stay apart from each other (their shapes and lanes tell them apart too)
    assert min(palette.delta_e(a, b) for a, b in itertools.combinations(theme.KIND_COLORS.values(), 2)) >= 19.5


def test_a_case_timeline_draws_no_kind_in_a_colour_near_a_drug_of_its_chart():
    """The leptomeningeal case: whole-brain radiotherapy and gamma knife beside crizotinib, once both orange."""
    from components import charts
    from timelines import load_case
    from timelines.tables import event_table

    events = event_table(load_case(CASES / "adeno-alk-leptomeningeal-alectinib.yaml"))
    spec = charts.timeline_chart(events, axis="relative").to_dict()
    (bars,) = [u["encoding"]["color"] for u in find(spec, "rule", color="bar_key") if u["encoding"]["color"]["legend"]]
    drugs = {drug: scale_map(bars)[drug] for drug in bars["legend"]["values"]}
    kinds = {key: color for key, color in scale_map(bars).items() if key not in drugs}
    kinds.update(scale_map(find(spec, "point", shape="mark_kind")[0]["encoding"]["color"]))
    assert drugs == {"carboplatin/paclitaxel/bevacizumab": "#999933", "crizotinib": "#E69F00", "alectinib": "#0072B2"}
    assert kinds["radiotherapy"] == "#B08858" and kinds["symptom"] == "#583000" and kinds["response"] == "#00A0A8"
    assert min(palette.delta_e(k, d) for k in kinds.values() for d in drugs.values()) >= palette.KIND_MIN_DELTA_E


@pytest.fixture(scope="module")
def swimmer():
    return cohort_charts.swimmer_chart(swimmer_table([load_entry(p).timeline for p in case_paths(CASES)])).to_dict()


def test_every_drug_of_the_bundled_cohort_has_its_own_colour(swimmer):
    # Before: eleven drugs, ten colours; 'Chemo + anti-angiogenic' drew in alectinib's blue.
    colours = scale_map(find(swimmer, "bar", color="agent")[0]["encoding"]["color"])
    assert colours == {
        "alectinib": "#0072B2", "carboplatin/paclitaxel/bevacizumab": "#999933", "Etoposide + cisplatin": "#332288",
        "FOLFOX": "#AA4499", "sunitinib": "#117733", "ensartinib": "#009E73", "crizotinib": "#E69F00",
        "lorlatinib": "#882255", "imatinib": "#CC79A7", "sorafenib": "#56B4E9", "Chemo + anti-angiogenic": "#8C564B"}
    assert len(set(colours.values())) == len(colours) == 11
    shown = [c for a, b in itertools.combinations(colours.values(), 2) for c in (palette.delta_e(a, b),)]
    assert min(shown) >= 15


def test_a_swimmer_legend_swatch_is_the_colour_and_the_shade_its_bars_are_drawn_in(swimmer):
    """Before: Etoposide + cisplatin's swatch was solid where its only bar, which may have ended anywhere, fades."""
    layers = [u for u in units(swimmer) if u.get("encoding", {}).get("color", {}).get("field") == "agent"]
    legends = [u["encoding"]["color"] for u in layers if u["encoding"]["color"].get("legend")]
    (legend,) = legends
    for layer in layers:  # bars, fading bars: one scale, the legend's
        assert scale_map(layer["encoding"]["color"]) == scale_map(legend)
    colours = scale_map(legend)
    (arrows,) = [u for u in units(swimmer) if mark_prop(u, "shape") == theme.ARROW_SHAPE]
    (ticks,) = [u for u in units(swimmer) if mark_type(u) == "tick"]  # the start of a therapy whose end is not reported
    drawn = [(row["agent"], row["hex"]) for layer in (arrows, ticks) for row in swimmer["datasets"][layer["data"]["name"]]]
    assert {agent for agent, _ in drawn} >= {"alectinib", "lorlatinib", "imatinib", "sorafenib"}
    assert all(colours[agent] == hex_ for agent, hex_ in drawn)  # an arrow, a start tick: the legend's colour
    expr = legend["legend"]["symbolOpacity"]["expr"]
    faded = dict(re.findall(r'datum.value === "([^"]+)" \? ([\d.]+)', expr))
    # Drawn only fading (their end may lie anywhere in a window, or is not reported): the first fade's shade.
    assert faded == {d: "0.55" for d in ("carboplatin/paclitaxel/bevacizumab", "imatinib", "Etoposide + cisplatin",
                                         "sorafenib", "Chemo + anti-angiogenic")}
    # In the shade each is drawn in, no two swatches alike: a faded pink (imatinib) and a faded purple (sorafenib,
    # before) were ΔE00 8.8 apart.
    seen = {drug: palette.tint(colour, float(faded.get(drug, 1))) for drug, colour in colours.items()}
    assert min(palette.delta_e(seen[a], seen[b]) for a, b in itertools.combinations(seen, 2)) >= 12


# --- one mapping for the cases shown together ------------------------------------------------------------------


def test_a_shared_colour_is_kept_where_a_chart_alone_would_choose_another():
    # Alone, the unnamed regimen of a chart of ensartinib takes the colour its name hashes to; shown with the
    # other cases it has the folder's.
    alone = theme.therapy_colors(["ensartinib", "Chemo + anti-angiogenic"])
    shared = theme.therapy_colors(["ensartinib", "Chemo + anti-angiogenic"],
                                  (("chemo + anti-angiogenic", "#E69F00"), ("ensartinib", "#009E73")))
    assert alone == {"ensartinib": "#009E73", "Chemo + anti-angiogenic": "#0072B2"}
    assert shared == {"ensartinib": "#009E73", "Chemo + anti-angiogenic": "#E69F00"}


def test_two_therapies_of_a_chart_differ_even_when_the_shared_mapping_repeats_a_colour():
    # Past twelve therapies a folder's mapping repeats a colour between therapies never given in one case; a chart
    # that draws both (a filtered cohort) still tells them apart while it has colours left, taking one no other
    # therapy of the chart holds.
    shared = (("alectinib", "#0072B2"), ("chemo + anti-angiogenic", "#0072B2"), ("crizotinib", "#E69F00"))
    assert theme.therapy_colors(["alectinib", "Chemo + anti-angiogenic", "crizotinib"], shared) == {
        "alectinib": "#0072B2", "Chemo + anti-angiogenic": "#009E73", "crizotinib": "#E69F00"}


def test_a_chart_of_more_therapies_than_colours_keeps_every_shared_colour():
    names = [f"Regimen {n}" for n in range(13)]
    shared = palette.shared_colors([names[:12], names[12:]])
    drawn = theme.therapy_colors(names, shared)
    assert drawn == {name: dict(shared)[palette.drug_key(name)] for name in names}
    assert len(set(drawn.values())) == 12


def test_past_twelve_therapies_a_folder_repeats_a_colour_only_between_therapies_of_different_cases():
    cases = [[f"Regimen {n}" for n in range(12)], ["Regimen 0", "Regimen 1", "Other regimen"]]
    colours = dict(palette.shared_colors(cases))
    assert len(colours) == 13 and len(set(colours.values())) == 12
    for names in cases:
        assert len({colours[palette.drug_key(name)] for name in names}) == len(names)
    # the repeat is with a therapy of one case (the least used), not with regimens 0 and 1 (two cases each)
    repeated = [key for key, colour in colours.items() if colour == colours["other regimen"]]
    assert sorted(repeated) == ["other regimen", "regimen 6"]


def test_the_bundled_folder_gives_each_of_its_thirteen_therapies_one_colour_apart_within_every_case():
    timelines = [load_entry(p).timeline for p in case_paths(CASES)]
    cases = [therapy_agents([t])[t.case.id] for t in timelines]
    colours = dict(palette.shared_colors(cases))
    assert colours["chemo + anti-angiogenic"] == "#E69F00"  # shared with crizotinib, never in the same case
    assert colours["crizotinib"] == "#E69F00" and colours["alectinib"] == "#0072B2"
    for names in cases:
        assert len({colours[palette.drug_key(name)] for name in names}) == len(names), names
