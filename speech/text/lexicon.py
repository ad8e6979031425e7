"""Per-word pronunciations: respellings or phonemes in espeak-ng's ``[[...]]`` syntax."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Union

from speech.errors import SpeechError
from speech.text.spans import Rule, SpanMap, rewrite

# IPA -> espeak-ng phoneme names (English set), longest symbols first
_IPA_TO_ESPEAK = {
    "tʃ": "tS", "dʒ": "dZ", "eɪ": "eI", "aɪ": "aI", "aʊ": "aU", "ɔɪ": "OI", "oʊ": "oU",
    "əʊ": "oU", "ɪə": "i@", "eə": "e@", "ɛə": "e@", "ʊə": "U@", "iː": "i:", "uː": "u:",
    "ɑː": "A:", "ɔː": "O:", "ɜː": "3:", "ɑɹ": "A@", "ɔɹ": "O@",
    "i": "i", "ɪ": "I", "e": "e", "ɛ": "E", "æ": "a", "ɑ": "A:", "ɒ": "0", "ɔ": "O:", "o": "o",
    "ʊ": "U", "u": "u:", "ʌ": "V", "ə": "@", "ɚ": "3", "ɜ": "3:", "ɝ": "3:", "ᵻ": "I2",
    "ɐ": "a#", "a": "a",
    "ʃ": "S", "ʒ": "Z", "θ": "T", "ð": "D", "ŋ": "N", "ɹ": "r", "r": "r", "ɾ": "t#",
    "ɡ": "g", "ʔ": "?", "ɫ": "l", "x": "x", "ç": "C", "j": "j",
    "ˈ": "'", "ˌ": ",", "ː": ":", ".": "", "‿": "", " ": " ",
}
_IPA_KEYS = sorted(_IPA_TO_ESPEAK, key=len, reverse=True)
_ASCII_CONSONANTS = set("pbtdkfvszhmnlwg")


def ipa_to_espeak(ipa: str) -> str:
    """Convert an IPA transcription (English phonemes) to espeak-ng's phoneme names, for its
    ``[[...]]`` input: ``"ˈɛndʒɪnˈɛks"`` -> ``"'EndZIn'Eks"``."""
    out = []
    i = 0
    s = ipa.strip().strip("/[]")
    while i < len(s):
        for key in _IPA_KEYS:
            if s.startswith(key, i):
                out.append(_IPA_TO_ESPEAK[key])
                i += len(key)
                break
        else:
            c = s[i]
            if c in _ASCII_CONSONANTS:
                out.append(c)
                i += 1
            else:
                raise SpeechError(
                    f"IPA symbol {c!r} in {ipa!r} has no espeak-ng equivalent here; "
                    "write the entry with espeak's phoneme names instead, e.g. [[h@l'oU]]"
                )
    return "".join(out)


def _is_phonemes(value: str) -> bool:
    return value.startswith("[[") and value.endswith("]]")


@dataclass(frozen=True)
class Lexicon:
    """Pronunciations per word: a respelling (``"SQL": "sequel"``) or phonemes in espeak's
    ``[[...]]`` syntax (IPA, ``"[[ˈɛndʒɪnˈɛks]]"``, or espeak names, ``"[[n'EndZInEks]]"``).

    Matching is whole-word and case-insensitive; a key may contain punctuation (``C++``,
    ``.NET``, ``Node.js``) and spaces."""

    entries: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean: dict[str, str] = {}
        for key, value in dict(self.entries).items():
            if not isinstance(key, str) or not key.strip():
                raise SpeechError(f"lexicon words must be non-empty text, not {key!r}")
            if not isinstance(value, str) or not value.strip():
                raise SpeechError(
                    f"lexicon entry {key!r} needs a pronunciation (a respelling like 'sequel' "
                    f"or phonemes like '[[ˈsiːkwəl]]'), not {value!r}"
                )
            value = value.strip()
            if ("[[" in value or "]]" in value) and not (
                _is_phonemes(value) and value.count("[[") == 1 and value.count("]]") == 1
            ):
                raise SpeechError(
                    f"lexicon entry {key!r}: phonemes must be the whole value inside [[ and ]], "
                    f"not {value!r}"
                )
            clean[key.strip().casefold()] = value
        object.__setattr__(self, "entries", clean)
        pattern = None
        if clean:
            alts = "|".join(re.escape(k) for k in sorted(clean, key=len, reverse=True))
            pattern = re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)
        object.__setattr__(self, "_pattern", pattern)

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, word: str) -> str | None:
        return self.entries.get(word.strip().casefold())

    @classmethod
    def load(cls, source: Lexicon | Mapping[str, str] | str | Path | None) -> Lexicon:
        """A lexicon from a mapping (front matter ``lexicon:``), a file path (``.yaml``/``.yml``,
        ``.csv``, ``.tsv``/``.txt``), another Lexicon, or None (empty)."""
        if source is None:
            return cls({})
        if isinstance(source, Lexicon):
            return source
        if isinstance(source, Mapping):
            return cls(dict(source))
        if isinstance(source, (str, Path)):
            return cls.from_file(source)
        raise SpeechError(
            f"a lexicon must be a mapping of word -> pronunciation or a file path, "
            f"not {type(source).__name__}"
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Lexicon:
        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise SpeechError(f"cannot read lexicon file {str(path)!r}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise SpeechError(f"lexicon file {str(path)!r} is not UTF-8 text") from None
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml", ".json"):
            import yaml

            try:
                data = yaml.safe_load(raw) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (line {mark.line + 1})" if mark is not None else ""
                problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
                raise SpeechError(f"lexicon file {str(path)!r} is not valid YAML{where}: {problem}") from None
            if isinstance(data, Mapping) and isinstance(data.get("lexicon"), Mapping):
                data = data["lexicon"]
            if not isinstance(data, Mapping):
                raise SpeechError(f"lexicon file {str(path)!r} must hold a mapping word: pronunciation")
            return cls({str(k): str(v) if v is not None else "" for k, v in data.items()})
        if suffix in (".csv", ".tsv", ".txt"):
            delim = "," if suffix == ".csv" else "\t"
            entries: dict[str, str] = {}
            rows = csv.reader(io.StringIO(raw), delimiter=delim)
            for lineno, row in enumerate(rows, 1):
                if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                    continue
                if len(row) < 2:
                    raise SpeechError(
                        f"lexicon file {str(path)!r} line {lineno}: expected word{delim!r}"
                        f"pronunciation, got {delim.join(row)!r}"
                    )
                word, pron = row[0].strip(), row[1].strip()
                if lineno == 1 and word.lower() == "word":
                    continue  # header
                entries[word] = pron
            return cls(entries)
        raise SpeechError(
            f"unknown lexicon file type {path.suffix!r} for {str(path)!r}; use .yaml, .csv or .tsv"
        )


PhonemeFormat = Union[str, None]  # "espeak" | "ipa" | None


def apply_lexicon(
    text: str, lexicon: Lexicon | Mapping[str, str] | str | Path | None,
    phoneme_format: PhonemeFormat = "espeak",
) -> tuple[str, SpanMap]:
    """Replace lexicon words in ``text``; returns the new text and its map back to ``text``.

    ``phoneme_format`` says what the engine takes inside ``[[...]]``: ``"espeak"`` (espeak's
    phoneme names; IPA entries are converted), ``"ipa"`` (kept as written) or ``None`` (the engine
    takes no phoneme input: phoneme entries are skipped and the word is spoken as written)."""
    lex = Lexicon.load(lexicon)
    pattern = getattr(lex, "_pattern", None)
    if pattern is None:
        return text, SpanMap.identity(text)

    def handle(m: re.Match, _text: str) -> str | None:
        value = lex.entries[m.group(0).casefold()]
        if not _is_phonemes(value):
            return value
        if phoneme_format is None:
            return None
        inner = value[2:-2].strip()
        if phoneme_format == "espeak" and not inner.isascii():
            inner = ipa_to_espeak(inner)
        return f"[[{inner}]]"

    rules = [Rule("protect", re.compile(r"\[\[.*?\]\]", re.S), lambda m, t: m.group(0)),
             Rule("lexicon", pattern, handle, token_start=False)]
    return rewrite(text, rules)
