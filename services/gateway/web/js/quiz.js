// Quiz mode: a topic and a number in, questions out, answers graded with their sources.

import { api } from "./api.js";
import { citationList } from "./citations.js";
import { clear, el, field } from "./dom.js";

// placed: the LMS placement's {topic, n, gradebook}, or null outside one.
export function showQuiz(area, courseId, viewer, placed = null) {
  const topic = el("input", { type: "text", name: "topic", maxlength: 200, value: placed?.topic || null });
  const count = el("input", { type: "number", name: "n", min: 1, max: 20, value: Number(placed?.n) || 3 });
  const status = el("p", { role: "status" });
  const questions = el("div", { className: "quiz" });
  const form = el("form", { className: "quiz-setup" },
    field("Topic", topic, "Leave empty for the whole course."), field("Questions", count),
    el("button", { type: "submit" }, "Make a quiz"));
  area.append(form, status, questions);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "Making the quiz…";
    clear(questions);
    try {
      const quiz = await api(`/courses/${encodeURIComponent(courseId)}/quiz`, {
        method: "POST",
        json: { topic: topic.value.trim() || null, n: Number(count.value) },
      });
      status.textContent = quiz.note ?? `${quiz.questions.length} questions.`;
      questions.append(quizForm(courseId, quiz, viewer, placed?.gradebook));
    } catch (error) {
      status.textContent = `No quiz: ${error.message}`;
    }
  });
}

function quizForm(courseId, quiz, viewer, gradebook) {
  const form = el("form", { className: "quiz-form" });
  quiz.questions.forEach((q, i) => {
    const legend = el("legend", {}, `${i + 1}. ${q.question}`);
    const box = el("fieldset", { className: "question", dataset: { id: q.id } }, legend);
    if (q.kind === "multiple_choice") {
      q.options.forEach((option, j) => {
        const letter = String.fromCharCode(65 + j);
        const id = `${q.id}-${letter}`;
        box.append(el("p", { className: "option" },
          el("input", { type: "radio", name: q.id, id, value: letter }),
          el("label", { for: id }, `${letter}. ${option}`)));
      });
    } else {
      box.append(field("Your answer", el("input", { type: "text", name: q.id, maxlength: 2000 })));
    }
    form.append(box);
  });
  const status = el("p", { role: "status" });
  form.append(el("button", { type: "submit" }, "Grade my answers"), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const answers = {};
    for (const q of quiz.questions) answers[q.id] = String(data.get(q.id) ?? "");
    try {
      const graded = await api(`/courses/${encodeURIComponent(courseId)}/quiz/grade`, {
        method: "POST",
        json: { quiz_id: quiz.quiz_id, answers },
      });
      status.textContent = `Score: ${graded.score} of ${graded.max_score}.`;
      if (gradebook) sendToGradebook(quiz.quiz_id, status);
      for (const result of graded.results) {
        const box = form.querySelector(`fieldset[data-id="${CSS.escape(result.question_id)}"]`);
        box.querySelector(".grade")?.remove();
        box.append(el("div", { className: `grade ${result.verdict}` },
          el("p", {}, el("strong", {}, result.verdict.replace("_", " ")), ` (${result.score}): ${result.feedback}`),
          el("p", {}, `Expected: ${result.expected}`),
          citationList(result.citations, viewer)));
      }
    } catch (error) {
      status.textContent = `Not graded: ${error.message}`;
    }
  });
  return form;
}

// After the grade is shown: the gateway sends it to the LMS in the background.
async function sendToGradebook(quizId, status) {
  const note = el("span", {}, " Sending it to the LMS gradebook…");
  status.append(note);
  try {
    await api("/lti/scores", { method: "POST", json: { quiz_id: quizId } });
    note.textContent = " It goes to the LMS gradebook.";
  } catch (error) {
    note.textContent = ` Not sent to the LMS gradebook: ${error.message}`;
  }
}
