"""Frame generators that take their picture from elsewhere: an uploaded image, or an external
image service (a local Stable Diffusion server, say) reached over HTTP.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from typing import Any

import httpx
from PIL import Image, ImageOps, UnidentifiedImageError

from genscene.errors import DependencyError, JobFailedError, NotFoundError, ValidationError
from genscene.pipeline.frames.base import SceneSpec
from genscene.pipeline.frames.procedural import check_size
from genscene.pipeline.styles import Style

MAX_RESPONSE_BYTES = 64 * 1024 * 1024


def cover_crop(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Return `image` scaled to cover `size` and centre-cropped to it, as RGB."""
    upright = ImageOps.exif_transpose(image)
    fitted = ImageOps.fit(upright.convert("RGB"), size, Image.Resampling.LANCZOS)
    return fitted


def decode_image(data: bytes) -> Image.Image:
    """Return the fully decoded image in `data`; raise ValueError when it is not an image."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a readable image ({exc})") from None
    return image


class UploadedImageGenerator:
    """Uses the image uploaded for a scene (`scene.media_path`), cover-cropped to the frame."""

    name = "uploaded"

    def generate(
        self, scene: SceneSpec, style: Style, size: tuple[int, int], seed: int
    ) -> Image.Image:
        """Return the scene's uploaded image cover-cropped to `size` (style and seed unused)."""
        check_size(size)
        if scene.media_path is None:
            raise ValidationError("this scene has no uploaded image", field="media_id")
        try:
            data = scene.media_path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError("the scene's uploaded image is gone", field="media_id") from None
        try:
            image = decode_image(data)
        except ValueError as exc:
            raise ValidationError(f"the scene's upload is {exc}", field="media_id") from None
        return cover_crop(image, size)


class HttpImageGenerator:
    """Asks an external image service: POST JSON {prompt, width, height, seed} -> image.

    The service may answer with image bytes, or JSON holding base64 in `image` or `images[0]`
    (the shape of common Stable Diffusion servers). Down -> DependencyError; too slow, an HTTP
    error or something that is not an image -> JobFailedError. Calls block: run them in a
    worker thread, as the job runner does for every generator.
    """

    name = "http"

    def __init__(self, url: str, timeout_s: float = 60.0, *, add_style_keywords: bool = True):
        if not url.startswith(("http://", "https://")):
            raise ValidationError("the image service URL must be http(s)", field="generator_url")
        if timeout_s <= 0:
            raise ValidationError("timeout_s must be positive", field="generator_timeout_s")
        self.url = url
        self.timeout_s = timeout_s
        self.add_style_keywords = add_style_keywords

    def request_body(
        self, scene: SceneSpec, style: Style, size: tuple[int, int], seed: int
    ) -> dict[str, Any]:
        """Return the JSON body sent to the service (the prompt carries the style's keywords)."""
        prompt = scene.prompt.strip()
        if self.add_style_keywords and style.keywords:
            prompt = f"{prompt}, {', '.join(style.keywords)}"
        return {"prompt": prompt, "width": size[0], "height": size[1], "seed": seed}

    def generate(
        self, scene: SceneSpec, style: Style, size: tuple[int, int], seed: int
    ) -> Image.Image:
        """Return the service's image for the scene, cover-cropped to `size`."""
        check_size(size)
        body = self.request_body(scene, style, size, seed)
        try:
            with httpx.Client(timeout=self.timeout_s) as client:
                response = client.post(self.url, json=body)
        except httpx.TimeoutException:
            raise JobFailedError(
                f"image service at {self.url} did not answer within {self.timeout_s:g} s",
                field="generator",
            ) from None
        except httpx.TransportError as exc:
            raise DependencyError(
                f"image service at {self.url} is unreachable ({type(exc).__name__})",
                field="generator",
            ) from None
        if response.status_code >= 400:
            raise JobFailedError(
                f"image service at {self.url} answered HTTP {response.status_code}",
                field="generator",
            )
        content = response.content
        if len(content) > MAX_RESPONSE_BYTES:
            raise JobFailedError("image service answered with an oversized body", field="generator")
        try:
            image = decode_image(_image_bytes(response.headers.get("content-type", ""), content))
        except ValueError as exc:
            raise JobFailedError(
                f"image service at {self.url} did not return an image: {exc}", field="generator"
            ) from None
        return cover_crop(image, size)


def _image_bytes(content_type: str, content: bytes) -> bytes:
    """Return the raw image bytes of a response, unwrapping base64 JSON answers."""
    if "json" not in content_type.lower():
        return content
    try:
        payload = json.loads(content)
        encoded = payload["image"] if "image" in payload else payload["images"][0]
        return base64.b64decode(encoded.split(",")[-1], validate=True)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, binascii.Error):
        raise ValueError("JSON answer without a base64 image") from None
