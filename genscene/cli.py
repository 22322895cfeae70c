"""The `genscene` command: thin commands over the library."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click

from genscene import __version__
from genscene.errors import GenSceneError
from genscene.settings import Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except GenSceneError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from None


def _open_db(settings: Settings) -> Any:
    from genscene.db.connect import PragmaConfig
    from genscene.db.database import Database

    return Database(
        settings.db_path,
        PragmaConfig.from_settings(settings),
        pool_size=settings.db_pool_size,
        group_commit_max=settings.db_group_commit_max,
    )


def _emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, separators=(",", ":"), sort_keys=True))
        return
    click.echo(json.dumps(data, indent=2, sort_keys=True))


@click.group()
@click.version_option(__version__, prog_name="genscene")
def main() -> None:
    """Gen Scene Studio: turn storyboards into narrated, styled videos."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default GENSCENE_HOST).")
@click.option("--port", default=None, type=int, help="Port (default GENSCENE_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the API and the studio page with Hypercorn."""
    from genscene.web.server import serve as run_server

    settings = _settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    run_server(settings, host=host or settings.host, port=port or settings.port)


@main.command()
@click.argument("storyboard_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The MP4 to write; poster, SRT and VTT are written beside it.",
)
@click.option("--seed", default=0, type=int, help="Seed of the procedural painter.")
def render(storyboard_file: str, output: str, seed: int) -> None:
    """Render a storyboard (JSON or YAML) to a narrated, styled MP4."""
    import asyncio
    from pathlib import Path

    from genscene.pipeline.media import MediaStore
    from genscene.pipeline.render import OutputNames, render_storyboard, shutdown_frame_pool
    from genscene.pipeline.storyboard import StoryboardLimits, load_storyboard_file

    settings = _settings()
    out = Path(output).resolve()
    if out.suffix.lower() != ".mp4":
        raise click.ClickException("the output must be an .mp4 file")
    out.parent.mkdir(parents=True, exist_ok=True)
    database = _open_db(settings)
    limits = StoryboardLimits.from_settings(settings)
    try:
        data = load_storyboard_file(Path(storyboard_file))
        if not isinstance(data, dict):
            raise click.ClickException("the storyboard file must hold one object")
        with click.progressbar(length=1000, label="rendering", show_eta=True) as bar:
            done = 0

            async def progress(value: float, stage: str, message: str | None, _: object) -> None:
                nonlocal done
                step = int(value * 1000) - done
                if step > 0:
                    bar.label = f"{stage:9}"
                    bar.update(step)
                    done += step

            result = asyncio.run(
                render_storyboard(
                    data,
                    out.parent,
                    cache_dir=settings.data_dir / "cache",
                    on_progress=progress,
                    media_lookup=MediaStore(database, settings.media_dir).lookup_sync,
                    seed=seed,
                    names=OutputNames.beside(out),
                    limits=limits,
                    cache_max_bytes=settings.scene_cache_max_mb * 2**20,
                )
            )
    except GenSceneError as exc:
        raise click.ClickException(f"{exc.field or 'storyboard'}: {exc.message}") from None
    finally:
        shutdown_frame_pool()
        database.close()
    click.echo(
        f"{result.video} ({result.duration_s:.1f} s, {result.width}x{result.height}); "
        f"poster {result.poster.name}, subtitles {result.srt.name} and {result.vtt.name}"
    )


@main.command()
@click.argument("job_id")
@click.option("--ttl", "ttl_s", type=int, default=None, help="Lifetime in seconds.")
def token(job_id: str, ttl_s: int | None) -> None:
    """Print a stream token for JOB_ID's event stream."""
    from genscene.pipeline.jobs import JobStore
    from genscene.web.tokens import TokenService

    settings = _settings()
    database = _open_db(settings)
    try:
        if JobStore(database).get_sync(job_id) is None:
            raise click.ClickException(f"no job {job_id}")
    finally:
        database.close()
    try:
        minted = TokenService.from_settings(settings).mint(job_id, ttl_s=ttl_s)
    except GenSceneError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    click.echo(minted.token)


def _catalogue(settings: Settings) -> Any:
    from pathlib import Path

    from genscene.pipeline.styles import CatalogueFile

    return CatalogueFile(Path(settings.styles_file) if settings.styles_file else None).get()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def styles(as_json: bool) -> None:
    """List the seven styles with their preview status."""
    from genscene.pipeline.previews import PreviewCache

    settings = _settings()
    catalogue = _catalogue(settings)
    cache = PreviewCache(settings.data_dir / "previews", settings.preview_ttl_s)
    rows = [
        {**style.to_json(None), "preview": cache.status(style).status} for style in catalogue.all()
    ]
    if as_json:
        _emit({"styles": rows}, True)
        return
    for row in rows:
        click.echo(f"{row['id']:22} {row['category']:10} {row['preview']:8} {row['name']}")


@main.group()
def previews() -> None:
    """Style previews."""


@previews.command("generate")
@click.option("--force", is_flag=True, help="Render every preview, fresh or not.")
def previews_generate(force: bool) -> None:
    """Render missing or stale style previews into the cache."""
    from genscene.pipeline.previews import PreviewCache

    settings = _settings()
    catalogue = _catalogue(settings)
    cache = PreviewCache(settings.data_dir / "previews", settings.preview_ttl_s)
    todo = [s for s in catalogue.all() if force or cache.needs_render(s)]
    if not todo:
        click.echo("every preview is fresh")
        return
    with click.progressbar(
        todo, label="rendering previews", item_show_func=lambda s: s and s.id
    ) as bar:
        for style in bar:
            cache.render_preview(style)
    click.echo(f"rendered {len(todo)} preview(s) into {cache.root}")


@main.group()
def db() -> None:
    """Database statistics and maintenance."""


@db.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def db_stats(as_json: bool) -> None:
    """Print PRAGMAs in effect, sizes, page counts and tables."""
    database = _open_db(_settings())
    try:
        _emit(database.stats(), as_json)
    finally:
        database.close()


@db.command("optimize")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def db_optimize(as_json: bool) -> None:
    """Run PRAGMA optimize, incremental vacuum and a WAL checkpoint."""
    database = _open_db(_settings())
    try:
        _emit(database.optimize(), as_json)
    finally:
        database.close()


@main.command()
@click.argument("name", required=False)
@click.option("--quick", is_flag=True, help="Short run.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench(name: str | None, quick: bool, as_json: bool) -> None:
    """Run a benchmark script from benchmarks/ (list them without NAME)."""
    import subprocess
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "benchmarks"
    scripts = sorted(p.stem for p in folder.glob("*.py")) if folder.exists() else []
    if name is None:
        click.echo("\n".join(scripts) or "no benchmarks found")
        return
    if name not in scripts:
        raise click.ClickException(f"unknown benchmark {name!r}; one of {scripts}")
    args = [sys.executable, str(folder / f"{name}.py")]
    args += ["--quick"] if quick else []
    args += ["--json"] if as_json else []
    sys.exit(subprocess.call(args))


if __name__ == "__main__":  # pragma: no cover
    main()
