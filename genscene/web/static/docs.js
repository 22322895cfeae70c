// Renders /openapi.json as a readable list of operations; no third-party code.
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach((c) => node.append(c));
  return node;
};

const doc = await (await fetch("/openapi.json")).json();
document.getElementById("info").textContent =
  `${doc.info.title} ${doc.info.version} — ${doc.info.description}`;
const byTag = new Map();
for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    const tag = op.tags?.[0] ?? "other";
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push({ path, method, op });
  }
}
const main = document.getElementById("ops");
for (const [tag, ops] of byTag) {
  const section = el("section", {}, el("h2", {}, tag));
  for (const { path, method, op } of ops) {
    const head = el("div", { class: "op" },
      el("span", { class: `method ${method}` }, method.toUpperCase()),
      el("code", {}, path), el("span", {}, op.summary));
    if (op.security) head.append(el("span", { class: "lock" }, "API key"));
    const details = el("details", {}, el("summary", {}, "details"),
      el("pre", {}, JSON.stringify(op, null, 2)));
    section.append(head, details);
  }
  main.append(section);
}
