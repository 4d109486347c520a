"""The Celery queues and their worker Deployments, task by task.

A refresh is a chain of tasks: listing the course's source (queue cpu), then one task per
new document (cpu) and per recording (transcribe), then, once all are done, the
instruction set (llm: calls to the course's vLLM pool) and, after it, the adapter's
training (train). Each worker pod runs `concurrency` tasks; tasks wait first come first
served on their queue, which is the Redis list KEDA's trigger reads. When the autoscaler
removes pods, Kubernetes deletes the newest ones first, so the most recently started tasks
lose their pod: a task that cannot finish within the pod's termination grace period is
killed and goes back to the head of its queue (training resumes from its checkpoint, the
others start over); one that can, finishes while its pod drains.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .inputs import Inputs
from .workload import Workload

TRANSCRIPT_CHUNKS_PER_MINUTE = 1.0  # about 150 spoken words, one 900-character chunk
QUEUES = ("cpu", "transcribe", "llm", "train")  # the queues a refresh's tasks go to


@dataclass
class Task:
    queue: str
    seconds: float
    enqueued: float
    course: int
    then: Callable[[float], None] | None = None
    chat_load: float = 0.0  # vLLM requests per second (chat equivalents) while it runs
    started: float = 0.0
    ends: float = 0.0
    resumable: bool = False
    pool: str = ""
    lost: bool = False  # killed with its pod; its end in the heap is void


@dataclass
class WorkerPool:
    workload: Workload
    running: list[Task] = field(default_factory=list)
    draining: list[Task] = field(default_factory=list)


class Queues:
    def __init__(self, inputs: Inputs, workers: list[Workload], pool_of_course: np.ndarray):
        self.inputs = inputs
        self.waiting: dict[str, deque[Task]] = {}
        for w in workers:
            for q in w.queues:
                self.waiting.setdefault(q, deque())
        missing = sorted(set(QUEUES) - set(self.waiting))
        if missing:
            raise ValueError(f"no worker Deployment consumes queue(s) {', '.join(missing)}")
        self.pools = {w.name: WorkerPool(w) for w in workers}
        self.pool_of_course = pool_of_course
        self.pairs = np.zeros(inputs.courses)
        self.waits: list[tuple[float, str, float]] = []  # (started, queue, seconds waited)
        self.killed: dict[str, int] = {}
        self._ends: list[tuple[float, int, Task]] = []  # heap of running tasks' ends
        self._arrivals: list[float] = []  # heap of waiting tasks' arrival times
        self._count = 0
        self._ready: dict[str, int] = {}
        self.wasted_s: dict[str, float] = {}
        # (refresh started, its course's new adapter trained) for refreshes with material
        self.refreshed: list[tuple[float, float]] = []

    def running(self, queue: str) -> int:
        return sum(1 for p in self.pools.values() for t in p.running if t.queue == queue)

    def listed(self, queue: str) -> int:
        return len(self.waiting.get(queue, ()))

    def any_llm(self) -> bool:
        return any(t.chat_load for p in self.pools.values() for t in p.running)

    def chat_load(self, pools: int) -> list[float]:
        load = [0.0] * pools
        for p in self.pools.values():
            for task in p.running:
                load[self.pool_of_course[task.course]] += task.chat_load
        return load

    def refresh(self, t: float, course: int, pages: int, minutes: float, call_s: float) -> None:
        inputs = self.inputs

        def documents(now: float) -> None:
            chain: list[Task] = []
            if pages:
                chain.append(Task("cpu", pages * inputs.page_cpu_s, now, course))
            if minutes:
                chain.append(Task("transcribe", minutes * 60 * inputs.whisper_rtf, now, course))
            left = [len(chain)]

            def one_done(done_at: float) -> None:
                left[0] -= 1
                if not left[0]:
                    self.push(self._instructions(done_at, course, pages, minutes, call_s, t))

            for task in chain:
                task.then = one_done
                self.push(task)

        self.push(Task("cpu", inputs.refresh_listing_s, t, course, documents))

    def _instructions(
        self, t: float, course: int, pages: int, minutes: float, call_s: float, refreshed_at: float
    ) -> Task:
        inputs = self.inputs
        chunks = pages * inputs.chunks_per_page + minutes * TRANSCRIPT_CHUNKS_PER_MINUTE
        tokens = inputs.instruction_output_tokens / inputs.output_tokens
        seconds = chunks / inputs.instruction_concurrency * call_s * tokens

        def train(done_at: float) -> None:
            self.pairs[course] += chunks * inputs.pairs_per_chunk
            train_s = self.pairs[course] * inputs.tokens_per_pair / inputs.train_tokens_per_s
            answers = 2 * inputs.eval_pairs * inputs.eval_new_tokens / inputs.eval_tokens_per_s
            seconds = inputs.train_load_s + train_s + answers
            self.push(Task("train", seconds, done_at, course, trained, resumable=True))

        def trained(done_at: float) -> None:
            self.refreshed.append((refreshed_at, done_at))

        # `concurrency` calls in flight, each `tokens` times a chat's output: in chat
        # equivalents (output tokens), concurrency / call_s requests per second.
        load = inputs.instruction_concurrency / call_s
        return Task("llm", seconds, t, course, train, chat_load=load)

    def push(self, task: Task) -> None:
        self.waiting[task.queue].append(task)
        heapq.heappush(self._arrivals, task.enqueued)

    def step(self, start: float, end: float, ready: dict[str, int]) -> None:
        """Runs (start, end]: tasks finish at their own times, and a free slot takes the
        oldest waiting task the moment it frees (or the task arrives), not at the step."""
        self._ready = ready
        ends, arrivals = self._ends, self._arrivals
        quiet = (not ends or ends[0][0] > end) and (not arrivals or arrivals[0] > end)
        if quiet and not any(self.waiting.values()):
            return
        self._assign(start)
        while True:
            done_at = ends[0][0] if ends else end + 1
            arrives = arrivals[0] if arrivals else end + 1
            if min(done_at, arrives) > end:
                break
            if arrives < done_at:
                heapq.heappop(arrivals)
                self._assign(max(arrives, start))
                continue
            at, _, task = heapq.heappop(ends)
            if task.lost:
                continue
            pool = self.pools[task.pool]
            (pool.running if task in pool.running else pool.draining).remove(task)
            if task.then is not None:
                task.then(at)
            self._assign(at)

    def _assign(self, at: float) -> None:
        if not any(self.waiting.values()):
            return
        for name, pool in self.pools.items():
            slots = self._ready[name] * pool.workload.concurrency
            while len(pool.running) < slots:
                queue = self._oldest(pool.workload.queues, at)
                if queue is None:
                    break
                task = self.waiting[queue].popleft()
                task.started, task.ends, task.pool = at, at + task.seconds, name
                self.waits.append((at, task.queue, at - task.enqueued))
                pool.running.append(task)
                self._count += 1
                heapq.heappush(self._ends, (task.ends, self._count, task))

    def lose_pods(self, t: float, name: str, ready: int) -> None:
        """The pool is down to `ready` pods: the newest tasks beyond its slots lose theirs."""
        pool = self.pools[name]
        self._ready[name] = ready
        slots = ready * pool.workload.concurrency
        pool.running.sort(key=lambda task: task.started)
        while len(pool.running) > slots:
            task = pool.running.pop()
            if task.ends - t <= pool.workload.grace_s:
                pool.draining.append(task)
                continue
            # The work done so far is lost unless the task resumes from a checkpoint.
            task.lost = True
            self.killed[task.queue] = self.killed.get(task.queue, 0) + 1
            done = t - task.started
            self.wasted_s[task.queue] = self.wasted_s.get(task.queue, 0.0) + (
                0.0 if task.resumable else done
            )
            again = Task(
                task.queue,
                task.seconds - done if task.resumable else task.seconds,
                t,
                task.course,
                task.then,
                task.chat_load,
                resumable=task.resumable,
            )
            self.waiting[task.queue].appendleft(again)

    def draining(self) -> bool:
        return any(p.draining for p in self.pools.values())

    def busy_pods(self, name: str) -> int:
        """Pods kept alive by draining tasks (they still hold their GPU)."""
        pool = self.pools.get(name)
        if pool is None or not pool.draining:
            return 0
        return -(-len(pool.draining) // pool.workload.concurrency)

    def _oldest(self, queues: tuple[str, ...], at: float) -> str | None:
        best, when = None, at
        for q in queues:
            waiting = self.waiting[q]
            if waiting and waiting[0].enqueued <= when:
                best, when = q, waiting[0].enqueued
        return best
