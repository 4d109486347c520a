// Entry point: sign-in, who the key belongs to, and which view the address names.

import { api, session, whenSignedOut } from "./api.js";
import { clear } from "./dom.js";
import { showInstructor } from "./instructor.js";
import { showLtiDeepLink } from "./lti_deep_link.js";
import { showLtiSetup } from "./lti_setup.js";
import { showStudent } from "./student.js";

const $ = (id) => document.getElementById(id);
let me = null;

function signIn(message) {
  session.token = null;
  me = null;
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  clear($("view"));
  $("sign-in").hidden = false;
  $("sign-in-message").hidden = !message;
  $("sign-in-message").textContent = message ?? "";
  $("token").value = "";
  $("token").focus();
}

async function start() {
  try {
    me = await api("/me");
  } catch (error) {
    if (error.status !== 401) signIn(`Could not sign in: ${error.message}`);
    return;
  }
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  $("who").textContent = `${me.name} (${me.role})`;
  const manages = me.role === "admin" || me.role === "instructor";
  $("nav").hidden = !manages;
  route();
}

function route() {
  if (!me) return;
  if (location.hash === "#lti-setup" && me.lti) {
    // Set up: the new session token is in place; sign in again with it, as an instructor.
    const next = me.lti.message_type === "LtiDeepLinkingRequest" ? "#lti-deep-link" : "#instructor";
    showLtiSetup(clear($("view")), () => { me = null; location.hash = next; start(); });
    return;
  }
  if (location.hash === "#lti-deep-link" && me.lti?.deep_linking && me.role === "instructor") {
    showLtiDeepLink(clear($("view")), me);
    return;
  }
  const manages = me.role === "admin" || me.role === "instructor";
  const view = location.hash === "#instructor" && manages ? "instructor" : "student";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const root = clear($("view"));
  if (view === "instructor") showInstructor(root, me);
  else showStudent(root, me);
}

whenSignedOut((reason) =>
  signIn(`Signed out: the server refused the key (${reason}). It may have expired or been revoked.`),
);

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  session.token = $("token").value.trim();
  start();
});
$("sign-out").addEventListener("click", () => signIn("Signed out."));
window.addEventListener("hashchange", route);

if (session.token) start();
else signIn();
