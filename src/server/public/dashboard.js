// CloudWorkstation dashboard: plain JavaScript over the same REST API (/api/v1) that `cws serve` documents.
// Nothing is loaded from outside this server. This file holds the shared helpers, the matrix and the start; the other
// panels are panels.js and workstations.js (loaded first, called from here).
"use strict";

const API = "/api/v1";
const AMI_METHODS = ["direct_mapping", "ssm_parameter", "dynamic_search", "marketplace"];

/**
 * The colour class of a cell: AMI ready, copy needed, script provisioning, failed (including errors), or missing when
 * the API gave no answer for it (never shown as failed: nothing failed that we know of).
 */
function methodClass(outcome) {
  if (!outcome) return "missing";
  if (outcome.error || outcome.method === "failed") return "failed";
  if (outcome.method === "cross_region") return "copy";
  if (outcome.method === "fallback_script") return "script";
  if (AMI_METHODS.includes(outcome.method)) return "ami";
  return "failed";
}

const LABELS = { ami: "AMI", copy: "copy", script: "script", failed: "failed", missing: "not loaded" };
const DESCRIPTIONS = {
  ami: "AMI ready",
  copy: "copy needed",
  script: "script provisioning",
  failed: "failed",
  missing: "not loaded (no answer from the API)",
};

