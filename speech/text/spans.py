"""Span maps: every rewrite of the narration traces each spoken character back to the original,
and the rule scanner that rewrites text and builds the map."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Iterable, Union

@dataclass(frozen=True)
class Piece:
    """Spoken text ``[spoken_start, spoken_end)`` comes from original ``[orig_start, orig_end)``.

    ``kind`` is ``"keep"`` (copied verbatim: both spans have the same length and map character by
    character), ``"sub"`` (a rewrite: every spoken character maps to the whole original span) or
    ``"gap"`` (a space joining two rewritten parts; maps to what lay between them)."""

    spoken_start: int
    spoken_end: int
    orig_start: int
    orig_end: int
    kind: str = "keep"


@dataclass(frozen=True)
class SpanMap:
    """Pieces covering the spoken text in order; see :meth:`to_original`."""

    pieces: tuple[Piece, ...] = ()

    @classmethod
    def identity(cls, text: str, offset: int = 0) -> SpanMap:
        if not text:
            return cls(())
        return cls((Piece(0, len(text), offset, offset + len(text), "keep"),))

    @property
    def spoken_length(self) -> int:
        return self.pieces[-1].spoken_end if self.pieces else 0

    def shifted(self, offset: int) -> SpanMap:
        """The same map with original offsets moved by ``offset`` (a chunk inside a longer text)."""
        if not offset:
            return self
        return SpanMap(tuple(
            Piece(p.spoken_start, p.spoken_end, p.orig_start + offset, p.orig_end + offset, p.kind)
            for p in self.pieces
        ))

    def _overlapping(self, start: int, end: int) -> list[Piece]:
        starts = [p.spoken_start for p in self.pieces]
        i = max(bisect_right(starts, start) - 1, 0)
        out = []
        while i < len(self.pieces) and self.pieces[i].spoken_start < end:
            p = self.pieces[i]
            if p.spoken_end > start:
                out.append(p)
            i += 1
        return out

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span that spoken ``[start, end)`` came from (an empty range maps to the
        position it sits at)."""
        if not self.pieces:
            return (start, end)
        if end <= start:
            pieces = self._overlapping(start, start + 1) or [self.pieces[-1]]
            p = pieces[0]
            if p.kind == "keep":
                pos = p.orig_start + min(max(start - p.spoken_start, 0), p.orig_end - p.orig_start)
                return (pos, pos)
            return (p.orig_start, p.orig_start) if start <= p.spoken_start else (p.orig_end, p.orig_end)
        pieces = self._overlapping(start, end)
        if not pieces:
            last = self.pieces[-1]
            return (last.orig_end, last.orig_end)
        solid = [p for p in pieces if p.kind != "gap"] or pieces
        lo, hi = None, None
        for p in solid:
            if p.kind == "keep":
                s = p.orig_start + (max(start, p.spoken_start) - p.spoken_start)
                e = p.orig_start + (min(end, p.spoken_end) - p.spoken_start)
            else:
                s, e = p.orig_start, p.orig_end
            lo = s if lo is None else min(lo, s)
            hi = e if hi is None else max(hi, e)
        return (lo, hi)

    def then(self, later: SpanMap) -> SpanMap:
        """Compose: ``self`` maps text1 -> text0, ``later`` maps text2 -> text1; the result maps
        text2 -> text0."""
        out: list[Piece] = []
        for b in later.pieces:
            if b.kind != "keep":
                s0, e0 = self.to_original(b.orig_start, b.orig_end)
                out.append(Piece(b.spoken_start, b.spoken_end, s0, e0, b.kind))
                continue
            for a in self._overlapping(b.orig_start, b.orig_end):
                x, y = max(a.spoken_start, b.orig_start), min(a.spoken_end, b.orig_end)
                if y <= x:
                    continue
                s2, e2 = b.spoken_start + (x - b.orig_start), b.spoken_start + (y - b.orig_start)
                if a.kind == "keep":
                    out.append(Piece(s2, e2, a.orig_start + (x - a.spoken_start),
                                     a.orig_start + (y - a.spoken_start), "keep"))
                else:
                    out.append(Piece(s2, e2, a.orig_start, a.orig_end, a.kind))
        return SpanMap(tuple(out))


# (original start, original end, spoken) -- absolute offsets into the text being rewritten
Part = tuple[int, int, str]
Handler = Callable[[re.Match, str], Union[str, list[Part], None]]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern
    handler: Handler
    token_start: bool = True  # only tried where the previous character is not a letter/digit


def rewrite(text: str, rules: Iterable[Rule]) -> tuple[str, SpanMap]:
    """Scan ``text`` left to right; at each position the first rule whose pattern matches and
    whose handler accepts rewrites that span; the rest is copied verbatim."""
    rules = list(rules)
    out: list[str] = []
    pieces: list[Piece] = []
    n_out = 0

    def emit(s: str, o0: int, o1: int, kind: str) -> None:
        nonlocal n_out
        if not s:
            return
        out.append(s)
        pieces.append(Piece(n_out, n_out + len(s), o0, o1, kind))
        n_out += len(s)

    i = keep_from = 0
    n = len(text)
    while i < n:
        at_token = i == 0 or not text[i - 1].isalnum()
        matched = False
        for rule in rules:
            if rule.token_start and not at_token:
                continue
            m = rule.pattern.match(text, i)
            if not m or m.end() <= i:
                continue
            res = rule.handler(m, text)
            if res is None:
                continue
            parts = [(m.start(), m.end(), res)] if isinstance(res, str) else list(res)
            parts = [p for p in parts if p[2]]
            emit(text[keep_from:i], keep_from, i, "keep")
            ordered = all(
                m.start() <= s <= e <= m.end() for s, e, _ in parts
            ) and all(parts[k][1] <= parts[k + 1][0] for k in range(len(parts) - 1))
            if not ordered:  # parts out of source order (ISO dates): one block
                parts = [(m.start(), m.end(), " ".join(p[2] for p in parts))]
            if parts:
                parts[0] = (m.start(), parts[0][1], parts[0][2])
                parts[-1] = (parts[-1][0], m.end(), parts[-1][2])
            for k, (s, e, spoken) in enumerate(parts):
                if k:
                    prev_e = parts[k - 1][1]
                    emit(" ", prev_e, s, "gap")
                emit(spoken, s, e, "sub")
            i = keep_from = m.end()
            matched = True
            break
        if not matched:
            i += 1
    emit(text[keep_from:], keep_from, n, "keep")
    return "".join(out), SpanMap(tuple(pieces))
