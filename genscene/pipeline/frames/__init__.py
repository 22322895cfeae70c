"""Frame generation: a scene and a style in, a styled frame out.

`render_frame` runs a generator (by default the embedded procedural painter) and applies the
style's look. Generators share one small interface (`FrameGenerator`), so an uploaded image
or an external image service can take the painter's place.
"""

from __future__ import annotations

from PIL import Image

from genscene.pipeline.frames.base import FrameGenerator, SceneSpec
from genscene.pipeline.frames.external import (
    HttpImageGenerator,
    UploadedImageGenerator,
    cover_crop,
)
from genscene.pipeline.frames.procedural import ProceduralGenerator
from genscene.pipeline.frames.prompt import SceneFeatures, parse_prompt
from genscene.pipeline.looks import apply_look
from genscene.pipeline.styles import Style


def render_frame(
    scene: SceneSpec,
    style: Style,
    size: tuple[int, int],
    seed: int,
    generator: FrameGenerator | None = None,
) -> Image.Image:
    """Return the frame for `scene` in `style`: generated (procedurally by default), then graded.

    A scene with `media_path` and no explicit generator uses its uploaded image.
    """
    if generator is None:
        generator = UploadedImageGenerator() if scene.media_path else ProceduralGenerator()
    image = generator.generate(scene, style, size, seed)
    if image.size != size or image.mode != "RGB":
        image = cover_crop(image, size)
    return apply_look(image, style.look, seed)


__all__ = [
    "FrameGenerator",
    "HttpImageGenerator",
    "ProceduralGenerator",
    "SceneFeatures",
    "SceneSpec",
    "UploadedImageGenerator",
    "cover_crop",
    "parse_prompt",
    "render_frame",
]
