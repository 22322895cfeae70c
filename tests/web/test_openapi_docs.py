from __future__ import annotations

import re
from typing import Any

from quart import Quart

from genscene.web.openapi import openapi_path


async def test_openapi_covers_every_route(client: Any, app: Quart) -> None:
    document = await (await client.get("/openapi.json")).get_json()
    assert document["openapi"].startswith("3.")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = openapi_path(rule.rule)
        assert path in document["paths"], f"{rule.rule} is not documented"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {rule.rule}"


async def test_openapi_marks_key_protected_routes(client: Any) -> None:
    document = await (await client.get("/openapi.json")).get_json()
    assert "security" in document["paths"]["/api/tts"]["post"]
    assert "security" not in document["paths"]["/health"]["get"]


async def test_docs_page_works_offline_no_external_assets(client: Any) -> None:
    html = (await (await client.get("/docs")).get_data()).decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assert b"https://" not in await response.get_data()
