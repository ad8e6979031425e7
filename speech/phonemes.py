"""IPA phones -> visemes (mouth shapes), with the mouth parameters and dominance of each.

A viseme here is a named mouth target: continuous parameters the renderer understands (jaw_open,
lip_wide, lip_round, lip_press, lower_lip_tuck, teeth_show, all 0..1) and a dominance saying how
strongly the phone holds its shape against its neighbours (Cohen-Massaro coarticulation): lips
for p/b/m and f/v are fixed, the tongue-tip consonants and schwa borrow their neighbours' shape.
Each viseme also has a Rhubarb-style shape letter (A-H, X) for timeline export.

Engines emit IPA units that may combine several phones (espeak: "aɪɚ", "ɔːɹ", "y-"); `segments`
splits such a unit into table entries, ignoring length marks, nasalisation and other diacritics.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Viseme:
    name: str
    shape: str  # Rhubarb shape letter
    jaw_open: float = 0.0
    lip_wide: float = 0.0
    lip_round: float = 0.0
    lip_press: float = 0.0
    lower_lip_tuck: float = 0.0
    teeth_show: float = 0.0
    dominance: float = 0.5
    closure: bool = False  # lips must meet (bilabials)


VISEMES: dict[str, Viseme] = {v.name: v for v in (
    Viseme("rest", "X", dominance=0.9),
    Viseme("bilabial", "A", lip_press=1.0, dominance=1.0, closure=True),
    Viseme("labiodental", "G", jaw_open=0.12, lower_lip_tuck=1.0, teeth_show=0.5, dominance=0.95),
    Viseme("dental", "B", jaw_open=0.16, lip_wide=0.2, teeth_show=0.6, dominance=0.6),
    Viseme("alveolar", "B", jaw_open=0.2, lip_wide=0.2, teeth_show=0.35, dominance=0.35),
    Viseme("sibilant", "B", jaw_open=0.1, lip_wide=0.35, teeth_show=0.7, dominance=0.7),
    Viseme("postalveolar", "F", jaw_open=0.15, lip_round=0.65, teeth_show=0.5, dominance=0.7),
    Viseme("velar", "B", jaw_open=0.28, lip_wide=0.1, dominance=0.25),
    Viseme("glottal", "C", jaw_open=0.35, dominance=0.1),
    Viseme("rhotic", "F", jaw_open=0.2, lip_round=0.45, dominance=0.45),
    Viseme("labial_glide", "F", jaw_open=0.12, lip_round=1.0, dominance=0.85),
    Viseme("palatal", "B", jaw_open=0.16, lip_wide=0.45, teeth_show=0.3, dominance=0.45),
    Viseme("open", "D", jaw_open=0.9, lip_wide=0.15, dominance=0.7),
    Viseme("open_front", "D", jaw_open=0.75, lip_wide=0.35, teeth_show=0.2, dominance=0.65),
    Viseme("mid_front", "C", jaw_open=0.5, lip_wide=0.4, teeth_show=0.2, dominance=0.55),
    Viseme("close_front", "B", jaw_open=0.25, lip_wide=0.7, teeth_show=0.35, dominance=0.6),
    Viseme("central", "C", jaw_open=0.42, lip_wide=0.1, dominance=0.3),
    Viseme("open_central", "C", jaw_open=0.62, lip_wide=0.1, dominance=0.5),
    Viseme("mid_back", "E", jaw_open=0.5, lip_round=0.7, dominance=0.6),
    Viseme("close_back", "F", jaw_open=0.22, lip_round=0.95, dominance=0.7),
    Viseme("close_front_round", "F", jaw_open=0.22, lip_round=0.85, lip_wide=0.1, dominance=0.7),
    Viseme("mid_front_round", "E", jaw_open=0.42, lip_round=0.65, dominance=0.6),
)}

# IPA symbol -> viseme name. Covers espeak-ng's and Piper's English, German, French, Spanish,
# Italian, Portuguese and Dutch inventories (length marks and diacritics are stripped first).
PHONE_VISEMES: dict[str, str] = {
    **dict.fromkeys(["p", "b", "m", "ɓ", "ʙ"], "bilabial"),
    **dict.fromkeys(["f", "v", "ɱ", "ʋ", "pf"], "labiodental"),
    **dict.fromkeys(["θ", "ð"], "dental"),
    **dict.fromkeys(["t", "d", "n", "l", "ɾ", "ɫ", "ɬ", "ts", "dz", "ɗ", "ʈ", "ɖ", "ɳ", "ɭ", "r"], "alveolar"),
    **dict.fromkeys(["s", "z"], "sibilant"),
    **dict.fromkeys(["ʃ", "ʒ", "tʃ", "dʒ", "ɕ", "ʑ", "tɕ", "dʑ", "ʂ", "ʐ"], "postalveolar"),
    **dict.fromkeys(["k", "g", "ɡ", "ŋ", "x", "ɣ", "q", "ɢ", "χ", "ʁ", "ɰ", "kx"], "velar"),
    **dict.fromkeys(["h", "ɦ", "ʔ", "ħ", "ʕ"], "glottal"),
    **dict.fromkeys(["ɹ", "ɻ", "ʀ", "ɚ", "ɝ"], "rhotic"),
    **dict.fromkeys(["w", "ʍ", "ɥ"], "labial_glide"),
    **dict.fromkeys(["j", "ç", "ʝ", "ɲ", "ʎ", "c", "ɟ"], "palatal"),
    **dict.fromkeys(["β"], "labiodental"),  # Spanish intervocalic b: lips approach, nearly close
    **dict.fromkeys(["a", "ɑ", "ɒ", "ä"], "open"),
    **dict.fromkeys(["æ", "ɐ", "aɪ", "aʊ"], "open_front"),
    **dict.fromkeys(["e", "ɛ", "eɪ"], "mid_front"),
    **dict.fromkeys(["i", "ɪ", "ɨ", "ᵻ", "ɯ"], "close_front"),
    **dict.fromkeys(["ə", "ɘ", "ɜ", "ɵ"], "central"),
    **dict.fromkeys(["ʌ"], "open_central"),
    **dict.fromkeys(["o", "ɔ", "oʊ", "əʊ", "ɔɪ"], "mid_back"),
    **dict.fromkeys(["u", "ʊ", "ɤ"], "close_back"),
    **dict.fromkeys(["y", "ʏ"], "close_front_round"),
    **dict.fromkeys(["ø", "œ", "ɶ"], "mid_front_round"),
}
# diphthongs and affricates are split into their parts unless listed above as one unit
_IGNORED = set("ːˑ-_'ˈˌ.|‖ʰʲʷˠˤ̩̯̪̥̬̃̚ⁿˡ~ ")
_MAX_LEN = max(len(k) for k in PHONE_VISEMES)


def _clean(symbol: str) -> str:
    decomposed = unicodedata.normalize("NFD", symbol)
    return "".join(ch for ch in decomposed if ch not in _IGNORED and not unicodedata.combining(ch))


def segments(symbol: str) -> list[str]:
    """Split one engine phone into table symbols by longest match: 'aɪɚ' -> ['aɪ', 'ɚ']."""
    text = _clean(symbol)
    parts: list[str] = []
    i = 0
    while i < len(text):
        for size in range(min(_MAX_LEN, len(text) - i), 0, -1):
            if text[i:i + size] in PHONE_VISEMES:
                parts.append(text[i:i + size])
                i += size
                break
        else:
            i += 1  # a symbol the table does not know (e.g. Mandarin's "s." style names) is skipped
    # diphthongs held as one unit map to their start; add their glide end as a second part
    glides = {"aɪ": "ɪ", "aʊ": "ʊ", "eɪ": "ɪ", "oʊ": "ʊ", "əʊ": "ʊ", "ɔɪ": "ɪ"}
    expanded: list[str] = []
    for part in parts:
        expanded.append(part)
        if part in glides:
            expanded.append(glides[part])
    return expanded


def viseme_of(symbol: str) -> Viseme:
    """The viseme of a single table symbol (see `segments`); unknown symbols count as a neutral vowel."""
    return VISEMES[PHONE_VISEMES.get(symbol, "central")]


def is_vowel(symbol: str) -> bool:
    name = PHONE_VISEMES.get(symbol, "")
    return name.startswith(("open", "mid", "close", "central"))
