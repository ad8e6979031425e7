"""English normalisation: numbers, dates, times, money, units and abbreviations read the way a
presenter says them (other languages: numbers through ``num2words`` where it is installed)."""
from __future__ import annotations

import re

from speech.text.numbers import ONES, cardinal, decimal, digits, is_one, ordinal, plural, year
from speech.text.spans import Rule, SpanMap, rewrite

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]
_MONTH_RE = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR_CUES = {
    "in", "since", "by", "until", "till", "from", "of", "year", "during", "before", "after",
    "around", "circa", "early", "late", "mid", "spring", "summer", "autumn", "fall", "winter",
    "q1", "q2", "q3", "q4", "h1", "h2", "fy", "to", "and", "through", "between", "back",
}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"

_CURRENCIES = {  # symbol/code -> (one, many, sub-unit one, sub-unit many)
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("dollar", "dollars", "cent", "cents"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
    "JPY": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "CHF": ("franc", "francs", "centime", "centimes"),
}
_MONEY_SCALES = {
    "k": "thousand", "K": "thousand", "thousand": "thousand", "m": "million", "M": "million",
    "mn": "million", "million": "million", "b": "billion", "B": "billion", "bn": "billion",
    "billion": "billion", "tn": "trillion", "trillion": "trillion",
}

# unit symbol -> (singular, plural); matched case-sensitively, longest first
_UNITS: dict[str, tuple[str, str]] = {}


def _unit(symbols: str, one: str, many: str | None = None) -> None:
    for s in symbols.split():
        _UNITS[s] = (one, many or one + "s")


_unit("km", "kilometer")
_unit("m", "meter")
_unit("cm", "centimeter")
_unit("mm", "millimeter")
_unit("µm μm", "micrometer")
_unit("nm", "nanometer")
_unit("mi", "mile")
_unit("ft", "foot", "feet")
_unit("kg", "kilogram")
_unit("g", "gram")
_unit("mg", "milligram")
_unit("lb lbs", "pound")
_unit("oz", "ounce")
_unit("ms", "millisecond")
_unit("µs μs", "microsecond")
_unit("ns", "nanosecond")
_unit("s sec secs", "second")
_unit("min mins", "minute")
_unit("h hr hrs", "hour")
_unit("KB kB", "kilobyte")
_unit("MB", "megabyte")
_unit("GB", "gigabyte")
_unit("TB", "terabyte")
_unit("PB", "petabyte")
_unit("KiB", "kibibyte")
_unit("MiB", "mebibyte")
_unit("GiB", "gibibyte")
_unit("TiB", "tebibyte")
_unit("kbps kbit/s", "kilobit per second", "kilobits per second")
_unit("Mbps Mbit/s Mb/s", "megabit per second", "megabits per second")
_unit("Gbps Gbit/s Gb/s", "gigabit per second", "gigabits per second")
_unit("KB/s kB/s", "kilobyte per second", "kilobytes per second")
_unit("MB/s", "megabyte per second", "megabytes per second")
_unit("GB/s", "gigabyte per second", "gigabytes per second")
_unit("Hz", "hertz", "hertz")
_unit("kHz", "kilohertz", "kilohertz")
_unit("MHz", "megahertz", "megahertz")
_unit("GHz", "gigahertz", "gigahertz")
_unit("W", "watt")
_unit("kW", "kilowatt")
_unit("kWh", "kilowatt hour")
_unit("V", "volt")
_unit("mA", "milliamp")
_unit("mAh", "milliamp hour")
_unit("°C ℃", "degree Celsius", "degrees Celsius")
_unit("°F ℉", "degree Fahrenheit", "degrees Fahrenheit")
_unit("°", "degree")
_unit("fps", "frame per second", "frames per second")
_unit("px", "pixel")
_unit("dpi", "dot per inch", "dots per inch")
_unit("L", "liter")
_unit("ml mL", "milliliter")
_unit("km/h kph", "kilometer per hour", "kilometers per hour")
_unit("mph", "mile per hour", "miles per hour")
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

_ABBREVIATIONS: list[tuple[str, str, bool, bool]] = [
    # (pattern, spoken, case-insensitive, may end a sentence)
    (r"e\.\s?g\.", "for example", True, False),
    (r"i\.\s?e\.", "that is", True, False),
    (r"etc\.", "et cetera", True, True),
    (r"et al\.", "et al", True, True),
    (r"vs\.?", "versus", True, False),
    (r"approx\.", "approximately", True, False),
    (r"Dr\.", "Doctor", False, False),
    (r"Mr\.", "Mister", False, False),
    (r"Mrs\.", "Missus", False, False),
    (r"Ms\.", "Mizz", False, False),
    (r"Prof\.", "Professor", False, False),
    (r"Fig\.", "figure", False, False),
    (r"Jr\.", "Junior", False, True),
    (r"Sr\.", "Senior", False, True),
    (r"Ltd\.", "Limited", False, True),
    (r"No\.(?=\s?\d)", "number", False, False),
    (r"w/(?=\s)", "with", True, False),
]


def _prev_word(text: str, pos: int) -> str:
    m = re.search(r"([A-Za-z0-9]+)[\s(,]*$", text[max(0, pos - 40) : pos])
    return m.group(1).lower() if m else ""


def _sentence_ends_after(text: str, end: int) -> bool:
    rest = text[end:]
    return not rest.strip() or bool(re.match(r"\s*(\n|[A-Z])", rest))


def _number_words(number: str) -> str:
    """Plain number as a cardinal/decimal; leading zeros and long digit strings digit by digit."""
    plain = number.replace(",", "").lstrip("-−")
    neg = number[:1] in "-−"
    if "." in plain:
        out = decimal(plain)
    elif len(plain) > 1 and plain.startswith("0"):
        out = digits(plain)
    else:
        out = cardinal(int(plain))
    return ("minus " + out) if neg else out


def _looks_like_year(text: str, m: re.Match, number: str) -> bool:
    if not re.fullmatch(r"\d{4}", number) or not 1100 <= int(number) <= 2099:
        return False
    prev = _prev_word(text, m.start())
    if prev in _YEAR_CUES or prev in _MONTHS:
        return True
    before = text[: m.start()].rstrip()
    after = text[m.end() :]
    if before.endswith("(") and after.startswith(")"):
        return True
    # the first year of a range of years: "2020-2026", "2020 to 2026"
    return bool(re.match(r"\s?(?:[–—-]|to)\s?\d{4}\b", after))


def _h_iso_date(m: re.Match, text: str):
    y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return [(m.start("d"), m.end("d"), "the " + ordinal(d)),
            (m.start("mo"), m.end("mo"), "of " + _MONTH_NAMES[mo] + ","),
            (m.start("y"), m.end("y"), year(y))]


def _h_day_month(m: re.Match, text: str):
    d = int(m["d"])
    mo = _MONTHS[m["month"].lower()]
    if not 1 <= d <= 31:
        return None
    parts = [(m.start("d"), m.end("d"), "the " + ordinal(d)),
             (m.start("month"), m.end(), "of " + _MONTH_NAMES[mo] + ("," if m["y"] else ""))]
    if m["y"]:
        parts[-1] = (m.start("month"), m.start("y"), parts[-1][2])
        parts.append((m.start("y"), m.end("y"), year(int(m["y"]))))
    return parts


def _h_month_day(m: re.Match, text: str):
    mo = _MONTHS[m["month"].lower()]
    d = int(m["d"])
    if not 1 <= d <= 31:
        return None
    parts = [(m.start("month"), m.start("d"), _MONTH_NAMES[mo]),
             (m.start("d"), m.start("y") if m["y"] else m.end(), ordinal(d) + ("," if m["y"] else ""))]
    if m["y"]:
        parts.append((m.start("y"), m.end("y"), year(int(m["y"]))))
    return parts


def _h_month_year(m: re.Match, text: str):
    mo = _MONTHS[m["month"].lower()]
    return [(m.start("month"), m.start("y"), _MONTH_NAMES[mo]), (m.start("y"), m.end(), year(int(m["y"])))]


def _clock(h: int, mi: int) -> str:
    if mi == 0:
        return cardinal(h)
    return cardinal(h) + (" oh " + ONES[mi] if mi < 10 else " " + cardinal(mi))


def _h_time(m: re.Match, text: str):
    h, mi = int(m["h"]), int(m["mi"] or 0)
    ampm = (m["ampm"] or "").lower()
    if mi > 59 or h > 23 or (ampm and not 1 <= h <= 12):
        return None
    if m["sec"] is not None:
        sec = int(m["sec"])
        if sec > 59:
            return None
        out = _clock(h, mi) if mi else cardinal(h) + " hundred" if h > 12 else cardinal(h) + " o'clock"
        out += " and " + cardinal(sec) + (" second" if sec == 1 else " seconds")
        return out + (" a.m." if ampm == "a" else " p.m." if ampm == "p" else "")
    if ampm:
        return _clock(h, mi) + (" a.m." if ampm == "a" else " p.m.")
    if m["mi"] is None:
        return None
    if mi == 0:
        if h == 0:
            return "midnight"
        return cardinal(h) + (" o'clock" if h <= 12 else " hundred")
    return _clock(h, mi)


def _h_money(m: re.Match, text: str):
    groups = m.groupdict()
    cur = groups.get("cur") or groups.get("cur2")
    one, many, sub_one, sub_many = _CURRENCIES[cur]
    number = m["num"].replace(",", "")
    scale = _MONEY_SCALES.get(m["scale"] or "", "")
    if scale:
        return f"{_number_words(number)} {scale} {many}"
    whole, _, frac = number.partition(".")
    if frac and len(frac) <= 2 and sub_many:
        cents = int(frac.ljust(2, "0"))
        w = int(whole or "0")
        if w == 0 and cents:
            return cardinal(cents) + " " + (sub_one if cents == 1 else sub_many)
        out = cardinal(w) + " " + (one if w == 1 else many)
        if cents:
            out += " and " + cardinal(cents) + " " + (sub_one if cents == 1 else sub_many)
        return out
    words = _number_words(number)
    return words + " " + (one if number == "1" else many)


def _range_words(m: re.Match) -> tuple[str, bool]:
    a = m["a"]
    b = m["b"]
    if b is not None:
        return _number_words(a) + " to " + _number_words(b), False
    return _number_words(a), is_one(a)


def _h_percent(m: re.Match, text: str):
    words, _ = _range_words(m)
    return ("minus " if m["neg"] else "") + words + " percent"


def _h_unit(m: re.Match, text: str):
    words, single = _range_words(m)
    one, many = _UNITS[m["unit"]]
    return ("minus " if m["neg"] else "") + words + " " + (one if single else many)


def _h_ordinal(m: re.Match, text: str):
    n = int(m["n"].replace(",", ""))
    suffix = m["suf"].lower()
    last2 = n % 100
    expected = "th" if 11 <= last2 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    if suffix != expected:
        return None
    return ordinal(n)


def _h_version(m: re.Match, text: str):
    comps = m["v"].split(".")
    spoken = " point ".join(_number_words(c) for c in comps)
    return ("version " if m["pre"] else "") + spoken


def _h_dotted(m: re.Match, text: str):
    comps = m.group(0).split(".")
    if len(comps) == 4 and all(len(c) <= 3 and int(c) <= 255 for c in comps):
        return " dot ".join(_number_words(c) for c in comps)  # IP address
    return " point ".join(_number_words(c) for c in comps)


_FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def _h_phone(m: re.Match, text: str):
    """Phone numbers digit by digit, a short pause between groups: "555-1234"."""
    groups = re.findall(r"\+?\d+", m.group(0))
    return ", ".join(("plus " if g.startswith("+") else "") + digits(g) for g in groups)


def _h_fraction(m: re.Match, text: str):
    a, b = int(m["a"]), int(m["b"])
    if (a, b) == (24, 7):
        return "twenty-four seven"
    if not (0 < a < b <= 10):
        return None
    one, many = _FRACTIONS.get(b, (ordinal(b), ordinal(b) + "s"))
    return cardinal(a) + " " + (one if a == 1 else many)


def _h_decade(m: re.Match, text: str):
    if m["century"]:
        n = int(m["century"] + m["tens"])
        if not 1000 <= n <= 2090:
            return None
        return plural(year(n))
    if not (m["apos"] or _prev_word(text, m.start()) == "the"):
        return None
    return plural(cardinal(int(m["tens"])))


def _h_number(m: re.Match, text: str):
    number = m["num"]
    neg = bool(m["neg"])
    b = m["b"] or m["b2"]
    if b is not None:  # a range "10-20", "2020–2026"
        if not neg and re.fullmatch(r"\d{4}", number) and re.fullmatch(r"\d{4}", b) \
                and 1100 <= int(number) <= 2099 and 1100 <= int(b) <= 2099:
            return year(int(number)) + " to " + year(int(b))
        return ("minus " if neg else "") + _number_words(number) + " to " + _number_words(b)
    if not neg and _looks_like_year(text, m, number):
        return year(int(number))
    words = _number_words(number)
    return ("minus " + words) if neg else words


def _h_id(m: re.Match, text: str):
    """Letters and digits mixed in one token: "MP3" -> "MP three", "H264" -> "H two six four"."""
    out = []
    for run in re.findall(r"\d+|[^\d]+", m.group(0)):
        run = run.strip("-")
        if run.isdigit():
            out.append(cardinal(int(run)) if len(run) <= 2 and not (len(run) == 2 and run[0] == "0")
                       else digits(run))
        else:
            out.append(run)
    return " ".join(s.strip() for s in out if s.strip())


def _h_dimensions(m: re.Match, text: str):
    return _number_words(m["a"]) + " by " + _number_words(m["b"])


def _h_times(m: re.Match, text: str):
    return _number_words(m["a"]) + " times"


def _h_abbrev(spoken: str, may_end: bool):
    def handle(m: re.Match, text: str):
        if may_end and _sentence_ends_after(text, m.end()):
            return spoken + "."
        return spoken
    return handle


def _english_rules() -> list[Rule]:
    R = lambda name, pat, h, flags=0, token_start=True: Rule(  # noqa: E731
        name, re.compile(pat, flags), h, token_start
    )
    end = r"(?![\w])"
    neg = r"(?P<neg>[-−](?=\d))?"
    rng = rf"(?P<a>{_NUM})(?:\s?[–—-]\s?(?P<b>{_NUM}))?"
    cur_sym = r"US\$|[$€£¥₹]"
    cur_code = r"USD|EUR|GBP|JPY|INR|CHF"
    scale = r"(?:\s?(?P<scale>thousand|million|billion|trillion|mn|bn|tn|[kKmMbB])(?![\w]))?"
    rules = [
        R("phonemes", r"\[\[.*?\]\]", lambda m, t: m.group(0), re.S, False),
        R("iso_date", r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})" + end, _h_iso_date),
        R("day_month", r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_RE
          + r"(?:,?\s+(?P<y>\d{4}))?" + end, _h_day_month),
        R("month_day", _MONTH_RE + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?" + end
          + r"(?:,?\s+(?P<y>\d{4})" + end + ")?", _h_month_day),
        R("month_year", _MONTH_RE + r"\s+(?P<y>\d{4})" + end, _h_month_year),
        R("phone", r"(?:\+\d{1,3}[ -])?(?:\(\d{3}\)\s?|\d{3}[ -])?\d{3}-\d{4}" + end, _h_phone),
        R("time", r"(?P<h>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<sec>\d{2}))?)?(?!:\d)(?:\s?(?P<ampm>[AaPp])\.?\s?[Mm]\.?(?![\w]))?"
          + r"(?![\d:])", _h_time),
        R("money", rf"(?P<cur>{cur_sym})\s?(?P<num>{_NUM}){scale}", _h_money),
        R("money_code", rf"(?P<num>{_NUM}){scale}\s?(?P<cur2>{cur_code}|€|£)" + end, _h_money),
        R("percent", rf"{neg}{rng}\s?(?:%|percent\b|per cent\b)", _h_percent),
        R("decade", r"(?:(?P<century>1\d|20)|(?P<apos>['’]))?(?P<tens>\d0)['’]?s" + end, _h_decade),
        R("ordinal", r"(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?P<suf>st|nd|rd|th)" + end, _h_ordinal,
          re.IGNORECASE),
        R("dimensions", r"(?P<a>\d+)\s?[x×]\s?(?P<b>\d+)" + end, _h_dimensions),
        R("times", rf"(?P<a>{_NUM})[x×]" + end, _h_times),
        R("unit", rf"{neg}{rng}\s?(?P<unit>{_UNIT_RE})(?![\w/])", _h_unit),
        R("version", r"(?P<pre>[vV]\.?)(?P<v>\d+(?:\.\d+)*)" + end, _h_version),
        R("dotted", r"\d+(?:\.\d+){2,}" + end, _h_dotted),
        R("fraction", r"(?P<a>\d+)/(?P<b>\d+)" + end, _h_fraction),
        R("ratio", r"(?P<a>\d+):(?P<b>\d)" + end,
          lambda m, t: cardinal(int(m["a"])) + " to " + cardinal(int(m["b"]))),
        R("number_sign", r"#(?=\d)", lambda m, t: "number "),
        R("number", rf"{neg}(?P<num>{_NUM})(?:\s?[–—]\s?(?P<b>{_NUM})|"
          rf"-(?P<b2>\d{{1,4}})(?![\d.,-]))?" + r"(?![\w])", _h_number),
        R("id", r"[A-Za-z]+(?:-?\d+[A-Za-z]*)+(?![\w])|\d+[A-Za-z]+(?:\d+[A-Za-z]*)*(?![\w])", _h_id),
        R("ampersand", r"\s?&\s?", lambda m, t: " and ", 0, False),
    ]
    for pat, spoken, ci, may_end in _ABBREVIATIONS:
        rules.append(R("abbrev", pat + r"(?![\w])" if not pat.endswith(".") else pat,
                       _h_abbrev(spoken, may_end), re.IGNORECASE if ci else 0))
    return rules


