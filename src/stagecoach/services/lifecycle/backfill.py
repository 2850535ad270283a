"""Preview and apply-to-existing-records of automation settings (rule 26).

What each setting means for existing records is in `domain/backfill.py`. Preview writes
nothing. Apply saves the settings (apply = save + backfill: the setting is then on for new
events too) and creates a job; the job runs chunk by chunk, each chunk one transaction that
stages the next id range of moves set-based, applies them forward-only (source
LIFECYCLE_AUTOMATION, sourceId `apply_to_existing`, cause: the job), lets automation settle,
and advances the job's cursor and counters in the same commit. A crash therefore loses at
most the chunk in flight, and a job left RUNNING resumes from its cursor without counting
or applying anything twice. Starting a job enqueues its work item in the same transaction
(services/worker/), so a worker runs it, and runs it again after a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection

from stagecoach.domain import automation
from stagecoach.domain import backfill as rules
from stagecoach.domain import settings as settings_rules
from stagecoach.domain.causes import Cause, CauseKind
from stagecoach.domain.errors import NotFound, ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.writes import WriteOptions
from stagecoach.services.core import configuration, writes
from stagecoach.services.core.context import Ctx
from stagecoach.services.worker import queue
from stagecoach.store.lifecycle import backfill as store
from stagecoach.store.lifecycle import settings as settings_store
from stagecoach.store.lifecycle import stage_moves
from stagecoach.store.worker import jobs

log = logging.getLogger("stagecoach.backfill")
KIND = "apply_settings"
CHUNK = 1000
PREVIEW_LIMIT = 100
PHASES = (("stage", ObjectType.CONTACT), ("stage", ObjectType.COMPANY),
          ("closedate", ObjectType.CONTACT), ("closedate", ObjectType.COMPANY))


def _plan(ctx: Ctx, body: Mapping[str, Any]) -> tuple[settings_rules.AutomationSettings,
                                                       rules.Plan]:
    if not isinstance(body, Mapping) or not body:
        raise ValidationError("Name at least one setting to apply", code="INVALID_SETTINGS")
    merged = settings_rules.merge(ctx.catalog.settings, body, ctx.catalog.stages,
                                  ctx.catalog.pipelines)
    return merged, rules.plan(body.keys(), merged, ctx.catalog)


def preview(ctx: Ctx, body: Mapping[str, Any], limit: int = PREVIEW_LIMIT) -> dict[str, Any]:
    """How many records, and which (the first `limit`), applying `body` would move."""
    _, plan = _plan(ctx, body)
    stages = ctx.catalog.stages
    return {
        "total": store.count(ctx.conn, ctx.account_id, plan, stages),
        "results": [
            {"objectType": ot.plural, "id": str(rid), "from": old, "to": new}
            for ot, rid, old, new in store.sample(ctx.conn, ctx.account_id, plan, stages,
                                                  limit)
        ],
    }


def start(ctx: Ctx, body: Mapping[str, Any], user_id: int | None = None) -> dict[str, Any]:
    """Save the settings and create the backfill job (RUNNING, nothing applied yet) with
    its work item, which a worker runs once this transaction commits."""
    # Like every change to the configuration: merged into the settings as they are once
    # the lock is held, not as this unit first read them (a PATCH may have committed since).
    configuration.lock(ctx)
    merged, plan = _plan(ctx, body)
    settings_store.save(ctx.conn, ctx.account_id, merged, ctx.now)
    ctx.reload_catalog()
    total = store.count(ctx.conn, ctx.account_id, plan, ctx.catalog.stages)
    job_id = jobs.create(ctx.conn, ctx.account_id, KIND,
                         {"keys": sorted(body), "settings": merged.to_json()}, total,
                         user_id, ctx.now)
    queue.enqueue(ctx.conn, ctx.account_id, KIND, job_id, ctx.now)
    return get(ctx, job_id)


def get(ctx: Ctx, job_id: int) -> dict[str, Any]:
    row = jobs.get(ctx.conn, ctx.account_id, job_id)
    if row is None:
        raise NotFound(f"Job {job_id} does not exist", id=str(job_id))
    return jobs.to_json(row)


def run_chunk(ctx: Ctx, job_id: int) -> bool:
    """Do the next chunk of the job; False when the job is finished (or not running)."""
    job = jobs.get(ctx.conn, ctx.account_id, job_id, lock=True)
    if job is None or job.state != jobs.RUNNING:
        return False
    plan = rules.plan(job.params["keys"], settings_rules.from_stored(job.params["settings"]),
                      ctx.catalog)
    result = dict(job.result or {})
    cursor = result.get("cursor") or {"phase": 0, "after": 0}
    processed = int(job.processed)
    phase, after = int(cursor["phase"]), int(cursor["after"])
    while phase < len(PHASES):
        kind, ot = PHASES[phase]
        if kind == "stage":
            done = _stage_step(ctx, job_id, plan, ot, after, result)
        else:
            done = _close_date_step(ctx, job_id, plan, ot, after, result)
        if done is None:
            phase, after = phase + 1, 0
            continue
        after, n = done
        if kind == "stage":
            processed += n
        break
    finished = phase >= len(PHASES)
    result["cursor"] = {"phase": phase, "after": after}
    jobs.progress(ctx.conn, ctx.account_id, job_id, processed=processed, result=result,
                  now=ctx.now, state=jobs.DONE if finished else jobs.RUNNING)
    return not finished


def _stage_step(ctx: Ctx, job_id: int, plan: rules.Plan, ot: ObjectType, after: int,
                result: dict[str, Any]) -> tuple[int, int] | None:
    with ctx.step() as step:
        got = store.stage_chunk(ctx.conn, ctx.account_id, step.op, ot, plan,
                                ctx.catalog.stages, after, CHUNK, job_id)
        if got is None:
            return None
        moved = stage_moves.apply(ctx.conn, ctx.account_id, step.op, ctx.now,
                                  ctx.catalog.stages)
    result["moved"] = int(result.get("moved", 0)) + moved.moved
    result["blocked"] = int(result.get("blocked", 0)) + moved.blocked
    return got


def _close_date_step(ctx: Ctx, job_id: int, plan: rules.Plan, ot: ObjectType, after: int,
                     result: dict[str, Any]) -> tuple[int, int] | None:
    if not plan.won_stage_ids:
        return None
    rows = store.close_date_chunk(ctx.conn, ctx.account_id, ot, plan.won_stage_ids, after,
                                  CHUNK)
    if not rows:
        return None
    writes.write(ctx, ot, [
        writes.ItemWrite(rid, automation.close_date_values(created, won_at),
                         Cause(CauseKind.JOB, job_id))
        for rid, created, won_at in rows
    ], store.SOURCE, WriteOptions(system=True))
    result["closedates"] = int(result.get("closedates", 0)) + len(rows)
    return rows[-1][0], len(rows)


Runner = Callable[[int, Callable[[Ctx], bool]], bool]


def run_chunks(run_unit: Runner, account_id: int, job_id: int) -> None:
    """Run a job to its end, one transaction per chunk (`run_unit(account_id, fn)` runs fn
    in a fresh unit of work); a failure is raised, the job left RUNNING at its cursor."""
    while run_unit(account_id, lambda ctx: run_chunk(ctx, job_id)):
        pass


def run(run_unit: Runner, account_id: int, job_id: int) -> None:
    """Run a job to its end; a failure marks the job FAILED with its message."""
    try:
        run_chunks(run_unit, account_id, job_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the job, which must not stay RUNNING
        log.exception("job %s of account %s failed", job_id, account_id)
        message = f"{type(exc).__name__}: {exc}"
        run_unit(account_id, lambda ctx: fail(ctx.conn, account_id, job_id, message, ctx.now))


def fail(conn: Connection, account_id: int, job_id: int, message: str, now: int) -> bool:
    """Mark a job that is still RUNNING as FAILED with `message`."""
    row = jobs.get(conn, account_id, job_id, lock=True)
    if row is None or row.state != jobs.RUNNING:
        return False
    jobs.progress(conn, account_id, job_id, processed=int(row.processed),
                  result=dict(row.result or {}), now=now, state=jobs.FAILED,
                  error=message[:2000])
    return True
