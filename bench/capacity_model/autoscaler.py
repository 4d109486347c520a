"""KEDA's and the HPA's decisions for one Deployment, and its pods starting up.

At each polling interval every trigger's value gives a replica count the HPA way:
`ceil(value / target)` for an AverageValue target (KEDA's default for external metrics),
`ceil(current * value / target)` for Value and Utilization targets, left alone within the
HPA's 10% tolerance; the largest wins, clamped to [max(min, 1), max]. Scale-up is limited
to the HPA's default policy (double, or 4 pods more, per period); scale-down takes the
highest recommendation of the stabilization window (300 s unless the object sets one).
KEDA alone goes to and from zero: a trigger above its activation threshold wakes a
Deployment at zero; with minReplicaCount 0 it returns to zero once no trigger has been
active for cooldownPeriod. New pods serve after the role's start-up time and use their
resources (GPUs) from the moment they are created.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from .rules import ScalingRule
from .workload import Workload

TOLERANCE = 0.1  # the HPA's --horizontal-pod-autoscaler-tolerance default


class Scaler:
    def __init__(self, workload: Workload, rule: ScalingRule | None, startup_s: float) -> None:
        self.workload = workload
        self.rule = rule
        self.startup_s = startup_s
        self.ready = rule.min_replicas if rule is not None else workload.replicas
        self.pods = self.ready  # ready and starting
        # Per trigger: the value up to which it asks for no more pods than there are.
        self.calm = [
            ((1 + TOLERANCE) * trig.target, trig.metric_type == "AverageValue")
            for trig in (rule.triggers if rule is not None else ())
        ]
        self.pending: deque[float] = deque()  # ready-at times, oldest first
        self.history: deque[tuple[float, int]] = deque()
        self.last_active = -math.inf
        self.next_poll = 0.0

    def advance(self, t: float) -> None:
        while self.pending and self.pending[0] <= t:
            self.pending.popleft()
            self.ready += 1

    def poll(self, t: float, values: list[float | None]) -> int:
        """One polling interval: decide and act; the serving pods removed (see scale_to).
        The common cases are settled without the full computation, to the same result."""
        rule = self.rule
        assert rule is not None
        self.next_poll = t + rule.polling_s
        current = self.pods
        if current == 0 and rule.keda:
            if all(
                v is None or v <= trig.activation
                for trig, v in zip(rule.triggers, values, strict=True)
            ):
                return 0  # asleep, and nothing to wake it
        elif current == max(1, rule.min_replicas) and rule.min_replicas and self._calm(values):
            # At the floor with every metric within tolerance of it: the HPA keeps it.
            self._remember(t, current)
            return 0
        want = self.desired(t, values)
        return self.scale_to(t, want) if want != current else 0

    def _calm(self, values: list[float | None]) -> bool:
        current = self.pods
        for (limit, per_pod), value in zip(self.calm, values, strict=True):
            if value is not None and value > (limit * current if per_pod else limit):
                return False
        return True

    def _remember(self, t: float, want: int) -> None:
        """The stabilization window's recommendations; a repeat only moves its time."""
        history = self.history
        if history and history[-1][1] == want:
            history[-1] = (t, want)
        else:
            history.append((t, want))

    def desired(self, t: float, values: Sequence[float | None]) -> int:
        """The replica count the rule asks for, given each trigger's value (None: a
        trigger the model does not compute, left out as a failing metric would be)."""
        rule = self.rule
        assert rule is not None
        current = self.pods
        pairs = [(trig, v) for trig, v in zip(rule.triggers, values, strict=True) if v is not None]
        active = any(v > trig.activation for trig, v in pairs if trig.signal != "cpu")
        if active:
            self.last_active = t
        if current == 0:
            return max(1, rule.min_replicas) if active and rule.keda else 0
        idle_for = t - self.last_active
        if rule.keda and rule.min_replicas == 0 and not active and idle_for >= rule.cooldown_s:
            self.history.clear()
            return 0
        want = 0 if pairs else current
        for trig, value in pairs:
            if trig.metric_type == "AverageValue":
                ratio = value / (trig.target * current)
            else:
                ratio = value / trig.target
            want = max(want, current if abs(ratio - 1) <= TOLERANCE else math.ceil(ratio * current))
        want = min(max(want, 1, rule.min_replicas), rule.max_replicas)
        want = min(want, max(2 * current, current + 4))
        self._remember(t, want)
        history = self.history
        while history[0][0] < t - rule.scale_down_window_s:
            history.popleft()
        if want < current:
            want = min(current, max(d for _, d in history))
        return want

    def scale_to(self, t: float, want: int) -> int:
        """Pods added or removed to reach `want`; starting pods go first. The number of
        serving (ready) pods removed, whose work the caller must end or hand back."""
        while self.pods < want:
            self.pending.append(t + self.startup_s)
            self.pods += 1
        removed_ready = 0
        while self.pods > want:
            if self.pending:
                self.pending.pop()
            else:
                self.ready -= 1
                removed_ready += 1
            self.pods -= 1
        return removed_ready
