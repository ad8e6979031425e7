"""Presentation -> what the presenter says on each slide, and when: the narration timeline.

Each slide gets its Utterance (synthesised, or a recording), a start time on the video's clock,
a whole number of frames (a lead-in of silence, the speech, a tail) and its caption cues. Both
`avatar.render()` and `avatar lipsync` build on this.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from avatar.audio import read_mono
from avatar.captions import Cue, cues_from_words
from avatar.errors import AvatarError
from avatar.reveals import reveal_times, split_reveals
from avatar.script import Presentation, Slide
from speech.cache import cache_stats
from speech.errors import SpeechError
from speech.loudness import normalize_loudness
from speech.text import blank_pauses, strip_pauses
from speech.types import Phone, Utterance

if TYPE_CHECKING:  # pragma: no cover
    from avatar.motion.track import MotionTrack

LEAD_IN = 0.3  # s of silence on each slide before the presenter speaks
TAIL = 0.6  # s after the narration before the next slide
Progress = Callable[[str, int, int], None]


@dataclass
class SlidePlan:
    slide: Slide
    utterance: Utterance  # timings always; samples only until `release()` (bounded memory)
    start: float  # s in the video
    n_frames: int
    cues: list[Cue]
    reload: Callable[[], np.ndarray] | None = None
    index: int = 0  # position in the presentation (0-based)
    reveals: list[float] = field(default_factory=list)  # s on the video's clock: each [next] marker's bullet
    placement: str = "corner"  # where the presenter is: corner, side, full or hidden

    def release(self) -> None:
        """Drop the audio samples; `audio()` brings them back (from the synthesis cache or the file)."""
        if self.reload is not None:
            self.utterance = replace(self.utterance, samples=np.zeros(0, np.float32))

    def audio(self) -> Utterance:
        if len(self.utterance.samples) == 0 and self.reload is not None:
            return replace(self.utterance, samples=self.reload())
        return self.utterance


def voice_for(presentation: Presentation, voice: str | None) -> tuple[str, str | None]:
    """(engine, voice id): --voice, else the script's voice, else the language's best installed voice."""
    from speech.tts import resolve_voice

    return resolve_voice(voice or presentation.meta.voice, presentation.meta.language)


def _load_recording(path: Path) -> Utterance:
    samples, rate = read_mono(path, "audio file")
    return Utterance(samples=normalize_loudness(samples, rate), sample_rate=rate)


def _speaker(presentation: Presentation, slide: Slide, engine: str, voice: str | None) -> Callable[[], Utterance]:
    from speech.speak import speak

    meta = presentation.meta
    spoken, _ = split_reveals(slide.narration)

    def run() -> Utterance:
        try:
            return speak(spoken, engine=engine, voice=voice, rate=slide.rate or meta.rate,
                         language=meta.language, lexicon=meta.lexicon)
        except SpeechError as exc:
            where = f"voice {voice!r}" if voice and "voice" in str(exc).lower() else presentation.source or "narration"
            raise AvatarError(where, str(exc)) from None

    return run


def narrate(presentation: Presentation, fps: int, engine: str, voice: str | None,
            warn: Callable[[str], None], progress: Progress | None = None, keep_audio: bool = True,
            only: set[int] | None = None) -> list[SlidePlan]:
    """Speak every slide (or the `only` ones, by 0-based index) and lay them out on the video's
    timeline (whole frames per slide)."""
    progress = progress or (lambda stage, done, total: None)
    plans, start = [], 0.0
    for i, slide in enumerate(presentation.slides):
        if only is not None and i not in only:
            continue
        spoken, marks = split_reveals(slide.narration)  # [next] markers blanked: offsets unchanged
        if slide.audio is not None:
            transcript = blank_pauses(spoken) if strip_pauses(spoken).strip() else None
            utterance = recording_utterance(slide.audio, transcript, warn)
            path = slide.audio
            reload = lambda path=path: _load_recording(path).samples  # noqa: E731
        else:
            speaker = _speaker(presentation, slide, engine, voice)
            failed_writes = cache_stats().write_errors
            utterance = speaker()
            # released audio comes back from the synthesis cache; if the cache could not be written,
            # keep it (engines such as Piper do not repeat themselves sample for sample)
            cached = cache_stats().write_errors == failed_writes
            reload = (lambda speaker=speaker: speaker().samples) if cached else None  # noqa: E731
        n_frames = math.ceil((LEAD_IN + utterance.duration + TAIL) * fps)
        if utterance.words:
            cues = cues_from_words(blank_pauses(spoken), utterance.words, offset=start + LEAD_IN)
        elif strip_pauses(spoken).strip():
            cues = [Cue(start + LEAD_IN, start + LEAD_IN + utterance.duration, strip_pauses(spoken).strip())]
        else:
            cues = []
        if marks and not utterance.words:
            warn(f"slide {i + 1}: no word timings (a recording without alignment), so its [next] bullets "
                 f"are revealed evenly over the narration")
            reveals = [start + LEAD_IN + utterance.duration * (k + 1) / (len(marks) + 1) for k in range(len(marks))]
        else:
            reveals = [start + LEAD_IN + t for t in reveal_times(marks, utterance.words, utterance.duration)]
        plan = SlidePlan(slide, utterance, start, n_frames, cues, reload, index=i, reveals=reveals)
        if not keep_audio:
            plan.release()
        plans.append(plan)
        start += n_frames / fps
        progress("speech", len(plans), len(only) if only is not None else len(presentation.slides))
    return plans


def speech_spans(plans: list[SlidePlan]) -> list[tuple[float, float]]:
    """When the presenter speaks, on the video's clock: each word (or each slide's whole utterance,
    where there are no word timings)."""
    spans = []
    for plan in plans:
        offset = plan.start + LEAD_IN
        if plan.utterance.words:
            spans.extend((offset + w.start, offset + w.end) for w in plan.utterance.words)
        elif plan.utterance.duration:
            spans.append((offset, offset + plan.utterance.duration))
    return spans


def padded(utterance: Utterance, seconds: float) -> Utterance:
    """The utterance shifted right by some silence, with its timings shifted along."""
    n_samples_before = round(seconds * utterance.sample_rate)
    shift = n_samples_before / utterance.sample_rate
    return Utterance(
        samples=np.concatenate([np.zeros(n_samples_before, np.float32), utterance.samples.astype(np.float32)]),
        sample_rate=utterance.sample_rate,
        phones=[Phone(p.symbol, p.start + shift, p.end + shift, p.stress) for p in utterance.phones],
        words=[replace(w, start=w.start + shift, end=w.end + shift) for w in utterance.words],
        text=utterance.text,
    )


def transcript_of(text: str | None) -> str | None:
    """--text: the transcript itself, or the path of a text file holding it."""
    if text and Path(text).suffix.lower() == ".txt":
        if not Path(text).is_file():
            raise AvatarError(text, "transcript file not found")
        return Path(text).read_text(encoding="utf-8").strip()
    return text


def recording_utterance(path: Path, transcript: str | None, warn: Callable[[str], None]) -> Utterance:
    """A recording with phone and word timings from forced alignment, or loudness only (warned)."""
    utterance = _load_recording(Path(path))
    if transcript:
        try:
            from speech.align import align
        except ImportError:
            warn(f"{path}: forced alignment needs pocketsphinx (pip install pocketsphinx); the mouth follows loudness")
            return utterance
        try:
            utterance.phones, utterance.words = align(utterance.samples, utterance.sample_rate, transcript,
                                                      warn=lambda message: warn(f"{path}: {message}"))
        except SpeechError as exc:
            raise AvatarError(path, str(exc)) from None
        utterance.text = transcript
    else:
        warn(f"{path}: no transcript, so no phones: the mouth follows the recording's loudness")
    return utterance


def motion_for(utterance: Utterance, fps: int, n_frames: int, *, seed: int, slide_index: int = 0) -> "MotionTrack":
    """The presenter's motion for an utterance that starts at frame 0: its features, then the track."""
    from avatar.motion import build_motion
    from speech.cache import cached_features

    return build_motion(utterance, cached_features(utterance, fps), fps, n_frames, seed=seed,
                        slide_index=slide_index)


