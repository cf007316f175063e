import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { ARCHITECTURES, BASES, templateSchema, type Template, type TemplateInput } from "../../src/templates/schema";
import { InvalidInputError } from "../../src/core/errors";
import { READY_MARKER_PATH, SETUP_LOG_PATH, renderUserData, shellQuote } from "../../src/resolver/user-data";

const template = (input: Partial<TemplateInput>) => templateSchema.parse({ name: "lab-ws", ...input });
/** A template built in code without validation (which would refuse it first): the renderer must still refuse it. */
const unvalidated = (input: Partial<Template>): Template => ({ ...template({}), ...input });

const RICH: Partial<TemplateInput> = {
  version: "2.1.0",
  packages: {
    system: ["git", "htop", "build-essential"],
    conda: ["numpy", "pandas", "python=3.12"],
    pip: ["torch", "scikit-learn>=1.4"],
    spack: ["hdf5@1.14 +mpi", "openmpi"],
  },
  users: [{ name: "researcher", groups: ["docker", "wheel"], shell: "/bin/zsh" }, { name: "guest" }],
  services: [
    { name: "jupyter", port: 8888 },
    { name: "nginx", enable: false },
  ],
  post_install: "echo 'configured'\n",
  user_data: "touch /etc/lab-extra\n",
};

/** `bash -n`: parses the script without running it. */
function assertParses(script: string): void {
  const result = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  assert.equal(result.status, 0, `bash -n rejected the script: ${result.stderr}`);
}

/** Lines that are commands (not blank, not comments). */
const commands = (script: string) =>
  script.split("\n").filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));

