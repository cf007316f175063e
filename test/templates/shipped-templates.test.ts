import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { CONDA_ENV_NAME, CONDA_PREFIX, renderUserData } from "../../src/resolver/user-data";
import {
  DEFAULT_TEMPLATES_DIR,
  listTemplates,
  loadTemplate,
  validateTemplateFile,
  type Template,
} from "../../src/templates";
import { PUBLISHERS as PUBLISHER_TABLE } from "../../src/templates/publishers";

const REQUIRED = [
  "python-ml",
  "r-research",
  "rstudio-server",
  "ubuntu-24.04-base",
  "amazon-linux-2023",
  "deep-learning-gpu",
  "bioinformatics",
];

/** The publishers whose images shipped templates may use: Canonical, Amazon Linux, AWS Deep Learning AMIs. */
const PUBLISHERS = new Set<string>(
  [PUBLISHER_TABLE.canonical, PUBLISHER_TABLE.amazonLinux, PUBLISHER_TABLE.dlami].map((p) => p.account),
);
const PUBLIC_PARAMETER_PREFIXES = [
  "/aws/service/canonical/ubuntu/server/",
  "/aws/service/ami-amazon-linux-latest/",
  "/aws/service/deeplearning/ami/",
];

const shipped = listTemplates().filter((entry) => path.dirname(entry.file) === DEFAULT_TEMPLATES_DIR);
const loaded = new Map(shipped.map((entry) => [entry.name, loadTemplate(entry.name)]));
const template = (name: string): Template => {
  const found = loaded.get(name);
  assert.ok(found, `template ${name} is shipped`);
  return found.template;
};

function ssmNames(t: Template): [string | undefined, string][] {
  const ssm = t.ami_config?.ssm_parameter;
  if (ssm === undefined) return [];
  if (typeof ssm === "string") return [[undefined, ssm]];
  return Object.entries(ssm).map(([architecture, name]) => [architecture, name as string]);
}

function installsSoftware(t: Template): boolean {
  return (
    Object.values(t.packages ?? {}).some((list) => (list ?? []).length > 0) ||
    !!t.post_install ||
    (t.users ?? []).length > 0
  );
}

