// The dashboard's read-only panels below the matrix: costs, templates, the lab's own images, the catalog.
// Loaded before dashboard.js, whose helpers (API, getJson, el, svg, format…) they call once the page runs.
"use strict";

// ---------------------------------------------------------------------------------------------------------------
// Costs: AMI vs script, per template

async function loadCosts(templates, region, prices) {
  const reports = await Promise.all(
    templates.map(async (name) => {
      const [report, template] = await Promise.all([
        getJson(`${API}/ami/costs?template=${encodeURIComponent(name)}&region=${region}`).catch(() => null),
        getJson(`${API}/templates/${encodeURIComponent(name)}`).catch(() => null),
      ]);
      if (!report) return null;
      const gb =
        (template && template.instance_defaults && template.instance_defaults.root_volume_gb) ||
        prices.defaultSnapshotGb;
      // Labelled by the name asked for, like the matrix's rows (the report's own `template` is the file's name:).
      return { ...report, name, snapshotGb: gb, storageUsdPerMonth: gb * prices.snapshotStorageUsdPerGbMonth };
    }),
  );
  const rows = reports.filter(Boolean);
  document.getElementById("costs-hint").textContent =
    `Minutes until usable from a pre-built AMI and from the stock image plus the template's script, in ${region}; ` +
    `setup dollars per launch and snapshot storage per month of keeping the AMI. Estimates (${prices.label}), not measurements.`;
  renderCostChart(rows);
  document.querySelector("#costs-table tbody").replaceChildren(
    ...rows.map((r) =>
      el(
        "tr",
        { "data-template": r.name },
        el("th", { scope: "row", text: r.name }),
        el("td", { text: `${r.instanceType} (${r.architecture})` }),
        el("td", {
          text: r.script.cost.hourlyUsd === undefined ? "no price" : `${formatUsd(r.script.cost.hourlyUsd, 4)}/h`,
        }),
        el("td", { text: formatSeconds(r.ami.estimatedLaunchSeconds) }),
        el("td", { text: `${r.setupMinutes} min` }),
        el("td", { text: formatUsd(r.script.cost.setupCostUsd, 3) }),
        el("td", { text: `${formatUsd(r.storageUsdPerMonth)} (${r.snapshotGb} GB)` }),
      ),
    ),
  );
}

/** Horizontal grouped bars: minutes until usable, AMI vs script, one group per template. */
function renderCostChart(rows) {
  const labelWidth = 170;
  const barHeight = 14;
  const groupHeight = barHeight * 2 + 14;
  const plotWidth = 520;
  const height = rows.length * groupHeight + 40;
  const maxMinutes = Math.max(1, ...rows.map((r) => r.script.estimatedLaunchSeconds / 60));
  const chart = svg("svg", {
    viewBox: `0 0 ${labelWidth + plotWidth + 240} ${height}`,
    width: labelWidth + plotWidth + 240,
    role: "img",
    "aria-labelledby": "costs-chart-title",
  });
  const title = svg("title", { id: "costs-chart-title" });
  title.textContent = "Minutes until a workstation is usable, AMI versus script provisioning, per template (estimates)";
  chart.append(title);
  rows.forEach((r, index) => {
    const y = 10 + index * groupHeight;
    const label = svg("text", { x: 0, y: y + barHeight + 4 });
    label.textContent = r.name;
    chart.append(label);
    const bars = [
      ["ami", r.ami.estimatedLaunchSeconds / 60, `AMI ${formatSeconds(r.ami.estimatedLaunchSeconds)}`],
      [
        "script",
        r.script.estimatedLaunchSeconds / 60,
        `script ${formatSeconds(r.script.estimatedLaunchSeconds)} · ${formatUsd(r.script.cost.setupCostUsd, 3)} setup`,
      ],
    ];
    bars.forEach(([kind, minutes, text], i) => {
      const width = Math.max(2, (minutes / maxMinutes) * plotWidth);
      const by = y + i * barHeight;
      chart.append(
        svg("rect", {
          class: `bar-${kind}`,
          x: labelWidth,
          y: by,
          width,
          height: barHeight - 2,
          "data-template": r.name,
          "data-kind": kind,
        }),
      );
      const value = svg("text", { x: labelWidth + width + 6, y: by + barHeight - 4 });
      value.textContent = text;
      chart.append(value);
    });
  });
  const legendY = height - 14;
  [
    ["ami", "AMI"],
    ["script", "script provisioning"],
  ].forEach(([kind, text], i) => {
    chart.append(
      svg("rect", { class: `bar-${kind}`, x: labelWidth + i * 180, y: legendY - 10, width: 12, height: 12 }),
    );
    const t = svg("text", { x: labelWidth + i * 180 + 18, y: legendY });
    t.textContent = text;
    chart.append(t);
  });
  document.getElementById("costs-chart").replaceChildren(chart);
}

