"""Style catalogue: the spec's seven styles, strict validation, content hashes, saving looks."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from genscene.errors import NotFoundError, ValidationError
from genscene.pipeline.styles import (
    CATALOGUE_PATH,
    Look,
    load_catalogue,
    parse_catalogue,
    save_look,
)

SPEC_TABLE = [
    ("cinematic-realism", "Cinematic Realism", "realistic", "city at sunset, dramatic light"),
    ("stylized-3d", "Stylized 3D", "animated", 'futuristic robot, soft "Pixar-lite" shading'),
    ("anime", "Anime", "animated", "character under cherry blossoms"),
    ("documentary-grit", "Documentary Grit", "realistic", "street photographer in a market"),
    ("film-noir", "Film Noir", "vintage", "detective in a dark street with rain"),
    ("retro-vhs-90s", "Retro VHS 90s", "vintage", "90s family home video"),
    ("fantasy-illustration", "Fantasy Illustration", "artistic", "wizard in a magical library"),
]


@pytest.fixture()
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture()
def catalogue_file(tmp_path: Path) -> Path:
    path = tmp_path / "styles.json"
    path.write_text(CATALOGUE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    path.chmod(0o644)
    return path


def test_catalogue_default_has_spec_styles_in_order() -> None:
    catalogue = load_catalogue()
    got = [(s.id, s.name, s.category, s.demo_scene) for s in catalogue.all()]
    assert got == SPEC_TABLE
    for style in catalogue.all():
        assert len(style.palette) >= 3
        assert all(c.startswith("#") and len(c) == 7 for c in style.palette)
        assert style.keywords and style.description
        assert style.look != Look(), f"{style.id} has a neutral look"


def test_catalogue_categories_stable_order_lists_every_style() -> None:
    categories = load_catalogue().categories()
    assert [c[0] for c in categories] == ["realistic", "animated", "vintage", "artistic"]
    assert [c[1] for c in categories] == ["Realistic", "Animated", "Vintage", "Artistic"]
    assert dict((c[0], c[2]) for c in categories) == {
        "realistic": ["cinematic-realism", "documentary-grit"],
        "animated": ["stylized-3d", "anime"],
        "vintage": ["film-noir", "retro-vhs-90s"],
        "artistic": ["fantasy-illustration"],
    }


def test_catalogue_get_unknown_id_raises_not_found_naming_style_id() -> None:
    with pytest.raises(NotFoundError) as caught:
        load_catalogue().get("watercolour")
    assert caught.value.field == "style_id"
    assert caught.value.code == "not_found"


def test_catalogue_in_category_unknown_raises_not_found_naming_category() -> None:
    catalogue = load_catalogue()
    assert [s.id for s in catalogue.in_category("vintage")] == ["film-noir", "retro-vhs-90s"]
    with pytest.raises(NotFoundError) as caught:
        catalogue.in_category("baroque")
    assert caught.value.field == "category"


def test_style_to_json_matches_spec_shape() -> None:
    style = load_catalogue().get("film-noir")
    body = style.to_json("/styles/film-noir/preview.png")
    assert list(body) == [
        "id",
        "name",
        "category",
        "description",
        "palette",
        "keywords",
        "demo_scene",
        "preview_url",
    ]
    assert body["id"] == "film-noir"
    assert body["preview_url"] == "/styles/film-noir/preview.png"
    assert body["palette"] == list(style.palette)
    json.dumps(body)  # plain JSON types only
    assert style.to_json(None)["preview_url"] is None


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["styles"][2]["palette"].__setitem__(0, "pink"), "styles[2].palette[0]"),
        (lambda d: d["styles"][0].pop("name"), "styles[0].name"),
        (lambda d: d["styles"][0].__setitem__("name", "  "), "styles[0].name"),
        (lambda d: d["styles"][1]["look"].__setitem__("sparkle", 1), "styles[1].look.sparkle"),
        (lambda d: d["styles"][3]["look"].__setitem__("grain", 1.5), "styles[3].look.grain"),
        (lambda d: d["styles"][3]["look"].__setitem__("grain", True), "styles[3].look.grain"),
        (
            lambda d: d["styles"][4]["look"].__setitem__("monochrome", 1),
            "styles[4].look.monochrome",
        ),
        (
            lambda d: d["styles"][0]["look"].__setitem__("shadow_tint", "#12345"),
            "styles[0].look.shadow_tint",
        ),
        (
            lambda d: d["styles"][2]["look"].__setitem__("posterize_levels", 4.5),
            "styles[2].look.posterize_levels",
        ),
        (lambda d: d["styles"][4].__setitem__("id", "anime"), "styles[4].id"),
        (lambda d: d["styles"][1].__setitem__("id", "Film Noir"), "styles[1].id"),
        (lambda d: d["styles"][0].__setitem__("category", "baroque"), "styles[0].category"),
        (lambda d: d["styles"][0].__setitem__("colour", "red"), "styles[0].colour"),
        (lambda d: d["styles"][5].__setitem__("keywords", []), "styles[5].keywords"),
        (lambda d: d["styles"][5].__setitem__("keywords", ["vhs", 3]), "styles[5].keywords[1]"),
        (lambda d: d["styles"][6].pop("look"), "styles[6].look"),
        (lambda d: d.__setitem__("styles", {}), "styles"),
        (lambda d: d["categories"][1].pop("name"), "categories[1]"),
    ],
)
def test_parse_catalogue_invalid_field_raises_validation_error_naming_path(
    raw: dict[str, Any], mutate: Any, field: str
) -> None:
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(ValidationError) as caught:
        parse_catalogue(data)
    assert caught.value.field == field
    assert field.split(".")[-1].split("[")[0] in caught.value.message


def test_load_catalogue_broken_json_raises_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "styles.json"
    path.write_text('{"styles": [', encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid JSON"):
        load_catalogue(path)


def test_content_hash_same_definition_different_formatting_is_equal(
    raw: dict[str, Any], tmp_path: Path
) -> None:
    reordered = {"styles": [dict(reversed(list(s.items()))) for s in raw["styles"]]}
    reordered["categories"] = raw["categories"]
    path = tmp_path / "styles.json"
    path.write_text(json.dumps(reordered, indent=4), encoding="utf-8")
    original = {s.id: s.content_hash for s in load_catalogue().all()}
    assert {s.id: s.content_hash for s in load_catalogue(path).all()} == original
    assert len(set(original.values())) == 7
    assert all(len(h) == 64 for h in original.values())


def test_content_hash_look_changes_hash_changes() -> None:
    style = load_catalogue().get("anime")
    tuned = style.with_look(style.look.with_changes(cel_edges=0.5))
    assert tuned.content_hash != style.content_hash
    assert tuned.with_look(style.look).content_hash == style.content_hash
    renamed = load_catalogue().get("anime")
    assert renamed.content_hash == style.content_hash


def test_look_with_changes_out_of_range_raises_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        Look().with_changes(vignette=2.0)
    assert caught.value.field == "look.vignette"
    with pytest.raises(ValidationError) as caught:
        Look().with_changes(letterbox_aspect=0.5)
    assert caught.value.field == "look.letterbox_aspect"


def test_save_look_rewrites_file_atomically_and_changes_hash(catalogue_file: Path) -> None:
    before = load_catalogue(catalogue_file)
    old = before.get("film-noir")
    tuned_look = old.look.with_changes(grain=0.9, vignette=0.2)

    after = save_look("film-noir", tuned_look, catalogue_file)

    reloaded = load_catalogue(catalogue_file)
    assert reloaded.get("film-noir").look == tuned_look
    assert after.get("film-noir").content_hash == reloaded.get("film-noir").content_hash
    assert reloaded.get("film-noir").content_hash != old.content_hash
    for style in before.all():
        if style.id != "film-noir":
            assert reloaded.get(style.id).content_hash == style.content_hash
    assert sorted(p.name for p in catalogue_file.parent.iterdir()) == ["styles.json"]
    assert stat.S_IMODE(catalogue_file.stat().st_mode) == 0o644
    stored = json.loads(catalogue_file.read_text(encoding="utf-8"))
    assert stored["styles"][4]["look"]["grain"] == 0.9
    assert "tint" not in stored["styles"][4]["look"]  # only non-default values are written


def test_save_look_unknown_style_raises_not_found_and_keeps_file(catalogue_file: Path) -> None:
    before = catalogue_file.read_bytes()
    with pytest.raises(NotFoundError):
        save_look("watercolour", Look(grain=0.3), catalogue_file)
    assert catalogue_file.read_bytes() == before
    assert sorted(p.name for p in catalogue_file.parent.iterdir()) == ["styles.json"]
