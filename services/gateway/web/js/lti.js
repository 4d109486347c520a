// The page an LTI launch answers with: moves the session token from its <meta> into this
// tab's sessionStorage (where the web app keeps its key, see api.js) and opens the web app.
// No cookie and nothing secret in a URL: browsers block third-party cookies in an LMS's frame.

const TOKEN = "byosc.token";
const LANDINGS = new Set(["#student", "#instructor", "#lti-setup", "#lti-deep-link"]);

const tokenMeta = document.querySelector('meta[name="byosc-session"]');
const landingMeta = document.querySelector('meta[name="byosc-landing"]');
const landing = landingMeta?.content;

if (tokenMeta?.content && LANDINGS.has(landing)) {
  sessionStorage.setItem(TOKEN, tokenMeta.content);
  tokenMeta.remove();
  // replace: the back button must not return to this page, whose form post cannot be resent.
  location.replace(`/${landing}`);
}