// ---------------------------------------------------------------------------------------------------------------
// Templates (validated) and the lab's own images

async function loadTemplates(templates) {
  const reports = await getJson(`${API}/templates/validate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ names: templates.map((t) => t.name) }),
  });
  document.getElementById("templates-list").replaceChildren(
    ...templates.map((t, i) => {
      const report = reports[i];
      const errors = report.issues.filter((issue) => issue.severity !== "warning").length;
      const status = report.ok
        ? el("span", { class: "valid", text: "✓ valid" })
        : el("span", { class: "invalid", text: `✗ ${errors} error${errors === 1 ? "" : "s"}` });
      const issues = el("ul", { "aria-label": `Issues in ${t.name}` });
      for (const issue of report.issues)
        issues.append(
          el("li", {
            class: "issue",
            "data-line": issue.line,
            text: `line ${issue.line}:${issue.column} ${issue.path.join(".")}${issue.path.length ? ": " : ""}${issue.severity === "warning" ? "warning: " : ""}${issue.message}`,
          }),
        );
      return el(
        "li",
        { "data-template": t.name },
        el("strong", { text: t.name }),
        " ",
        status,
        el("span", { class: "muted", text: t.description ? ` — ${t.description}` : "" }),
        ...(report.issues.length ? [issues] : []),
      );
    }),
  );
}

async function loadImages(regions) {
  const listings = await Promise.all(
    regions.map((region) =>
      getJson(`${API}/ami/list?region=${region}`).catch((error) => ({ region, images: [], notes: [error.message] })),
    ),
  );
  document.getElementById("images").replaceChildren(
    ...listings.map((listing) => {
      const heading = el("h3", { text: `${listing.region} (${listing.images.length})` });
      if (listing.images.length === 0)
        return el(
          "div",
          { "data-region": listing.region },
          heading,
          el("p", { class: "muted", text: listing.notes[0] || "no images owned by this account" }),
        );
      return el(
        "div",
        { "data-region": listing.region },
        heading,
        el(
          "table",
          {},
          el("caption", { text: `Images owned by this account in ${listing.region}` }),
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              ...["Name", "AMI", "Architecture", "Created", "State"].map((h) => el("th", { scope: "col", text: h })),
            ),
          ),
          el(
            "tbody",
            {},
            ...listing.images.map((image) =>
              el(
                "tr",
                {},
                el("td", { text: image.name || "" }),
                el("td", { text: image.amiId }),
                el("td", { text: image.architecture || "" }),
                el("td", { text: image.creationDate || "" }),
                el("td", { text: `${image.state || ""}${image.deprecated ? " (deprecated)" : ""}` }),
              ),
            ),
          ),
        ),
      );
    }),
  );
}

// The lab catalog (when the server has one): versions, channels, ratings, signatures, revocations

/** As `cws catalog show` says it: a revocation signed by another allowed principal is accepted, and named as such. */
function signatureText(signature) {
  if (!signature || !signature.ok) return "✗ not verified";
  return signature.revocation ? `✓ revocation signed by ${signature.signer.split(" ")[0]}` : "✓ signed";
}

async function loadCatalog(enabled) {
  const section = document.getElementById("catalog-section");
  if (!enabled) return;
  const rows = await getJson(`${API}/catalog`).catch((error) => error);
  if (rows instanceof Error) {
    section.replaceChildren(el("h2", { id: "catalog-title", text: "Catalog" }), el("p", { text: rows.message }));
    return;
  }
  section.replaceChildren(
    el("h2", { id: "catalog-title", text: "Catalog" }),
    el(
      "table",
      { id: "catalog-table" },
      el("caption", { text: `${rows.length} catalog entries` }),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["Template", "Version", "Channels", "Regions", "Rating", "Creator", "Signature", "Revoked"].map((h) =>
            el("th", { scope: "col", text: h }),
          ),
        ),
      ),
      el(
        "tbody",
        {},
        ...rows.map((row) =>
          el(
            "tr",
            { "data-entry": `${row.template}@${row.version}` },
            el("td", { text: row.template }),
            el("td", { text: row.version }),
            el("td", { text: row.valid ? row.channels.join(", ") : "invalid file" }),
            el("td", { text: row.regions.join(", ") || "–" }),
            el("td", { text: row.rating ? `★ ${row.rating.average.toFixed(1)} (${row.rating.count})` : "–" }),
            el("td", { text: row.creator || "–" }),
            el("td", { text: signatureText(row.signature) }),
            el("td", { text: row.revoked ? `${row.revoked.at}: ${row.revoked.reason}` : "–" }),
          ),
        ),
      ),
    ),
  );
}
