// Citations under an answer, and opening one at its place: a PDF at its page, a recording
// at its second, any other document's text at its slide or heading.

import { api, fetchBlob } from "./api.js";
import { clear, el, seconds } from "./dom.js";

export function place(citation) {
  if (citation.start_s !== null && citation.start_s !== undefined) {
    return `${seconds(citation.start_s)}–${seconds(citation.end_s ?? citation.start_s)}`;
  }
  if (citation.page) return citation.media_type?.includes("presentation") ? `slide ${citation.page}` : `p. ${citation.page}`;
  return citation.heading ?? "";
}

export function citationList(citations, viewer) {
  if (!citations?.length) return null;
  return el(
    "ol",
    { className: "citations", "aria-label": "Sources" },
    citations.map((c) =>
      el(
        "li",
        { value: c.n, id: null },
        el(
          "a",
          {
            href: c.url ?? "#",
            className: "citation",
            dataset: { n: c.n, url: c.url ?? "" },
            onclick: (event) => {
              event.preventDefault();
              viewer.open(c);
            },
          },
          `${c.title || c.filename}`,
          el("span", { className: "place" }, ` ${place(c)}`),
          c.ocr ? el("span", { className: "tag" }, " OCR") : null,
        ),
        el("blockquote", {}, c.snippet),
      ),
    ),
  );
}

// Where a citation's url points inside its file: {page}, {start, end} or {heading}.
export function fragment(url) {
  const hash = new URLSearchParams((url ?? "").split("#")[1] ?? "");
  if (hash.has("page")) return { page: Number(hash.get("page")) };
  if (hash.has("t")) {
    const [start, end] = hash.get("t").split(",").map(Number);
    return { start, end };
  }
  if (hash.has("heading")) return { heading: hash.get("heading") };
  return {};
}

export class SourceViewer {
  constructor(root) {
    this.title = el("h2", { id: "viewer-title", tabindex: "-1" });
    this.body = el("div", { className: "viewer-body" });
    this.root = el(
      "aside",
      { className: "viewer", "aria-labelledby": "viewer-title", hidden: true },
      el("div", { className: "viewer-head" }, this.title, el("button", { type: "button", onclick: () => this.close() }, "Close source")),
      this.body,
    );
    this.objectUrl = null;
    root.append(this.root);
  }

  async open(citation) {
    this.close();
    this.root.hidden = false;
    this.title.textContent = `${citation.title || citation.filename} ${place(citation)}`;
    clear(this.body, el("p", { role: "status" }, "Opening the source…"));
    this.title.focus();
    const url = citation.url ?? "";
    const at = fragment(url);
    const fileUrl = url.split("#")[0];
    const type = citation.media_type ?? "";
    try {
      if (type === "application/pdf" || type.startsWith("audio/") || type.startsWith("video/")) {
        const { blob } = await fetchBlob(fileUrl);
        this.objectUrl = URL.createObjectURL(new Blob([blob], { type }));
        clear(this.body, type === "application/pdf" ? this.pdf(at) : this.player(type, at));
      } else {
        clear(this.body, await this.text(fileUrl, at));
      }
    } catch (error) {
      clear(this.body, el("p", { className: "error", role: "alert" }, `Could not open the source: ${error.message}`));
    }
  }

  pdf(at) {
    const src = at.page ? `${this.objectUrl}#page=${at.page}` : this.objectUrl;
    return el("iframe", { className: "pdf", src, title: this.title.textContent });
  }

  player(type, at) {
    const tag = type.startsWith("video/") ? "video" : "audio";
    const media = el(tag, { controls: true, src: this.objectUrl, className: "player" });
    media.addEventListener("loadedmetadata", () => {
      media.currentTime = at.start ?? 0;
      media.play().catch(() => {});  // a browser may refuse to autoplay; the player stays
    }, { once: true });
    return media;
  }

  // Documents a browser cannot show at a place (slides, DOCX, Markdown, HTML): their
  // indexed text, scrolled to the cited slide or heading.
  async text(fileUrl, at) {
    const listed = await api(`${fileUrl.replace(/\/file$/, "")}/chunks`);
    const chunks = Array.isArray(listed) ? listed : listed.chunks;
    let target = null;
    const parts = chunks.map((chunk) => {
      const here = (at.page && chunk.page === at.page) || (at.heading && chunk.heading === at.heading);
      const node = el(
        "section",
        { className: here ? "chunk cited" : "chunk" },
        chunk.heading ? el("h3", {}, chunk.heading) : null,
        chunk.page ? el("p", { className: "place" }, `page ${chunk.page}`) : null,
        el("p", {}, chunk.text),
      );
      if (here && !target) target = node;
      return node;
    });
    const doc = el("div", { className: "doc-text" }, parts, el("p", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); this.download(fileUrl); } }, "Download the original file")));
    if (target) setTimeout(() => target.scrollIntoView({ block: "start" }), 0);
    return doc;
  }

  async download(fileUrl) {
    const { blob } = await fetchBlob(fileUrl);
    const link = el("a", { href: URL.createObjectURL(blob), download: "" });
    link.click();
  }

  close() {
    this.root.hidden = true;
    clear(this.body);
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }
}
