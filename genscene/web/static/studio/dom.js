// Small DOM helpers. Text always goes in through text nodes: nothing here parses HTML.

const PROPERTIES = new Set([
  "value", "checked", "disabled", "selected", "hidden", "multiple", "required", "readOnly",
  "open", "muted", "controls", "autoplay", "loop", "defaultChecked",
]);

/** Return a new element: `props` are attributes, except class/text/on/dataset/style/properties. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (PROPERTIES.has(key)) {
      if (value !== undefined) el[key] = value;
    } else if (value == null || value === false) {
      continue;
    } else if (key === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key === "on") {
      for (const [name, handler] of Object.entries(value)) el.addEventListener(name, handler);
    } else if (key === "dataset") {
      for (const [name, data] of Object.entries(value)) {
        if (data != null) el.dataset[name] = String(data);
      }
    } else if (key === "style") {
      // CSSOM, not a style attribute: allowed by the page's Content-Security-Policy.
      for (const [name, data] of Object.entries(value)) el.style.setProperty(name, String(data));
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append children (nodes, strings, numbers, nested arrays; null/false skipped). */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  up: "M12 19V5M5 12l7-7 7 7",
  down: "M12 5v14M19 12l-7 7-7-7",
  copy: "M9 9h10v10H9zM5 15V5h10",
  trash: "M4 7h16M10 11v6M14 11v6M6 7l1 12h10l1-12M9 7V4h6v3",
  plus: "M12 5v14M5 12h14",
  download: "M12 4v11M7 10l5 5 5-5M5 20h14",
};

/** Return a decorative line icon (hidden from assistive technology). */
export function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name] ?? "");
  svg.append(path);
  return svg;
}

let counter = 0;
/** Return a unique id with `prefix`, for label/aria wiring. */
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Return a <select> with `options` ([value, label] pairs or strings) and `value` selected. */
export function select(props, options, value) {
  const el = h("select", props);
  for (const option of options) {
    const [optValue, label] = Array.isArray(option) ? option : [option, option];
    el.append(h("option", { value: String(optValue), text: label }));
  }
  setSelectValue(el, value);
  return el;
}

/** Select `value`, adding it as an option first if the list does not have it. */
export function setSelectValue(el, value) {
  if (value == null) return;
  const wanted = String(value);
  if (![...el.options].some((o) => o.value === wanted)) {
    el.append(h("option", { value: wanted, text: wanted }));
  }
  el.value = wanted;
}

/** Return a page header: an h1 that takes focus on navigation, a lead and actions. */
export function pageHeader(title, lead, ...actions) {
  return h("header", { class: "page-header" },
    h("div", { class: "page-title" },
      h("h1", { tabindex: "-1", text: title }),
      lead ? h("p", { class: "lead", text: lead }) : null),
    actions.length ? h("div", { class: "page-actions" }, actions) : null);
}

/** Return a status badge for a job or preview status. */
export function badge(status, label) {
  return h("span", { class: `badge badge-${status}`, dataset: { status }, text: label ?? humanize(status) });
}

export function humanize(text) {
  if (!text) return "";
  const spaced = String(text).replace(/[-_]+/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function formatBytes(bytes) {
  if (bytes == null || Number.isNaN(bytes)) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatSeconds(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  if (minutes < 60) return `${minutes} min ${String(rest).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export function formatMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return "–";
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatNumber(value) {
  if (value == null || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString("en");
}

/** Return a <time> element: relative text, absolute time as its title. */
export function timeEl(iso) {
  if (!iso) return h("span", { class: "muted", text: "–" });
  const date = new Date(iso);
  return h("time", { datetime: iso, title: date.toLocaleString(), text: relativeTime(date) });
}

export function relativeTime(date) {
  const seconds = (Date.now() - date.getTime()) / 1000;
  if (!Number.isFinite(seconds)) return "–";
  if (Math.abs(seconds) < 45) return "just now";
  const minutes = seconds / 60;
  if (minutes < 60) return `${Math.round(minutes)} min ago`;
  const hours = minutes / 60;
  if (hours < 24) return `${Math.round(hours)} h ago`;
  return date.toLocaleDateString();
}

export function clockTime(iso) {
  const date = iso ? new Date(iso) : new Date();
  return date.toLocaleTimeString("en-GB", { hour12: false });
}

/** Show a short message in the toast area (announced politely). */
export function toast(message, kind = "info") {
  const area = document.getElementById("toasts");
  if (!area) return;
  const item = h("div", { class: `toast toast-${kind}`, text: message });
  area.append(item);
  setTimeout(() => item.remove(), 5000);
}

/** Announce `message` to screen readers through the shared polite live region. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/** Return an element showing an error message, with an optional retry action. */
export function errorPanel(message, onRetry) {
  return h("div", { class: "notice notice-error", role: "alert" },
    h("p", { text: message }),
    onRetry ? h("button", { type: "button", class: "btn", text: "Try again", on: { click: onRetry } }) : null);
}
