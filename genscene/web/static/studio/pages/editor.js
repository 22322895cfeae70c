// New video: the storyboard editor. API validation errors are shown beside the field they name.

import { ApiError, api, uploadMedia } from "../api.js";
import { announce, h, icon, pageHeader, select, setSelectValue, toast, uid } from "../dom.js";
import { paletteFill, previewSrc } from "./styles.js";

export const title = "New video";

const DRAFT_KEY = "genscene.draft";
const MAX_NARRATION = 2000;
const CAMERAS = [
  ["static", "Static"], ["zoom-in", "Zoom in"], ["zoom-out", "Zoom out"],
  ["pan-left", "Pan left"], ["pan-right", "Pan right"],
];
const TRANSITIONS = [
  ["fade", "Fade"], ["dissolve", "Dissolve"], ["wipe-left", "Wipe left"],
  ["slide-up", "Slide up"], ["none", "Cut (none)"],
];
const ASPECTS = [
  ["16:9", "16:9 · landscape"], ["9:16", "9:16 · vertical"], ["1:1", "1:1 · square"], ["4:5", "4:5 · portrait"],
];
const HEIGHTS = [[240, "240p (quick draft)"], [360, "360p"], [480, "480p"], [720, "720p HD"], [1080, "1080p Full HD"]];
const FPS = [[24, "24 fps"], [25, "25 fps"], [30, "30 fps"], [60, "60 fps"]];
const SUBTITLES = [
  ["burn", "Burned into the picture"], ["soft", "Separate track (switchable)"], ["none", "No subtitles"],
];

function blankScene() {
  return {
    prompt: "", narration: "", duration: "auto", camera: "static", transition: "fade",
    media_id: null, media: null, style: null, clip_volume: null,
  };
}

function defaultDraft() {
  return {
    title: "",
    style: "cinematic-realism",
    format: { aspect: "16:9", height: 720, fps: 30 },
    voice: { voice: "en-us", rate: 165, pitch: 50 },
    subtitles: "burn",
    music: null,
    scenes: [blankScene()],
  };
}

/** Return the storyboard JSON the API takes, from the editor's draft. */
export function toStoryboard(draft) {
  const board = {
    title: draft.title.trim() || "Untitled",
    style: draft.style,
    format: { ...draft.format },
    voice: { engine: "espeak-ng", ...draft.voice },
    subtitles: draft.subtitles,
    scenes: draft.scenes.map((scene) => {
      const out = {
        prompt: scene.prompt,
        narration: scene.narration,
        duration: scene.duration,
        camera: scene.camera,
        transition: scene.transition,
      };
      if (scene.media_id) out.media_id = scene.media_id;
      // A clip's own sound; only a video has one (an image scene would be refused).
      if (scene.media_id && scene.clip_volume != null && scene.media?.kind !== "image") {
        out.clip_volume = scene.clip_volume;
      }
      if (scene.style) out.style = scene.style;
      return out;
    }),
  };
  if (draft.music?.media_id) {
    board.music = { media_id: draft.music.media_id, volume: draft.music.volume, duck: draft.music.duck };
  }
  return board;
}

/** Return an editor draft from imported storyboard JSON (values kept as given; the API judges). */
export function fromStoryboard(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    throw new Error("A storyboard is a JSON object with a list of scenes.");
  }
  if (!Array.isArray(data.scenes) || data.scenes.length === 0) {
    throw new Error("The storyboard has no scenes.");
  }
  const base = defaultDraft();
  return {
    title: typeof data.title === "string" ? data.title : "",
    style: data.style ?? base.style,
    format: { ...base.format, ...(data.format ?? {}) },
    voice: { ...base.voice, ...Object.fromEntries(Object.entries(data.voice ?? {}).filter(([k]) => k !== "engine")) },
    subtitles: data.subtitles ?? base.subtitles,
    music: data.music?.media_id
      ? { media_id: data.music.media_id, volume: data.music.volume ?? 0.25, duck: data.music.duck ?? true, name: null }
      : null,
    scenes: data.scenes.map((scene) => ({
      ...blankScene(),
      ...Object.fromEntries(Object.entries(scene ?? {}).filter(([k]) => k in blankScene())),
      media: null,
    })),
  };
}

