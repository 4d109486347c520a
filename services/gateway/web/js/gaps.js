// What students ask that the material does not cover, grouped, and the course's keys for
// its LMS or frontend.

import { api } from "./api.js";
import { clear, el, field, when } from "./dom.js";

const course_ = (course) => `/courses/${encodeURIComponent(course.id)}`;

export async function showGaps(body, course) {
  const status = el("p", { role: "status" });
  const list = el("div", { className: "gaps" });
  body.append(el("p", {}, "Questions answered as not covered by the material, and answers students marked unhelpful, grouped by similarity. Add material for a group, refresh, then mark it resolved."), status, list);
  let gaps;
  try {
    gaps = await api(`${course_(course)}/gaps`);
  } catch (error) {
    status.textContent = error.message;
    return;
  }
  const { groups } = gaps;
  if (!groups.length) {
    status.textContent = "Nothing yet: no question went unanswered.";
    return;
  }
  status.textContent = `${groups.length} groups of questions.`;
  for (const group of groups) {
    const resolve = el("button", { type: "button", onclick: async () => {
      try {
        await api(`${course_(course)}/gaps/resolve`, { method: "POST", json: { question_ids: group.question_ids } });
        box.remove();
        status.textContent = `Marked resolved: “${group.representative}”.`;
      } catch (error) {
        status.textContent = `Not resolved: ${error.message}`;
      }
    } }, "Mark resolved");
    const from = Object.entries(group.sources).map(([source, n]) => `${n} ${source.replaceAll("_", " ")}`).join(", ");
    const box = el("article", { className: "gap" },
      el("h3", {}, group.representative),
      el("p", { className: "muted" }, `${group.count} asked (${from}), last ${when(group.last_asked)}`),
      el("ul", {}, group.examples.map((q) => el("li", {}, q))),
      group.reasons.length ? el("p", {}, "Reasons given: ", group.reasons.join("; ")) : null,
      resolve);
    list.append(box);
  }
}

export async function showKeys(body, course, me) {
  if (me.role !== "admin") {
    body.append(el("p", {}, "Keys are issued by an admin: ask one for a client key for this course's LMS or frontend."));
    return;
  }
  const name = el("input", { type: "text", name: "name", required: true, maxlength: 200, value: `${course.id} frontend` });
  const issued = el("div", { "aria-live": "polite" });
  const list = el("ul", { className: "keys" });
  const form = el("form", {}, field("Who will use the key", name), el("button", { type: "submit" }, "Issue a client key for this course"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const key = await api("/keys", { method: "POST", json: { name: name.value.trim(), role: "client", courses: [course.id] } });
      clear(issued, el("p", {}, "Copy the key now: it is not shown again."), el("code", { className: "token" }, key.token));
      listKeys(list, course);
    } catch (error) {
      clear(issued, el("p", { className: "error" }, error.message));
    }
  });
  body.append(form, issued, el("h3", {}, "Keys that reach this course"), list);
  listKeys(list, course);
}

async function listKeys(list, course) {
  const keys = (await api("/keys")).filter((k) => k.courses.includes(course.id) && !k.revoked_at);
  clear(list, keys.map((k) => el("li", {}, `${k.name} (${k.role}), since ${when(k.created_at)} `,
    el("button", { type: "button", onclick: async () => { await api(`/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" }); listKeys(list, course); } }, `Revoke ${k.name}`))));
  if (!keys.length) list.append(el("li", {}, "None yet."));
}
