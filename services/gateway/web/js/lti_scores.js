// Course admin tab: quiz grades on their way to the LMS gradebook (LTI grade services),
// each pending (with its tries so far), sent, or failed with the reason.

import { api } from "./api.js";
import { clear, el, when } from "./dom.js";

const STATES = { pending: "Waiting to send", sent: "Sent", failed: "Failed" };

export async function showLtiScores(body, course) {
  const status = el("p", { role: "status" });
  const table = el("table", { className: "lti-scores" });
  const reload = el("button", { type: "button", onclick: () => load() }, "Refresh");
  body.append(el("p", {}, "Grades of quizzes placed in an LMS course, sent to its gradebook. Failed sends keep their reason; a student's next grade for the quiz is sent again."), reload, status, table);

  async function load() {
    let scores;
    try {
      scores = await api(`/lti/scores?course_id=${encodeURIComponent(course.id)}`);
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    status.textContent = scores.length ? `${scores.length} grades.` : "No grade sent from an LMS launch yet.";
    clear(table, scores.length ? el("thead", {}, el("tr", {},
      ["Student", "Score", "State", "Tries", "Last error", "Updated"].map((h) => el("th", { scope: "col" }, h)))) : null,
    el("tbody", {}, scores.map((s) => el("tr", { className: s.state },
      el("td", {}, s.user),
      el("td", {}, `${s.score_given} of ${s.score_maximum}`),
      el("td", {}, STATES[s.state] ?? s.state),
      el("td", {}, String(s.attempts)),
      el("td", {}, s.last_error ?? ""),
      el("td", {}, when(s.updated_at))))));
  }
  load();
}
