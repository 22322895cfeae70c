// Styles: the gallery of the seven previews, category filters, palettes and keywords.

import { ApiError, api } from "../api.js";
import { announce, badge, h, humanize, pageHeader, toast } from "../dom.js";

export const title = "Styles";

const STATUS_LABELS = {
  fresh: "Ready",
  stale: "Stale",
  missing: "No preview",
  generating: "Generating…",
};
const POLL_MS = 900;

/** Return an image URL that changes whenever the preview is re-rendered. */
export function previewSrc(preview, thumbnail = true) {
  const url = thumbnail ? preview?.thumbnail_url ?? preview?.image_url : preview?.image_url;
  if (!url) return null;
  return `${url}?v=${encodeURIComponent(preview.generated_at ?? "")}`;
}

/** Return a placeholder painted with the style's palette, for a style without a preview. */
export function paletteFill(style) {
  const palette = style.palette?.length ? style.palette : ["#30363d", "#484f58"];
  const vars = {};
  palette.slice(0, 5).forEach((colour, i) => {
    vars[`--p${i}`] = colour;
  });
  for (let i = palette.length; i < 5; i += 1) vars[`--p${i}`] = palette[palette.length - 1];
  return h("div", { class: "palette-fill", style: vars, "aria-hidden": "true" });
}

export async function mount(root, { query }) {
  const state = {
    category: query.get("category") ?? "all",
    styles: [],
    categories: [],
    previews: new Map(),
    cards: new Map(),
    timer: null,
    alive: true,
    busy: false,
  };
  const summary = h("p", { class: "summary", role: "status", "aria-live": "polite" });
  const generateButton = h("button", {
    type: "button", class: "btn btn-primary", text: "Generate missing previews", id: "generate-missing",
  });
  const forceButton = h("button", {
    type: "button", class: "btn", text: "Re-render all", id: "rerender-all",
  });
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Filter styles by category" });
  const grid = h("ul", { class: "style-grid", role: "list", "aria-label": "Styles" });
  root.append(
    pageHeader(
      "Styles",
      "Seven looks for your video. Each preview is the style's demo scene, rendered by this server.",
      forceButton,
      generateButton,
    ),
    h("div", { class: "toolbar" }, chips, summary),
    grid,
  );

  const [catalogue, categories, overview] = await Promise.all([
    api("/styles", { auth: false }),
    api("/styles/categories", { auth: false }),
    api("/styles/previews/overview", { auth: false }),
  ]);
  state.styles = catalogue.styles;
  state.categories = categories.categories;
  for (const preview of overview.previews) state.previews.set(preview.style_id, preview);

  const renderChips = () => {
    chips.replaceChildren();
    const all = [{ id: "all", name: "All", styles: state.styles.map((s) => s.id) }, ...state.categories];
    for (const category of all) {
      chips.append(h("button", {
        type: "button",
        class: "chip",
        "aria-pressed": String(state.category === category.id),
        dataset: { category: category.id },
        on: {
          click: () => {
            state.category = category.id;
            renderChips();
            applyFilter();
          },
        },
      }, category.name, h("span", { class: "chip-count", text: category.styles.length })));
    }
  };

  const applyFilter = () => {
    for (const style of state.styles) {
      const card = state.cards.get(style.id);
      card.hidden = state.category !== "all" && style.category !== state.category;
    }
  };

  // styleId: one card's button (that style only); otherwise every missing/stale (or all).
  const generate = async (force, styleId = null) => {
    if (state.busy) return;
    state.busy = true;
    updateButtons();
    try {
      const path = styleId
        ? `/styles/${encodeURIComponent(styleId)}/preview/generate`
        : `/styles/previews/generate-all${force ? "?force=true" : ""}`;
      const result = await api(path, { method: "POST" });
      for (const job of result.jobs) {
        const styleId = job.params?.style_id;
        const preview = state.previews.get(styleId);
        if (preview) state.previews.set(styleId, { ...preview, status: "generating" });
      }
      renderAll();
      if (result.jobs.length === 0) toast("Every preview is already fresh.", "info");
      else announce(`Generating ${result.jobs.length} previews.`);
      schedulePoll();
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "no_key")) toast(err.message, "error");
    } finally {
      state.busy = false;
      updateButtons();
    }
  };

  const poll = async () => {
    state.timer = null;
    if (!state.alive) return;
    try {
      const fresh = await api("/styles/previews/overview", { auth: false });
      if (!state.alive) return;
      const wasGenerating = countStatus("generating");
      for (const preview of fresh.previews) state.previews.set(preview.style_id, preview);
      renderAll();
      if (wasGenerating && !countStatus("generating")) announce("All previews are ready.");
    } catch (err) {
      summary.textContent = `Could not refresh the previews: ${err.message}`;
    }
    schedulePoll();
  };

  const schedulePoll = () => {
    if (!state.alive || state.timer) return;
    if (countStatus("generating") > 0) state.timer = setTimeout(poll, POLL_MS);
  };

  const countStatus = (status) => [...state.previews.values()].filter((p) => p.status === status).length;

  const updateButtons = () => {
    const pending = countStatus("missing") + countStatus("stale");
    generateButton.hidden = pending === 0 && !state.busy;
    generateButton.disabled = state.busy || countStatus("generating") > 0;
    generateButton.textContent = `Generate ${pending} missing or stale`;
    forceButton.disabled = state.busy || countStatus("generating") > 0;
  };

  const renderAll = () => {
    for (const style of state.styles) renderCard(style);
    const ready = countStatus("fresh");
    const generating = countStatus("generating");
    summary.textContent = generating
      ? `Generating ${generating} preview${generating === 1 ? "" : "s"}… ${ready} of ${state.styles.length} ready.`
      : `${ready} of ${state.styles.length} previews ready.`;
    updateButtons();
  };

  const renderCard = (style) => {
    const preview = state.previews.get(style.id) ?? { status: "missing" };
    let card = state.cards.get(style.id);
    if (!card) {
      card = buildCard(style, () => generate(false, style.id));
      state.cards.set(style.id, card);
      grid.append(card);
    }
    if (card.dataset.status === preview.status && card.dataset.generatedAt === String(preview.generated_at ?? "")) {
      return;
    }
    card.dataset.status = preview.status;
    card.dataset.generatedAt = String(preview.generated_at ?? "");
    const media = card.querySelector(".preview-media");
    const src = previewSrc(preview);
    const current = media.querySelector("img");
    if (src && current?.dataset.src !== src) {
      const img = h("img", {
        src,
        alt: `${style.name} preview: ${style.demo_scene}`,
        width: preview.width ? 480 : null,
        height: preview.width ? Math.round((480 * preview.height) / preview.width) : null,
        loading: "lazy",
        decoding: "async",
        dataset: { src },
      });
      media.replaceChildren(img);
    } else if (!src) {
      media.replaceChildren(paletteFill(style), h("span", { class: "preview-empty-text", text: "No preview yet" }));
    }
    const status = preview.status;
    card.querySelector(".preview-badge").replaceChildren(
      badge(status, STATUS_LABELS[status] ?? humanize(status)),
    );
    const action = card.querySelector(".regenerate");
    action.hidden = !(status === "missing" || status === "stale");
    action.textContent = status === "missing" ? "Generate preview" : "Regenerate";
    card.querySelector(".preview").classList.toggle("is-generating", status === "generating");
  };

  renderChips();
  renderAll();
  applyFilter();
  schedulePoll();
  generateButton.addEventListener("click", () => generate(false));
  forceButton.addEventListener("click", () => generate(true));

  return () => {
    state.alive = false;
    clearTimeout(state.timer);
  };
}

