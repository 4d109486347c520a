"""Capacity model: a semester of a university's load against the autoscaling rules of k8s/.

Renders the overlay (deploy/kustomize.py), reads every ScaledObject's and HPA's rules from
it, simulates one semester (chats per minute, nightly refreshes task by task, one vLLM
replica request by request) for each vLLM layout, sweeps the load over the peak days to
find what saturates first, and writes bench/results/capacity.json and the plots in
docs/scaling/. docs/scaling.md explains the model, its inputs and its conclusions.

Run: .venv/bin/python bench/capacity.py  [--students N] [--set INPUT=VALUE]
     [--limit DEPLOYMENT=MIN:MAX] [--overlay DIR] [--no-plots]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from capacity_model.arrivals import semester  # noqa: E402
from capacity_model.inputs import Inputs  # noqa: E402
from capacity_model.policies import peak_days, policies, sweep  # noqa: E402
from capacity_model.report import at_max, hourly, hourly_json, saturated, summary  # noqa: E402
from capacity_model.rules import load_objects, read_cluster  # noqa: E402
from common import RESULTS  # noqa: E402

POLICIES = ["one pool", "per faculty", "one pool, adapters cached"]
SWEPT = ["one pool", "per faculty", "one pool, waiting only"]
SCALES = [1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0]
PEAK_DAYS = 3
SHOWN_SCALE = 8.0  # the sweep's load drawn in the replicas plot


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"capacity: error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    inputs = Inputs().replace(**_overrides(args))
    cluster = read_cluster(load_objects(Path(args.overlay))).with_limits(_limits(args.limit))
    sem = semester(inputs)
    layouts = policies(cluster, sem, args.policies)
    runs, out = {}, {}
    for policy in layouts:
        result = run_policy(policy, sem)
        hours = hourly(result, policy, inputs.seed)
        runs[policy.name] = (result, hours)
        out[policy.name] = {
            "vllm_replica_capacity_rps": round(policy.curves[0].capacity, 2),
            **summary(result, hours, inputs),
            "saturated_minutes": saturated(result, policy),
            "hourly": hourly_json(hours, result.names, inputs),
        }
        print(_line(policy.name, out[policy.name]))
    peak = peak_days(sem, PEAK_DAYS)
    swept = [p for p in layouts if p.name in SWEPT]
    swept += policies(cluster, sem, [n for n in SWEPT if n not in args.policies])
    sweeps, shown = {}, {}
    for policy in swept:
        sweeps[policy.name], results = _sweep(policy, sem, peak, args.scales, inputs)
        shown[policy.name] = results.get(SHOWN_SCALE) or results[max(results)]
    workers: dict[str, list[str]] = {}
    for worker in cluster.role("worker"):
        for queue in worker.queues:
            workers.setdefault(queue, []).append(worker.name)
    conclusions = _conclusions(out, sweeps, inputs, workers)
    plots = []
    if not args.no_plots:
        from capacity_model.plots import draw

        plots = draw(Path(args.plots), runs, shown, sweeps, inputs, SHOWN_SCALE)
    body = {
        "benchmark": "capacity",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "overlay": args.overlay,
        "seconds": round(time.perf_counter() - began, 1),
        "conclusions": conclusions,
        "inputs": inputs.sources(),
        "rules": _rules(cluster),
        "peak_days": [peak.start, peak.stop],
        "policies": out,
        "load_sweep": sweeps,
        "plots": [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in plots],
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=1) + "\n")
    print("\n".join(conclusions))
    print(f"wrote {path} in {body['seconds']} s")
    return 0


def run_policy(policy: Any, sem: Any) -> Any:
    from capacity_model.simulation import run

    return run(policy, sem, sem.chats(policy.masks))


def _sweep(
    policy: Any, sem: Any, peak: slice, scales: list[float], inputs: Inputs
) -> tuple[list[dict[str, Any]], dict[float, Any]]:
    rows, results = [], {}
    for scale, result in sweep(policy, sem, scales, peak):
        results[scale] = result
        hours = hourly(result, policy, inputs.seed)
        facts = summary(result, hours, inputs)
        top = facts["peak_hour"]
        rows.append(
            {
                "scale": scale,
                "students": round(inputs.students * scale),
                "peak_chats_per_s": top["chats_per_s"],
                "peak_hour_ttft_p99_s": top["ttft_p99_s"],
                "worst_hour_ttft_p99_s": facts["worst_hour_ttft_p99_s"],
                "ttft_p99_s": facts["ttft_p99_s"],
                "rejected_chats": facts["rejected_chats"],
                "gpu_hours": facts["gpu_hours_total"],
                "max_replicas": facts["max_replicas"],
                "at_max_in_peak_hour": at_max(result, policy, top["hour"]),
                "saturated": sorted(saturated(result, policy)),
            }
        )
    return rows, results


def _conclusions(
    out: dict[str, Any],
    sweeps: dict[str, list[dict[str, Any]]],
    inputs: Inputs,
    workers: dict[str, list[str]],
) -> list[str]:
    lines = []
    for name, facts in out.items():
        peak = facts["peak_hour"]
        lines.append(
            f"{name}: {facts['chats']:,} chats; peak hour {peak['chats_per_s']} chats/s; "
            f"first token p50 {facts['ttft_p50_s']} s, p99 {facts['ttft_p99_s']} s "
            f"(worst hour {facts['worst_hour_ttft_p99_s']} s); "
            f"{facts['gpu_hours_total']:,} GPU-hours = ${facts['gpu_cost_usd']:,} "
            f"at ${inputs.gpu_hour_usd}/GPU-hour; max replicas {facts['max_replicas']}"
        )
    for name, rows in sweeps.items():
        slo = inputs.ttft_slo_s
        over = next((r for r in rows if (r["peak_hour_ttft_p99_s"] or 0) > slo), None)
        ramp = next((r for r in rows if (r["worst_hour_ttft_p99_s"] or 0) > slo), None)
        if over is None:
            lines.append(f"{name}: peak-hour p99 within {slo:g} s up to {rows[-1]['scale']:g}x")
        else:
            held = ", ".join(over["at_max_in_peak_hour"]) or "nothing at its max replicas"
            lines.append(
                f"{name}: peak-hour p99 first token over {slo:g} s at {over['scale']:g}x the "
                f"load ({over['students']:,} students, {over['peak_chats_per_s']} chats/s): "
                f"{over['peak_hour_ttft_p99_s']} s; at max replicas then: {held}"
            )
        if ramp is not None and ramp is not over:
            lines.append(
                f"{name}: some hour's p99 goes over {slo:g} s from {ramp['scale']:g}x "
                f"({ramp['worst_hour_ttft_p99_s']} s, while replicas start)"
            )
    first = next(iter(out.values()))
    for queue, waits in first["queue_wait_s"].items():
        if waits["max"] and waits["max"] > 3600:
            busy = [
                f"{worker} at its max for {minutes / 60:.0f} h"
                for worker, minutes in first["saturated_minutes"].items()
                if worker in workers.get(queue, ())
            ]
            lines.append(
                f"nightly work at today's load: tasks on queue {queue} wait up to "
                f"{waits['max'] / 3600:.1f} h (p99 {waits['p99'] / 3600:.1f} h)"
                + (f"; {', '.join(busy)} of the semester" if busy else "")
            )
    adapter = first["refresh_to_new_adapter_s"]
    if adapter["p50"] is not None:
        lines.append(
            f"a course's new adapter is served {adapter['p50'] / 3600:.1f} h after its "
            f"nightly refresh starts (median; longest {adapter['max'] / 3600:.1f} h)"
        )
    if {"one pool", "per faculty"} <= out.keys():
        one, faculty = out["one pool"], out["per faculty"]
        cheaper = "one pool" if one["gpu_cost_usd"] <= faculty["gpu_cost_usd"] else "per faculty"
        lines.append(
            f"cheaper for the same p99 SLO ({inputs.ttft_slo_s:g} s): {cheaper} "
            f"(one pool ${one['gpu_cost_usd']:,}, p99 {one['ttft_p99_s']} s; per faculty "
            f"${faculty['gpu_cost_usd']:,}, p99 {faculty['ttft_p99_s']} s)"
        )
    return lines


def _rules(cluster: Any) -> dict[str, Any]:
    found = {}
    for name, workload in cluster.workloads.items():
        rule = cluster.rules.get(name)
        entry: dict[str, Any] = {"role": workload.role, "gpus_per_pod": workload.gpus}
        if rule is None:
            entry["replicas"] = workload.replicas
        else:
            entry.update(
                {k: v for k, v in dataclasses.asdict(rule).items() if k not in {"deployment"}}
            )
        found[name] = entry
    return found


def _line(name: str, facts: dict[str, Any]) -> str:
    return (
        f"{name}: p99 first token {facts['ttft_p99_s']} s, "
        f"{facts['gpu_hours_total']} GPU-hours, ${facts['gpu_cost_usd']:,}"
    )


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    defaults = Inputs()
    changes: dict[str, Any] = {}
    for item in args.set:
        key, _, text = item.partition("=")
        if not hasattr(defaults, key):
            raise ValueError(f"--set {item}: unknown input {key!r}")
        kind = type(getattr(defaults, key))
        try:
            changes[key] = tuple(json.loads(text)) if kind is tuple else kind(text)
        except (ValueError, TypeError):
            raise ValueError(f"--set {item}: {key} takes a {kind.__name__}") from None
    if args.students is not None:
        changes["students"] = args.students
    return changes


def _limits(items: list[str]) -> dict[str, tuple[int | None, int | None]]:
    limits: dict[str, tuple[int | None, int | None]] = {}
    for item in items:
        name, _, bounds = item.partition("=")
        low, _, high = bounds.partition(":")
        try:
            limits[name] = (int(low) if low else None, int(high) if high else None)
        except ValueError:
            raise ValueError(f"--limit {item}: expected DEPLOYMENT=MIN:MAX") from None
    return limits


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--overlay", default=str(ROOT / "k8s" / "overlays" / "production"))
    parser.add_argument("--students", type=int, help="students (default 40,000)")
    parser.add_argument("--set", action="append", default=[], metavar="INPUT=VALUE")
    parser.add_argument("--limit", action="append", default=[], metavar="DEPLOYMENT=MIN:MAX")
    parser.add_argument("--policies", nargs="+", default=POLICIES, choices=POLICIES)
    parser.add_argument("--scales", type=lambda s: [float(x) for x in s.split(",")], default=SCALES)
    parser.add_argument("--out", default=str(RESULTS / "capacity.json"))
    parser.add_argument("--plots", default=str(ROOT / "docs" / "scaling"))
    parser.add_argument("--no-plots", action="store_true")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
