// Job view: live progress over the job's event stream, the log, cancel, and the result.

import { ApiError, api, getKey, requestKey } from "../api.js";
import { badge, clockTime, errorPanel, formatSeconds, h, humanize, icon, pageHeader, timeEl, toast } from "../dom.js";
import { JobStream } from "../stream.js";
import { saveDraftFrom } from "./editor.js";

export const title = "Job";

const STAGES = {
  queued: "Waiting in the queue",
  starting: "Starting",
  frames: "Rendering frames",
  narration: "Speaking the narration",
  audio: "Mixing the sound",
  encode: "Encoding the video",
  poster: "Writing the poster",
  done: "Finishing",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  render: "Rendering",
};
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
const CONNECTION_LABELS = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  complete: "Stream complete",
  failed: "Not connected",
};
const MAX_LOG_ITEMS = 400;

export async function mount(root, { params }) {
  const jobId = params.id;
  root.dataset.jobId = jobId;
  root.dataset.state = "connecting";
  if (!getKey()) {
    root.append(pageHeader("Job", `Job ${jobId}`),
      h("div", { class: "notice" },
        h("p", { text: "Following a job needs the API key." }),
        h("button", { type: "button", class: "btn btn-primary", text: "Enter the API key", on: { click: () => requestKey() } })));
    return undefined;
  }
  let job;
  try {
    job = await api(`/api/jobs/${encodeURIComponent(jobId)}`);
  } catch (err) {
    root.append(pageHeader("Job", `Job ${jobId}`), errorPanel(err.status === 404 ? "There is no job with this id." : err.message));
    return undefined;
  }

  const view = {
    status: job.status,
    progress: job.progress ?? 0,
    stage: job.stage,
    message: job.message,
    startedAt: job.started_at ? Date.parse(job.started_at) : null,
    lastAnnounced: "",
    etaS: null,
  };
  const heading = job.params?.title || (job.kind === "preview" ? `Preview of ${job.params?.style_id}` : humanize(job.kind));
  const statusSlot = h("span", { class: "status-slot" });
  const connection = h("span", { class: "connection", dataset: { state: "connecting" } });
  const cancelButton = h("button", { type: "button", class: "btn btn-danger", id: "cancel-job", text: "Cancel job" });
  const editButton = job.kind === "compose"
    ? h("button", { type: "button", class: "btn", text: "Edit a copy", on: { click: () => { saveDraftFrom(job.params); location.hash = "#/new"; } } })
    : null;
  const header = pageHeader(heading, null, editButton, cancelButton);
  header.querySelector(".page-title").append(
    h("p", { class: "meta" }, statusSlot, h("span", { class: "muted" }, `${humanize(job.kind)} job · `, h("code", { text: job.id })), " · created ", timeEl(job.created_at)),
  );

  const stageLabel = h("p", { class: "stage" });
  const stageMessage = h("p", { class: "stage-message muted" });
  const fill = h("div", { class: "progress-fill" });
  const bar = h("div", {
    class: "progress", role: "progressbar", "aria-label": "Job progress",
    "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0",
  }, fill);
  const percent = h("span", { class: "percent" });
  const eta = h("span", { class: "eta muted" });
  const live = h("p", { class: "visually-hidden", "aria-live": "polite", id: "progress-live" });
  const progressPanel = h("section", { class: "panel progress-panel", "aria-labelledby": "progress-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "progress-title", text: "Progress" }), connection),
    stageLabel,
    bar,
    h("div", { class: "progress-meta" }, percent, eta),
    stageMessage,
    live);
  const resultPanel = h("section", { class: "panel result-panel", "aria-labelledby": "result-title", hidden: true },
    h("h2", { id: "result-title", text: "Result" }));
  const log = h("ol", { class: "log", id: "job-log", tabindex: "0", "aria-label": "Event log" });
  const logPanel = h("section", { class: "panel log-panel", "aria-labelledby": "log-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "log-title", text: "Live log" }), h("span", { class: "muted log-count" })),
    log);
  root.append(header, h("div", { class: "job-layout" }, h("div", { class: "job-main" }, progressPanel, resultPanel), logPanel));

  const addLog = (kind, text, at, seq) => {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.append(h("li", { class: `log-item log-${kind}`, dataset: { seq } },
      h("time", { class: "log-time", datetime: at ?? "", text: clockTime(at) }),
      h("span", { class: "log-kind", text: kind }),
      h("span", { class: "log-text", text })));
    while (log.children.length > MAX_LOG_ITEMS) log.firstElementChild.remove();
    if (nearBottom) log.scrollTop = log.scrollHeight;
    logPanel.querySelector(".log-count").textContent = `${stream.lastSeq} events`;
  };

  const renderStatus = () => {
    statusSlot.replaceChildren(badge(view.status));
    root.dataset.status = view.status;
    cancelButton.hidden = TERMINAL.has(view.status);
    const p = Math.max(0, Math.min(1, view.progress ?? 0));
    fill.style.setProperty("--p", String(p));
    const pct = Math.round(p * 100);
    bar.setAttribute("aria-valuenow", String(pct));
    const stageText = STAGES[view.stage] ?? humanize(view.stage ?? view.status);
    bar.setAttribute("aria-valuetext", `${pct}%, ${stageText}`);
    percent.textContent = `${pct}%`;
    stageLabel.textContent = stageText;
    stageMessage.textContent = view.message ?? "";
    const remaining = estimateRemaining(view);
    eta.textContent = TERMINAL.has(view.status) || remaining == null ? "" : `about ${formatSeconds(remaining)} left`;
    bar.classList.toggle("is-done", view.status === "succeeded");
    bar.classList.toggle("is-failed", view.status === "failed" || view.status === "cancelled");
    // Announce stage changes and each quarter, not every tick.
    const announcement = `${stageText}, ${Math.floor(pct / 25) * 25}%`;
    if (announcement !== view.lastAnnounced) {
      view.lastAnnounced = announcement;
      live.textContent = view.status === "succeeded"
        ? "The job succeeded."
        : TERMINAL.has(view.status) ? `The job ${view.status}.` : `${stageText}, ${pct}%`;
    }
  };

  const recordStreamState = () => {
    root.dataset.received = stream.received.join(",");
    root.dataset.connections = String(stream.connections);
    root.dataset.duplicates = String(stream.duplicates);
    root.dataset.lastSeq = String(stream.lastSeq);
  };

  const showResult = (data) => {
    resultPanel.hidden = false;
    resultPanel.replaceChildren(h("h2", { id: "result-title", text: "Result" }));
    if (data.status !== "succeeded") {
      const error = data.error ?? {};
      resultPanel.append(h("div", { class: `notice ${data.status === "failed" ? "notice-error" : ""}`, role: data.status === "failed" ? "alert" : null },
        h("p", { text: data.status === "cancelled" ? "The job was cancelled." : `The job failed: ${error.message ?? "unknown error"}` }),
        error.field ? h("p", { class: "muted" }, "Field: ", h("code", { text: error.field })) : null));
      return;
    }
    const result = data.result ?? {};
    if (result.video_url) {
      const video = h("video", {
        controls: true, preload: "auto", playsinline: true, poster: result.poster_url ?? null,
        src: result.video_url, id: "result-video", width: result.width ?? null, height: result.height ?? null,
        "aria-label": `Video: ${heading}`,
      });
      if (result.vtt_url) {
        video.append(h("track", {
          kind: "subtitles", src: result.vtt_url, srclang: "en", label: "Subtitles",
          default: job.params?.subtitles === "soft",
        }));
      }
      const links = [
        ["MP4 video", result.video_url, "video"],
        ["SRT subtitles", result.srt_url, "srt"],
        ["VTT subtitles", result.vtt_url, "vtt"],
        ["Poster image", result.poster_url, "poster"],
      ].filter(([, url]) => url);
      resultPanel.append(
        h("div", { class: "player" }, video),
        h("p", { class: "muted result-meta", text: `${formatSeconds(result.duration_s)} · ${result.width}×${result.height}` }),
        h("ul", { class: "downloads", "aria-label": "Downloads" },
          links.map(([label, url, kind]) => h("li", {},
            h("a", { class: "btn btn-small", href: url, download: "", dataset: { download: kind } },
              icon("download"), label)))),
      );
    } else if (result.image_url) {
      resultPanel.append(h("img", { class: "result-image", src: result.image_url, alt: `Preview of ${job.params?.style_id}` }));
    } else if (result.audio_url) {
      resultPanel.append(h("audio", { controls: true, src: result.audio_url }),
        h("p", {}, h("a", { class: "btn btn-small", href: result.audio_url, download: "", text: "Download audio" })));
    } else {
      resultPanel.append(h("pre", { class: "json", text: JSON.stringify(result, null, 2) }));
    }
  };

  const stream = new JobStream(jobId, {
    onState: (state) => {
      root.dataset.state = state;
      connection.dataset.state = state;
      connection.textContent = CONNECTION_LABELS[state] ?? state;
    },
    onEvent: (name, data, seq) => {
      if (name === "status") {
        view.status = data.status;
        view.progress = data.progress ?? view.progress;
        view.stage = data.stage ?? view.stage;
        view.message = data.message ?? view.message;
        if (data.status === "running" && !view.startedAt) view.startedAt = Date.parse(data.at) || Date.now();
        addLog("status", `Status: ${data.status}${data.message ? ` — ${data.message}` : ""}`, data.at, seq);
      } else if (name === "progress") {
        view.progress = data.progress ?? view.progress;
        view.stage = data.stage ?? view.stage;
        view.message = data.message ?? null;
        view.etaS = data.stage === "encode" && Number.isFinite(data.eta_s) ? data.eta_s : null;
        view.etaAt = Date.now();
        addLog("progress", `${STAGES[data.stage] ?? humanize(data.stage)} · ${Math.round((data.progress ?? 0) * 100)}%${data.message ? ` — ${data.message}` : ""}`, data.at, seq);
      } else {
        addLog(data.level === "error" ? "error" : "log", data.message ?? "", data.at, seq);
      }
      renderStatus();
      recordStreamState();
    },
    onControl: (name, data) => {
      if (name === "connection_established") {
        addLog("stream", data.replay_from ? `Reconnected; resuming after event ${data.replay_from}` : "Connected to the event stream", null, "");
      } else if (name === "cleanup") {
        addLog("stream", `The server closed the stream (${humanize(data.reason)})`, null, "");
      } else if (name === "heartbeat") {
        connection.title = `Last heartbeat ${clockTime(data.at)}`;
      }
      recordStreamState();
    },
    onComplete: (data) => {
      view.status = data.status;
      if (data.status === "succeeded") view.progress = 1;
      renderStatus();
      addLog("stream", `Stream complete: ${data.status}`, null, "");
      recordStreamState();
      showResult(data);
    },
    onFatal: (err) => {
      progressPanel.append(errorPanel(`Cannot follow this job: ${err.message}`));
    },
  });

  cancelButton.addEventListener("click", async () => {
    cancelButton.disabled = true;
    try {
      await api(`/api/jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST" });
      toast("Cancel requested.", "info");
    } catch (err) {
      toast(err instanceof ApiError && err.status === 409 ? "The job has already finished." : err.message, "error");
    } finally {
      cancelButton.disabled = false;
    }
  });

  renderStatus();
  stream.start();
  const ticker = setInterval(() => {
    if (!TERMINAL.has(view.status)) renderStatus();
  }, 1000);
  return () => {
    clearInterval(ticker);
    stream.close();
  };
}

/** Return the seconds left: the encoder's own estimate, else a linear one from progress. */
function estimateRemaining(view) {
  if (view.etaS != null) return Math.max(0, view.etaS - (Date.now() - view.etaAt) / 1000);
  if (!view.startedAt || !(view.progress > 0.05)) return null;
  const elapsed = (Date.now() - view.startedAt) / 1000;
  return (elapsed * (1 - view.progress)) / view.progress;
}
