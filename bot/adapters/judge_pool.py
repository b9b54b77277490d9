"""Judging attachments in worker processes, so that whatever a reader does, the mail ends in a finding.

python-calamine can abort the whole process on hostile files (a Rust allocation failure that no `except`
catches), and any reader can spin or swell. Each worker is a separate process with an address-space limit;
the parent waits with a timeout, and a worker that dies or overruns is killed and replaced. The result is
always a Report: the real one, or one finding (`file_reader_crashed`, `file_timeout`).

A rejected workbook is also marked up for the reply (openpyxl loads the whole file) in the worker, under the
same limits, after its report has been sent: a worker that dies or overruns there costs only the marked-up
copy, never the judgement.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import resource
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from bot.replies.markup import annotate_workbook
from bot.usecase.faults import crashpoint
from bot.usecase.incoming import Attachment
from bot.usecase.ports import Judgement
from parsers import ParseError, parse_workbook
from parsers.errors import ReaderCrashed, ReaderTimeout
from parsers.limits import DEFAULT_LIMITS, Limits
from validators import Form, Registry, load_form, load_registry, validate
from validators.findings import Finding, Report, Severity

log = logging.getLogger(__name__)
READY = "ready"
STARTUP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class JudgeLimits:
    seconds_per_attachment: float = 30.0
    memory_bytes: int = 512 * 1024 * 1024
    workers: int = 2
    parse: Limits = DEFAULT_LIMITS


def judge_attachment(
    att: Attachment, registry: Registry, form: Form, limits: Limits = DEFAULT_LIMITS
) -> Report:
    """Parse and validate one attachment in this process; an unreadable file is a finding, not an error."""
    if att.refused is not None:
        return failed_report(att.filename, *att.refused)
    try:
        workbook = parse_workbook(att.payload, att.filename, limits)
    except ParseError as e:
        return failed_report(att.filename, e.code, dict(e.ctx))
    return validate(workbook, registry, form)


def failed_report(filename: str, code: str, ctx: dict[str, str | int] | None = None) -> Report:
    finding = Finding(code=code, severity=Severity.ERROR, value=filename, ctx=ctx or {})
    return Report(filename=filename, province=None, findings=(finding,), readable=False)


def _worker_main(
    conn: Connection, registry_path: Path | None, form_path: Path | None, memory: int, limits: Limits
) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    registry, form = load_registry(registry_path), load_form(form_path)
    conn.send(READY)

    while True:
        try:
            att, annotate = conn.recv()
        except EOFError:
            return
        report = judge_attachment(att, registry, form, limits)
        conn.send(report)
        if annotate and report.status == "rejected":
            crashpoint("while_marking_up")
            conn.send(annotate_workbook(att.payload, report.findings))


class _Worker:
    def __init__(self, ctx: mp.context.SpawnContext, args: tuple[object, ...]) -> None:
        self.conn, child = ctx.Pipe()
        self.process: BaseProcess = ctx.Process(target=_worker_main, args=(child, *args), daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the worker has loaded the registry, so no mail is "in hand" during start-up."""
        if wait([self.conn, self.process.sentinel], timeout=timeout) and self.conn.poll():
            try:
                self.ready = self.conn.recv() == READY
            except (EOFError, OSError):
                self.ready = False
        if not self.ready:
            log.error(
                "judge worker pid=%s did not start (exitcode %s)", self.process.pid, self.process.exitcode
            )
        return self.ready

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class JudgePool:
    """A few long-lived worker processes that judge attachments in parallel. Use as a context manager."""

    def __init__(
        self,
        registry_path: Path | None = None,
        form_path: Path | None = None,
        limits: JudgeLimits = JudgeLimits(),
    ) -> None:
        self.limits = limits
        self._args = (registry_path, form_path, limits.memory_bytes, limits.parse)
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []

    def __enter__(self) -> JudgePool:
        self._workers = [_Worker(self._ctx, self._args) for _ in range(self.limits.workers)]
        for worker in self._workers:
            worker.wait_ready(STARTUP_SECONDS)
        return self

    def __exit__(self, *exc: object) -> None:
        for w in self._workers:
            w.kill()
        self._workers = []

    def judge(self, att: Attachment) -> Report:
        """The report on one attachment (no marked-up copy)."""
        return self.judge_many([att], annotate=False)[0].report

    def judge_many(self, atts: Sequence[Attachment], *, annotate: bool = True) -> list[Judgement]:
        """Judge attachments on the workers, in order of the input; at most `workers` at a time.

        With `annotate`, a rejected workbook comes back marked up too."""
        results: list[Judgement | None] = [None] * len(atts)
        pending = list(enumerate(atts))
        while pending:
            batch, pending = pending[: len(self._workers)], pending[len(self._workers) :]
            for slot, (_, att) in enumerate(batch):
                self._send(slot, att, annotate)
            for slot, (i, att) in enumerate(batch):
                report = self._collect(slot, att)
                wanted = annotate and report.status == "rejected"  # exactly when the worker sends a copy
                results[i] = Judgement(report, self._collect_annotated(slot, att) if wanted else None)
        return [r for r in results if r is not None]

    def _send(self, slot: int, att: Attachment, annotate: bool) -> None:
        if not self._workers[slot].ready:  # died since its last job: replace it first
            self._replace(slot)
        worker = self._workers[slot]
        if worker.ready:
            try:
                worker.conn.send((att, annotate))
            except (BrokenPipeError, OSError):
                worker.ready = False

    def _replace(self, slot: int) -> None:
        self._workers[slot].kill()
        self._workers[slot] = _Worker(self._ctx, self._args)
        self._workers[slot].wait_ready(STARTUP_SECONDS)

    def _collect(self, slot: int, att: Attachment) -> Report:
        report, failure = self._receive(slot, att, Report, "judging it")
        if isinstance(report, Report):
            return report
        return failed_report(att.filename, failure, {"seconds": int(self.limits.seconds_per_attachment)})

    def _collect_annotated(self, slot: int, att: Attachment) -> bytes | None:
        """The marked-up copy the worker sends after a rejected report; None if it dies or overruns
        (the reply then goes without it)."""
        if not self._workers[slot].ready:
            return None
        marked, _failure = self._receive(slot, att, (bytes, type(None)), "marking up the workbook")
        return marked if isinstance(marked, bytes) else None

    def _receive(
        self, slot: int, att: Attachment, kind: type | tuple[type, ...], doing: str
    ) -> tuple[object, str]:
        """The worker's next message when it is a `kind` and comes within the time limit: (it, "").
        Otherwise the worker is killed, to be replaced before its next job, and the result is (None,
        file_reader_crashed or file_timeout)."""
        worker = self._workers[slot]
        ready: list[object] = [worker.process.sentinel]  # a worker that never started "crashed"
        if worker.ready:
            ready = list(
                wait([worker.conn, worker.process.sentinel], timeout=self.limits.seconds_per_attachment)
            )
        if worker.conn in ready:
            try:
                message = worker.conn.recv()
                if isinstance(message, kind):
                    return message, ""
            except (EOFError, OSError):
                pass
        code = ReaderCrashed.code if ready else ReaderTimeout.code
        log.warning(
            "attachment %r: worker pid=%s %s %s (exitcode %s); replacing it",
            att.filename, worker.process.pid, code, doing, worker.process.exitcode,
        )  # fmt: skip
        worker.ready = False
        worker.kill()
        return None, code
