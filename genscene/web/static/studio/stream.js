// Following a job's Server-Sent Events with a short-lived stream token.
//
// EventSource reconnects by itself after a dropped connection and sends Last-Event-ID, so
// the server replays what was missed. When it gives up (an HTTP error such as an expired
// token) or the server says the token expired, a new token is fetched and the stream is
// reopened with `last_event_id`, the last job event this page has seen.

import { api } from "./api.js";

const JOB_EVENTS = ["status", "progress", "log"];
const CONTROL_EVENTS = ["connection_established", "heartbeat", "cleanup", "stream_complete"];
const MAX_BACKOFF_MS = 15000;

export class JobStream {
  /**
   * handlers: onEvent(name, data, seq), onControl(name, data), onState(state),
   * onComplete(data), onFatal(error). States: connecting, live, reconnecting, complete, failed.
   */
  constructor(jobId, handlers) {
    this.jobId = jobId;
    this.handlers = handlers;
    this.lastSeq = 0;
    this.received = [];
    this.connections = 0;
    this.duplicates = 0;
    this.failures = 0;
    this.heartbeatS = 30;
    this.source = null;
    this.closed = false;
    this.retryTimer = null;
    this.watchdog = null;
  }

  start() {
    this.#connect();
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    this.source?.close();
    this.source = null;
  }

  #state(state) {
    this.handlers.onState?.(state);
  }

  async #connect() {
    if (this.closed) return;
    this.#state(this.connections ? "reconnecting" : "connecting");
    let auth;
    try {
      auth = await api(`/api/jobs/${encodeURIComponent(this.jobId)}/auth`, { method: "POST" });
    } catch (err) {
      if (this.closed) return;
      if (err.status === 404 || err.status === 401 || err.status === 403) {
        this.#state("failed");
        this.handlers.onFatal?.(err);
        return;
      }
      this.#reopen();
      return;
    }
    if (this.closed) return;
    const query = new URLSearchParams({ token: auth.token });
    if (this.lastSeq > 0) query.set("last_event_id", String(this.lastSeq));
    const source = new EventSource(`${auth.stream_url}?${query}`);
    this.source = source;
    for (const name of [...JOB_EVENTS, ...CONTROL_EVENTS]) {
      source.addEventListener(name, (event) => this.#receive(source, name, event));
    }
    source.addEventListener("open", () => {
      if (source !== this.source) return;
      this.failures = 0;
      this.#state("live");
      this.#kick();
    });
    source.addEventListener("error", () => {
      if (this.closed || source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error, say an expired token): new token, resume.
        this.#reopen();
      } else {
        this.#state("reconnecting");
      }
    });
  }

  #reopen(delayMs) {
    if (this.closed) return;
    this.source?.close();
    this.source = null;
    clearTimeout(this.watchdog);
    clearTimeout(this.retryTimer);
    this.failures += 1;
    const wait = delayMs ?? Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures - 1, 5));
    this.#state("reconnecting");
    this.retryTimer = setTimeout(() => this.#connect(), wait);
  }

  /** A silent connection may be half-open: reopen it after two missed heartbeats. */
  #kick() {
    clearTimeout(this.watchdog);
    if (this.closed) return;
    this.watchdog = setTimeout(() => this.#reopen(0), (this.heartbeatS * 2 + 5) * 1000);
  }

  #receive(source, name, event) {
    if (this.closed || source !== this.source) return;
    let data = {};
    try {
      data = JSON.parse(event.data);
    } catch {
      data = { message: String(event.data) };
    }
    this.#kick();
    if (JOB_EVENTS.includes(name)) {
      const seq = Number(data.seq ?? event.lastEventId);
      this.received.push(seq);
      if (seq <= this.lastSeq) {
        this.duplicates += 1;
        return;
      }
      this.lastSeq = seq;
      this.handlers.onEvent?.(name, data, seq);
      return;
    }
    if (name === "connection_established") {
      this.connections += 1;
      this.failures = 0;
      if (Number.isFinite(data.heartbeat_s) && data.heartbeat_s > 0) this.heartbeatS = data.heartbeat_s;
      this.#state("live");
      this.#kick();
    }
    this.handlers.onControl?.(name, data);
    if (name === "cleanup" && data.reason === "token_expired") {
      this.#reopen(0);
    } else if (name === "stream_complete") {
      this.close();
      this.#state("complete");
      this.handlers.onComplete?.(data);
    }
  }
}