describe("renderUserData", () => {
  it("renders the same template to byte-identical scripts", () => {
    const t = template(RICH);
    assert.equal(
      renderUserData(t, { architecture: "x86_64", region: "eu-west-1" }),
      renderUserData(template(RICH), { architecture: "x86_64", region: "eu-west-1" }),
    );
  });

  it("sorts package lists whose order does not matter, and keeps the spack build order", () => {
    const a = renderUserData(template({ packages: { system: ["htop", "git"], pip: ["b", "a"] } }), {
      architecture: "x86_64",
    });
    const b = renderUserData(template({ packages: { system: ["git", "htop"], pip: ["a", "b"] } }), {
      architecture: "x86_64",
    });
    assert.equal(a, b);
    const spackAB = renderUserData(template({ packages: { spack: ["zlib", "hdf5"] } }), { architecture: "x86_64" });
    const spackBA = renderUserData(template({ packages: { spack: ["hdf5", "zlib"] } }), { architecture: "x86_64" });
    assert.notEqual(spackAB, spackBA);
    assert.ok(spackAB.indexOf("spack install zlib") < spackAB.indexOf("spack install hdf5"));
  });

  it("starts with bash and strict mode before any other command, and logs to the setup log", () => {
    const script = renderUserData(template(RICH), { architecture: "x86_64" });
    assert.ok(script.startsWith("#!/bin/bash\n"));
    assert.equal(commands(script)[0], "set -euo pipefail");
    assert.ok(script.includes(`tee -a ${SETUP_LOG_PATH}`));
  });

  it("parses under bash -n for every base and architecture", () => {
    for (const base of BASES) {
      for (const architecture of ARCHITECTURES) {
        assertParses(renderUserData(template({ ...RICH, base }), { architecture, region: "us-east-1" }));
      }
    }
  });

  it("installs system packages with apt, non-interactively, on Ubuntu and Debian", () => {
    for (const base of ["ubuntu-22.04", "ubuntu-24.04", "debian-12"] as const) {
      const script = renderUserData(template({ base, packages: { system: ["htop"] } }), { architecture: "x86_64" });
      assert.ok(script.includes("export DEBIAN_FRONTEND=noninteractive"), base);
      assert.match(script, /^apt-get .* install --no-install-recommends .*\bhtop\b/m);
      assert.doesNotMatch(script, /\bdnf\b/);
    }
  });

  it("installs system packages with dnf on Amazon Linux 2023 and Rocky 9", () => {
    for (const base of ["amazonlinux-2023", "rocky-9"] as const) {
      const script = renderUserData(template({ base, packages: { system: ["htop"] } }), { architecture: "arm64" });
      assert.match(script, /^dnf install -y .*\bhtop\b/m);
      assert.doesNotMatch(script, /apt-get|DEBIAN_FRONTEND/);
    }
  });

  it("treats a template without a base as Ubuntu 24.04", () => {
    const script = renderUserData(template({ packages: { system: ["htop"] } }), { architecture: "x86_64" });
    assert.ok(script.includes("export CW_BASE=ubuntu-24.04"));
    assert.match(script, /^apt-get /m);
  });

  it("installs Miniforge for the architecture, then conda packages into the named environment", () => {
    const t = template({ packages: { conda: ["numpy", "python=3.12"] } });
    const x86 = renderUserData(t, { architecture: "x86_64" });
    const arm = renderUserData(t, { architecture: "arm64" });
    assert.ok(x86.includes("Miniforge3-Linux-x86_64.sh") && !x86.includes("aarch64"));
    assert.ok(arm.includes("Miniforge3-Linux-aarch64.sh"));
    assert.match(x86, /if \[ ! -x \/opt\/miniforge3\/bin\/conda \]; then/);
    assert.match(x86, /conda install -y -n workstation -c conda-forge numpy python=3\.12$/m);
  });

  it("installs pip packages with python3 -m pip: into the conda environment when there is one, else a venv", () => {
    const withConda = renderUserData(template({ packages: { conda: ["numpy"], pip: ["torch"] } }), {
      architecture: "x86_64",
    });
    assert.match(withConda, /^\/opt\/miniforge3\/envs\/workstation\/bin\/python3 -m pip install --no-input torch$/m);
    assert.match(
      withConda,
      /conda install -y -n workstation -c conda-forge numpy pip python$/m,
      "the environment gets its own python and pip",
    );
    const withoutConda = renderUserData(template({ packages: { pip: ["torch"] } }), { architecture: "x86_64" });
    assert.match(withoutConda, /python3 -m venv \/opt\/cloudworkstation\/venv/);
    assert.match(withoutConda, /^\/opt\/cloudworkstation\/venv\/bin\/python3 -m pip install --no-input torch$/m);
    assert.match(withoutConda, /install --no-install-recommends .*python3-venv/);
  });

  it("creates users idempotently with their groups and shell", () => {
    const script = renderUserData(template(RICH), { architecture: "x86_64" });
    assert.ok(
      script.includes(
        "if ! id -u researcher >/dev/null 2>&1; then useradd --create-home --shell /bin/zsh researcher; fi",
      ),
    );
    assert.ok(script.includes("getent group docker >/dev/null || groupadd docker"));
    assert.ok(script.includes("usermod -a -G docker,wheel researcher"));
    assert.ok(
      script.includes("if ! id -u guest >/dev/null 2>&1; then useradd --create-home --shell /bin/bash guest; fi"),
    );
  });

  it("enables and starts only the services marked enable", () => {
    const script = renderUserData(template(RICH), { architecture: "x86_64" });
    assert.ok(script.includes("systemctl enable --now jupyter"));
    assert.ok(!script.includes("systemctl enable --now nginx"));
  });

  it("runs post_install and then the template's user_data, after everything else and before the marker", () => {
    const script = renderUserData(template(RICH), { architecture: "x86_64" });
    const services = script.indexOf("systemctl enable --now jupyter");
    const post = script.indexOf("bash /var/lib/cloudworkstation/scripts/post-install.sh");
    const extra = script.indexOf("bash /var/lib/cloudworkstation/scripts/user-data.sh");
    const marker = script.indexOf(READY_MARKER_PATH);
    assert.ok(
      services > 0 && services < post && post < extra && extra < marker,
      `order: ${[services, post, extra, marker]}`,
    );
    assert.ok(
      script.includes(`printf '%s\\n' 'echo '\\''configured'\\''' > /var/lib/cloudworkstation/scripts/post-install.sh`),
    );
  });

  it("runs a template script that has its own interpreter line with that interpreter", () => {
    const script = renderUserData(template({ post_install: "#!/usr/bin/env python3\nprint('hi')\n" }), {
      architecture: "x86_64",
    });
    assert.match(script, /^\/var\/lib\/cloudworkstation\/scripts\/post-install\.sh$/m);
  });

  it("writes the readiness marker with the template name and version as its very last command", () => {
    const script = renderUserData(template(RICH), { architecture: "x86_64" });
    const lines = commands(script);
    assert.equal(lines.at(-1), `mv -f ${READY_MARKER_PATH}.tmp ${READY_MARKER_PATH}`);
    assert.equal(lines.at(-2), `printf 'template=%s\\nversion=%s\\n' lab-ws 2.1.0 > ${READY_MARKER_PATH}.tmp`);
    const unversioned = commands(renderUserData(template({}), { architecture: "x86_64" }));
    assert.equal(unversioned.at(-2), `printf 'template=%s\\n' lab-ws > ${READY_MARKER_PATH}.tmp`);
  });

  describe("hostile input", () => {
    const HOSTILE = "a'b; rm -rf /";
    const hostileTemplate = () =>
      template({
        version: HOSTILE,
        packages: { system: [HOSTILE], conda: [HOSTILE], pip: [HOSTILE], spack: [HOSTILE] },
        users: [{ name: "eve", groups: [HOSTILE], shell: `/bin/${HOSTILE}` }],
        services: [{ name: HOSTILE }],
      });

    it("still parses under bash -n", () => {
      assertParses(renderUserData(hostileTemplate(), { architecture: "x86_64", region: HOSTILE }));
    });

    it("only ever appears inside single quotes", () => {
      const script = renderUserData(hostileTemplate(), { architecture: "x86_64", region: HOSTILE });
      const quoted = shellQuote(HOSTILE);
      assert.equal(quoted, `'a'\\''b; rm -rf /'`);
      assert.ok(script.includes(quoted));
      // Take out every properly quoted occurrence (alone, or inside a larger quoted word); nothing dangerous may remain.
      const remaining = script.split("'\\''b; rm -rf /").join("<QUOTED>");
      assert.ok(!remaining.includes("rm -rf"), "an unquoted copy of the hostile string is in the script");
      for (const line of script.split("\n").filter((l) => l.includes("rm -rf"))) {
        assertParses(line); // each line holding it is a complete, balanced command on its own
      }
    });

    it("refuses a package name that would be read as an option, naming the field and index", () => {
      assert.throws(
        () =>
          renderUserData(unvalidated({ packages: { pip: ["numpy", "--index-url=http://evil.example"] } }), {
            architecture: "x86_64",
          }),
        (e: unknown) => e instanceof InvalidInputError && e.field === "packages.pip[1]",
      );
      assert.throws(
        () =>
          renderUserData(unvalidated({ services: [{ name: "-H evil", enable: true }] }), { architecture: "x86_64" }),
        (e: unknown) => e instanceof InvalidInputError && e.field === "services[0].name",
      );
    });
  });

  it("refuses a package_manager that contradicts the base OS", () => {
    assert.throws(
      () => renderUserData(template({ base: "rocky-9", package_manager: "apt" }), { architecture: "x86_64" }),
      (e: unknown) => e instanceof InvalidInputError && e.field === "package_manager" && /rocky-9.*dnf/.test(e.message),
    );
    assert.throws(
      () => renderUserData(template({ package_manager: "dnf" }), { architecture: "x86_64" }),
      /default base/,
    );
  });

  it("refuses cloud-config user_data, which cannot run inside a bash script", () => {
    assert.throws(
      () =>
        renderUserData(unvalidated({ user_data: "#cloud-config\npackages: [htop]\n" }), {
          architecture: "x86_64",
        }),
      (e: unknown) => e instanceof InvalidInputError && e.field === "user_data",
    );
  });
});

