// The instructor's view: their courses, a new course, and each course's material, datasets,
// training, keys and gaps. Nothing here needs the CLI.

import { api } from "./api.js";
import { clear, el, field } from "./dom.js";
import { showGaps, showKeys } from "./gaps.js";
import { showLtiScores } from "./lti_scores.js";
import { showMaterial, showSearch } from "./material.js";
import { showSchedule } from "./schedule.js";
import { showTraining } from "./training.js";

const TABS = [
  ["material", "Material", showMaterial],
  ["schedule", "Schedule", showSchedule],
  ["search", "Try a search", showSearch],
  ["training", "Datasets and training", showTraining],
  ["gaps", "What students miss", showGaps],
  ["keys", "Keys", showKeys],
  ["lms-grades", "LMS grades", showLtiScores],
];

export async function showInstructor(root, me) {
  const list = el("ul", { className: "courses" });
  const panel = el("div", { className: "course-panel" });
  clear(root, el("h1", {}, "Course admin"), el("h2", {}, "Courses"), list, newCourse(me, (id) => load(id)), panel);

  async function load(selected) {
    let courses;
    try {
      courses = await api("/courses");
    } catch (error) {
      clear(list, el("li", { className: "error" }, error.message));
      return;
    }
    clear(list, courses.map((course) =>
      el("li", {}, el("button", { type: "button", className: "link", onclick: () => openCourse(panel, course, me) }, `${course.name} (${course.id})`),
        el("span", { className: "muted" }, ` source: ${course.source?.kind ?? "upload"}`))));
    if (!courses.length) list.append(el("li", {}, "No course yet."));
    const chosen = courses.find((c) => c.id === selected);
    if (chosen) openCourse(panel, chosen, me);
  }
  load();
}

function newCourse(me, created) {
  if (me.role !== "admin") {
    return el("p", { className: "muted" }, "New courses are created by an admin, who adds them to your key.");
  }
  const id = el("input", { type: "text", name: "id", required: true, pattern: "[a-z0-9][a-z0-9-]{1,62}", maxlength: 63 });
  const name = el("input", { type: "text", name: "name", required: true, maxlength: 200 });
  const kind = el("select", { name: "kind" },
    el("option", { value: "upload" }, "Uploads (drag and drop here)"),
    el("option", { value: "local" }, "A folder on the server"),
    el("option", { value: "gdrive" }, "A Google Drive folder"));
  const where = el("input", { type: "text", name: "where", maxlength: 1000 });
  const whereField = field("Folder path or Drive folder ID", where);
  whereField.hidden = true;
  kind.addEventListener("change", () => { whereField.hidden = kind.value === "upload"; });
  const status = el("p", { role: "status" });
  const form = el("form", { className: "new-course" },
    el("h2", {}, "New course"),
    field("Course ID", id, "2 to 63 characters: a-z, digits and hyphens, e.g. cs140."),
    field("Name", name), field("Source", kind), whereField,
    el("button", { type: "submit" }, "Create course"), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const source = { kind: kind.value };
    if (kind.value === "local") source.path = where.value.trim();
    if (kind.value === "gdrive") source.folder_id = where.value.trim();
    try {
      const course = await api("/courses", { method: "POST", json: { id: id.value.trim(), name: name.value.trim(), source } });
      status.textContent = `Created ${course.id}.`;
      form.reset();
      whereField.hidden = true;
      created(course.id);
    } catch (error) {
      status.textContent = `Not created: ${error.message}`;
    }
  });
  return form;
}

function openCourse(panel, course, me) {
  const tabs = el("div", { role: "tablist", "aria-label": `${course.name} sections` });
  const body = el("div", { role: "tabpanel", tabindex: "0", className: "tab-body" });
  clear(panel, el("h2", {}, `${course.name} (${course.id})`), tabs, body);
  const select = (key) => {
    clear(tabs, TABS.map(([k, label]) =>
      el("button", { type: "button", role: "tab", id: `tab-${k}`, "aria-selected": String(k === key), onclick: () => select(k) }, label)));
    body.setAttribute("aria-labelledby", `tab-${key}`);
    const [, , show] = TABS.find(([k]) => k === key);
    show(clear(body), course, me);
  };
  select("material");
  panel.scrollIntoView({ block: "start" });
}
