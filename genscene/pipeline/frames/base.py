"""What every frame generator shares: the scene it is asked for and the interface it meets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image

from genscene.pipeline.styles import Style


@dataclass(frozen=True)
class SceneSpec:
    """One scene to paint: its visual prompt and, optionally, an uploaded image to use."""

    prompt: str
    media_path: Path | None = None


@runtime_checkable
class FrameGenerator(Protocol):
    """Paints one frame for a scene; `render_frame` applies the style's look afterwards."""

    name: str

    def generate(
        self, scene: SceneSpec, style: Style, size: tuple[int, int], seed: int
    ) -> Image.Image:
        """Return an RGB image of exactly `size` (width, height) for `scene`."""
        ...
