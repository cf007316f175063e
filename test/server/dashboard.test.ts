import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startMoto, type MotoServer } from "../../harness/moto";
import { seedDemoLandscape } from "../../harness/seed";
import { entry, makeKey, writeCatalog } from "../catalog/helpers";
import { call, chromiumPath, listen } from "./helpers";
import * as os from "node:os";

/** The lab's own templates over the seeded images (harness/seed.ts), so the matrix shows every colour. */
const LAB_TEMPLATES: Record<string, string> = {
  "lab-python-ml": `name: lab-python-ml
description: The lab's python-ml image, copied to a neighbour region on demand
base: ubuntu-24.04
ami_config:
  ami_search: { owners: [self], name_pattern: "cws-python-ml-*" }
  allow_cross_region_copy: true
`,
  "lab-r-research": `name: lab-r-research
description: The lab's R image where it was built, script provisioning elsewhere
base: ubuntu-24.04
ami_config:
  ami_search: { owners: [self], name_pattern: "cws-r-research-*" }
`,
  // A file whose \`name:\` differs from its file name, next to the file of that name: rows are the names the API lists.
  "rnaseq-cat": `name: smith-rnaseq
description: The Smith lab's RNA-seq image, never built, so script provisioning everywhere
base: ubuntu-24.04
ami_config:
  ami_search: { owners: [self], name_pattern: "cws-rnaseq-never-built-*" }
`,
  "smith-rnaseq": `name: smith-rnaseq
description: The lab's python-ml image under another name
base: ubuntu-24.04
ami_config:
  ami_search: { owners: [self], name_pattern: "cws-python-ml-*" }
  allow_cross_region_copy: true
`,
  "lab-gpu-required": `name: lab-gpu-required
description: Only the lab's own image will do (ami_required)
base: ubuntu-24.04
ami_config:
  strategy: ami_required
  ami_search: { owners: [self], name_pattern: "cws-python-ml-*" }
`,
};

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-south-1"];
export const SCREENSHOT_DIR = path.resolve(__dirname, "..", "..", "test-results");