function buildCard(style, onRegenerate) {
  const nameId = `style-name-${style.id}`;
  const swatches = h("ul", { class: "swatches", "aria-label": "Palette" },
    (style.palette ?? []).map((colour) => h("li", { class: "swatch", style: { "--c": colour }, title: colour },
      h("span", { class: "visually-hidden", text: colour }))));
  const keywords = h("ul", { class: "keywords", "aria-label": "Keywords" },
    (style.keywords ?? []).map((word) => h("li", { text: word })));
  return h("li", { class: "style-card", dataset: { styleId: style.id, category: style.category } },
    h("article", { "aria-labelledby": nameId },
      h("div", { class: "preview" },
        h("div", { class: "preview-media" }),
        h("div", { class: "preview-badge" })),
      h("div", { class: "card-body" },
        h("div", { class: "card-head" },
          h("h2", { id: nameId, text: style.name }),
          h("span", { class: "tag", text: humanize(style.category) })),
        h("p", { class: "description", text: style.description }),
        h("p", { class: "demo" }, h("span", { class: "muted", text: "Demo scene: " }), style.demo_scene),
        swatches,
        keywords,
        h("div", { class: "card-actions" },
          h("button", {
            type: "button", class: "btn btn-small regenerate", hidden: true,
            "aria-describedby": nameId, on: { click: onRegenerate },
          }),
          h("a", {
            class: "btn btn-small btn-accent", href: `#/new?style=${encodeURIComponent(style.id)}`,
            "aria-label": `Make a video in ${style.name}`, text: "Use this style",
          })))));
}
