// Monitor: queue, streams, database PRAGMAs, sizes and latency, refreshed every few seconds.

import { api, getKey, requestKey } from "../api.js";
import { badge, clockTime, errorPanel, formatBytes, formatMs, formatNumber, formatSeconds, h, humanize, pageHeader, timeEl, toast } from "../dom.js";

export const title = "Monitor";

const REFRESH_MS = 3000;

export async function mount(root) {
  const state = { timer: null, alive: true, optimising: false, lastOptimize: null };
  const optimiseButton = h("button", { type: "button", class: "btn btn-primary", id: "optimise", text: "Optimise database" });
  const updated = h("span", { class: "muted updated", id: "monitor-updated" });
  const pauseButton = h("button", { type: "button", class: "btn", "aria-pressed": "false", text: "Pause" });
  const grid = h("div", { class: "monitor-grid" });
  const optimiseResult = h("div", { class: "optimise-result", "aria-live": "polite" });
  root.append(
    pageHeader("Monitor", "The server's queue, live streams and SQLite database.", pauseButton, optimiseButton),
    h("p", { class: "refresh-line" }, h("span", { class: "pulse", "aria-hidden": "true" }), updated),
    optimiseResult,
    grid,
  );
  if (!getKey()) {
    grid.append(h("div", { class: "notice" },
      h("p", { text: "The monitor needs the API key." }),
      h("button", { type: "button", class: "btn btn-primary", text: "Enter the API key", on: { click: () => requestKey() } })));
    requestKey("The monitor needs the API key.");
    optimiseButton.disabled = true;
    pauseButton.disabled = true;
    return undefined;
  }

  const panels = {
    queue: panel("queue", "Queue & health"),
    streams: panel("streams", "Event streams"),
    connections: panel("connections", "Live connections"),
    database: panel("database", "Database"),
    latency: panel("latency", "Query latency"),
    pragmas: panel("pragmas", "PRAGMAs in effect"),
  };
  grid.append(...Object.values(panels).map((p) => p.section));

  const refresh = async () => {
    clearTimeout(state.timer);
    state.timer = null;
    if (!state.alive) return;
    if (!document.hidden && pauseButton.getAttribute("aria-pressed") !== "true") {
      const [health, sse, stats, perf] = await Promise.allSettled([
        fetchHealth(),
        api("/api/sse/status"),
        api("/api/database/stats"),
        api("/api/database/performance"),
      ]);
      if (!state.alive) return;
      show(panels.queue, health, renderQueue);
      show(panels.streams, sse, renderStreams);
      show(panels.connections, sse, renderConnections);
      show(panels.database, stats, renderDatabase);
      show(panels.pragmas, stats, renderPragmas);
      show(panels.latency, perf, renderLatency);
      updated.textContent = `Updated ${clockTime()} · every ${REFRESH_MS / 1000} s`;
      root.dataset.refreshed = String(Number(root.dataset.refreshed ?? 0) + 1);
    }
    if (state.alive) state.timer = setTimeout(refresh, REFRESH_MS);
  };

  optimiseButton.addEventListener("click", async () => {
    if (state.optimising) return;
    state.optimising = true;
    optimiseButton.disabled = true;
    optimiseButton.textContent = "Optimising…";
    try {
      const report = await api("/api/database/optimize", { method: "POST" });
      const freed = report.incremental_vacuum?.pages_freed ?? 0;
      const before = sum(report.bytes_before);
      const after = sum(report.bytes_after);
      optimiseResult.replaceChildren(h("div", { class: "notice notice-success" },
        h("p", { text: `Optimised in ${formatMs(report.duration_ms)}: ${freed} free pages reclaimed, files ${formatBytes(before)} → ${formatBytes(after)}.` })));
      toast("Database optimised.", "success");
      refresh();
    } catch (err) {
      optimiseResult.replaceChildren(errorPanel(`Optimise failed: ${err.message}`));
    } finally {
      state.optimising = false;
      optimiseButton.disabled = false;
      optimiseButton.textContent = "Optimise database";
    }
  });
  pauseButton.addEventListener("click", () => {
    const paused = pauseButton.getAttribute("aria-pressed") === "true";
    pauseButton.setAttribute("aria-pressed", String(!paused));
    pauseButton.textContent = paused ? "Pause" : "Resume";
    if (paused) refresh();
  });
  const onVisible = () => {
    if (!document.hidden) refresh();
  };
  document.addEventListener("visibilitychange", onVisible);

  await refresh();
  return () => {
    state.alive = false;
    clearTimeout(state.timer);
    document.removeEventListener("visibilitychange", onVisible);
  };
}

