"""Gen Scene Studio: storyboard to narrated, styled video."""

from __future__ import annotations

__version__ = "0.1.0"
