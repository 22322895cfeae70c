"""Subtitles from narration: readable chunks, cues timed from speech, SRT / VTT / ASS text.

Narration is cut into chunks of at most two lines, preferring sentence ends, then clause
breaks, then balanced word breaks. Each chunk is spoken separately, so a cue's timing is the
real duration of its own audio rather than an estimate from character counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

MAX_LINE_CHARS = 42
MAX_LINES = 2
MIN_CUE_S = 0.8
FONT_NAME = "DejaVu Sans"
FONT_DIR = "/usr/share/fonts/truetype/dejavu"

_SENTENCE_RE = re.compile(r".+?(?:[.!?…]+[\"'”’»)\]]*(?=\s|$)|$)", re.DOTALL)
_CLAUSE_RE = re.compile(r"(?<=[,;:—–])\s+|\s+(?=[—–]\s)|\s+-\s+")


@dataclass(frozen=True)
class Cue:
    """One subtitle: shown from `start_s` to `end_s`, one or two lines.

    `raised` lifts a burned-in cue clear of an on-picture overlay (a VHS date stamp).
    """

    start_s: float
    end_s: float
    lines: tuple[str, ...]
    raised: bool = False

    @property
    def text(self) -> str:
        """Return the cue's lines joined by spaces (what is spoken)."""
        return " ".join(self.lines)


def chunk_narration(
    text: str, max_line_chars: int = MAX_LINE_CHARS, max_lines: int = MAX_LINES
) -> list[str]:
    """Return `text` cut into chunks that each wrap into at most `max_lines` lines.

    Sentences stay whole where they fit; short neighbours share a chunk; long sentences
    break at clauses, then at words into pieces of balanced length.
    """
    clean = " ".join(text.split())
    if not clean:
        return []
    chunks: list[str] = []
    ends_sentence = False
    for match in _SENTENCE_RE.finditer(clean):
        sentence = match.group(0).strip()
        if not sentence:
            continue
        pieces = _split_long(sentence, max_line_chars, max_lines)
        # Whole sentences share a chunk; a cue never joins the end of one sentence to a
        # fragment of the next.
        merged = f"{chunks[-1]} {sentence}" if chunks else ""
        if len(pieces) == 1 and ends_sentence and _fits(merged, max_line_chars, max_lines):
            chunks[-1] = merged
        else:
            chunks.extend(pieces)
        ends_sentence = True
    return chunks


def _split_long(sentence: str, max_line_chars: int, max_lines: int) -> list[str]:
    if _fits(sentence, max_line_chars, max_lines):
        return [sentence]
    pieces: list[str] = []
    for clause in (c for c in _CLAUSE_RE.split(sentence) if c.strip()):
        if pieces and _fits(f"{pieces[-1]} {clause}", max_line_chars, max_lines):
            pieces[-1] = f"{pieces[-1]} {clause}"
        elif _fits(clause, max_line_chars, max_lines):
            pieces.append(clause)
        else:
            pieces.extend(_split_words(clause, max_line_chars, max_lines))
    return pieces


def _split_words(text: str, max_line_chars: int, max_lines: int) -> list[str]:
    """Return `text` in the fewest pieces that fit, with lengths as even as word breaks allow."""
    words = _break_long_words(text.split(), max_line_chars)
    budget = max_line_chars * max_lines
    count = max(1, math.ceil(len(text) / budget))
    while True:
        target = len(" ".join(words)) / count
        pieces: list[str] = []
        current: list[str] = []
        for word in words:
            candidate = " ".join([*current, word])
            too_long = not _fits(candidate, max_line_chars, max_lines)
            if current and (
                too_long or (len(candidate) > target * 1.08 and len(pieces) < count - 1)
            ):
                pieces.append(" ".join(current))
                current = [word]
            else:
                current.append(word)
        if current:
            pieces.append(" ".join(current))
        if all(_fits(piece, max_line_chars, max_lines) for piece in pieces):
            return pieces
        count += 1


def _break_long_words(words: list[str], max_line_chars: int) -> list[str]:
    # A word longer than a line (a URL, say) is cut: overflowing the frame is worse.
    out: list[str] = []
    for word in words:
        while len(word) > max_line_chars:
            out.append(word[:max_line_chars])
            word = word[max_line_chars:]
        if word:
            out.append(word)
    return out


def _fits(text: str, max_line_chars: int, max_lines: int) -> bool:
    lines = wrap_cue(text, max_line_chars, max_lines)
    return len(lines) <= max_lines and all(len(line) <= max_line_chars for line in lines)


def wrap_cue(
    text: str, max_line_chars: int = MAX_LINE_CHARS, max_lines: int = MAX_LINES
) -> tuple[str, ...]:
    """Return `text` as balanced lines of at most `max_line_chars` (more lines if it cannot fit).

    Two lines are split where their lengths are closest, preferring a shorter top line.
    """
    words = text.split()
    if not words:
        return ()
    joined = " ".join(words)
    if len(joined) <= max_line_chars or len(words) == 1:
        return (joined,)
    if max_lines >= 2:
        best_cut: int | None = None
        best_score = (math.inf, 0)
        for cut in range(1, len(words)):
            top, bottom = " ".join(words[:cut]), " ".join(words[cut:])
            if len(top) > max_line_chars or len(bottom) > max_line_chars:
                continue
            # Balanced first; on a tie the bottom-heavy split reads better.
            score = (float(abs(len(bottom) - len(top))), 0 if len(top) <= len(bottom) else 1)
            if score < best_score:
                best_cut, best_score = cut, score
        if best_cut is not None:
            return (" ".join(words[:best_cut]), " ".join(words[best_cut:]))
    # Does not fit in two lines: greedy fill, the caller decides what to do with the excess.
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > max_line_chars:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return tuple(lines)