_EN_RULES: list[Rule] | None = None


def _rules_for(language: str) -> list[Rule] | None:
    global _EN_RULES
    base = (language or "en").strip().lower().replace("_", "-").split("-")[0]
    if base == "en":
        if _EN_RULES is None:
            _EN_RULES = _english_rules()
        return _EN_RULES
    return _num2words_rules(base)


def _num2words_rules(lang: str) -> list[Rule] | None:
    """Numbers for other languages through num2words, when installed and it knows ``lang``."""
    try:
        from num2words import CONVERTER_CLASSES, num2words
    except ImportError:
        return None
    if lang not in CONVERTER_CLASSES:
        return None

    def handle(m: re.Match, text: str):
        number = m.group(0)
        try:
            if re.fullmatch(r"\d+", number) and not (len(number) > 1 and number[0] == "0"):
                return num2words(int(number), lang=lang)
            return None
        except Exception:  # noqa: BLE001 -- a converter gap: leave the number to the engine
            return None

    return [
        Rule("phonemes", re.compile(r"\[\[.*?\]\]", re.S), lambda m, t: m.group(0), False),
        Rule("number", re.compile(r"\d+(?![\w.,]\d)(?![\w])"), handle),
    ]


def normalize_with_map(text: str, language: str = "en") -> tuple[str, SpanMap]:
    """Spoken text for ``text`` plus the map from spoken characters back to ``text``."""
    rules = _rules_for(language)
    if not rules:
        return text, SpanMap.identity(text)
    return rewrite(text, rules)


def normalize(text: str, language: str = "en") -> str:
    """What a presenter would say for ``text``: "on 24 Nov 2026" -> "on the twenty-fourth of
    November, twenty twenty-six"; "$3.50" -> "three dollars and fifty cents"; "5 km" -> "five
    kilometers"; "e.g." -> "for example". English; other languages only where num2words helps."""
    return normalize_with_map(text, language)[0]