async function getJson(url, init) {
  const response = await fetch(url, init);
  const body = await response.json();
  if (!response.ok && !(body && body.error && body.error.code === "unresolvable")) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    throw new Error(`${url}: ${message}`);
  }
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function formatSeconds(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

function formatUsd(value, digits = 2) {
  if (value === undefined || value === null) return "no price";
  return `$${value.toFixed(value < 0.01 && value > 0 ? 4 : digits)}`;
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

// ---------------------------------------------------------------------------------------------------------------
// The region × template matrix

/**
 * Answers by the template name the dashboard asked for (the name GET /templates lists, which is the file's name):
 * a file whose `name:` says otherwise must neither lose its row nor overwrite the row of the template so named.
 */
const state = { outcomes: new Map(), selected: null };

function outcomeOf(template, region) {
  return state.outcomes.get(`${template}|${region}`);
}

function describeOutcome(template, region, outcome) {
  const kind = methodClass(outcome);
  const lines = [`${template} in ${region}: ${DESCRIPTIONS[kind]}`];
  if (!outcome) return lines;
  if (outcome.template && outcome.template !== template) lines.push(`its name: says ${outcome.template}`);
  if (outcome.error) {
    lines.push(outcome.error.message);
    return lines;
  }
  lines.push(`method: ${outcome.method}`);
  if (outcome.amiId)
    lines.push(`AMI: ${outcome.amiId}${outcome.sourceRegion ? ` (now in ${outcome.sourceRegion})` : ""}`);
  lines.push(`usable after ≈ ${formatSeconds(outcome.estimatedLaunchSeconds)} (estimate)`);
  const hourly = outcome.cost && outcome.cost.hourlyUsd;
  lines.push(
    `${outcome.instanceType}: ${hourly === undefined ? "no price in the snapshot" : `${formatUsd(hourly, 4)}/h`} (estimate)`,
  );
  return lines;
}

function renderMatrix(templates, regions) {
  const table = document.getElementById("matrix");
  const head = table.querySelector("thead");
  const body = table.querySelector("tbody");
  head.replaceChildren(
    el(
      "tr",
      {},
      el("th", { scope: "col", text: "Template" }),
      ...regions.map((r) => el("th", { scope: "col", text: r })),
    ),
  );
  body.replaceChildren(
    ...templates.map((template, row) =>
      el(
        "tr",
        {},
        el("th", { scope: "row", text: template }),
        ...regions.map((region, column) => {
          const outcome = outcomeOf(template, region);
          const kind = methodClass(outcome);
          const button = el("button", {
            type: "button",
            class: `cell method-${kind}`,
            "data-template": template,
            "data-region": region,
            "data-method": outcome ? (outcome.error ? "error" : outcome.method) : "missing",
            "data-ami": outcome && outcome.amiId ? outcome.amiId : "",
            "data-row": row,
            "data-column": column,
            "aria-label": describeOutcome(template, region, outcome).join("; "),
            "aria-describedby": "tooltip",
            "aria-pressed": "false",
            tabindex: row === 0 && column === 0 ? "0" : "-1",
            text: LABELS[kind],
          });
          return el("td", {}, button);
        }),
      ),
    ),
  );
}

function showTooltip(button) {
  const { template, region } = button.dataset;
  const tooltip = document.getElementById("tooltip");
  tooltip.textContent = describeOutcome(template, region, outcomeOf(template, region)).join("\n");
  tooltip.hidden = false;
  const box = button.getBoundingClientRect();
  tooltip.style.left = `${window.scrollX + box.left}px`;
  tooltip.style.top = `${window.scrollY + box.bottom + 6}px`;
}

function hideTooltip() {
  document.getElementById("tooltip").hidden = true;
}

function showChain(button) {
  const { template, region } = button.dataset;
  const outcome = outcomeOf(template, region);
  if (!outcome) return;
  for (const other of document.querySelectorAll("#matrix button.cell[aria-pressed='true']"))
    other.setAttribute("aria-pressed", "false");
  button.setAttribute("aria-pressed", "true");
  state.selected = button;
  const section = document.getElementById("chain");
  document.getElementById("chain-title").textContent = `Fallback chain: ${template} in ${region}`;
  document.getElementById("chain-summary").textContent = describeOutcome(template, region, outcome)
    .slice(1)
    .join(" · ");
  const steps = outcome.fallbackChain || [];
  document
    .getElementById("chain-steps")
    .replaceChildren(
      ...(steps.length
        ? steps.map((step) =>
            el(
              "li",
              { "data-tier": step.tier, "data-outcome": step.outcome },
              el("strong", { text: step.tier }),
              " ",
              el("span", { class: `outcome outcome-${step.outcome}`, text: step.outcome.replace("_", " ") }),
              `${step.region ? ` (${step.region})` : ""}: ${step.detail}`,
            ),
          )
        : [el("li", { text: outcome.error ? outcome.error.message : "no chain" })]),
    );
  section.hidden = false;
  section.focus();
}

function closeChain() {
  document.getElementById("chain").hidden = true;
  if (state.selected) {
    state.selected.setAttribute("aria-pressed", "false");
    state.selected.focus();
  }
}

/** Arrow keys move between cells (one tab stop for the whole grid); Home/End go to the row's ends. */
function onMatrixKey(event) {
  const button = event.target.closest("button.cell");
  if (!button) return;
  let row = Number(button.dataset.row);
  let column = Number(button.dataset.column);
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (event.key === "Escape") return hideTooltip();
  if (event.key === "Home") column = 0;
  else if (event.key === "End") column = Number.MAX_SAFE_INTEGER;
  else if (moves[event.key]) {
    row += moves[event.key][0];
    column += moves[event.key][1];
  } else return;
  event.preventDefault();
  const cells = [...document.querySelectorAll("#matrix button.cell")];
  const rowCells = cells.filter((c) => Number(c.dataset.row) === Math.max(0, row));
  if (rowCells.length === 0) return;
  const target = rowCells[Math.min(Math.max(0, column), rowCells.length - 1)];
  for (const c of cells) c.setAttribute("tabindex", "-1");
  target.setAttribute("tabindex", "0");
  target.focus();
}

async function loadMatrix(templates, regions) {
  const query = encodeURIComponent(regions.join(","));
  const results = await Promise.all(
    templates.map((t) =>
      getJson(`${API}/ami/test/${encodeURIComponent(t)}?regions=${query}`).catch((error) =>
        regions.map((region) => ({ template: t, region, error: { name: "Error", message: error.message } })),
      ),
    ),
  );
  state.outcomes.clear();
  templates.forEach((template, index) => {
    for (const outcome of results[index]) state.outcomes.set(`${template}|${outcome.region}`, outcome);
  });
  renderMatrix(templates, regions);
}

// ---------------------------------------------------------------------------------------------------------------

async function refresh(regions) {
  setStatus("loading…");
  document.body.removeAttribute("data-ready");
  try {
    const [server, templates] = await Promise.all([getJson(`${API}/server`), getJson(`${API}/templates`)]);
    const names = templates.map((t) => t.name);
    await Promise.all([
      loadMatrix(names, regions),
      loadCosts(names, regions[0], server.prices),
      loadTemplates(templates),
      loadImages(regions),
      loadCatalog(server.catalog),
      loadWorkstations(),
    ]);
    setStatus(`${names.length} templates × ${regions.length} regions`);
  } catch (error) {
    setStatus(`could not load: ${error.message}`);
  } finally {
    document.body.setAttribute("data-ready", "true");
  }
}

async function main() {
  const [server, templates] = await Promise.all([getJson(`${API}/server`), getJson(`${API}/templates`)]);
  initWorkstations(server, templates);
  const input = document.getElementById("regions-input");
  const fromUrl = new URLSearchParams(location.search).get("regions");
  input.value = fromUrl || server.dashboardRegions.join(",");
  const matrix = document.getElementById("matrix");
  matrix.addEventListener(
    "mouseover",
    (e) => e.target.closest && e.target.closest("button.cell") && showTooltip(e.target.closest("button.cell")),
  );
  matrix.addEventListener("mouseout", hideTooltip);
  matrix.addEventListener("focusin", (e) => e.target.closest("button.cell") && showTooltip(e.target));
  matrix.addEventListener("focusout", hideTooltip);
  matrix.addEventListener(
    "click",
    (e) => e.target.closest("button.cell") && showChain(e.target.closest("button.cell")),
  );
  matrix.addEventListener("keydown", onMatrixKey);
  document.getElementById("chain-close").addEventListener("click", closeChain);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !document.getElementById("chain").hidden) closeChain();
  });
  document.getElementById("regions-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const regions = input.value
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean);
    if (regions.length) void refresh(regions);
  });
  await refresh(
    input.value
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean),
  );
}

void main();