describe("shipped templates", () => {
  it("include the templates labs start from", () => {
    for (const name of REQUIRED) assert.ok(loaded.has(name), `${name} is missing from templates/`);
  });

  for (const entry of shipped) {
    describe(entry.name, () => {
      it("validates without errors or warnings, and its name is its file name", () => {
        const result = validateTemplateFile(entry.file);
        assert.deepEqual(result.issues, []);
        assert.equal(result.ok, true);
        assert.equal(template(entry.name).name, path.basename(entry.file, ".yml"));
      });

      it("points editors at the schema on its first line", () => {
        assert.equal(
          fs.readFileSync(entry.file, "utf8").split("\n")[0],
          "# yaml-language-server: $schema=./schema.json",
        );
      });

      it("names no AMI id: images come from publishers' parameters and searches, which stay current", () => {
        assert.doesNotMatch(fs.readFileSync(entry.file, "utf8"), /ami-[0-9a-f]{8}/);
        assert.equal(template(entry.name).ami_config?.ami_mappings, undefined);
      });

      it("finds its image through real public SSM parameters and owner-scoped searches, trusting only the publisher", () => {
        const t = template(entry.name);
        const config = t.ami_config;
        assert.ok(config?.ssm_parameter && config.ami_search, "has both an SSM parameter and a search");
        for (const [architecture, name] of ssmNames(t)) {
          assert.ok(
            PUBLIC_PARAMETER_PREFIXES.some((prefix) => name.startsWith(prefix)),
            `${name} is a public parameter`,
          );
          if (architecture === "x86_64") assert.match(name, /amd64|x86_64/);
          if (architecture === "arm64") assert.match(name, /arm64/);
          if (name.startsWith("/aws/service/canonical/")) {
            const release =
              t.base === "ubuntu-22.04" ? /\/22\.04\/.*\/ebs-gp2\/ami-id$/ : /\/24\.04\/.*\/ebs-gp3\/ami-id$/;
            assert.match(name, release, "Canonical publishes 22.04 on gp2 and 24.04 on gp3");
          }
        }
        for (const owner of config.ami_search.owners) assert.ok(PUBLISHERS.has(owner), `${owner} is a known publisher`);
        assert.deepEqual(config.trusted_owners, config.ami_search.owners);
      });

      it("runs its provisioning script whenever it lists software to install", () => {
        const t = template(entry.name);
        if (installsSoftware(t)) assert.equal(t.ami_config?.strategy, "ami_fallback");
        else assert.equal(t.ami_config?.strategy, "ami_required");
      });

      it("sets instance defaults and idle detection", () => {
        const t = template(entry.name);
        assert.ok(t.instance_defaults?.size, "has a size");
        assert.equal(t.idle_detection?.enabled, true);
        assert.ok((t.idle_detection?.idle_threshold_minutes ?? 0) > 0);
      });

      if (loaded.get(entry.name)?.template.ami_config?.strategy === "ami_required") return;
      it("renders a provisioning script with the resolver's renderer", () => {
        const t = template(entry.name);
        const script = renderUserData(t, { architecture: "x86_64", region: "us-east-1" });
        assert.ok(script.startsWith("#!/bin/bash\n"));
        for (const name of t.packages?.system ?? []) assert.ok(script.includes(name), `installs ${name}`);
      });
    });
  }

  it("builds the stack templates on ubuntu-24.04-base by inheritance", () => {
    assert.deepEqual(loaded.get("python-ml")?.chain, ["python-ml", "ubuntu-24.04-base"]);
    assert.deepEqual(loaded.get("rstudio-server")?.chain, ["rstudio-server", "r-research", "ubuntu-24.04-base"]);
    assert.deepEqual(loaded.get("bioinformatics")?.chain, ["bioinformatics", "python-ml", "ubuntu-24.04-base"]);
    assert.deepEqual(loaded.get("data-science")?.chain, [
      "data-science",
      "r-research",
      "python-ml",
      "ubuntu-24.04-base",
    ]);
    assert.ok(template("bioinformatics").packages?.conda?.includes("jupyterlab"));
  });

  it("serves JupyterLab from the conda environment the renderer creates", () => {
    const script = template("python-ml").post_install ?? "";
    assert.ok(script.includes(`${CONDA_PREFIX}/envs/${CONDA_ENV_NAME}/bin/jupyter lab`));
    assert.deepEqual(template("python-ml").services, [{ name: "jupyter", port: 8888, enable: false }]);
    assert.ok(template("python-ml").packages?.conda?.includes("python=3.12"));
  });

  it("runs RStudio Server on port 8787 from Posit's amd64 release build, on x86_64 images only", () => {
    const t = template("rstudio-server");
    assert.deepEqual(t.services, [{ name: "rstudio-server", port: 8787, enable: false }]);
    assert.match(
      t.post_install ?? "",
      /download2\.rstudio\.org\/server\/jammy\/amd64\/rstudio-server-2025\.09\.1-401-amd64\.deb/,
    );
    assert.equal(t.ami_config?.preferred_architecture, "x86_64");
    assert.deepEqual(t.ami_config?.ami_search?.architecture, ["x86_64"]);
    assert.equal(typeof t.ami_config?.ssm_parameter, "string");
  });

  it("requires the Deep Learning AMI for GPU workstations, with GPU sizes and no script fallback", () => {
    const t = template("deep-learning-gpu");
    assert.equal(t.instance_defaults?.size, "GPU-S");
    assert.equal(t.ami_config?.fallback_strategy, "error");
    assert.deepEqual(t.ami_config?.ssm_parameter, {
      x86_64: "/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.11-ubuntu-24.04/latest/ami-id",
      arm64: "/aws/service/deeplearning/ami/arm64/oss-nvidia-driver-gpu-pytorch-2.11-ubuntu-24.04/latest/ami-id",
    });
    const older = loadTemplate("deep-learning-gpu", { parameters: { pytorch_version: "2.10" } }).template;
    assert.match(older.ami_config?.ami_search?.name_pattern ?? "", /PyTorch 2\.10 \(Ubuntu 24\.04\)/);
  });
});
