"""Where batch jobs run: long-lived local worker processes, or Ray tasks on a local or remote cluster.

An executor is a context manager with ``run(jobs)``, which yields ``(index, outcome)`` as each job
finishes (outcome: :func:`avatar.batches.worker.render_row`'s dict). Choose one by name with
:func:`open_executor`.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterator, Sequence

from avatar.batches.worker import render_row, warm_up
from avatar.errors import AvatarError
from avatar.job import RenderJob

EXECUTORS = ("local", "ray")
DEFAULT_TIMEOUT = 3600.0  # seconds one video may take before it is recorded as failed


def default_jobs() -> int:
    """Workers for this machine: one per two cores (a render keeps about two cores busy), at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


def _failed(error: str) -> dict[str, Any]:
    return {"status": "failed", "error": error, "wall_time": 0.0, "warnings": []}


class LocalExecutor:
    """A pool of worker processes (spawned, so no thread state is forked), each warmed up once."""

    def __init__(self, jobs: int | None = None):
        self.jobs = jobs or default_jobs()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "LocalExecutor":
        self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=warm_up)
        return self

    def __exit__(self, *exc) -> None:
        assert self._pool is not None
        interrupted = exc[0] is not None
        if interrupted:  # stop the workers now; each removes its partial files as it unwinds
            for process in list(getattr(self._pool, "_processes", {}).values()):
                if process.is_alive():
                    process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def run(self, jobs: Sequence[RenderJob]) -> Iterator[tuple[int, dict[str, Any]]]:
        assert self._pool is not None
        futures = {self._pool.submit(render_row, job): i for i, job in enumerate(jobs)}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    yield futures[future], future.result()
                except BrokenProcessPool:
                    yield futures[future], _failed("the worker process died (killed or out of memory)")


class RayExecutor:
    """Ray tasks: on the cluster at ``address``, else on a local Ray instance started for the batch
    (sized to this machine) and shut down afterwards. A Ray already initialised in this process is
    used as it is. Tasks ask for a GPU only when the cluster has one."""

    def __init__(self, jobs: int | None = None, address: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        self.jobs = jobs
        self.address = address
        self.timeout = timeout
        self._started = False
        self._ray: Any = None

    def __enter__(self) -> "RayExecutor":
        try:
            import ray
        except ImportError:
            raise AvatarError("executor", "ray is not installed; pip install 'talking-avatar[ray]'") from None
        self._ray = ray
        if not ray.is_initialized():
            if self.address:
                _check_reachable(self.address)
            try:
                if self.address:
                    ray.init(address=self.address, log_to_driver=False, logging_level="ERROR")
                else:
                    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False,
                             logging_level="ERROR")
            except Exception as exc:  # Ray raises ConnectionError, RuntimeError or its own types here
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
                raise AvatarError("address" if self.address else "executor",
                                  f"cannot start or join {where}: {str(exc).splitlines()[0][:200]}") from None
            self._started = True
        return self

    def __exit__(self, *exc) -> None:
        if self._started:
            self._ray.shutdown()

    def _task(self):
        resources = self._ray.cluster_resources()
        cpus = resources.get("CPU", 1.0)
        per_task = max(1.0, cpus / self.jobs) if self.jobs else min(2.0, cpus)
        gpus = 1 if resources.get("GPU", 0) >= 1 else 0
        return self._ray.remote(_ray_render_row).options(num_cpus=per_task, num_gpus=gpus, max_retries=0)

    def run(self, jobs: Sequence[RenderJob]) -> Iterator[tuple[int, dict[str, Any]]]:
        ray = self._ray
        task = self._task()
        refs = {task.remote(job): i for i, job in enumerate(jobs)}
        started = time.monotonic()
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1, timeout=10.0)
            for ref in ready:
                try:
                    yield refs[ref], ray.get(ref, timeout=60.0)
                except Exception as exc:  # the worker died, or the task itself failed in Ray
                    yield refs[ref], _failed(f"ray task failed: {exc.__class__.__name__}: {str(exc)[:200]}")
            if pending and time.monotonic() - started > self.timeout * max(1, len(jobs)):
                for ref in pending:
                    ray.cancel(ref, force=True)
                    yield refs[ref], _failed(f"timed out after {self.timeout:.0f} s")
                pending = []


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Ray retries an unreachable head for minutes; find out in seconds. ("auto" and addresses
    without a port are left to Ray.)"""
    import socket

    host_port = address.removeprefix("ray://").rsplit("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise AvatarError("address", f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


_WARM = False


def _ray_render_row(job: RenderJob) -> dict[str, Any]:
    global _WARM
    if not _WARM:  # a Ray worker process runs many tasks: warm it up on the first
        warm_up()
        _WARM = True
    return render_row(job)


def open_executor(name: str, jobs: int | None = None, address: str | None = None):
    if name == "local":
        if address:
            raise AvatarError("address", "only the ray executor joins a cluster")
        return LocalExecutor(jobs)
    if name == "ray":
        return RayExecutor(jobs, address)
    raise AvatarError("executor", f"unknown executor {name!r}; choose {' or '.join(EXECUTORS)}")
