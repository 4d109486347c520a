// The setup view an instructor's first LMS launch lands on (#lti-setup): the LMS course has
// no BYOSC course yet. Create one (its ID suggested from the LMS course's label) or link an
// existing one; POST /lti/contexts answers a session token for that course.

import { api, session } from "./api.js";
import { clear, el, field } from "./dom.js";

export async function showLtiSetup(root, done) {
  const status = el("p", { role: "status" });
  clear(root, el("h1", {}, "Set up BYOSC for this course"), status);
  let setup;
  try {
    setup = await api("/lti/contexts");
  } catch (error) {
    status.className = "error";
    status.textContent = error.message;
    return;
  }
  const lms = setup.context.title ?? setup.context.label ?? setup.context.id;
  if (setup.course_id) {
    root.append(el("p", {}, `${lms} is linked to the BYOSC course ${setup.course_id} already. `
      + "Open BYOSC again from the LMS to work on it."));
    return;
  }
  root.append(
    el("p", {}, `The LMS course ${lms} has no BYOSC course yet. Create one, or link one that exists.`),
    createForm(setup, status, done),
    linkForm(setup, status, done),
  );
}

async function setUp(body, status, done) {
  status.className = "";
  status.textContent = "Setting up…";
  try {
    const linked = await api("/lti/contexts", { method: "POST", json: body });
    session.token = linked.token;
    done();
  } catch (error) {
    status.className = "error";
    status.textContent = error.message;
  }
}

function createForm(setup, status, done) {
  const id = el("input", { type: "text", required: true, value: setup.suggested_course_id,
    pattern: "[a-z0-9][a-z0-9-]{1,62}", maxlength: 63 });
  const name = el("input", { type: "text", required: true, value: setup.suggested_name, maxlength: 200 });
  const form = el("form", {},
    el("h2", {}, "Create a new course"),
    field("Course ID", id, "2 to 63 characters: a-z, digits and hyphens."),
    field("Name", name),
    el("button", { type: "submit" }, "Create and link"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setUp({ action: "create", course_id: id.value.trim(), name: name.value.trim() }, status, done);
  });
  return form;
}

function linkForm(setup, status, done) {
  const known = setup.linkable_courses;
  const id = known.length
    ? el("select", {}, known.map((course) => el("option", { value: course }, course)))
    : el("input", { type: "text", required: true, maxlength: 63 });
  const key = el("input", { type: "password", autocomplete: "off", maxlength: 300 });
  const hint = known.length
    ? "Courses you linked from this LMS before need no key; another needs one."
    : "An API key that manages the course: an admin's, or its instructor's.";
  const form = el("form", {},
    el("h2", {}, "Link an existing course"),
    field("Course ID", id),
    field("API key", key, hint),
    el("button", { type: "submit" }, "Link"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { action: "link", course_id: id.value.trim() };
    if (key.value.trim()) body.key = key.value.trim();
    setUp(body, status, done);
  });
  return form;
}
