// The studio shell: hash routing, navigation state, the API key dialog.

import { api, getKey, setKey } from "./api.js";
import { errorPanel, h, toast } from "./dom.js";
import * as editorPage from "./pages/editor.js";
import * as jobPage from "./pages/job.js";
import * as jobsPage from "./pages/jobs.js";
import * as monitorPage from "./pages/monitor.js";
import * as stylesPage from "./pages/styles.js";

const ROUTES = [
  { pattern: /^\/styles$/, page: stylesPage, nav: "styles" },
  { pattern: /^\/new$/, page: editorPage, nav: "new" },
  { pattern: /^\/jobs$/, page: jobsPage, nav: "jobs" },
  { pattern: /^\/jobs\/([A-Za-z0-9_-]{1,64})$/, page: jobPage, nav: "jobs", names: ["id"] },
  { pattern: /^\/monitor$/, page: monitorPage, nav: "monitor" },
];

const main = document.getElementById("main");
let cleanup = null;
let renderCount = 0;

function parseHash() {
  let raw = location.hash.replace(/^#/, "") || "/styles";
  if (!raw.startsWith("/")) raw = "/styles";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/styles", query: new URLSearchParams(search) };
}

async function render() {
  const { path, query } = parseHash();
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (!route) {
    location.replace("#/styles");
    return;
  }
  const params = {};
  const match = path.match(route.pattern);
  (route.names ?? []).forEach((name, i) => {
    params[name] = decodeURIComponent(match[i + 1]);
  });
  if (cleanup) {
    try {
      cleanup();
    } catch (err) {
      console.warn("page cleanup failed", err);
    }
    cleanup = null;
  }
  renderCount += 1;
  const current = renderCount;
  for (const link of document.querySelectorAll(".mainnav a")) {
    if (link.dataset.route === route.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const view = h("div", { class: "page", dataset: { page: route.nav } });
  main.replaceChildren(view);
  document.title = `${route.page.title} · Gen Scene Studio`;
  try {
    const result = await route.page.mount(view, { params, query });
    if (current !== renderCount) {
      if (typeof result === "function") result();
      return;
    }
    cleanup = typeof result === "function" ? result : null;
  } catch (err) {
    if (current !== renderCount) return;
    view.append(errorPanel(err?.message ?? String(err), () => render()));
  }
  if (current === renderCount && renderCount > 1) {
    view.querySelector("h1")?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

// -- API key dialog ----------------------------------------------------------------------

const dialog = document.getElementById("key-dialog");
const form = document.getElementById("key-form");
const input = document.getElementById("key-input");
const status = document.getElementById("key-status");
const showButton = document.getElementById("key-show");
const keyButton = document.getElementById("key-button");
const keyLabel = document.getElementById("key-button-label");

function updateKeyButton() {
  const hasKey = Boolean(getKey());
  keyButton.dataset.hasKey = String(hasKey);
  keyLabel.textContent = hasKey ? "API key set" : "Set API key";
}

function setKeyStatus(text, isError = false) {
  status.textContent = text;
  status.dataset.kind = isError ? "error" : "info";
}

function openKeyDialog(reason) {
  if (dialog.open) return;
  input.value = getKey();
  setKeyStatus(reason ?? "");
  dialog.showModal();
  input.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = input.value.trim();
  if (!candidate) {
    setKeyStatus("Enter a key, or close this dialog.", true);
    return;
  }
  setKeyStatus("Checking the key…");
  const previous = getKey();
  setKey(candidate);
  try {
    await api("/api/sse/status");
  } catch (err) {
    if (err.status === 401) {
      setKey(previous);
      setKeyStatus("The server did not accept this key.", true);
      input.focus();
      return;
    }
    // The server is unreachable: keep the key, it will be checked on the next call.
  }
  dialog.close();
  toast("API key saved in this browser.", "success");
  render();
});

document.getElementById("key-forget").addEventListener("click", () => {
  setKey("");
  input.value = "";
  setKeyStatus("The key was removed from this browser.");
});
document.getElementById("key-cancel").addEventListener("click", () => dialog.close());
showButton.addEventListener("click", () => {
  const shown = input.type === "text";
  input.type = shown ? "password" : "text";
  showButton.setAttribute("aria-pressed", String(!shown));
  showButton.textContent = shown ? "Show" : "Hide";
});
keyButton.addEventListener("click", () => openKeyDialog(""));
dialog.addEventListener("close", () => {
  input.type = "password";
  showButton.setAttribute("aria-pressed", "false");
  showButton.textContent = "Show";
  keyButton.focus();
});
window.addEventListener("genscene:need-key", (event) => openKeyDialog(event.detail?.reason));
window.addEventListener("genscene:key-changed", updateKeyButton);
window.addEventListener("storage", updateKeyButton);
window.addEventListener("hashchange", render);

// The skip link moves focus; it must not change the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

updateKeyButton();
render();