def played_audio(plan: SlidePlan) -> Utterance:
    """One slide's audio as it plays: its lead-in silence, then the narration."""
    return padded(plan.audio(), LEAD_IN)


def slide_track(plan: SlidePlan, utterance: Utterance, fps: int, seed: int) -> "MotionTrack":
    """The presenter's motion over a slide, from its played audio (:func:`played_audio`)."""
    return motion_for(utterance, fps, plan.n_frames, seed=seed, slide_index=plan.index)


def slide_motion(plan: SlidePlan, fps: int, seed: int) -> tuple[Utterance, "MotionTrack"]:
    """One slide's audio as it plays and the presenter's motion over the slide."""
    utterance = played_audio(plan)
    return utterance, slide_track(plan, utterance, fps, seed)


def timeline_pieces(source: Path, *, fps: int, voice: str | None, transcript: str | None, variables,
                    seed: int, is_script: bool, warn: Callable[[str], None]):
    """(start, utterance, MotionTrack) per slide of a script, or one piece for an audio file."""
    from avatar.script import load_script, parse_variables

    if is_script:
        presentation = load_script(source, parse_variables(variables))
        engine, voice_id = voice_for(presentation, voice)
        return [(plan.start, *slide_motion(plan, fps, seed))
                for plan in narrate(presentation, fps, engine, voice_id, warn)]
    utterance = recording_utterance(source, transcript_of(transcript), warn)
    return [(0.0, utterance, motion_for(utterance, fps, math.ceil(utterance.duration * fps), seed=seed))]