/** Return /health's body: a 503 still carries the checks worth showing. */
async function fetchHealth() {
  const response = await fetch("/health", { cache: "no-store", headers: { Accept: "application/json" } });
  return response.json();
}

function panel(id, label) {
  const titleId = `monitor-${id}-title`;
  const body = h("div", { class: "panel-body" }, h("p", { class: "muted", text: "Loading…" }));
  const section = h("section", { class: `panel monitor-${id}`, "aria-labelledby": titleId, id: `monitor-${id}` },
    h("h2", { id: titleId, text: label }), body);
  return { section, body };
}

function show(target, settled, render) {
  if (settled.status === "fulfilled") {
    target.body.replaceChildren(...[render(settled.value)].flat().filter(Boolean));
  } else {
    target.body.replaceChildren(errorPanel(settled.reason?.message ?? "unavailable"));
  }
}

function stat(label, value, extra) {
  return h("div", { class: "stat" },
    h("dt", { text: label }),
    h("dd", {}, value, extra ? h("span", { class: "stat-extra", text: ` ${extra}` }) : null));
}

function sum(sizes) {
  return Object.values(sizes ?? {}).reduce((a, b) => a + b, 0);
}

function renderQueue(health) {
  const checks = [
    ["FFmpeg", health.ffmpeg], ["eSpeak NG", health.espeak_ng], ["Database", health.database], ["Queue", health.queue],
  ];
  return [
    h("dl", { class: "stats" },
      stat("Queued", h("span", { class: "big", dataset: { metric: "queue-depth" }, text: formatNumber(health.queue?.depth) })),
      stat("Running", h("span", { class: "big", text: formatNumber(health.queue?.running) })),
      stat("Workers", h("span", { class: "big", text: formatNumber(health.queue?.workers) })),
      stat("Uptime", formatSeconds(health.uptime_s))),
    h("ul", { class: "checks", "aria-label": "Health checks" },
      checks.map(([name, check]) => h("li", {},
        h("span", { class: "check-name", text: name }),
        badge(check?.ok ? "ok" : "bad", check?.ok ? "OK" : "Problem"),
        h("span", { class: "muted", text: check?.version ?? check?.journal_mode ?? check?.error ?? "" })))),
  ];
}

function renderStreams(sse) {
  const reasons = Object.entries(sse.totals?.closed_by_reason ?? {});
  const rejected = Object.entries(sse.totals?.rejected ?? {});
  return [
    h("dl", { class: "stats" },
      stat("Open now", h("span", { class: "big", dataset: { metric: "sse-active" }, text: formatNumber(sse.active) })),
      stat("Opened", formatNumber(sse.totals?.opened)),
      stat("Closed", formatNumber(sse.totals?.closed)),
      stat("Heartbeat", formatSeconds(sse.settings?.heartbeat_s))),
    reasons.length
      ? h("p", { class: "muted small" }, "Closed because: ", reasons.map(([r, n]) => `${humanize(r)} ${n}`).join(" · "))
      : null,
    rejected.length
      ? h("p", { class: "muted small" }, "Rejected: ", rejected.map(([r, n]) => `${humanize(r)} ${n}`).join(" · "))
      : null,
  ];
}

function renderConnections(sse) {
  if (!sse.connections?.length) return h("p", { class: "muted", text: "No stream is open right now." });
  return h("div", { class: "table-wrap" }, h("table", { class: "table compact" },
    h("thead", {}, h("tr", {}, ["Job", "Auth", "Events", "Connected"].map((t) => h("th", { scope: "col", text: t })))),
    h("tbody", {}, sse.connections.map((c) => h("tr", {},
      h("td", { "data-label": "Job" }, h("a", { href: `#/jobs/${encodeURIComponent(c.job_id)}` }, h("code", { text: c.job_id.slice(0, 8) }))),
      h("td", { "data-label": "Auth", text: c.auth === "jwt" ? "Token" : "API key" }),
      h("td", { "data-label": "Events", text: formatNumber(c.events_sent) }),
      h("td", { "data-label": "Connected" }, timeEl(c.connected_at)))))));
}

