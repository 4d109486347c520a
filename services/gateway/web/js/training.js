// Datasets and training: generate an instruction set and read its report, train an adapter
// and watch it, compare it with the base model, promote or roll back.

import { api, fetchBlob } from "./api.js";
import { clear, el, field, when } from "./dom.js";
import { watchJob } from "./jobs.js";

const course_ = (course) => `/courses/${encodeURIComponent(course.id)}`;

export function showTraining(body, course) {
  const datasets = el("div", { className: "datasets" });
  const adapters = el("div", { className: "adapters" });
  const job = el("div", { className: "job", "aria-live": "polite" });
  const steps = el("input", { type: "number", name: "max_steps", min: 1, max: 100000, value: 20 });
  const start = async (path, json) => {
    try {
      const accepted = await api(path, { method: "POST", json });
      await watchJob(job, accepted.job_id, () => { listDatasets(datasets, course); listAdapters(adapters, course); });
    } catch (error) {
      clear(job, el("p", { className: "error", role: "alert" }, `Not started: ${error.message}`));
    }
  };
  const train = el("form", { className: "train" }, field("Training steps", steps),
    el("button", { type: "submit" }, "Train an adapter on the latest dataset"));
  train.addEventListener("submit", (event) => {
    event.preventDefault();
    start(`${course_(course)}/train`, { hyperparameters: { max_steps: Number(steps.value) } });
  });
  body.append(
    el("h3", {}, "Instruction datasets"),
    el("button", { type: "button", onclick: () => start(`${course_(course)}/datasets`) }, "Generate a new dataset version"),
    datasets, el("h3", {}, "Training"), train, job,
    el("h3", {}, "Adapters"),
    el("button", { type: "button", onclick: () => change(adapters, course, `${course_(course)}/rollback`) }, "Roll back to the previous adapter"),
    adapters);
  listDatasets(datasets, course);
  listAdapters(adapters, course);
}

async function listDatasets(box, course) {
  try {
    const versions = await api(`${course_(course)}/datasets`);
    if (!versions.length) return clear(box, el("p", {}, "No dataset yet."));
    clear(box, el("table", {}, el("caption", {}, "Dataset versions: pairs kept, and rejected by reason"),
      el("thead", {}, el("tr", {}, ["Version", "Made", "Pairs", "Splits", "Rejected", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, versions.map((v) => el("tr", {},
        el("td", { className: "num" }, v.version), el("td", {}, when(v.created_at)),
        el("td", { className: "num" }, v.pairs),
        el("td", {}, Object.entries(v.splits).map(([k, n]) => `${k} ${n}`).join(", ")),
        el("td", {}, Object.entries(v.report.rejected).map(([k, n]) => `${k.replaceAll("_", " ")} ${n}`).join(", ") || "none"),
        el("td", {}, el("button", { type: "button", onclick: () => exportVersion(course, v.version) }, `Export v${v.version}`)))))));
  } catch (error) {
    clear(box, el("p", { className: "error" }, error.message));
  }
}

async function exportVersion(course, version) {
  const { blob } = await fetchBlob(`${course_(course)}/datasets/${version}/export`);
  el("a", { href: URL.createObjectURL(blob), download: `${course.id}-v${version}.jsonl` }).click();
}

async function listAdapters(box, course) {
  try {
    const adapters = await api(`${course_(course)}/adapters`);
    if (!adapters.length) return clear(box, el("p", {}, "No adapter yet: the course is answered by the base model."));
    clear(box, el("table", {}, el("caption", {}, "Adapters, evaluated on held-out pairs against the base model"),
      el("thead", {}, el("tr", {}, ["Adapter", "State", "Dataset", "Perplexity base → adapter", "ROUGE-L base → adapter", "Verdict", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, adapters.map((a) => {
        const e = a.evaluation;
        return el("tr", { dataset: { name: a.name } },
          el("td", {}, a.name), el("td", { className: `state ${a.state}` }, a.state), el("td", { className: "num" }, `v${a.dataset_version}`),
          el("td", {}, e ? `${fixed(e.base.perplexity)} → ${fixed(e.adapter.perplexity)}` : "not evaluated"),
          el("td", {}, e ? `${fixed(e.base.rouge_l)} → ${fixed(e.adapter.rouge_l)}` : ""),
          el("td", {}, e ? `${e.passed ? "passed" : "failed"}: ${e.reasons.join("; ")}` : ""),
          el("td", {}, a.state === "active" ? "" : el("button", { type: "button", onclick: () => change(box, course, `${course_(course)}/adapters/${encodeURIComponent(a.name)}/promote`) }, `Promote ${a.name}`)));
      }))));
  } catch (error) {
    clear(box, el("p", { className: "error" }, error.message));
  }
}

async function change(box, course, path) {
  try {
    const changed = await api(path, { method: "POST" });
    await listAdapters(box, course);
    box.prepend(el("p", { role: "status" }, `${changed.active.name} is now active.`));
  } catch (error) {
    box.prepend(el("p", { className: "error", role: "alert" }, error.message));
  }
}

function fixed(value) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(3);
}
