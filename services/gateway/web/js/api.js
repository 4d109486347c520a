// The public API as the page uses it: the key from this tab's sessionStorage in a bearer
// header, errors as ApiError with the server's own words, and /chat's event stream.

const TOKEN = "byosc.token";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// The stream ended before its final event: `text` is what had arrived.
export class StreamCut extends Error {
  constructor(text, cause) {
    super("The answer was cut off before it finished.");
    this.text = text;
    this.cause = cause;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN, value);
    else sessionStorage.removeItem(TOKEN);
  },
};

// Called with the reason when the server refuses the key (expired, revoked, unknown).
let onSignedOut = () => {};
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

function headers(extra = {}) {
  return { authorization: `Bearer ${session.token}`, ...extra };
}

async function send(path, { method = "GET", json, body, signal } = {}) {
  const init = { method, headers: headers(), signal };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["content-type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await apiError(response);
  return response;
}

export async function apiError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = new ApiError(response.status, explain(response.status, body), body);
  if (response.status === 401) onSignedOut(error.message);
  return error;
}

// The server's reason in plain words: `detail` is a string, or FastAPI's list of field errors.
function explain(status, body) {
  const detail = body?.detail ?? body?.error?.message;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg ?? JSON.stringify(d)).join("; ");
  if (status === 413) return "The file is over the size limit.";
  if (status === 429) return "Too many requests: wait a moment and try again.";
  return `The server answered ${status}.`;
}

export async function api(path, options) {
  const response = await send(path, options);
  if (response.status === 204) return null;
  return response.json();
}

export async function fetchBlob(path) {
  const response = await send(path);
  return { blob: await response.blob(), type: response.headers.get("content-type") };
}

// POST /chat with stream: true. Calls onDelta(textSoFar) as pieces arrive; resolves with
// the final ChatResponse; throws StreamCut when the stream breaks before it.
export async function streamChat(request, onDelta, signal) {
  const response = await send("/chat", { method: "POST", json: { ...request, stream: true }, signal });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const event = parseEvent(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        if (event.name === "delta") {
          text += event.data.text;
          onDelta(text);
        } else if (event.name === "done") {
          return event.data;
        } else if (event.name === "error") {
          throw new ApiError(500, event.data?.detail ?? "The answer failed.", event.data);
        }
      }
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new StreamCut(text, error);
  }
  throw new StreamCut(text, null);
}

function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  return { name, data: data.length ? JSON.parse(data.join("\n")) : null };
}
