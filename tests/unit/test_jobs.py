from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from genscene.db.database import Database
from genscene.errors import ConflictError, JobFailedError, NotFoundError, ValidationError
from genscene.pipeline.jobs import InProcessEventBus, JobContext, JobRunner, JobStore


@pytest.fixture
def store(db: Database) -> JobStore:
    return JobStore(db, InProcessEventBus())


async def wait_for_status(
    store: JobStore, job_id: str, statuses: set[str], timeout: float = 10
) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            job = await store.get(job_id)
            if job.status in statuses:
                return job
            await asyncio.sleep(0.02)


async def test_create_job_queued_with_first_event(store: JobStore) -> None:
    job = await store.create("tts", {"text": "hi"})
    assert job.status == "queued" and job.progress == 0.0 and job.params == {"text": "hi"}
    assert job.created_at.endswith("Z")
    events = await store.events(job.id)
    assert [(e.seq, e.type, e.data["status"]) for e in events] == [(1, "status", "queued")]


async def test_create_unknown_kind_rejected_naming_kind(store: JobStore) -> None:
    with pytest.raises(ValidationError) as caught:
        await store.create("paint", {})
    assert caught.value.field == "kind"


async def test_claim_concurrent_workers_each_job_claimed_once(store: JobStore) -> None:
    created = [await store.create("tts", {"n": i}) for i in range(60)]

    async def claimer() -> list[str]:
        got = []
        while (job := await store.claim(["tts"])) is not None:
            got.append(job.id)
        return got

    results = await asyncio.gather(*[claimer() for _ in range(8)])
    claimed = [job_id for batch in results for job_id in batch]
    assert sorted(claimed) == sorted(j.id for j in created)
    assert len(set(claimed)) == len(claimed)


def _claim_in_process(path: str, out: Any) -> None:
    async def main() -> list[str]:
        db = Database(path)
        store = JobStore(db)
        got = []
        while (job := await store.claim(["tts"])) is not None:
            got.append(job.id)
        db.close()
        return got

    out.put(asyncio.run(main()))


async def test_claim_from_two_processes_never_twice(store: JobStore, db: Database) -> None:
    import multiprocessing

    created = [await store.create("tts", {"n": i}) for i in range(80)]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_in_process, args=(str(db.path), out)) for _ in range(2)]
    for proc in procs:
        proc.start()
    results = [await asyncio.to_thread(out.get, True, 60) for _ in procs]
    for proc in procs:
        proc.join(10)
    claimed = results[0] + results[1]
    assert sorted(claimed) == sorted(j.id for j in created)
    assert len(set(claimed)) == 80


async def test_runner_job_events_ordered_and_complete(store: JobStore, tmp_path: Path) -> None:
    async def handler(ctx: JobContext) -> dict[str, Any]:
        for step in range(1, 11):
            await ctx.progress(step / 10, "working", f"step {step}")
        await ctx.log("done working")
        return {"answer": 42}

    sub = store.bus.subscribe(InProcessEventBus.ALL, maxsize=1000)
    runner = JobRunner(store, {"tts": handler}, media_dir=tmp_path, workers=2, poll_interval_s=0.05)
    await runner.start()
    jobs = [await store.create("tts", {}) for _ in range(3)]
    runner.notify()
    for job in jobs:
        done = await wait_for_status(store, job.id, {"succeeded", "failed"})
        assert done.status == "succeeded" and done.result == {"answer": 42}
        assert done.progress == 1.0
    await runner.stop()
    for job in jobs:
        events = await store.events(job.id)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        kinds = [(e.type, e.data.get("status")) for e in events]
        assert kinds[0] == ("status", "queued") and kinds[1] == ("status", "running")
        assert kinds[-1] == ("status", "succeeded")
        assert [e.data["progress"] for e in events if e.type == "progress"] == [
            pytest.approx(s / 10) for s in range(1, 11)
        ]
        assert sum(1 for e in events if e.type == "log") == 1
    published = [e for e in sub.pending() if e.job_id in {j.id for j in jobs}]
    for job in jobs:
        mine = [e.seq for e in published if e.job_id == job.id]
        stored = [e.seq for e in await store.events(job.id)]
        assert sorted(mine) == stored


async def test_runner_domain_error_fails_job_with_reason(store: JobStore, tmp_path: Path) -> None:
    async def handler(ctx: JobContext) -> dict[str, Any]:
        ctx.output_dir.mkdir(parents=True)
        (ctx.output_dir / "half.mp4").write_bytes(b"partial")
        raise JobFailedError("ffmpeg exploded", field="scenes[1]")

    runner = JobRunner(store, {"tts": handler}, media_dir=tmp_path, workers=1, poll_interval_s=0.05)
    await runner.start()
    job = await store.create("tts", {})
    done = await wait_for_status(store, job.id, {"failed"})
    await runner.stop()
    assert done.error == {"code": "job_failed", "message": "ffmpeg exploded", "field": "scenes[1]"}
    assert not (tmp_path / job.id).exists()


