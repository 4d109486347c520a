// A course's material: uploads (drag and drop), refreshes watched live, the indexed
// documents with their chunks and transcripts, and a search to try.

import { api } from "./api.js";
import { clear, el, field, seconds } from "./dom.js";
import { watchJob } from "./jobs.js";

const course_ = (course) => `/courses/${encodeURIComponent(course.id)}`;

export function showMaterial(body, course) {
  const job = el("div", { className: "job", "aria-live": "polite" });
  const docs = el("div", { className: "documents" });
  const refresh = el("button", { type: "button", onclick: async () => {
    try {
      const accepted = await api(`${course_(course)}/refresh`, { method: "POST" });
      await watchJob(job, accepted.job_id, () => listDocuments(docs, course));
    } catch (error) {
      clear(job, el("p", { className: "error", role: "alert" }, `Refresh not started: ${error.message}`));
    }
  } }, "Refresh from the source");
  const source = course.source ?? { kind: "upload" };
  const where = source.kind === "local" ? `the folder ${source.path}` : source.kind === "gdrive" ? `the Drive folder ${source.folder_id}` : "files uploaded here";
  body.append(el("p", {}, `The index follows ${where}.`));
  if (source.kind === "upload") body.append(uploader(course, job, docs));
  body.append(refresh, job, el("h3", {}, "Indexed documents"), docs);
  listDocuments(docs, course);
}

function uploader(course, job, docs) {
  const input = el("input", { type: "file", name: "files", multiple: true });
  const results = el("ul", { className: "upload-results", "aria-live": "polite" });
  const zone = el("div", { className: "dropzone" }, el("p", {}, "Drop files here, or choose them:"), field("Files to upload", input), results);
  const upload = async (files) => {
    if (!files.length) return;
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    clear(results, el("li", {}, `Uploading ${files.length} file(s)…`));
    try {
      const accepted = await api(`${course_(course)}/documents`, { method: "POST", body: form });
      clear(results,
        accepted.saved.map((name) => el("li", { className: "saved" }, el("strong", {}, name), " saved")),
        accepted.refused.map((r) => el("li", { className: "refused" }, el("strong", {}, r.filename), ` refused: ${r.reason}`)));
      if (accepted.job_id) await watchJob(job, accepted.job_id, () => listDocuments(docs, course));
    } catch (error) {
      clear(results, [...files].map((f) => el("li", { className: "refused" }, el("strong", {}, f.name), ` refused: ${error.message}`)));
    }
    input.value = "";
  };
  input.addEventListener("change", () => upload([...input.files]));
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    upload([...event.dataTransfer.files]);
  });
  return zone;
}

async function listDocuments(box, course) {
  let documents;
  try {
    documents = await api(`${course_(course)}/documents`);
  } catch (error) {
    clear(box, el("p", { className: "error" }, error.message));
    return;
  }
  if (!documents.length) {
    clear(box, el("p", {}, "No documents yet."));
    return;
  }
  const chunks = el("div", { className: "chunks", "aria-live": "polite" });
  const rows = documents.map((d) => el("tr", {},
    el("td", {}, el("button", { type: "button", className: "link", onclick: () => showChunks(chunks, course, d) }, d.filename)),
    el("td", {}, d.media_type), el("td", { className: "num" }, d.chunks),
    el("td", {}, d.warnings.join("; "))));
  clear(box,
    el("table", {}, el("caption", {}, `${documents.length} documents`),
      el("thead", {}, el("tr", {}, ["File", "Type", "Chunks", "Warnings"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows)),
    chunks);
}

async function showChunks(box, course, document) {
  clear(box, el("p", { role: "status" }, `Reading ${document.filename}…`));
  try {
    const listed = await api(`${course_(course)}/documents/${encodeURIComponent(document.id)}/chunks`);
    const chunks = Array.isArray(listed) ? listed : listed.chunks;
    clear(box, el("h4", {}, `${document.filename}: ${chunks.length} chunks`),
      el("ol", { className: "chunk-list" }, chunks.map((c) => el("li", {},
        el("p", { className: "place" }, placeOf(c)), el("p", {}, c.text)))));
  } catch (error) {
    clear(box, el("p", { className: "error" }, error.message));
  }
}

function placeOf(chunk) {
  if (chunk.start_s !== null && chunk.start_s !== undefined) return `${seconds(chunk.start_s)}–${seconds(chunk.end_s ?? chunk.start_s)}`;
  return [chunk.page ? `page ${chunk.page}` : "", chunk.heading ?? ""].filter(Boolean).join(" · ");
}

export function showSearch(body, course) {
  const query = el("input", { type: "search", name: "q", required: true, maxlength: 2000 });
  const results = el("ol", { className: "search-results", "aria-live": "polite" });
  const form = el("form", {}, field("Search the course", query), el("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const hits = await api(`${course_(course)}/search?${new URLSearchParams({ q: query.value, limit: 10 })}`);
      clear(results, hits.map((hit) => el("li", {},
        el("strong", {}, hit.chunk.filename ?? hit.chunk.title), ` ${placeOf(hit.chunk)} (score ${Number(hit.score).toFixed(3)})`,
        el("p", {}, hit.chunk.text))));
      if (!hits.length) results.append(el("li", {}, "Nothing found."));
    } catch (error) {
      clear(results, el("li", { className: "error" }, error.message));
    }
  });
  body.append(form, results);
}
