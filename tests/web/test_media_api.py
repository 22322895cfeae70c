from __future__ import annotations

import io
import math
import struct
import wave
from typing import Any

import pytest
from PIL import Image

from .conftest import AUTH


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def wav_bytes(seconds: float = 0.5) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(i / 10))) for i in range(int(16000 * seconds))
        )
        wav.writeframes(frames)
    return buffer.getvalue()


async def upload(client: Any, data: bytes, filename: str) -> Any:
    return await client.post(
        "/api/media",
        files={
            "file": __import__("quart").datastructures.FileStorage(
                io.BytesIO(data), filename=filename, name="file"
            )
        },
        headers=AUTH,
    )


async def test_upload_png_named_mp4_sniffed_as_image(client: Any) -> None:
    data = png_bytes()
    response = await upload(client, data, "holiday.mp4")
    assert response.status_code == 201
    media = await response.get_json()
    assert media["kind"] == "image" and media["mime"] == "image/png"
    fetched = await client.get(media["url"])
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/png"
    assert await fetched.get_data() == data


async def test_upload_wav_accepted_as_audio(client: Any) -> None:
    response = await upload(client, wav_bytes(), "voice.png")
    assert response.status_code == 201
    assert (await response.get_json())["kind"] == "audio"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some text, not media", "not a supported"),
        (png_bytes()[:60], "does not decode"),
        (b"RIFF\x00\x00\x00\x00WAVEgarbage-garbage", "does not decode"),
        (b"", "empty"),
    ],
)
async def test_upload_bad_or_corrupt_file_422_names_file(
    client: Any, data: bytes, message: str
) -> None:
    response = await upload(client, data, "x.png")
    assert response.status_code == 422
    error = (await response.get_json())["error"]
    assert error["field"] == "file" and message in error["message"]


async def test_upload_without_key_401_and_without_multipart_415(client: Any) -> None:
    response = await client.post("/api/media", data=png_bytes())
    assert response.status_code == 401
    response = await client.post("/api/media", data=png_bytes(), headers=AUTH)
    assert response.status_code == 415


@pytest.mark.parametrize(
    "path",
    [
        "/media/../api_key",
        "/media/%2e%2e/api_key",
        "/media/uploads/..%2f..%2fapi_key",
        "/media/..%2fapi_key/x",
        "/media/%2e%2e%2fgenscene.db",
        "/media//etc/passwd",
        "/media/uploads/.hidden.png.partial",
        "/media/uploads",
        "/media/a/b/c",
        "/media/uploads/%00.png",
        "/media/..\\api_key",
    ],
)
async def test_media_path_traversal_404(client: Any, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    body = await response.get_data()
    assert b"gs_" not in body and b"SQLite" not in body
