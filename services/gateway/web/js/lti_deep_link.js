// The view an instructor's deep-linking launch lands on (#lti-deep-link): pick what the LMS
// course gets, the course chatbot or a practice quiz on a topic. The form posts to the
// gateway (the session token in a field, never in a URL), which answers the signed
// LtiDeepLinkingResponse in a page that hands it on to the LMS.

import { session } from "./api.js";
import { clear, el, field, uid } from "./dom.js";

export function showLtiDeepLink(root, me) {
  const lms = me.lti.context.title ?? me.lti.context.label ?? me.lti.context.id;
  const choice = (value, label, checked) => {
    const id = uid("placement");
    return el("p", { className: "option" },
      el("input", { type: "radio", name: "placement", id, value, checked, required: true }),
      el("label", { for: id }, label));
  };
  const topic = el("input", { type: "text", name: "topic", maxlength: 200 });
  const count = el("input", { type: "number", name: "n", min: 1, max: 20, value: 5 });
  const title = el("input", { type: "text", name: "title", maxlength: 200 });
  const quizFields = el("div", { className: "quiz-fields", hidden: true },
    field("Topic", topic, "Leave empty for the whole course."), field("Questions", count));
  const form = el("form", { method: "post", action: "/lti/deep-link/submit", className: "deep-link" },
    el("input", { type: "hidden", name: "token", value: session.token ?? "" }),
    el("fieldset", {}, el("legend", {}, "What to place"),
      choice("chatbot", "The course chatbot: students ask, answers cite the material", true),
      choice("quiz", "A practice quiz, graded into the LMS gradebook", false)),
    quizFields,
    field("Title in the LMS", title, "Leave empty for a title made of the course or the topic."),
    el("button", { type: "submit" }, "Place in the LMS course"));
  form.addEventListener("change", () => {
    quizFields.hidden = form.elements.placement.value !== "quiz";
  });
  clear(root, el("h1", {}, `Add BYOSC to ${lms}`), form);
}
