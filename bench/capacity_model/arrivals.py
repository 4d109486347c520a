"""The semester's load: chats per time step and pool, and the nightly refreshes.

Courses get a size (Zipf), a faculty, two lecture weekdays and an exam day, all drawn once
from the seed. A day's chats are the students' weekly questions spread by weekday weight,
scaled per course (revision in the last teaching week and the exam weeks, the exam
multiplier on the three days up to a course's exam, little after it) and spread over the
day by the hourly profile, interpolated between hours. Chats per time step are Poisson
draws around that rate. After each lecture day every course of that day gets new
material (a deck and a recording) at its nightly refresh; every course refreshes nightly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .inputs import Inputs

DAY_S = 86_400.0
AFTER_EXAM = 0.2  # a course's chats once its exam is over


@dataclass(frozen=True)
class Courses:
    popularity: np.ndarray  # share of the university's chats, sums to 1
    faculty: np.ndarray
    lecture_days: np.ndarray  # (courses, 2) weekdays 0..4
    exam_day: np.ndarray  # day of the semester
    refresh_s: np.ndarray  # seconds after midnight


@dataclass(frozen=True)
class Refresh:
    at_s: float
    course: int
    pages: int
    recording_minutes: float


@dataclass(frozen=True)
class Semester:
    inputs: Inputs
    courses: Courses
    days: int
    ticks_per_day: int
    daily: np.ndarray  # (days, courses) expected chats
    nightly: list[Refresh] = dataclasses.field(default_factory=list)

    @property
    def ticks(self) -> int:
        return self.days * self.ticks_per_day

    def chats(self, pools: list[np.ndarray], scale: float = 1.0, days: slice | None = None):
        """Chats per time step (ticks, pools) for pools given as course masks, Poisson
        drawn around the expected rate; `scale` multiplies the load, `days` narrows it."""
        rng = np.random.default_rng(self.inputs.seed + 7)
        daily = self.daily if days is None else self.daily[days]
        shape = _day_shape(self.inputs.hourly_weights, self.ticks_per_day)
        per_pool = np.stack([daily[:, mask].sum(axis=1) for mask in pools], axis=1)
        expected = per_pool[:, None, :] * shape[None, :, None] * scale
        return rng.poisson(expected.reshape(-1, len(pools))).astype(np.int32)

    def refreshes(self) -> list[Refresh]:
        """Every course's nightly refresh, in time order; after a lecture day with the
        lecture's material."""
        if self.nightly:
            return self.nightly
        inputs, courses = self.inputs, self.courses
        day = np.repeat(np.arange(1, self.days), inputs.courses)
        course = np.tile(np.arange(inputs.courses), self.days - 1)
        lectured = (day - 1) % 7  # the weekday before the night
        taught = (day - 1) // 7 < inputs.teaching_weeks
        new = taught & (courses.lecture_days[course] == lectured[:, None]).any(axis=1)
        at = day * DAY_S + courses.refresh_s[course]
        order = np.argsort(at, kind="stable")
        pages, minutes = inputs.pages_per_lecture, inputs.recording_minutes
        self.nightly.extend(
            Refresh(
                float(at[i]), int(course[i]), pages if new[i] else 0, minutes if new[i] else 0.0
            )
            for i in order
        )
        return self.nightly


def semester(inputs: Inputs) -> Semester:
    rng = np.random.default_rng(inputs.seed)
    n = inputs.courses
    ranks = rng.permutation(n) + 1
    popularity = 1.0 / ranks**inputs.course_zipf
    popularity /= popularity.sum()
    lectures = min(inputs.lectures_per_week, 5)
    lecture_days = np.array([rng.choice(5, size=max(lectures, 1), replace=False) for _ in range(n)])
    if not lectures:
        lecture_days[:] = -1  # no lecture, no new material
    days = inputs.weeks * 7
    exam_weekdays = [d for d in range(inputs.teaching_weeks * 7, days) if d % 7 < 5] or [days - 1]
    courses = Courses(
        popularity=popularity,
        faculty=rng.integers(0, inputs.faculties, n),
        lecture_days=lecture_days,
        exam_day=rng.choice(exam_weekdays, size=n),
        refresh_s=rng.uniform(*inputs.refresh_window_h, size=n) * 3600.0,
    )
    weekday = np.array(inputs.weekday_weights) / sum(inputs.weekday_weights)
    per_week = inputs.students * inputs.active_share * inputs.chats_per_active_week
    day_index = np.arange(days)
    base = per_week * weekday[day_index % 7]
    multiplier = np.ones((days, n))
    revision = day_index >= (inputs.teaching_weeks - 1) * 7
    multiplier[revision, :] = inputs.revision_multiplier
    until_exam = courses.exam_day[None, :] - day_index[:, None]
    multiplier[(until_exam >= 0) & (until_exam <= 3)] = inputs.exam_multiplier
    multiplier[(until_exam < 0) & (day_index[:, None] >= inputs.teaching_weeks * 7)] = AFTER_EXAM
    daily = base[:, None] * popularity[None, :] * multiplier
    ticks_per_day = round(DAY_S / inputs.tick_s)
    return Semester(inputs, courses, days, ticks_per_day, daily)


def _day_shape(hourly: tuple[float, ...], ticks: int) -> np.ndarray:
    """Share of a day's chats in each time step: the hourly weights, centred on each hour
    and interpolated linearly (cyclically) between hours."""
    hours = (np.arange(ticks) + 0.5) * 24.0 / ticks - 0.5
    weights = np.interp(hours % 24, np.arange(25), [*hourly, hourly[0]])
    return weights / weights.sum()
