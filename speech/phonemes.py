"""IPA phones -> viseme classes: the name of the mouth shape each phone is made with.

Speech knows phones and the class of mouth shape each belongs to (bilabial, labiodental, open,
close_back, ...), not what a face does for it: the mouth targets, dominance and shape letter of
each class live with the motion, in avatar.motion.visemes.

Engines emit IPA units that may combine several phones (espeak: "aɪɚ", "ɔːɹ", "y-"); `segments`
splits such a unit into table entries, ignoring length marks, nasalisation and other diacritics.
"""
from __future__ import annotations

import unicodedata

# IPA symbol -> viseme class. Covers espeak-ng's and Piper's English, German, French, Spanish,
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
    **dict.fromkeys(["o", "oʊ", "əʊ"], "mid_back"),
    **dict.fromkeys(["ɔ", "ɔɪ"], "open_back"),
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


UNKNOWN_CLASS = "central"  # a symbol the table does not know counts as a neutral vowel


def viseme_class(symbol: str) -> str:
    """The viseme class of a single table symbol (see `segments`)."""
    return PHONE_VISEMES.get(symbol, UNKNOWN_CLASS)


def is_vowel(symbol: str) -> bool:
    name = PHONE_VISEMES.get(symbol, "")
    return name.startswith(("open", "mid", "close", "central"))