function renderDatabase(stats) {
  return [
    h("dl", { class: "stats" },
      stat("Database", h("span", { class: "big", text: formatBytes(stats.size_bytes) })),
      stat("WAL", h("span", { class: "big", text: formatBytes(stats.wal_size_bytes) })),
      stat("Shared memory", formatBytes(stats.shm_size_bytes)),
      stat("Pages", formatNumber(stats.page_count), `× ${formatBytes(stats.page_size)}`),
      stat("Free pages", formatNumber(stats.freelist_count)),
      stat("SQLite", stats.sqlite_version),
      stat("Connections", formatNumber(stats.connections?.open), stats.connections?.writer_alive ? "· writer alive" : "· writer down")),
    h("p", { class: "small muted" }, "Rows: ",
      Object.entries(stats.tables ?? {}).filter(([name]) => !name.startsWith("_")).map(([name, n]) => `${name} ${formatNumber(n)}`).join(" · ")),
  ];
}

function renderPragmas(stats) {
  const expected = stats.pragmas_expected ?? {};
  const rows = Object.entries(stats.pragmas ?? {}).map(([name, value]) => {
    const wanted = expected[name];
    const ok = wanted === undefined || String(wanted).toLowerCase() === String(value).toLowerCase();
    return h("tr", { dataset: { pragma: name } },
      h("th", { scope: "row" }, h("code", { text: name })),
      h("td", { class: "pragma-value", text: String(value) }),
      h("td", { class: "muted", text: wanted === undefined ? "–" : String(wanted) }),
      h("td", {}, badge(ok ? "ok" : "bad", ok ? "✓ as set" : "✗ differs")));
  });
  return [
    h("p", {}, stats.pragmas_match
      ? badge("ok", "All PRAGMAs as configured")
      : badge("bad", "Some PRAGMAs differ from the configuration")),
    h("div", { class: "table-wrap" }, h("table", { class: "table compact pragmas" },
      h("caption", { class: "visually-hidden", text: "PRAGMAs in effect" }),
      h("thead", {}, h("tr", {}, ["PRAGMA", "In effect", "Configured", ""].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows))),
  ];
}

function renderLatency(perf) {
  const kinds = Object.entries(perf.queries ?? {});
  const optimise = perf.last_optimize;
  const checkpoint = perf.last_checkpoint;
  return [
    h("div", { class: "table-wrap" }, h("table", { class: "table compact latency" },
      h("caption", { class: "visually-hidden", text: "Latency percentiles" }),
      h("thead", {}, h("tr", {}, ["", "Count", "Mean", "p50", "p95", "p99", "Max"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, kinds.map(([kind, q]) => h("tr", { dataset: { kind } },
        h("th", { scope: "row", text: humanize(kind) }),
        h("td", { text: formatNumber(q.count) }),
        h("td", { text: formatMs(q.mean_ms) }),
        h("td", { text: formatMs(q.p50_ms) }),
        h("td", { text: formatMs(q.p95_ms) }),
        h("td", { text: formatMs(q.p99_ms) }),
        h("td", { text: formatMs(q.max_ms) })))))),
    h("dl", { class: "stats" },
      stat("Busy waits", formatNumber(perf.busy?.waits), perf.busy?.wait_ms_total ? `(${formatMs(perf.busy.wait_ms_total)})` : ""),
      stat("Commits", formatNumber(perf.group_commit?.transactions), `· ${perf.group_commit?.mean_units_per_transaction ?? "–"} writes each`),
      stat("Last optimise", optimise ? timeEl(optimise.at) : "never"),
      stat("Last checkpoint", checkpoint?.at ? timeEl(checkpoint.at) : checkpoint ? "done" : "never")),
  ];
}