describe("the dashboard in headless chromium (moto behind cws serve)", function () {
  this.timeout(180_000);
  let moto: MotoServer;
  let server: Awaited<ReturnType<typeof listen>>;
  let browser: Browser;
  let page: Page;
  let templatesDir: string;
  let catalog: string;

  before(async () => {
    moto = await startMoto();
    await seedDemoLandscape(moto.clients(), REGIONS);
    templatesDir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-dashboard-templates-"));
    for (const [name, text] of Object.entries(LAB_TEMPLATES))
      fs.writeFileSync(path.join(templatesDir, `${name}.yml`), text);
    // A lab catalog (signed with a real ssh-keygen key): one stable, one revoked version.
    catalog = path.join(templatesDir, "..", `${path.basename(templatesDir)}-catalog`);
    const key = makeKey(templatesDir, "ml@uni.edu");
    const admin = makeKey(templatesDir, "admin@uni.edu");
    writeCatalog(catalog, {
      signers: [key, admin],
      entries: [
        { value: entry({ version: "2.1.0" }) },
        {
          value: entry({ version: "1.0.0", revoked: { reason: "openssl CVE-2026-1234", at: "2026-11-01" } }),
          signWith: admin,
        },
      ],
      reviews: [{ template: "python-ml", version: "2.1.0", reviewer: "ana", rating: 5 }],
    });
    server = await listen({
      clients: moto.clients(),
      dashboardRegions: REGIONS,
      templatesDirs: [templatesDir],
      catalog,
    });
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const failures: string[] = [];
    page.on("requestfailed", (r) => failures.push(r.url()));
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url)) failures.push(`external request ${r.url()}`);
    });
    await page.goto(`${server.url}/`);
    await page.waitForSelector("body[data-ready='true']", { timeout: 120_000 });
    assert.deepEqual(failures, [], "everything is served locally");
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await moto?.stop();
    if (templatesDir) fs.rmSync(templatesDir, { recursive: true, force: true });
    if (catalog) fs.rmSync(catalog, { recursive: true, force: true });
  });

  it("shows every template × region cell coloured by the method the API resolves, with its AMI id", async () => {
    const templates = (await call(server.url, "GET", "/api/v1/templates")).body.map((t: { name: string }) => t.name);
    const cells = await page.$$eval("#matrix button.cell", (buttons) =>
      buttons.map((b) => ({
        template: b.getAttribute("data-template"),
        region: b.getAttribute("data-region"),
        method: b.getAttribute("data-method"),
        ami: b.getAttribute("data-ami"),
        className: b.className,
      })),
    );
    assert.equal(cells.length, templates.length * REGIONS.length);
    const colour: Record<string, string> = {
      direct_mapping: "method-ami",
      ssm_parameter: "method-ami",
      dynamic_search: "method-ami",
      marketplace: "method-ami",
      cross_region: "method-copy",
      fallback_script: "method-script",
      failed: "method-failed",
    };
    for (const template of templates) {
      const answers = (await call(server.url, "GET", `/api/v1/ami/test/${template}?regions=${REGIONS.join(",")}`)).body;
      for (const answer of answers) {
        const cell = cells.find((c) => c.template === template && c.region === answer.region);
        assert.ok(cell, `${template} ${answer.region} has a cell`);
        assert.equal(cell.method, answer.method ?? "error", `${template} in ${answer.region}`);
        assert.equal(cell.ami, answer.amiId ?? "");
        assert.ok(cell.className.includes(colour[answer.method] ?? "method-failed"), cell.className);
      }
    }
    const colours = new Set(cells.map((c) => /method-(\w+)/.exec(c.className)?.[1]));
    assert.deepEqual([...colours].sort(), ["ami", "copy", "failed", "script"], "the landscape shows every colour");
  });

  it("is keyboard navigable: focus shows the AMI, launch estimate and hourly cost; Enter opens the fallback chain", async () => {
    await page.focus("#matrix button.cell[data-row='0'][data-column='0']");
    await page.keyboard.press("ArrowRight");
    const focused = (await page.evaluate(
      `({ template: document.activeElement.dataset.template, region: document.activeElement.dataset.region })`,
    )) as { template: string; region: string };
    assert.equal(focused.region, REGIONS[1]);
    const tooltip = await page.textContent("#tooltip");
    assert.match(tooltip ?? "", /usable after ≈ .*estimate/);
    assert.match(tooltip ?? "", /\/h|no price/);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#chain:not([hidden])");
    const answer = (await call(server.url, "GET", `/api/v1/ami/resolve/${focused.template}?region=${focused.region}`))
      .body;
    const chain = answer.error ? answer.error.details.fallbackChain : answer.fallbackChain;
    const shown = await page.$$eval("#chain-steps li", (items) => items.map((li) => li.getAttribute("data-tier")));
    assert.deepEqual(
      shown,
      chain.map((s: { tier: string }) => s.tier),
    );
    const screenshot = path.join(SCREENSHOT_DIR, "dashboard-chain.png");
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.keyboard.press("Escape");
    assert.equal(await page.isHidden("#chain"), true);
  });

  it("labels every control and shows the cost chart, templates with validation, and the lab's images per region", async () => {
    const inputs = await page.$$eval("input, select, textarea", (all) => all.map((i) => i.id));
    const labelled = await page.$$eval("label[for]", (labels) => labels.map((l) => l.getAttribute("for")));
    assert.ok(inputs.length > 0);
    assert.deepEqual(
      inputs.filter((id) => !id || !labelled.includes(id)),
      [],
      "every input has a label",
    );
    await page.evaluate("document.activeElement.blur()");
    const cell = (await page.$$("#matrix button.cell.method-copy")).pop();
    assert.ok(cell, "some cell needs a copy");
    await cell.hover();
    const ami = await cell.getAttribute("data-ami");
    assert.match((await page.textContent("#tooltip")) ?? "", new RegExp(`AMI: ${ami}`), "hover shows the AMI id");
    const bars = await page.$$eval("#costs-chart svg rect[data-kind]", (rects) =>
      rects.map((r) => `${r.getAttribute("data-template")} ${r.getAttribute("data-kind")}`),
    );
    const templates = (await call(server.url, "GET", "/api/v1/templates")).body;
    assert.deepEqual(
      bars.sort(),
      templates.flatMap((t: { name: string }) => [`${t.name} ami`, `${t.name} script`]).sort(),
      "an AMI bar and a script bar per listed template (rnaseq-cat's name: says smith-rnaseq)",
    );
    const validated = await page.$$eval("#templates-list > li", (items) => items.length);
    assert.equal(validated, templates.length);
    const own = (await call(server.url, "GET", "/api/v1/ami/list?region=us-east-1")).body.images.length;
    const heading = await page.textContent("#images [data-region='us-east-1'] h3");
    assert.equal(heading, `us-east-1 (${own})`);
    assert.ok(own > 0);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "dashboard.png"), fullPage: false });
  });

  it("a row is the template the API lists, even when its name: differs: rnaseq-cat shows its own answers, smith-rnaseq its", async () => {
    for (const name of ["rnaseq-cat", "smith-rnaseq"]) {
      const answers = (await call(server.url, "GET", `/api/v1/ami/test/${name}?regions=${REGIONS.join(",")}`)).body;
      const shown = await page.$$eval(`#matrix button.cell[data-template='${name}']`, (buttons) =>
        buttons.map((b) => `${b.getAttribute("data-region")} ${b.getAttribute("data-method")}`),
      );
      assert.deepEqual(
        shown,
        answers.map((a: { region: string; method: string }) => `${a.region} ${a.method}`),
        name,
      );
    }
    const rnaseq = await page.$$eval("#matrix button.cell[data-template='rnaseq-cat']", (buttons) =>
      buttons.map((b) => b.textContent),
    );
    assert.deepEqual(new Set(rnaseq), new Set(["script"]), "script provisioning in every region, not failed");
    const label = await page.getAttribute("#matrix button.cell[data-template='rnaseq-cat']", "aria-label");
    assert.match(label ?? "", /^rnaseq-cat in us-east-1: script provisioning; its name: says smith-rnaseq;/);
  });

  it("paints a cell the API gave no answer for as 'not loaded', not 'failed' (answer trimmed in the browser by page.route)", async () => {
    const trimmed = "**/api/v1/ami/test/lab-r-research?*";
    await page.route(trimmed, async (route) => {
      const response = await route.fetch();
      const answers = (await response.json()) as { region: string }[];
      await route.fulfill({ response, json: answers.filter((a) => a.region !== REGIONS[2]) });
    });
    try {
      await page.click("#regions-form button[type='submit']");
      await page.waitForSelector("body[data-ready='true']");
      const cell = await page.$eval(
        `#matrix button.cell[data-template='lab-r-research'][data-region='${REGIONS[2]}']`,
        (b) => ({
          method: b.getAttribute("data-method"),
          className: b.className,
          text: b.textContent,
          label: b.getAttribute("aria-label"),
        }),
      );
      assert.deepEqual(cell, {
        method: "missing",
        className: "cell method-missing",
        text: "not loaded",
        label: `lab-r-research in ${REGIONS[2]}: not loaded (no answer from the API)`,
      });
      const legend = await page.$$eval(".legend li", (items) => items.map((li) => li.textContent));
      assert.ok(legend.includes("not loaded"), legend.join(", "));
    } finally {
      await page.unroute(trimmed);
      await page.click("#regions-form button[type='submit']");
      await page.waitForSelector("body[data-ready='true']");
    }
  });

  it("shows the lab catalog the server was started with: every entry, its rating, signature and revocation (signed by another allowed principal)", async () => {
    const entries = (await call(server.url, "GET", "/api/v1/catalog")).body as { version: string }[];
    const rows = await page.$$eval("#catalog-table tbody tr", (trs) =>
      trs.map((tr) => ({ entry: tr.getAttribute("data-entry"), cells: [...tr.children].map((td) => td.textContent) })),
    );
    assert.deepEqual(
      rows.map((row) => row.entry),
      entries.map((e) => `python-ml@${e.version}`),
    );
    const stable = rows.find((row) => row.entry === "python-ml@2.1.0");
    assert.ok(stable?.cells.includes("★ 5.0 (1)"), JSON.stringify(stable));
    assert.ok(stable?.cells.includes("✓ signed"), JSON.stringify(stable));
    const revoked = rows.find((row) => row.entry === "python-ml@1.0.0");
    assert.ok(revoked?.cells.includes("2026-11-01: openssl CVE-2026-1234"), JSON.stringify(revoked));
    assert.ok(revoked?.cells.includes("✓ revocation signed by admin@uni.edu"), JSON.stringify(revoked));
  });
});
