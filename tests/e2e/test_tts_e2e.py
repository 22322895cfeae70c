from __future__ import annotations

from pathlib import Path

import pytest

from genscene.errors import ValidationError
from genscene.pipeline.process import probe_media
from genscene.pipeline.tts import EspeakEngine, TtsRequest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("fmt", "codec"), [("wav", "pcm_s16le"), ("mp3", "mp3"), ("opus", "opus")])
async def test_espeak_synthesize_format_playable_file(tmp_path: Path, fmt: str, codec: str) -> None:
    engine = EspeakEngine()
    request = TtsRequest(text="The city never sleeps. Rain falls on the street.", format=fmt)
    engine.validate(request)
    result = await engine.synthesize(request, tmp_path / f"speech.{fmt}")
    info = await probe_media(result.path)
    assert info["streams"][0]["codec_name"] == codec
    assert 2.0 < result.duration_s < 8.0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"speech.{fmt}"]


async def test_espeak_faster_rate_shorter_audio(tmp_path: Path) -> None:
    engine = EspeakEngine()
    text = "A sentence long enough to hear the difference between two speaking rates."
    slow = await engine.synthesize(TtsRequest(text=text, rate=120), tmp_path / "slow.wav")
    fast = await engine.synthesize(TtsRequest(text=text, rate=300), tmp_path / "fast.wav")
    assert fast.duration_s < slow.duration_s * 0.7


async def test_espeak_text_with_leading_dash_spoken_not_parsed(tmp_path: Path) -> None:
    result = await EspeakEngine().synthesize(
        TtsRequest(text="--help me, said the robot"), tmp_path / "dash.wav"
    )
    assert result.duration_s > 1.0


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (TtsRequest(text="   "), "text"),
        (TtsRequest(text="x" * 6000), "text"),
        (TtsRequest(text="hi", voice="xx-nowhere"), "voice"),
        (TtsRequest(text="hi", voice="en-us+nonesuch"), "voice"),
        (TtsRequest(text="hi", voice="en us; rm -rf"), "voice"),
        (TtsRequest(text="hi", rate=5000), "rate"),
        (TtsRequest(text="hi", pitch=-1), "pitch"),
        (TtsRequest(text="hi", format="flac"), "format"),
    ],
)
def test_espeak_validate_bad_request_names_field(request_: TtsRequest, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        EspeakEngine().validate(request_)
    assert caught.value.field == field


def test_espeak_voices_include_english_and_variants() -> None:
    engine = EspeakEngine()
    assert "en-us" in {v.id for v in engine.voices()}
    assert "f3" in engine.variants()
    engine.validate(TtsRequest(text="hi", voice="en-gb+f3"))
