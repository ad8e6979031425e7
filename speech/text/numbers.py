"""English number words: cardinals, ordinals, years, digits, decimals."""
from __future__ import annotations

ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
_ORDINAL_IRREGULAR = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}


def digits(s: str) -> str:
    """Read a digit string one digit at a time: "007" -> "zero zero seven"."""
    return " ".join(ONES[int(c)] for c in s if c.isdigit())


def cardinal(n: int) -> str:
    """English cardinal, American style (no "and"): 1234 -> "one thousand two hundred thirty-four"."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return ONES[n]
    if n < 100:
        t, o = divmod(n, 10)
        return _TENS[t] + ("-" + ONES[o] if o else "")
    if n < 1000:
        h, r = divmod(n, 100)
        return ONES[h] + " hundred" + (" " + cardinal(r) if r else "")
    if n >= 10**15:
        return digits(str(n))
    for value, name in _SCALES:
        if n >= value:
            q, r = divmod(n, value)
            return cardinal(q) + " " + name + (" " + cardinal(r) if r else "")
    raise AssertionError(n)  # pragma: no cover


def _ordinal_word(word: str) -> str:
    if word in _ORDINAL_IRREGULAR:
        return _ORDINAL_IRREGULAR[word]
    if word.endswith("y"):
        return word[:-1] + "ieth"
    return word + "th"


def ordinal(n: int) -> str:
    """English ordinal: 24 -> "twenty-fourth", 100 -> "one hundredth"."""
    words = cardinal(n)
    i = max(words.rfind(" "), words.rfind("-"))
    return words[: i + 1] + _ordinal_word(words[i + 1 :])


def year(n: int) -> str:
    """A year the way it is said: 2026 -> "twenty twenty-six", 1905 -> "nineteen oh five",
    2005 -> "two thousand five", 1900 -> "nineteen hundred"."""
    if not 1000 <= n <= 9999:
        return cardinal(n)
    if 2000 <= n <= 2009:
        return cardinal(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return cardinal(hi) + " hundred"
    if lo < 10:
        return cardinal(hi) + " oh " + ONES[lo]
    return cardinal(hi) + " " + cardinal(lo)


def plural(words: str) -> str:
    head, _, last = words.rpartition(" ")
    head2, dash, last2 = last.rpartition("-")
    last2 = last2[:-1] + "ies" if last2.endswith("y") else last2 + "s"
    last = head2 + dash + last2
    return (head + " " + last) if head else last


def decimal(number: str) -> str:
    """"1,234.05" -> "one thousand two hundred thirty-four point zero five"."""
    number = number.replace(",", "")
    neg = number[:1] in "-−"
    if neg:
        number = number[1:]
    whole, _, frac = number.partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        out = digits(whole)
    else:
        out = cardinal(int(whole or "0"))
    if frac:
        out += " point " + digits(frac)
    return ("minus " + out) if neg else out


def is_one(number: str) -> bool:
    return number.replace(",", "") in ("1", "+1", "-1", "−1")
