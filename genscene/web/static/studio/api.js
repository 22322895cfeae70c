// The HTTP API: one fetch wrapper, the API key kept in localStorage (never in a URL).

const KEY_STORAGE = "genscene.apiKey";

export function getKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

export function setKey(value) {
  try {
    if (value) localStorage.setItem(KEY_STORAGE, value);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled (private mode): the key lasts until the page closes.
  }
  window.dispatchEvent(new CustomEvent("genscene:key-changed"));
}

/** Ask the shell to open the API key dialog. */
export function requestKey(reason = "") {
  window.dispatchEvent(new CustomEvent("genscene:need-key", { detail: { reason } }));
}

/** An error response of the API: `{"error": {"code", "message", "field"}}` and its status. */
export class ApiError extends Error {
  constructor(status, body, fallback = "") {
    const error = body?.error ?? {};
    super(error.message || fallback || `request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code ?? (status === 0 ? "network" : "http_error");
    this.field = error.field ?? null;
  }
}

/**
 * Return the decoded JSON of an API call.
 * `json` is sent as a JSON body, `form` as multipart; `auth` adds the X-API-Key header.
 */
export async function api(path, { method = "GET", json, form, auth = true, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (auth) {
    const key = getKey();
    if (!key) {
      requestKey("This needs the API key.");
      throw new ApiError(401, { error: { code: "no_key", message: "Enter the API key first." } });
    }
    headers["X-API-Key"] = key;
  }
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, cache: "no-store" });
  } catch (err) {
    if (err?.name === "AbortError") throw err;
    throw new ApiError(0, null, "The server cannot be reached. Is it running?");
  }
  const type = response.headers.get("Content-Type") ?? "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && auth) requestKey(error.message);
    throw error;
  }
  return data;
}

/** Return the stored upload for `file` (POST /api/media). */
export function uploadMedia(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return api("/api/media", { method: "POST", form });
}