function loadDraft() {
  try {
    const saved = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? "null");
    if (saved?.scenes?.length) return { ...defaultDraft(), ...saved };
  } catch {
    // A broken draft is simply not restored.
  }
  return defaultDraft();
}

/** Keep a copy of `board` (from a job, say) as the editor's draft. */
export function saveDraftFrom(board) {
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(fromStoryboard(board)));
  } catch {
    // Storage full or disabled: the editor opens with its defaults.
  }
}

function estimateSeconds(draft) {
  const wordsPerSecond = (Number(draft.voice.rate) || 165) / 60;
  return draft.scenes.reduce((total, scene) => {
    if (scene.duration !== "auto" && Number.isFinite(Number(scene.duration))) return total + Number(scene.duration);
    const words = scene.narration.trim() ? scene.narration.trim().split(/\s+/).length : 0;
    return total + Math.max(1.5, words / wordsPerSecond + 0.8);
  }, 0);
}

export async function mount(root, { query }) {
  const draft = loadDraft();
  if (query.get("style")) draft.style = query.get("style");
  const fields = new Map(); // field path -> { control, box, error }
  let styles = [];
  let previews = new Map();
  let saveTimer = null;
  let submitting = false;

  const saveDraft = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      try {
        localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
      } catch {
        // Not saved: the draft still lives in this page.
      }
    }, 250);
    updateEstimate();
  };

  // -- fields and their error slots ---------------------------------------------------------

  const register = (path, control, box, error) => {
    fields.set(path, { control, box, error });
    control.dataset.field = path;
  };

  /** Return a labelled field box for `control`, registered under the field path `path`. */
  const field = (path, label, control, { hint, className } = {}) => {
    const id = control.id || uid("f");
    control.id = id;
    const hintEl = hint ? h("p", { class: "field-hint", id: `${id}-hint` }, hint) : null;
    const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
    control.setAttribute("aria-describedby", [hintEl?.id, error.id].filter(Boolean).join(" "));
    const box = h("div", { class: ["field", className] }, h("label", { for: id, text: label }), control, hintEl, error);
    if (path) register(path, control, box, error);
    return box;
  };

  const clearError = (path) => {
    const entry = fields.get(path);
    if (!entry) return;
    entry.error.hidden = true;
    entry.error.textContent = "";
    entry.box.classList.remove("has-error");
    entry.control.removeAttribute("aria-invalid");
  };

  const clearErrors = () => {
    for (const path of fields.keys()) clearError(path);
    summary.hidden = true;
    summary.replaceChildren();
  };

  /** Return the registered field nearest to `path` (scenes[1].foo -> scenes[1] -> scenes). */
  const nearestField = (path) => {
    let current = path ?? "";
    while (current) {
      if (fields.has(current)) return [current, fields.get(current)];
      const cut = Math.max(current.lastIndexOf("."), current.lastIndexOf("["));
      current = cut > 0 ? current.slice(0, cut) : "";
    }
    return [null, null];
  };

  const showError = (err) => {
    clearErrors();
    const [path, entry] = nearestField(err.field);
    const message = err.message;
    if (entry) {
      entry.error.textContent = message;
      entry.error.hidden = false;
      entry.box.classList.add("has-error");
      entry.control.setAttribute("aria-invalid", "true");
    }
    summary.hidden = false;
    summary.append(
      h("h2", { text: "The server could not accept this storyboard" }),
      h("p", {}, message,
        err.field && !message.includes(err.field) ? h("code", { class: "field-path", text: ` (${err.field})` }) : null),
    );
    if (entry) {
      summary.append(h("button", {
        type: "button",
        class: "btn btn-small",
        text: "Go to the field",
        on: { click: () => focusField(path) },
      }));
      focusField(path);
    } else {
      summary.focus();
    }
  };

  const focusField = (path) => {
    const entry = fields.get(path);
    if (!entry) return;
    entry.box.scrollIntoView({ block: "center", behavior: "instant" });
    const control = entry.control;
    const target = control.matches("input, select, textarea, button")
      ? control
      : control.querySelector("input:checked") ?? control.querySelector("textarea, select, input");
    target?.focus({ preventScroll: true });
  };

  // -- layout -------------------------------------------------------------------------------

  const summary = h("div", { class: "notice notice-error error-summary", role: "alert", tabindex: "-1", hidden: true });
  const form = h("form", { class: "editor", novalidate: true, "aria-label": "Storyboard" });
  const estimate = h("span", { class: "estimate" });
  const submitButton = h("button", { type: "submit", class: "btn btn-primary btn-large", id: "submit-storyboard", text: "Create video" });
  const importInput = h("input", { type: "file", accept: "application/json,.json", class: "visually-hidden", id: "import-json" });
  // The file input sits inside its label, so the label shows the keyboard focus.
  const importLabel = h("label", { class: "btn" }, importInput, "Import JSON");
  const exportButton = h("button", { type: "button", class: "btn", id: "export-json", text: "Export JSON" });
  const resetButton = h("button", { type: "button", class: "btn btn-ghost", id: "reset-storyboard", text: "Start over" });
  root.append(
    pageHeader("New video", "Describe each scene, pick a look and a voice, and the server renders a narrated video.",
      importLabel, exportButton, resetButton),
    summary,
    form,
  );

  const basics = h("section", { class: "panel", "aria-labelledby": "basics-title" },
    h("h2", { id: "basics-title", text: "Basics" }));
  const output = h("section", { class: "panel", "aria-labelledby": "output-title" },
    h("h2", { id: "output-title", text: "Picture & sound" }));
  const scenesSection = h("section", { class: "panel scenes-panel", "aria-labelledby": "scenes-title" });
  const footer = h("div", { class: "submit-bar" }, estimate, submitButton);
  form.append(basics, output, scenesSection, footer);

  // Title
  const titleInput = h("input", {
    type: "text", value: draft.title, placeholder: "Night shift", autocomplete: "off", id: "sb-title",
    on: { input: (e) => { draft.title = e.target.value; clearError("title"); saveDraft(); } },
  });
  basics.append(field("title", "Title", titleInput));

  // Style picker
  const styleGroup = h("fieldset", { class: "style-picker", id: "sb-style" });
  const styleError = h("p", { class: "field-error", id: "sb-style-error", hidden: true });
  const styleBox = h("div", { class: "field" }, styleGroup, styleError);
  styleGroup.setAttribute("aria-describedby", styleError.id);
  register("style", styleGroup, styleBox, styleError);
  basics.append(styleBox);

  const renderStylePicker = () => {
    styleGroup.replaceChildren(h("legend", { text: "Style" }));
    const options = h("div", { class: "style-options" });
    for (const style of styles) {
      const id = `sb-style-${style.id}`;
      const preview = previews.get(style.id);
      const src = previewSrc(preview);
      options.append(h("div", { class: "style-option" },
        h("input", {
          type: "radio", name: "style", id, value: style.id, checked: draft.style === style.id,
          on: { change: () => { draft.style = style.id; clearError("style"); saveDraft(); } },
        }),
        h("label", { for: id },
          h("span", { class: "style-thumb" },
            src ? h("img", { src, alt: "", width: 160, height: 90, loading: "lazy" }) : paletteFill(style)),
          h("span", { class: "style-option-name", text: style.name }),
          h("span", { class: "style-option-cat", text: style.category }))));
    }
    styleGroup.append(options);
  };

  // Picture & sound
  const aspectSelect = select({ id: "sb-aspect", on: { change: (e) => { draft.format.aspect = e.target.value; clearError("format.aspect"); saveDraft(); } } }, ASPECTS, draft.format.aspect);
  const heightSelect = select({ id: "sb-height", on: { change: (e) => { draft.format.height = Number(e.target.value); clearError("format.height"); saveDraft(); } } }, HEIGHTS, draft.format.height);
  const fpsSelect = select({ id: "sb-fps", on: { change: (e) => { draft.format.fps = Number(e.target.value); clearError("format.fps"); saveDraft(); } } }, FPS, draft.format.fps);
  const voiceSelect = select({ id: "sb-voice", on: { change: (e) => { draft.voice.voice = e.target.value; clearError("voice.voice"); saveDraft(); } } }, [[draft.voice.voice, "Loading voices…"]], draft.voice.voice);
  const rateInput = h("input", {
    type: "number", id: "sb-rate", min: 80, max: 450, step: 5, value: String(draft.voice.rate), inputmode: "numeric",
    on: { input: (e) => { draft.voice.rate = numberOrText(e.target.value); clearError("voice.rate"); saveDraft(); } },
  });
  const pitchInput = h("input", {
    type: "number", id: "sb-pitch", min: 0, max: 99, step: 1, value: String(draft.voice.pitch), inputmode: "numeric",
    on: { input: (e) => { draft.voice.pitch = numberOrText(e.target.value); clearError("voice.pitch"); saveDraft(); } },
  });
  const subtitlesSelect = select({ id: "sb-subtitles", on: { change: (e) => { draft.subtitles = e.target.value; clearError("subtitles"); saveDraft(); } } }, SUBTITLES, draft.subtitles);

  const voiceBox = field("voice.voice", "Narrator voice", voiceSelect, { hint: "Voices of the server's eSpeak NG." });
  fields.set("voice", fields.get("voice.voice"));
  fields.set("voice.engine", fields.get("voice.voice"));
  output.append(h("div", { class: "grid-fields" },
    field("format.aspect", "Aspect ratio", aspectSelect),
    field("format.height", "Height", heightSelect, { hint: "Smaller renders faster." }),
    field("format.fps", "Frame rate", fpsSelect),
    field("subtitles", "Subtitles", subtitlesSelect),
    voiceBox,
    field("voice.rate", "Rate (words/min)", rateInput),
    field("voice.pitch", "Pitch (0–99)", pitchInput),
  ));
  fields.set("format", fields.get("format.aspect"));

  // Music
  const musicInput = h("input", { type: "file", id: "sb-music", accept: "audio/*" });
  const musicStatus = h("div", { class: "upload-status", "aria-live": "polite" });
  const musicBox = field("music.media_id", "Background music (optional)", musicInput, { hint: "An audio file; narration ducks it.", className: "music-field" });
  musicBox.append(musicStatus);
  fields.set("music", fields.get("music.media_id"));
  const volumeInput = h("input", {
    type: "range", id: "sb-music-volume", min: 0, max: 1, step: 0.05,
    on: { input: (e) => { if (draft.music) draft.music.volume = Number(e.target.value); volumeValue.textContent = `${Math.round(Number(e.target.value) * 100)}%`; saveDraft(); } },
  });
  const volumeValue = h("output", { for: "sb-music-volume" });
  const duckInput = h("input", {
    type: "checkbox", id: "sb-music-duck",
    on: { change: (e) => { if (draft.music) draft.music.duck = e.target.checked; saveDraft(); } },
  });
  const volumeBox = field("music.volume", "Music volume", volumeInput, { className: "field-inline" });
  volumeInput.after(volumeValue);
  const duckError = h("p", { class: "field-error", hidden: true, id: "sb-music-duck-error" });
  const duckBox = h("div", { class: "field field-check" }, duckInput,
    h("label", { for: "sb-music-duck", text: "Lower the music under narration" }), duckError);
  register("music.duck", duckInput, duckBox, duckError);
  const musicOptions = h("div", { class: "music-options" }, volumeBox, duckBox);
  output.append(musicBox, musicOptions);

  const renderMusic = () => {
    musicStatus.replaceChildren();
    musicOptions.hidden = !draft.music;
    if (!draft.music) return;
    volumeInput.value = String(draft.music.volume ?? 0.25);
    volumeValue.textContent = `${Math.round(Number(volumeInput.value) * 100)}%`;
    duckInput.checked = draft.music.duck !== false;
    musicStatus.append(
      h("span", { class: "upload-name" }, "♪ ", draft.music.name ?? `upload ${draft.music.media_id}`),
      h("button", {
        type: "button", class: "btn btn-small btn-ghost", text: "Remove music",
        on: { click: () => { draft.music = null; musicInput.value = ""; renderMusic(); saveDraft(); } },
      }),
    );
  };
  musicInput.addEventListener("change", async () => {
    const file = musicInput.files?.[0];
    if (!file) return;
    clearError("music.media_id");
    musicStatus.replaceChildren(h("span", { class: "muted", text: `Uploading ${file.name}…` }));
    try {
      const media = await uploadMedia(file);
      if (media.kind !== "audio") throw new ApiError(422, { error: { message: `${file.name} is ${media.kind}, not audio`, field: "music.media_id" } });
      draft.music = { media_id: media.id, volume: 0.25, duck: true, name: file.name };
      renderMusic();
      saveDraft();
    } catch (err) {
      musicStatus.replaceChildren();
      showError(new ApiError(err.status ?? 422, { error: { message: err.message, field: "music.media_id" } }));
    }
  });

  // Scenes
  const scenesList = h("ol", { class: "scene-list", id: "scene-list" });
  const scenesError = h("p", { class: "field-error", id: "scenes-error", hidden: true });
  const addButton = h("button", { type: "button", class: "btn add-scene", id: "add-scene" }, icon("plus"), "Add scene");
  scenesSection.append(
    h("div", { class: "panel-head" }, h("h2", { id: "scenes-title", text: "Scenes" }), h("span", { class: "muted scene-count" })),
    scenesError,
    scenesList,
    addButton,
  );
  addButton.addEventListener("click", () => {
    draft.scenes.push(blankScene());
    renderScenes();
    saveDraft();
    scenesList.lastElementChild?.querySelector("textarea")?.focus();
    announce(`Scene ${draft.scenes.length} added.`);
  });

  const moveScene = (index, delta, focusSelector) => {
    const target = index + delta;
    if (target < 0 || target >= draft.scenes.length) return;
    const [scene] = draft.scenes.splice(index, 1);
    draft.scenes.splice(target, 0, scene);
    renderScenes();
    saveDraft();
    const item = scenesList.children[target];
    const preferred = item.querySelector(focusSelector);
    (preferred && !preferred.disabled ? preferred : item.querySelector(".scene-tools button:not(:disabled)"))?.focus();
    announce(`Scene moved to position ${target + 1}.`);
  };

  const renderScenes = () => {
    for (const path of [...fields.keys()]) if (path.startsWith("scenes[")) fields.delete(path);
    scenesList.replaceChildren();
    draft.scenes.forEach((scene, index) => scenesList.append(sceneItem(scene, index)));
    scenesSection.querySelector(".scene-count").textContent = `${draft.scenes.length} scene${draft.scenes.length === 1 ? "" : "s"}`;
    fields.set("scenes", { control: scenesList, box: scenesSection, error: scenesError });
  };

  const sceneItem = (scene, index) => {
    const path = `scenes[${index}]`;
    const n = index + 1;
    const headingId = uid("scene-title");
    const item = h("li", { class: "scene", dataset: { index } });
    const sceneError = h("p", { class: "field-error", hidden: true, id: uid("scene-error") });
    const tools = h("div", { class: "scene-tools" },
      h("button", { type: "button", class: "btn btn-icon move-up", "aria-label": `Move scene ${n} up`, title: "Move up", disabled: index === 0, on: { click: () => moveScene(index, -1, ".move-up") } }, icon("up")),
      h("button", { type: "button", class: "btn btn-icon move-down", "aria-label": `Move scene ${n} down`, title: "Move down", disabled: index === draft.scenes.length - 1, on: { click: () => moveScene(index, 1, ".move-down") } }, icon("down")),
      h("button", {
        type: "button", class: "btn btn-icon", "aria-label": `Duplicate scene ${n}`, title: "Duplicate",
        on: {
          click: () => {
            draft.scenes.splice(index + 1, 0, { ...structuredClone(scene) });
            renderScenes();
            saveDraft();
            scenesList.children[index + 1]?.querySelector("textarea")?.focus();
            announce(`Scene ${n} duplicated.`);
          },
        },
      }, icon("copy")),
      h("button", {
        type: "button", class: "btn btn-icon btn-danger remove-scene", "aria-label": `Remove scene ${n}`, title: "Remove",
        disabled: draft.scenes.length === 1,
        on: {
          click: () => {
            draft.scenes.splice(index, 1);
            renderScenes();
            saveDraft();
            const next = scenesList.children[Math.min(index, draft.scenes.length - 1)];
            next?.querySelector("textarea")?.focus();
            announce(`Scene ${n} removed.`);
          },
        },
      }, icon("trash")));
    const article = h("article", { "aria-labelledby": headingId },
      h("div", { class: "scene-head" },
        h("h3", { id: headingId }, h("span", { class: "scene-number", text: n }), `Scene ${n}`),
        tools),
      sceneError);
    register(path, article, item, sceneError);

    const prompt = h("textarea", {
      rows: 2, placeholder: "detective in a dark street with rain", id: uid("prompt"),
      on: { input: (e) => { scene.prompt = e.target.value; clearError(`${path}.prompt`); saveDraft(); } },
    });
    prompt.value = scene.prompt;
    const counter = h("span", { class: "counter" });
    const narration = h("textarea", {
      rows: 3, placeholder: "The city never sleeps.", id: uid("narration"),
      on: {
        input: (e) => {
          scene.narration = e.target.value;
          updateCounter();
          clearError(`${path}.narration`);
          saveDraft();
        },
      },
    });
    narration.value = scene.narration;
    const updateCounter = () => {
      counter.textContent = `${scene.narration.length} / ${MAX_NARRATION}`;
      counter.classList.toggle("over", scene.narration.length > MAX_NARRATION);
    };
    updateCounter();

    const isAuto = scene.duration === "auto";
    const durationMode = select({
      id: uid("duration-mode"), "aria-label": `Scene ${n} duration mode`,
      on: {
        change: (e) => {
          const auto = e.target.value === "auto";
          scene.duration = auto ? "auto" : numberOrText(secondsInput.value || "4");
          secondsInput.value = auto ? "" : String(scene.duration);
          secondsInput.disabled = auto;
          clearError(`${path}.duration`);
          saveDraft();
          if (!auto) secondsInput.focus();
        },
      },
    }, [["auto", "Auto"], ["seconds", "Seconds"]], isAuto ? "auto" : "seconds");
    const secondsInput = h("input", {
      type: "number", min: 1.5, max: 120, step: 0.5, inputmode: "decimal", id: uid("seconds"),
      "aria-label": `Scene ${n} duration in seconds`, disabled: isAuto,
      value: isAuto ? "" : String(scene.duration),
      on: { input: (e) => { scene.duration = numberOrText(e.target.value); clearError(`${path}.duration`); saveDraft(); } },
    });
    const durationError = h("p", { class: "field-error", hidden: true, id: uid("duration-error") });
    durationMode.setAttribute("aria-describedby", durationError.id);
    secondsInput.setAttribute("aria-describedby", durationError.id);
    const durationBox = h("div", { class: "field field-duration" },
      h("label", { for: durationMode.id, text: "Duration" }),
      h("div", { class: "input-row" }, durationMode, secondsInput, h("span", { class: "unit", "aria-hidden": "true", text: "s" })),
      durationError);
    register(`${path}.duration`, isAuto ? durationMode : secondsInput, durationBox, durationError);
    durationMode.addEventListener("change", () => {
      const entry = fields.get(`${path}.duration`);
      if (entry) entry.control = durationMode.value === "auto" ? durationMode : secondsInput;
    });

    const camera = select({ id: uid("camera"), on: { change: (e) => { scene.camera = e.target.value; clearError(`${path}.camera`); saveDraft(); } } }, CAMERAS, scene.camera);
    const transition = select({ id: uid("transition"), on: { change: (e) => { scene.transition = e.target.value; clearError(`${path}.transition`); saveDraft(); } } }, TRANSITIONS, scene.transition);
    const styleOverride = select({ id: uid("scene-style"), on: { change: (e) => { scene.style = e.target.value || null; clearError(`${path}.style`); saveDraft(); } } },
      [["", "Same as the video"], ...styles.map((s) => [s.id, s.name])], scene.style ?? "");

    const mediaInput = h("input", { type: "file", accept: "image/*,video/*", id: uid("scene-media") });
    const mediaStatus = h("div", { class: "upload-status", "aria-live": "polite" });
    const renderMedia = () => {
      mediaStatus.replaceChildren();
      if (!scene.media_id) return;
      const media = scene.media;
      mediaStatus.append(
        media?.kind === "image" && media.url ? h("img", { class: "upload-thumb", src: media.url, alt: `Uploaded image for scene ${n}`, width: 96, height: 54 }) : null,
        h("span", { class: "upload-name", text: media?.name ?? `upload ${scene.media_id}` }),
        h("button", {
          type: "button", class: "btn btn-small btn-ghost", text: "Remove",
          "aria-label": `Remove the uploaded file of scene ${n}`,
          on: { click: () => { scene.media_id = null; scene.media = null; scene.clip_volume = null; mediaInput.value = ""; renderMedia(); saveDraft(); } },
        }),
      );
      if (media?.kind === "video" || (media == null && scene.clip_volume != null)) {
        const level = scene.clip_volume ?? 1;
        const volumeValue = h("output", { text: `${Math.round(level * 100)}%` });
        const clipVolume = h("input", {
          type: "range", min: 0, max: 1, step: 0.05, value: level, id: uid("clip-volume"),
          on: {
            input: (e) => {
              scene.clip_volume = Number(e.target.value);
              volumeValue.textContent = `${Math.round(scene.clip_volume * 100)}%`;
              clearError(`${path}.clip_volume`);
              saveDraft();
            },
          },
        });
        const box = field(`${path}.clip_volume`, "Clip sound", clipVolume, { hint: "The clip's own sound; narration ducks it. 0% mutes it.", className: "field-inline" });
        volumeValue.htmlFor = clipVolume.id;
        clipVolume.after(volumeValue);
        mediaStatus.append(box);
      }
    };
    mediaInput.addEventListener("change", async () => {
      const file = mediaInput.files?.[0];
      if (!file) return;
      clearError(`${path}.media_id`);
      mediaStatus.replaceChildren(h("span", { class: "muted", text: `Uploading ${file.name}…` }));
      try {
        const media = await uploadMedia(file);
        scene.media_id = media.id;
        scene.media = { kind: media.kind, url: media.url, name: file.name };
        if (media.kind !== "video") scene.clip_volume = null;
        renderMedia();
        saveDraft();
      } catch (err) {
        mediaStatus.replaceChildren();
        showError(new ApiError(err.status ?? 422, { error: { message: err.message, field: `${path}.media_id` } }));
      }
    });
    renderMedia();

    const narrationBox = field(`${path}.narration`, "Narration", narration, { hint: "Spoken by the narrator and shown as subtitles.", className: "field-wide" });
    narrationBox.querySelector("label").after(counter);
    const mediaBox = field(`${path}.media_id`, "Own image or clip (optional)", mediaInput, { hint: "Used instead of a rendered frame.", className: "field-wide" });
    mediaBox.append(mediaStatus);
    article.append(h("div", { class: "scene-fields" },
      field(`${path}.prompt`, "Visual prompt", prompt, { className: "field-wide" }),
      narrationBox,
      durationBox,
      field(`${path}.camera`, "Camera", camera),
      field(`${path}.transition`, "Transition to next", transition),
      field(`${path}.style`, "Style of this scene", styleOverride),
      mediaBox,
    ));
    item.append(article);
    return item;
  };

  const updateEstimate = () => {
    const seconds = estimateSeconds(draft);
    estimate.textContent = `${draft.scenes.length} scene${draft.scenes.length === 1 ? "" : "s"} · about ${Math.round(seconds)} s`;
  };

  const rebuild = () => {
    titleInput.value = draft.title;
    setSelectValue(aspectSelect, draft.format.aspect);
    setSelectValue(heightSelect, draft.format.height);
    setSelectValue(fpsSelect, draft.format.fps);
    setSelectValue(subtitlesSelect, draft.subtitles);
    setSelectValue(voiceSelect, draft.voice.voice);
    rateInput.value = String(draft.voice.rate);
    pitchInput.value = String(draft.voice.pitch);
    renderStylePicker();
    renderMusic();
    renderScenes();
    updateEstimate();
    clearErrors();
  };

  // -- toolbar: import, export, reset -------------------------------------------------------

  importInput.addEventListener("change", async () => {
    const file = importInput.files?.[0];
    importInput.value = "";
    if (!file) return;
    try {
      const loaded = fromStoryboard(JSON.parse(await file.text()));
      Object.assign(draft, loaded);
      rebuild();
      saveDraft();
      toast(`Imported ${file.name}.`, "success");
    } catch (err) {
      toast(`Could not import ${file.name}: ${err.message}`, "error");
    }
  });
  exportButton.addEventListener("click", () => {
    const board = toStoryboard(draft);
    const blob = new Blob([`${JSON.stringify(board, null, 2)}\n`], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const name = `${(board.title || "storyboard").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "storyboard"}.json`;
    const link = h("a", { href: url, download: name, class: "visually-hidden" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  resetButton.addEventListener("click", () => {
    Object.assign(draft, defaultDraft());
    rebuild();
    saveDraft();
    titleInput.focus();
    announce("The editor was reset.");
  });

  // -- submit -------------------------------------------------------------------------------

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submitting) return;
    submitting = true;
    submitButton.disabled = true;
    submitButton.textContent = "Submitting…";
    form.setAttribute("aria-busy", "true");
    clearErrors();
    try {
      const job = await api("/api/compose", { method: "POST", json: toStoryboard(draft) });
      toast("Video queued.", "success");
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (err) {
      if (err instanceof ApiError && err.code === "no_key") {
        // The key dialog is open; the user submits again after entering it.
      } else if (err instanceof ApiError && err.status !== 0) {
        showError(err);
      } else {
        showError(new ApiError(0, { error: { message: err.message } }));
      }
    } finally {
      submitting = false;
      submitButton.disabled = false;
      submitButton.textContent = "Create video";
      form.removeAttribute("aria-busy");
    }
  });

  // -- data ----------------------------------------------------------------------------------

  rebuild();
  const [catalogue, overview] = await Promise.all([
    api("/styles", { auth: false }),
    api("/styles/previews/overview", { auth: false }),
  ]);
  styles = catalogue.styles;
  previews = new Map(overview.previews.map((p) => [p.style_id, p]));
  renderStylePicker();
  renderScenes();
  api("/api/voices", { auth: false }).then((data) => {
    const current = draft.voice.voice;
    voiceSelect.replaceChildren();
    const sorted = [...data.voices].sort((a, b) => a.name.localeCompare(b.name));
    for (const voice of sorted) {
      voiceSelect.append(h("option", { value: voice.id, text: `${voice.name.trim()} · ${voice.id}` }));
    }
    setSelectValue(voiceSelect, current);
  }).catch((err) => {
    voiceSelect.replaceChildren(h("option", { value: draft.voice.voice, text: draft.voice.voice }));
    toast(`Could not load the voices: ${err.message}`, "error");
  });

  return () => clearTimeout(saveTimer);
}

function numberOrText(raw) {
  const text = String(raw).trim();
  const value = Number(text);
  return text !== "" && Number.isFinite(value) ? value : text;
}
