"""The capacity model's plots, PNG files drawn with matplotlib's Agg backend (no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # the backend is chosen first
import numpy as np

from .inputs import Inputs
from .report import Hourly
from .simulation import Result

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def draw(
    folder: Path,
    runs: dict[str, tuple[Result, Hourly]],
    peak: dict[str, Result],
    sweeps: dict[str, list[dict[str, Any]]],
    inputs: Inputs,
    scale: float,
) -> list[Path]:
    """The semester runs by policy, and the peak days at `scale` times the load by policy."""
    folder.mkdir(parents=True, exist_ok=True)
    first = next(iter(runs))
    return [
        _replicas(folder / "replicas_peak_week.png", *runs[first], peak, scale),
        _ttft(folder / "ttft.png", runs, inputs.ttft_slo_s),
        _queue_waits(folder / "queue_waits.png", runs[first][1], first),
        _gpu_hours(folder / "gpu_hours.png", runs, inputs.gpu_hour_usd),
        _sweep(folder / "load_sweep.png", sweeps, inputs.ttft_slo_s),
    ]


def _replicas(
    path: Path, result: Result, hours: Hourly, peak: dict[str, Result], scale: float
) -> Path:
    """Top: the week whose nights kept the GPU workers busiest, at today's load. Below:
    the peak days at the sweep's shown load, vLLM and inference replicas per policy."""
    per_day = round(86_400 / result.tick_s)
    gpu_workers = [c for c, n in enumerate(result.names) if n.startswith("worker")]
    weekly = result.pods[: len(result.pods) // (7 * per_day) * 7 * per_day, gpu_workers]
    week = int(np.argmax(weekly.reshape(-1, 7 * per_day, len(gpu_workers)).sum(axis=(1, 2))))
    span = slice(week * 7 * per_day, (week + 1) * 7 * per_day)
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(11, 9))
    days = np.arange(span.stop - span.start) / per_day + week * 7
    for c in gpu_workers:
        top.step(days, result.pods[span, c], where="post", label=result.names[c], lw=1)
    top.set_title(
        f"Worker pods in the week with the busiest nights (week {week + 1}), today's load"
    )
    top.set_ylabel("pods")
    top.legend(ncol=4, fontsize=8, loc="upper left")
    _weekday_ticks(top, week * 7, 7)
    for n, (name, run) in enumerate(peak.items()):
        start = run.start_s / 86_400
        x = start + np.arange(len(run.pods)) / per_day
        for role, style in (("vllm", "-"), ("inference", ":")):
            columns = [c for c, w in enumerate(run.names) if w.startswith(role)]
            middle.step(
                x,
                run.pods[:, columns].sum(axis=1),
                where="post",
                ls=style,
                color=f"C{n}",
                label=f"{name}: {role}",
                lw=1,
            )
        if n == 0:
            bottom.plot(x, run.chats.sum(axis=1) / (run.tick_s / 60), lw=0.5, color="tab:gray")
    middle.set_title(f"Peak days at {scale:g}x today's load: vLLM and inference pods by policy")
    middle.set_ylabel("pods")
    middle.legend(ncol=3, fontsize=7, loc="upper left")
    bottom.set_ylabel("chats per minute")
    bottom.set_xlabel("day of the semester")
    return _save(fig, path)


def _ttft(path: Path, runs: dict[str, tuple[Result, Hourly]], slo_s: float) -> Path:
    fig, axes = plt.subplots(len(runs), 1, figsize=(11, 2.6 * len(runs)), sharex=True)
    for ax, (name, (_, hours)) in zip(np.atleast_1d(axes), runs.items(), strict=True):
        days = (hours.start_h + np.arange(len(hours.chats))) / 24
        ax.plot(days, hours.ttft_p99, lw=0.7, label="p99", color="tab:red")
        ax.plot(days, hours.ttft_p50, lw=0.7, label="p50", color="tab:blue")
        ax.axhline(slo_s, ls="--", lw=0.8, color="black", label=f"SLO {slo_s:g} s")
        ax.set_yscale("log")
        ax.set_ylabel("first token (s)")
        ax.set_title(f"Chat time to first token per hour: {name}", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
    np.atleast_1d(axes)[-1].set_xlabel("day of the semester")
    return _save(fig, path)


def _queue_waits(path: Path, hours: Hourly, name: str) -> Path:
    fig, ax = plt.subplots(figsize=(11, 3.8))
    days = (hours.start_h + np.arange(len(hours.chats))) / 24
    for queue, waits in sorted(hours.queue_wait_max.items()):
        ax.plot(days, np.maximum(waits, 1) / 60, lw=0.7, label=queue)
    ax.set_yscale("log")
    ax.set_ylabel("longest wait (min)")
    ax.set_xlabel("day of the semester")
    ax.set_title(f"Longest wait of a task started in each hour, per Celery queue ({name})")
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path)


def _gpu_hours(path: Path, runs: dict[str, tuple[Result, Hourly]], usd: float) -> Path:
    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.8 / len(runs)
    for n, (name, (result, hours)) in enumerate(runs.items()):
        weeks = len(hours.chats) // (24 * 7)
        per_week = hours.gpu_hours[: weeks * 168].reshape(weeks, 168, -1).sum(axis=1)
        groups = {
            "vLLM": [c for c, x in enumerate(result.names) if x.startswith("vllm")],
            "workers": [
                c for c, x in enumerate(result.names) if result.gpus[c] and not x.startswith("vllm")
            ],
        }
        bottom = np.zeros(weeks)
        for group, hatch in zip(groups, ("", "//"), strict=True):
            values = per_week[:, groups[group]].sum(axis=1)
            ax.bar(
                np.arange(weeks) + n * width,
                values,
                width,
                bottom=bottom,
                label=f"{name}: {group}",
                hatch=hatch,
                color=f"C{n}",
                alpha=0.9 if hatch else 0.6,
            )
            bottom += values
    ax.set_xticks(range(weeks), [str(w + 1) for w in range(weeks)])
    ax.set_xlabel("week of the semester")
    ax.set_ylabel(f"GPU-hours (x ${usd:g} each)")
    ax.set_title("GPU-hours per week by policy")
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, path)


def _sweep(path: Path, sweeps: dict[str, list[dict[str, Any]]], slo_s: float) -> Path:
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for name, rows in sweeps.items():
        rate = [row["peak_chats_per_s"] for row in rows]
        p99 = [row["peak_hour_ttft_p99_s"] or np.nan for row in rows]
        (line,) = ax.plot(rate, p99, marker="o", label=f"{name}: peak hour")
        worst = [row["worst_hour_ttft_p99_s"] or np.nan for row in rows]
        ax.plot(rate, worst, ls=":", color=line.get_color(), label=f"{name}: worst hour")
        for row, x, y in zip(rows, rate, p99, strict=True):
            if row["at_max_in_peak_hour"]:
                text = ", ".join(row["at_max_in_peak_hour"]) + " at max from here"
                ax.annotate(
                    text,
                    (x, y),
                    xytext=(6, -12),
                    textcoords="offset points",
                    fontsize=7,
                    color=line.get_color(),
                )
                break
    ax.axhline(slo_s, ls="--", lw=0.8, color="black", label=f"SLO {slo_s:g} s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chats per second in the peak hour")
    ax.set_ylabel("p99 first token (s)")
    ax.set_title("Load sweep over the peak days: what saturates")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _weekday_ticks(ax: Any, first_day: int, days: int) -> None:
    ticks = np.arange(first_day, first_day + days + 1)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{DAYS[d % 7]} {d}" for d in ticks], fontsize=8)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