class TimedChunk(NamedTuple):
    """A spoken chunk placed on the timeline."""

    start_s: float
    end_s: float
    text: str
    raised: bool = False


def build_cues(
    timed_chunks: Sequence[TimedChunk],
    *,
    max_line_chars: int = MAX_LINE_CHARS,
    min_cue_s: float = MIN_CUE_S,
) -> list[Cue]:
    """Return cues for timed chunks, sorted by start.

    A very short chunk ("Yes.") stays up for `min_cue_s` when the next cue leaves room.
    """
    ordered = sorted((c for c in timed_chunks if c.text.strip()), key=lambda c: c.start_s)
    cues: list[Cue] = []
    for index, chunk in enumerate(ordered):
        next_start = ordered[index + 1].start_s if index + 1 < len(ordered) else math.inf
        end = max(chunk.end_s, min(chunk.start_s + min_cue_s, next_start))
        lines = wrap_cue(chunk.text, max_line_chars, MAX_LINES)
        cues.append(Cue(chunk.start_s, end, lines, chunk.raised))
    return cues


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def format_srt(cues: Sequence[Cue]) -> str:
    """Return `cues` as SubRip (.srt) text."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        timing = f"{_clock(cue.start_s, ',')} --> {_clock(cue.end_s, ',')}"
        blocks.append(f"{number}\n{timing}\n" + "\n".join(cue.lines) + "\n")
    return "\n".join(blocks)


def format_vtt(cues: Sequence[Cue]) -> str:
    """Return `cues` as WebVTT text (markup characters escaped)."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        timing = f"{_clock(cue.start_s, '.')} --> {_clock(cue.end_s, '.')}"
        lines = [_escape_vtt(line) for line in cue.lines]
        blocks.append(f"{timing}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def _escape_vtt(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def line_chars_for(size: tuple[int, int]) -> int:
    """Return the line length for a frame shape: narrower frames get shorter lines, so the
    burned-in text can stay large enough to read on a phone."""
    width, height = size
    ratio = width / height
    if ratio >= 1.5:
        return MAX_LINE_CHARS
    if ratio >= 0.95:
        return 36
    if ratio >= 0.75:
        return 32
    return 28


def subtitle_font_px(size: tuple[int, int], max_line_chars: int = MAX_LINE_CHARS) -> int:
    """Return the burn-in font size for a frame: large, but a full line still fits the width."""
    width, height = size
    # 0.52 em is DejaVu Sans' average advance over running English text.
    by_width = 0.9 * width / (max_line_chars * 0.52)
    return max(10, math.floor(min(0.055 * height, by_width)))


def format_ass(
    cues: Sequence[Cue],
    size: tuple[int, int],
    *,
    max_line_chars: int = MAX_LINE_CHARS,
    font_name: str = FONT_NAME,
) -> str:
    """Return `cues` as an ASS script for burning in with libass at frame `size`."""
    width, height = size
    font_px = subtitle_font_px(size, max_line_chars)
    outline = max(1.0, round(font_px * 0.07, 1))
    shadow = round(font_px * 0.03, 1)
    margin_v = round(height * 0.06)
    raised_v = round(height * 0.2)
    margin_h = round(width * 0.04)
    header = (
        "[Script Info]\n"
        "ScriptType: v4.00+\n"
        f"PlayResX: {width}\n"
        f"PlayResY: {height}\n"
        "WrapStyle: 0\n"
        "ScaledBorderAndShadow: yes\n"
        "YCbCr Matrix: None\n"
        "\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{font_name},{font_px},&H00FFFFFF,&H000000FF,&H00101010,&H96000000,"
        f"0,0,0,0,100,100,0,0,1,{outline:g},{shadow:g},2,{margin_h},{margin_h},{margin_v},1\n"
        "\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    events = [
        f"Dialogue: 0,{_ass_clock(cue.start_s)},{_ass_clock(cue.end_s)},Default,,0,0,"
        f"{raised_v if cue.raised else 0},," + "\\N".join(_escape_ass(line) for line in cue.lines)
        for cue in cues
    ]
    return header + "".join(f"{event}\n" for event in events)


def _ass_clock(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, centis = divmod(rest, 100)
    return f"{hours:d}:{minutes:02d}:{secs:02d}.{centis:02d}"


def _escape_ass(line: str) -> str:
    # Braces open override blocks and a backslash starts a tag; neither may reach libass raw.
    # A zero-width space after a backslash keeps it visible without forming `\N` or `\h`.
    return line.replace("\\", "\\\u200b").replace("{", "(").replace("}", ")")


__all__ = [
    "FONT_DIR",
    "FONT_NAME",
    "MAX_LINES",
    "MAX_LINE_CHARS",
    "Cue",
    "TimedChunk",
    "build_cues",
    "chunk_narration",
    "format_ass",
    "format_srt",
    "format_vtt",
    "line_chars_for",
    "subtitle_font_px",
    "wrap_cue",
]
