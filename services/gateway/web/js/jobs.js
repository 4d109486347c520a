// Watching a job live: its state, progress and each file's state and error, until it ends.

import { api } from "./api.js";
import { clear, el } from "./dom.js";

const ENDED = new Set(["succeeded", "failed", "partial", "cancelled"]);
const POLL_MS = 1000;

export async function watchJob(box, jobId, onEnd = () => {}) {
  const state = el("p", { className: "job-state", role: "status" });
  const bar = el("progress", { max: 1, value: 0, "aria-label": "Progress" });
  const figures = el("p", { className: "figures" });
  const items = el("ul", { className: "job-items" });
  clear(box, state, bar, figures, items);
  for (;;) {
    let job;
    try {
      job = await api(`/jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      state.textContent = `Could not read job ${jobId}: ${error.message}`;
      return null;
    }
    const { done, total, failed, step } = job.progress;
    state.textContent = `Job ${job.kind}: ${job.state}${step ? ` (${step})` : ""}, ${done} of ${total} done${failed ? `, ${failed} failed` : ""}`;
    state.dataset.state = job.state;
    state.dataset.kind = job.kind;
    bar.max = Math.max(total, 1);
    bar.value = done;
    // The last figures stay up when a job ends without any (a training job's final step).
    const latest = Object.entries(job.progress.figures ?? {});
    if (latest.length) clear(figures, latest.map(([k, v]) => `${k.replaceAll("_", " ")} ${round(v)}  `));
    clear(items, job.items.map((item) =>
      el("li", { className: `item ${item.state}` },
        el("strong", {}, item.filename), ` ${item.action}: ${item.state}`,
        item.step && item.state === "running" ? ` (${item.step})` : "",
        item.chunks ? `, ${item.chunks} chunks` : "",
        item.error ? el("span", { className: "error" }, ` ${item.error}`) : null,
        item.note ? el("span", { className: "muted" }, ` ${item.note}`) : null)));
    if (job.error) items.append(el("li", { className: "error" }, job.error));
    if (ENDED.has(job.state)) {
      onEnd(job);
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function round(value) {
  return Number.isInteger(value) ? value : Number(value).toFixed(2);
}
