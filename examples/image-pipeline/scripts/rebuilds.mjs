#!/usr/bin/env node
// Reads `pulumi preview --json` on stdin and prints one Markdown line per TemplateImage the preview would rebuild
// ("- python-ml: base ami-… → ami-… (the distribution published a new image…)"); prints nothing when none would.
// The weekly workflow opens a pull request with these lines; merging it runs `pulumi up`, which rebuilds.
const TEMPLATE_IMAGE = "cloudworkstation:index:TemplateImage";
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (text += chunk));
process.stdin.on("end", () => {
  const preview = JSON.parse(text);
  const lines = (preview.steps ?? [])
    .filter((step) => step.op === "replace" && step.newState?.type === TEMPLATE_IMAGE)
    .map((step) => `- ${step.urn.split("::").pop()}: ${step.newState.inputs?.buildReason ?? "(no reason recorded)"}`);
  if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
});
