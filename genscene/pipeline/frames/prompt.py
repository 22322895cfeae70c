"""Reading a visual prompt into what the procedural painter knows how to draw."""

from __future__ import annotations

import re
from dataclasses import dataclass

TIMES_OF_DAY = ("day", "sunset", "night", "dawn")
SETTINGS = ("city", "street", "market", "library", "forest", "mountains", "sea", "room")
SUBJECTS = ("robot", "detective", "wizard", "character", "photographer", "family")
ATMOSPHERES = ("rain", "snow", "fog", "blossoms", "neon", "dramatic")

_TIME_WORDS = {
    **dict.fromkeys(("sunset", "dusk", "evening", "twilight", "golden"), "sunset"),
    **dict.fromkeys(("night", "midnight", "dark", "moon", "moonlight", "moonlit"), "night"),
    **dict.fromkeys(("dawn", "sunrise", "morning", "daybreak"), "dawn"),
    **dict.fromkeys(("day", "noon", "sunny", "afternoon", "daylight", "daytime"), "day"),
}
_SETTING_WORDS = {
    **dict.fromkeys(("city", "skyline", "downtown", "urban", "metropolis", "skyscraper"), "city"),
    **dict.fromkeys(("street", "alley", "road", "avenue", "sidewalk", "boulevard"), "street"),
    **dict.fromkeys(("market", "bazaar", "stall", "marketplace", "souk"), "market"),
    **dict.fromkeys(("library", "book", "bookshelf", "archive", "study"), "library"),
    **dict.fromkeys(("forest", "wood", "woods", "tree", "jungle", "grove"), "forest"),
    **dict.fromkeys(("mountain", "peak", "alps", "valley", "summit", "ridge"), "mountains"),
    **dict.fromkeys(("sea", "ocean", "beach", "coast", "wave", "harbor", "lake", "shore"), "sea"),
    **dict.fromkeys(
        ("room", "home", "house", "kitchen", "bedroom", "living", "interior", "apartment"), "room"
    ),
}
_SUBJECT_WORDS = {
    **dict.fromkeys(("robot", "android", "droid", "mech", "cyborg"), "robot"),
    **dict.fromkeys(("detective", "investigator", "inspector", "spy", "gumshoe"), "detective"),
    **dict.fromkeys(("wizard", "mage", "sorcerer", "witch", "magician", "warlock"), "wizard"),
    **dict.fromkeys(
        ("character", "girl", "boy", "woman", "man", "person", "hero", "heroine", "student"),
        "character",
    ),
    **dict.fromkeys(("photographer", "camera", "photo", "journalist"), "photographer"),
    **dict.fromkeys(("family", "parents", "children", "kids", "kid", "child"), "family"),
}
_ATMOSPHERE_WORDS = {
    **dict.fromkeys(("rain", "rainy", "raining", "storm", "drizzle", "wet", "downpour"), "rain"),
    **dict.fromkeys(("snow", "snowy", "winter", "blizzard", "snowfall"), "snow"),
    **dict.fromkeys(("fog", "foggy", "mist", "misty", "haze", "hazy"), "fog"),
    **dict.fromkeys(("blossom", "blossoms", "sakura", "cherry", "petal"), "blossoms"),
    **dict.fromkeys(("neon", "cyberpunk", "synthwave"), "neon"),
    **dict.fromkeys(("dramatic", "rays", "godrays", "epic", "spotlight"), "dramatic"),
}
_MAGIC_WORDS = frozenset(("magic", "magical", "enchanted", "spell", "fairy", "glowing", "mystic"))
_FUTURE_WORDS = frozenset(("futuristic", "future", "scifi", "sci", "space", "robotic"))
_PARTY_WORDS = frozenset(("party", "birthday", "celebration", "balloon", "balloons"))


@dataclass(frozen=True)
class SceneFeatures:
    """What a prompt asks for, in the painter's vocabulary."""

    time_of_day: str
    setting: str | None
    subjects: tuple[str, ...]
    atmosphere: frozenset[str]
    is_magical: bool = False
    is_futuristic: bool = False
    is_party: bool = False
    is_time_explicit: bool = False


def _lookup(word: str, table: dict[str, str]) -> str | None:
    """Return the table entry for `word` or its singular (a plural 's' dropped)."""
    if word in table:
        return table[word]
    if word.endswith("s") and word[:-1] in table:
        return table[word[:-1]]
    return None


def parse_prompt(prompt: str) -> SceneFeatures:
    """Return the SceneFeatures a prompt names; unknown words are ignored.

    The last setting named wins ("street photographer in a market" is a market), subjects
    keep their order (at most three), and the time of day defaults to what suits the
    scene: neon and libraries are at night, everything else by day.
    """
    words = re.findall(r"[a-z]+", prompt.lower())
    times: list[str] = []
    setting: str | None = None
    subjects: list[str] = []
    atmosphere: set[str] = set()
    for word in words:
        if (time := _lookup(word, _TIME_WORDS)) is not None:
            times.append(time)
        if (place := _lookup(word, _SETTING_WORDS)) is not None:
            setting = place
        subject = _lookup(word, _SUBJECT_WORDS)
        if subject is not None and subject not in subjects:
            subjects.append(subject)
        if (weather := _lookup(word, _ATMOSPHERE_WORDS)) is not None:
            atmosphere.add(weather)
    # "street photographer" and "camera" describe the photographer, not a second subject.
    if "photographer" in subjects and "character" in subjects:
        subjects.remove("character")
    if "light" in words and "dramatic" in words:
        atmosphere.add("dramatic")
    is_explicit = bool(times)
    if times:
        time_of_day = times[0]
    elif "neon" in atmosphere or setting == "library":
        time_of_day = "night"
    else:
        time_of_day = "day"
    return SceneFeatures(
        time_of_day=time_of_day,
        setting=setting,
        subjects=tuple(subjects[:3]),
        atmosphere=frozenset(atmosphere),
        is_magical=any(w in _MAGIC_WORDS for w in words),
        is_futuristic=any(w in _FUTURE_WORDS for w in words),
        is_party=any(w in _PARTY_WORDS for w in words),
        is_time_explicit=is_explicit,
    )
