// The page POST /lti/deep-link/submit answers: posts the signed deep-linking response to the
// LMS's return URL. A file rather than inline code: the page's policy allows no inline script.

document.getElementById("lti-return")?.submit();
