// Jobs: the list, filtered by status and kind, paginated with the server's cursor.

import { api, getKey, requestKey } from "../api.js";
import { badge, errorPanel, formatSeconds, h, humanize, pageHeader, select, timeEl } from "../dom.js";

export const title = "Jobs";

const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"];
const KINDS = [["", "All kinds"], ["compose", "Videos"], ["preview", "Previews"], ["tts", "Speech"]];
const PAGE_SIZE = 15;
const REFRESH_MS = 4000;

export function jobLabel(job) {
  if (job.kind === "compose") return job.params?.title || "Untitled video";
  if (job.kind === "preview") return `Preview: ${job.params?.style_id ?? "style"}`;
  if (job.kind === "tts") return `Speech: “${String(job.params?.text ?? "").slice(0, 40)}”`;
  return humanize(job.kind);
}

export async function mount(root, { query }) {
  const state = {
    status: STATUSES.includes(query.get("status")) ? query.get("status") : "",
    kind: query.get("kind") ?? "",
    limit: Math.min(100, Math.max(1, Number.parseInt(query.get("limit") ?? "", 10) || PAGE_SIZE)),
    cursors: [null],
    page: 0,
    next: null,
    timer: null,
    alive: true,
    request: 0,
    signature: "",
  };
  const refreshButton = h("button", { type: "button", class: "btn", text: "Refresh" });
  const newButton = h("a", { class: "btn btn-primary", href: "#/new", text: "New video" });
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Filter by status" });
  const kindSelect = select({ id: "jobs-kind" }, KINDS, state.kind);
  const body = h("div", { class: "jobs-body", "aria-live": "polite", "aria-busy": "false" });
  const prev = h("button", { type: "button", class: "btn", text: "← Newer", id: "jobs-prev" });
  const next = h("button", { type: "button", class: "btn", text: "Older →", id: "jobs-next" });
  const pageInfo = h("span", { class: "muted page-info" });
  root.append(
    pageHeader("Jobs", "Every render, preview and speech job, newest first.", refreshButton, newButton),
    h("div", { class: "toolbar" }, chips,
      h("div", { class: "field field-inline" }, h("label", { for: "jobs-kind", text: "Kind" }), kindSelect)),
    body,
    h("nav", { class: "pager", "aria-label": "Pages" }, prev, pageInfo, next),
  );

  const renderChips = () => {
    chips.replaceChildren();
    for (const status of ["", ...STATUSES]) {
      chips.append(h("button", {
        type: "button", class: "chip", "aria-pressed": String(state.status === status),
        dataset: { status: status || "all" }, text: status ? humanize(status) : "All",
        on: { click: () => { state.status = status; renderChips(); reset(); } },
      }));
    }
  };

  const reset = () => {
    state.cursors = [null];
    state.page = 0;
    load();
  };

  const load = async ({ quiet = false } = {}) => {
    clearTimeout(state.timer);
    if (!getKey()) {
      body.replaceChildren(h("div", { class: "notice" },
        h("p", { text: "The jobs list needs the API key." }),
        h("button", { type: "button", class: "btn btn-primary", text: "Enter the API key", on: { click: () => requestKey() } })));
      requestKey("The jobs list needs the API key.");
      prev.disabled = true;
      next.disabled = true;
      return;
    }
    const params = new URLSearchParams({ limit: String(state.limit) });
    if (state.status) params.set("status", state.status);
    if (state.kind) params.set("kind", state.kind);
    const cursor = state.cursors[state.page];
    if (cursor) params.set("cursor", cursor);
    if (!quiet) body.setAttribute("aria-busy", "true");
    state.request += 1;
    const request = state.request;
    try {
      const data = await api(`/api/jobs?${params}`);
      // A newer request (another filter or page) owns the table now.
      if (!state.alive || request !== state.request) return;
      state.next = data.next_cursor;
      const signature = JSON.stringify([state.status, state.kind, data.jobs.map((j) => [j.id, j.status, j.progress])]);
      if (signature !== state.signature) {
        state.signature = signature;
        // Keep keyboard focus on the same job's link across a live refresh.
        const focused = body.contains(document.activeElement)
          ? document.activeElement.closest("tr")?.dataset.jobId
          : null;
        renderTable(data.jobs);
        if (focused) body.querySelector(`tr[data-job-id="${CSS.escape(focused)}"] a`)?.focus();
      }
    } catch (err) {
      if (!state.alive || request !== state.request) return;
      body.replaceChildren(errorPanel(`Could not load the jobs: ${err.message}`, () => load()));
    } finally {
      body.setAttribute("aria-busy", "false");
    }
    prev.disabled = state.page === 0;
    next.disabled = !state.next;
    pageInfo.textContent = `Page ${state.page + 1}`;
    // Only the first page changes on its own (new jobs appear at the top).
    if (state.alive && state.page === 0) state.timer = setTimeout(() => load({ quiet: true }), REFRESH_MS);
  };

  const renderTable = (jobs) => {
    if (!jobs.length) {
      body.replaceChildren(h("div", { class: "empty" },
        h("p", { text: state.status || state.kind ? "No jobs match these filters." : "No jobs yet." }),
        h("a", { class: "btn btn-primary", href: "#/new", text: "Make your first video" })));
      return;
    }
    const rows = jobs.map((job) => h("tr", { dataset: { jobId: job.id, status: job.status } },
      h("th", { scope: "row", "data-label": "Job" },
        h("a", { href: `#/jobs/${encodeURIComponent(job.id)}`, text: jobLabel(job) }),
        h("code", { class: "job-id", text: job.id.slice(0, 8) })),
      h("td", { "data-label": "Kind", text: humanize(job.kind) }),
      h("td", { "data-label": "Status" }, badge(job.status)),
      h("td", { "data-label": "Progress" },
        h("span", { class: "mini-progress", style: { "--p": String(job.progress ?? 0) }, "aria-hidden": "true" }),
        h("span", { class: "mini-progress-text", text: `${Math.round((job.progress ?? 0) * 100)}%` })),
      h("td", { "data-label": "Length", text: job.result?.duration_s != null ? formatSeconds(job.result.duration_s) : "–" }),
      h("td", { "data-label": "Created" }, timeEl(job.created_at))));
    body.replaceChildren(h("div", { class: "table-wrap" },
      h("table", { class: "table jobs-table" },
        h("caption", { class: "visually-hidden", text: "Jobs" }),
        h("thead", {}, h("tr", {}, ["Job", "Kind", "Status", "Progress", "Length", "Created"].map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, rows))));
  };

  prev.addEventListener("click", () => {
    if (state.page === 0) return;
    state.page -= 1;
    load();
  });
  next.addEventListener("click", () => {
    if (!state.next) return;
    state.cursors[state.page + 1] = state.next;
    state.page += 1;
    load();
  });
  refreshButton.addEventListener("click", () => load());
  kindSelect.addEventListener("change", () => {
    state.kind = kindSelect.value;
    reset();
  });

  renderChips();
  await load();
  return () => {
    state.alive = false;
    clearTimeout(state.timer);
  };
}
