from __future__ import annotations

import pytest

from genscene.pipeline.subtitles import (
    Cue,
    TimedChunk,
    build_cues,
    chunk_narration,
    format_ass,
    format_srt,
    format_vtt,
    line_chars_for,
    subtitle_font_px,
    wrap_cue,
)

LONG = (
    "The city never sleeps. Rain falls on the street, washing the neon into the gutters, "
    "and somewhere a saxophone plays a tune nobody asked for. Yes. No. Maybe."
)


def test_chunk_narration_long_text_every_chunk_two_lines_at_most() -> None:
    chunks = chunk_narration(LONG)
    for chunk in chunks:
        lines = wrap_cue(chunk)
        assert len(lines) <= 2
        assert all(len(line) <= 42 for line in lines)
    assert " ".join(chunks) == LONG


def test_chunk_narration_sentences_kept_whole_short_ones_merged() -> None:
    chunks = chunk_narration("The city never sleeps. Neither do I. It rains.")
    assert chunks == ["The city never sleeps. Neither do I. It rains."]


def test_chunk_narration_long_sentence_split_at_clauses_not_merged_into_next() -> None:
    assert chunk_narration(LONG) == [
        "The city never sleeps.",
        "Rain falls on the street, washing the neon into the gutters,",
        "and somewhere a saxophone plays a tune nobody asked for. Yes. No. Maybe.",
    ]


def test_chunk_narration_no_punctuation_balanced_pieces() -> None:
    words = " ".join(f"word{i}" for i in range(40))
    chunks = chunk_narration(words)
    assert " ".join(chunks) == words
    lengths = [len(c) for c in chunks]
    assert max(lengths) - min(lengths) < 20
    assert all(len(wrap_cue(c)) <= 2 for c in chunks)


def test_chunk_narration_accents_and_whitespace_preserved_normalised() -> None:
    assert chunk_narration("  Élodie   waited,\ncafé au lait\tin hand.  ") == [
        "Élodie waited, café au lait in hand."
    ]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_chunk_narration_blank_no_chunks(text: str) -> None:
    assert chunk_narration(text) == []


def test_chunk_narration_word_longer_than_line_cut() -> None:
    url = "https://example.com/" + "a" * 70
    chunks = chunk_narration(f"Visit {url} today.")
    assert all(len(line) <= 42 for chunk in chunks for line in wrap_cue(chunk))
    assert "".join(chunks).replace(" ", "") == f"Visit{url}today."


def test_wrap_cue_two_lines_balanced_top_shorter() -> None:
    assert wrap_cue("By dusk the rain had washed the streets clean, but not the people.") == (
        "By dusk the rain had washed the",
        "streets clean, but not the people.",
    )


def test_wrap_cue_short_text_one_line() -> None:
    assert wrap_cue("  Hello   there. ") == ("Hello there.",)


def test_build_cues_short_chunk_held_until_next_start() -> None:
    cues = build_cues(
        [
            TimedChunk(0.0, 0.3, "Yes."),
            TimedChunk(0.5, 2.0, "Then no."),
            TimedChunk(5.0, 5.2, "Fin."),
        ]
    )
    assert cues == [
        Cue(0.0, 0.5, ("Yes.",)),
        Cue(0.5, 2.0, ("Then no.",)),
        Cue(5.0, 5.8, ("Fin.",)),
    ]


def test_build_cues_sorted_blank_dropped() -> None:
    cues = build_cues(
        [TimedChunk(3.0, 4.0, "b"), TimedChunk(1.0, 2.0, "a"), TimedChunk(2.5, 2.9, " ")]
    )
    assert [c.text for c in cues] == ["a", "b"]


def test_format_srt_exact() -> None:
    cues = [Cue(0.0, 2.5, ("Hello,", "world.")), Cue(3661.25, 3662.0, ("Later.",))]
    assert format_srt(cues) == (
        "1\n00:00:00,000 --> 00:00:02,500\nHello,\nworld.\n\n"
        "2\n01:01:01,250 --> 01:01:02,000\nLater.\n"
    )


def test_format_vtt_exact_markup_escaped() -> None:
    cues = [Cue(1.0, 2.0, ("Tom & Jerry <3",))]
    assert format_vtt(cues) == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nTom &amp; Jerry &lt;3\n"


def test_format_ass_dejavu_style_dialogue_escaped() -> None:
    text = format_ass([Cue(1.0, 2.345, ("Café {bold}", "a\\nb"))], (1280, 720))
    assert "PlayResX: 1280\nPlayResY: 720\n" in text
    assert "Style: Default,DejaVu Sans,39," in text
    dialogue = text.splitlines()[-1]
    assert dialogue == "Dialogue: 0,0:00:01.00,0:00:02.35,Default,,0,0,0,,Café (bold)\\Na\\\u200bnb"


@pytest.mark.parametrize(
    ("size", "font_px"), [((1280, 720), 39), ((426, 240), 13), ((406, 720), 16), ((720, 720), 29)]
)
def test_subtitle_font_px_line_fits_width(size: tuple[int, int], font_px: int) -> None:
    assert subtitle_font_px(size) == font_px
    assert 42 * 0.52 * font_px <= 0.9 * size[0]


def test_format_ass_raised_cue_clears_bottom_overlay() -> None:
    cues = [Cue(0.0, 1.0, ("Low",)), Cue(1.0, 2.0, ("High",), raised=True)]
    low, high = format_ass(cues, (576, 720)).splitlines()[-2:]
    assert low.startswith("Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,")
    assert high.startswith("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,144,,")


@pytest.mark.parametrize(
    ("size", "chars"), [((1280, 720), 42), ((720, 720), 36), ((576, 720), 32), ((406, 720), 28)]
)
def test_line_chars_for_narrow_frames_shorter_lines(size: tuple[int, int], chars: int) -> None:
    assert line_chars_for(size) == chars
    assert subtitle_font_px(size, chars) >= 0.03 * size[1]
