// Course admin tab: the course's refresh schedule (a cron expression or an interval), its
// next run, the last scheduled run, and the optional "train after N new pairs" policy.

import { api } from "./api.js";
import { clear, el, field, when } from "./dom.js";

const path = (course) => `/courses/${encodeURIComponent(course.id)}/schedule`;
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export function showSchedule(body, course) {
  const summary = el("div", { className: "schedule-summary", "aria-live": "polite" });
  const expression = el("input", { type: "text", name: "expression", required: true, maxlength: 200, placeholder: "every 6h" });
  const timezone = el("input", { type: "text", name: "timezone", maxlength: 64, value: localZone() });
  const minPairs = el("input", { type: "number", name: "train_min_pairs", min: 1 });
  const status = el("p", { role: "status" });
  const stop = el("button", { type: "button", hidden: true, onclick: () => clearSchedule() }, "Stop scheduled refreshes");
  const form = el("form", { className: "schedule" },
    field("Refresh schedule", expression, "A cron expression (0 6 * * mon-fri, @daily) or an interval (every 6h, every 1h30m)."),
    field("Time zone of a cron expression", timezone),
    field("Train after a refresh that adds at least this many pairs", minPairs, "Empty: never train on its own (training costs GPU hours)."),
    el("button", { type: "submit" }, "Save schedule"), stop, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const json = { expression: expression.value.trim(), timezone: timezone.value.trim() || "UTC" };
    if (minPairs.value) json.train_min_pairs = Number(minPairs.value);
    try {
      show(await api(path(course), { method: "PUT", json }));
      status.textContent = "Saved. The scheduler picks it up at its next tick.";
    } catch (error) {
      status.textContent = `Not saved: ${error.message}`;
    }
  });
  body.append(el("p", {}, "Refreshes the course from its source on a schedule, the same way as the Refresh button: a run that finds a refresh running joins it."), summary, form);

  function show(schedule) {
    stop.hidden = !schedule;
    if (!schedule) {
      clear(summary, el("p", {}, "No schedule: the course refreshes only when asked."));
      return;
    }
    expression.value = schedule.expression;
    timezone.value = schedule.timezone;
    minPairs.value = schedule.train_min_pairs ?? "";
    const zone = schedule.kind === "cron" ? ` (${schedule.timezone})` : "";
    clear(summary, el("dl", {},
      el("dt", {}, "Refreshes"), el("dd", { className: "schedule-expression" }, `${schedule.expression}${zone}`),
      el("dt", {}, "Next run"), el("dd", { className: "schedule-next" }, when(schedule.next_run_at)),
      el("dt", {}, "Last scheduled run"), el("dd", { className: "schedule-last" }, lastRun(schedule)),
      el("dt", {}, "Training"), el("dd", {}, schedule.train_min_pairs ? `after a refresh that adds at least ${schedule.train_min_pairs} pairs` : "only when asked")));
  }

  async function load() {
    try {
      show(await api(path(course)));
    } catch (error) {
      if (error.status === 404) show(null);
      else status.textContent = error.message;
    }
  }

  async function clearSchedule() {
    try {
      await api(path(course), { method: "DELETE" });
      show(null);
      form.reset();
      timezone.value = localZone();
      status.textContent = "Scheduled refreshes stopped.";
    } catch (error) {
      status.textContent = `Not stopped: ${error.message}`;
    }
  }
  load();
}

function lastRun(schedule) {
  if (!schedule.last_run_at) return "none yet";
  const at = when(schedule.last_run_at);
  if (schedule.last_error) return `${at}: did not start: ${schedule.last_error}`;
  const job = schedule.last_job;
  if (!job) return at;
  const c = job.changes;
  const changes = job.finished_at ? `, ${c.added} added, ${c.updated} updated, ${c.deleted} deleted` : "";
  return `${at}: ${job.state}${changes}${job.error ? ` (${job.error})` : ""}`;
}
