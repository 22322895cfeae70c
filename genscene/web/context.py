"""Access to the running server's services from inside a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quart import current_app

from genscene.settings import Settings

if TYPE_CHECKING:  # services.py imports the blueprints' modules; avoid the cycle at run time
    from genscene.web.services import Services


def services() -> Services:
    """Return the Services of the app handling the current request."""
    found: Services = current_app.extensions["genscene"]
    return found


def settings() -> Settings:
    """Return the Settings of the app handling the current request."""
    found: Settings = current_app.config["GENSCENE_SETTINGS"]
    return found
