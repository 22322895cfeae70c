"""Jobs: create TTS jobs, list, read and cancel jobs."""

from __future__ import annotations

import asyncio
from typing import Any

from quart import Blueprint, Response, jsonify

from genscene.errors import NotFoundError
from genscene.pipeline.compose import AUDIO_FORMATS
from genscene.pipeline.jobs import JOB_KINDS, MAX_PAGE_SIZE, STATUSES, Job, is_job_id
from genscene.pipeline.tts import TtsRequest, get_engine
from genscene.web.auth import require_api_key
from genscene.web.context import services, settings
from genscene.web.openapi import doc, json_body
from genscene.web.requests import (
    query_choice,
    query_int,
    read_json_object,
    reject_unknown,
    take,
)

bp = Blueprint("jobs", __name__)

TTS_FIELDS = {"text", "voice", "rate", "pitch", "format", "engine"}
TTS_SCHEMA = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "voice": {"type": "string", "default": "en-us"},
        "rate": {"type": "integer", "minimum": 80, "maximum": 450, "default": 165},
        "pitch": {"type": "integer", "minimum": 0, "maximum": 99, "default": 50},
        "format": {"enum": sorted(AUDIO_FORMATS), "default": "wav"},
        "engine": {"enum": ["espeak-ng"], "default": "espeak-ng"},
    },
}


def accepted(job: Job) -> Response:
    """Return the 202 response for a newly queued job, with its Location."""
    response = jsonify(job.to_json())
    response.status_code = 202
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return response


def checked_job_id(job_id: str) -> str:
    """Return `job_id` if it has the shape of a job id; 404 otherwise."""
    if not is_job_id(job_id):
        raise NotFoundError(f"no job {job_id[:64]}", field="job_id")
    return job_id


@bp.post("/api/tts")
@doc(
    "Queue a text-to-speech job",
    tag="jobs",
    request_body=json_body(TTS_SCHEMA),
    responses={202: "Job queued", 401: "No or bad API key", 415: "Not JSON", 422: "Invalid field"},
)
@require_api_key
async def create_tts() -> Response:
    body = await read_json_object()
    reject_unknown(body, TTS_FIELDS)
    params: dict[str, Any] = {
        "text": take(body, "text", str, required=True),
        "voice": take(body, "voice", str, "en-us"),
        "rate": take(body, "rate", int, 165),
        "pitch": take(body, "pitch", int, 50),
        "format": take(body, "format", str, "wav"),
        "engine": take(body, "engine", str, "espeak-ng"),
    }
    engine = get_engine(params["engine"])
    request = TtsRequest(
        text=params["text"],
        voice=params["voice"],
        rate=params["rate"],
        pitch=params["pitch"],
        format=params["format"],
    )
    # The voice list is cached after the first call; the first call runs a subprocess.
    await asyncio.to_thread(engine.validate, request, max_chars=settings().max_tts_chars)
    svc = services()
    job = await svc.store.create("tts", params)
    svc.runner.notify()
    return accepted(job)


COMPOSE_SCHEMA = {
    "type": "object",
    "required": ["style", "scenes"],
    "description": "A storyboard (see SPEC.md): title, style, format, voice, subtitles, "
    "music, scenes[{prompt, narration, duration, camera, transition, media_id, style, "
    "clip_volume}]",
}


@bp.post("/api/compose")
@doc(
    "Queue a compose job: storyboard to narrated, styled MP4",
    tag="jobs",
    request_body=json_body(COMPOSE_SCHEMA),
    responses={
        202: "Job queued",
        401: "No or bad API key",
        413: "Too large",
        415: "Not JSON",
        422: "Invalid field (the path is in `field`)",
    },
)
@require_api_key
async def create_compose() -> Response:
    from genscene.pipeline.storyboard import StoryboardLimits, parse_storyboard

    body = await read_json_object()
    svc = services()
    # Validation reads the catalogue, media rows and the voice list: a worker thread.
    await asyncio.to_thread(
        parse_storyboard,
        body,
        catalogue=svc.catalogue.get(),
        media_lookup=svc.media.lookup_sync,
        limits=StoryboardLimits.from_settings(svc.settings),
        tts_engine=get_engine(),
    )
    job = await svc.store.create("compose", body)
    svc.runner.notify()
    return accepted(job)


@bp.get("/api/voices")
@doc("The TTS engine's voices (ids usable as `voice`)", tag="jobs")
async def list_voices() -> Response:
    engine = get_engine()
    voices = await asyncio.to_thread(engine.voices)
    return jsonify(
        {
            "engine": engine.name,
            "voices": [
                {"id": v.id, "name": v.name, "language": v.language, "gender": v.gender}
                for v in voices
            ],
        }
    )


@bp.get("/api/jobs")
@doc(
    "List jobs, newest first, with cursor pagination",
    tag="jobs",
    params=[
        {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}},
        {"name": "kind", "in": "query", "schema": {"enum": list(JOB_KINDS)}},
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        },
        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    ],
    responses={200: "A page of jobs", 401: "No or bad API key", 422: "Invalid parameter"},
)
@require_api_key
async def list_jobs() -> Response:
    from quart import request

    status = query_choice("status", STATUSES)
    kind = query_choice("kind", JOB_KINDS)
    limit = query_int("limit", 20, 1, MAX_PAGE_SIZE)
    cursor = request.args.get("cursor") or None
    jobs, next_cursor = await services().store.list_jobs(
        status=status, kind=kind, cursor=cursor, limit=limit
    )
    return jsonify({"jobs": [j.to_json() for j in jobs], "next_cursor": next_cursor})


@bp.get("/api/jobs/<job_id>")
@doc(
    "Read one job",
    tag="jobs",
    responses={200: "The job", 401: "No or bad API key", 404: "Unknown job"},
)
@require_api_key
async def get_job(job_id: str) -> Response:
    job = await services().store.get(checked_job_id(job_id))
    return jsonify(job.to_json())


@bp.post("/api/jobs/<job_id>/cancel")
@doc(
    "Cancel a queued or running job",
    tag="jobs",
    responses={
        200: "Cancelled (or cancel requested)",
        401: "No or bad API key",
        404: "Unknown job",
        409: "Already finished",
    },
)
@require_api_key
async def cancel_job(job_id: str) -> Response:
    job = await services().runner.cancel(checked_job_id(job_id))
    return jsonify(job.to_json())