describe("shellQuote", () => {
  const SAMPLES = [
    "a'b; rm -rf /",
    "$(id)",
    "`id`",
    "*",
    "~root",
    "{a,b}",
    "line1\nline2",
    '"double"',
    "back\\slash",
    "!bang",
    "",
    "naïve résumé",
    "a b",
    "'",
    "''",
    "$HOME",
    "x>=1",
    "-n",
    "tab\there",
    "semi;colon",
    "&&",
    "|",
    "#comment",
  ];

  it("round-trips hostile strings through bash unchanged", () => {
    for (const sample of SAMPLES) {
      const output = execFileSync("bash", ["-c", `printf '%s' ${shellQuote(sample)}`], { encoding: "utf8" });
      assert.equal(output, sample, `quoted as ${shellQuote(sample)}`);
    }
  });

  it("produces exactly one word for each of them", () => {
    for (const sample of SAMPLES) {
      const count = execFileSync("bash", ["-c", `set -- ${shellQuote(sample)}; printf '%s' "$#"`], {
        encoding: "utf8",
      });
      assert.equal(count, "1", sample);
    }
  });

  it("leaves plain words bare so scripts stay readable", () => {
    for (const plain of ["numpy", "python=3.12", "/bin/bash", "hdf5@1.14", "docker,wheel", "g++"])
      assert.equal(shellQuote(plain), plain);
  });

  it("refuses a NUL character, which no shell word can hold", () => {
    assert.throws(() => shellQuote("a\0b"), InvalidInputError);
  });
});
