// The student's view: pick a course, ask, watch the answer stream in, open its sources,
// rate it; or take a quiz.

import { api, ApiError, StreamCut, streamChat } from "./api.js";
import { citationList, SourceViewer } from "./citations.js";
import { clear, el, field } from "./dom.js";
import { showQuiz } from "./quiz.js";

// How an answer is labelled, by what the server said about it.
const KINDS = {
  answer: null,
  "not-covered": "Not in the course material: the closest passages are below.",
  degraded: "The model is unavailable right now: these are the most relevant passages.",
  refused: "Refused",
  cut: "The answer was cut off.",
};

export async function showStudent(root, me) {
  const picker = el("select", { name: "course" });
  const modes = el("div", { className: "modes", role: "group", "aria-label": "Mode" });
  const area = el("div", { className: "student-area" });
  clear(root, el("h1", {}, "Study"), field("Course", picker), modes, area);
  const viewer = new SourceViewer(root);
  let courses;
  try {
    courses = await api("/courses");
  } catch (error) {
    area.append(el("p", { className: "error", role: "alert" }, error.message));
    return;
  }
  if (!courses.length) {
    area.append(el("p", {}, me.role === "client" ? "Your key reaches no course yet." : "No course yet: create one under Course admin."));
    return;
  }
  for (const course of courses) picker.append(el("option", { value: course.id }, `${course.name} (${course.id})`));
  // A quiz placed in the LMS (deep linking) opens in quiz mode with its topic and size.
  const placed = me.lti?.custom?.placement === "quiz" ? { ...me.lti.custom, gradebook: Boolean(me.lti.ags) } : null;
  let mode = placed ? "quiz" : "ask";
  const render = () => {
    clear(modes,
      ["ask", "quiz"].map((m) =>
        el("button", { type: "button", "aria-pressed": String(m === mode), onclick: () => { mode = m; render(); } }, m === "ask" ? "Ask questions" : "Take a quiz"),
      ),
    );
    viewer.close();
    if (mode === "ask") showChat(clear(area), picker.value, viewer);
    else showQuiz(clear(area), picker.value, viewer, placed);
  };
  picker.addEventListener("change", render);
  render();
}

function showChat(area, courseId, viewer) {
  const turns = [];  // the conversation sent with each question: the /chat rules apply
  const log = el("div", { className: "log", "aria-live": "polite" });
  const input = el("textarea", { name: "question", rows: 2, maxlength: 8000, required: true });
  const button = el("button", { type: "submit" }, "Ask");
  const form = el("form", { className: "ask" }, field("Your question", input), button);
  area.append(log, form);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    button.disabled = true;
    await ask(question);
    button.disabled = false;
    input.focus();
  });

  async function ask(question) {
    log.append(el("p", { className: "question" }, el("span", { className: "sr-only" }, "You asked: "), question));
    const answer = el("article", { className: "answer", "aria-busy": "true" });
    const text = el("p", { className: "text" });
    answer.append(text);
    log.append(answer);
    answer.scrollIntoView({ block: "end" });
    const messages = [...turns, { role: "user", content: question }];
    try {
      const response = await streamChat({ course_id: courseId, messages }, (soFar) => {
        text.textContent = soFar;
      });
      turns.push({ role: "user", content: question }, { role: "assistant", content: response.answer });
      text.textContent = response.answer;
      const kind = response.degraded ? "degraded" : response.covered === false ? "not-covered" : "answer";
      label(answer, kind, response.adapter_error ? `Answered by the base model: ${response.adapter_error}` : null);
      answer.append(citationList(response.citations, viewer) ?? "", rating(courseId, question, response));
    } catch (error) {
      if (error instanceof StreamCut) {
        text.textContent = error.text || "Nothing arrived.";
        label(answer, "cut", "The connection broke before the answer finished.");
      } else {
        label(answer, "refused", error instanceof ApiError ? error.message : String(error));
      }
      answer.append(el("button", { type: "button", className: "retry", onclick: () => { answer.remove(); log.lastChild?.remove(); ask(question); } }, "Retry"));
    } finally {
      answer.setAttribute("aria-busy", "false");
    }
  }
}

function label(answer, kind, detail) {
  answer.classList.add(kind);
  const words = KINDS[kind];
  if (words || detail) answer.prepend(el("p", { className: "kind", role: kind === "answer" ? null : "note" }, words ?? "", detail ? ` ${detail}` : ""));
}

// Thumbs up or down, with an optional reason; no identity is sent.
function rating(courseId, question, response) {
  const status = el("span", { role: "status" });
  const reason = el("input", { type: "text", name: "reason", maxlength: 1000, placeholder: "What was wrong? (optional)" });
  const why = el("form", { className: "reason", hidden: true }, field("Reason", reason), el("button", { type: "submit" }, "Send"));
  const send = async (value, text) => {
    try {
      await api(`/courses/${encodeURIComponent(courseId)}/feedback`, {
        method: "POST",
        json: { question, answer: response.answer, rating: value, reason: text || null, citations: response.citations.map((c) => ({ document_id: c.document_id, page: c.page, start_s: c.start_s })) },
      });
      status.textContent = "Thanks: your feedback was saved.";
      box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      why.hidden = true;
    } catch (error) {
      status.textContent = `Feedback not saved: ${error.message}`;
    }
  };
  why.addEventListener("submit", (event) => { event.preventDefault(); send("down", reason.value.trim()); });
  const box = el(
    "div",
    { className: "rating" },
    el("button", { type: "button", onclick: () => send("up") }, "Helpful"),
    el("button", { type: "button", onclick: () => { why.hidden = false; reason.focus(); } }, "Not helpful"),
    why,
    status,
  );
  return box;
}