async def test_runner_unexpected_error_fails_without_internals(
    store: JobStore, tmp_path: Path
) -> None:
    async def handler(ctx: JobContext) -> dict[str, Any]:
        raise KeyError("secret internal detail")

    runner = JobRunner(store, {"tts": handler}, media_dir=tmp_path, workers=1, poll_interval_s=0.05)
    await runner.start()
    job = await store.create("tts", {})
    done = await wait_for_status(store, job.id, {"failed"})
    await runner.stop()
    assert done.error["code"] == "internal"
    assert "secret" not in done.error["message"]


async def test_cancel_queued_job_cancelled_at_once(store: JobStore) -> None:
    job = await store.create("tts", {})
    cancelled = await store.request_cancel(job.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at is not None
    assert await store.claim(["tts"]) is None
    with pytest.raises(ConflictError):
        await store.request_cancel(job.id)
    with pytest.raises(NotFoundError):
        await store.request_cancel("0" * 32)


async def test_cancel_running_job_interrupts_and_removes_outputs(
    store: JobStore, tmp_path: Path
) -> None:
    started = asyncio.Event()

    async def handler(ctx: JobContext) -> dict[str, Any]:
        ctx.output_dir.mkdir(parents=True)
        (ctx.output_dir / "partial.mp4").write_bytes(b"x")
        started.set()
        await asyncio.sleep(60)
        return {}

    runner = JobRunner(store, {"tts": handler}, media_dir=tmp_path, workers=1, poll_interval_s=0.05)
    await runner.start()
    job = await store.create("tts", {})
    await asyncio.wait_for(started.wait(), 5)
    cancelled = await runner.cancel(job.id)
    await runner.stop()
    assert cancelled.status == "cancelled"
    assert not (tmp_path / job.id).exists()
    assert (await store.events(job.id))[-1].data["status"] == "cancelled"


async def test_progress_after_cancel_request_raises_in_handler(
    store: JobStore, tmp_path: Path
) -> None:
    reached = []

    async def handler(ctx: JobContext) -> dict[str, Any]:
        await store.request_cancel(ctx.job.id)  # as if another process asked
        await ctx.progress(0.5, "working")
        reached.append("after")
        return {}

    runner = JobRunner(store, {"tts": handler}, media_dir=tmp_path, workers=1, poll_interval_s=0.05)
    await runner.start()
    job = await store.create("tts", {})
    done = await wait_for_status(store, job.id, {"cancelled", "succeeded"})
    await runner.stop()
    assert done.status == "cancelled" and reached == []


async def test_stop_with_running_job_requeues_it(store: JobStore, tmp_path: Path) -> None:
    started = asyncio.Event()

    async def handler(ctx: JobContext) -> dict[str, Any]:
        started.set()
        await asyncio.sleep(60)
        return {}

    runner = JobRunner(store, {"tts": handler}, media_dir=tmp_path, workers=1, poll_interval_s=0.05)
    await runner.start()
    job = await store.create("tts", {})
    await asyncio.wait_for(started.wait(), 5)
    await runner.stop(grace_s=0.2)
    again = await store.get(job.id)
    assert again.status == "queued" and again.attempts == 0


async def test_crash_recovery_requeues_then_fails_after_max_attempts(
    store: JobStore, tmp_path: Path
) -> None:
    job = await store.create("tts", {})
    for attempt in (1, 2):
        claimed = await store.claim(["tts"])
        assert claimed is not None and claimed.attempts == attempt
        recovered = await store.recover_interrupted(max_attempts=2)  # a "restart"
        assert [j.id for j in recovered] == [job.id]
    final = await store.get(job.id)
    assert final.status == "failed"
    assert final.error is not None and final.error["code"] == "interrupted"
    statuses = [e.data["status"] for e in await store.events(job.id) if e.type == "status"]
    assert statuses == ["queued", "running", "queued", "running", "failed"]


async def test_list_jobs_paginates_newest_first_with_filters(store: JobStore) -> None:
    made = [await store.create("tts" if i % 2 else "compose", {"i": i}) for i in range(7)]
    seen, cursor = [], None
    while True:
        page, cursor = await store.list_jobs(limit=3, cursor=cursor)
        seen.extend(j.id for j in page)
        if cursor is None:
            break
    assert seen == [j.id for j in reversed(made)]
    tts, _ = await store.list_jobs(kind="tts", limit=100)
    assert {j.params["i"] for j in tts} == {1, 3, 5}
    with pytest.raises(ValidationError) as caught:
        await store.list_jobs(cursor="garbage!!")
    assert caught.value.field == "cursor"


async def test_slow_subscriber_overflows_without_stalling_others(store: JobStore) -> None:
    job = await store.create("tts", {})
    slow = store.bus.subscribe(job.id, maxsize=2)
    fast = store.bus.subscribe(job.id, maxsize=100)
    await store.claim(["tts"])
    for i in range(10):
        await store.report_progress(job.id, i / 10, "working")
    assert slow.overflowed and slow.dropped == 9
    assert fast.qsize() == 11 and not fast.overflowed
    slow.close()
    fast.close()
    assert store.bus.subscriber_count(job.id) == 0
