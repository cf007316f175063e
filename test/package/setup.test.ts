import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./built";

const PYTHON_SDK_REQUIREMENTS = "python-sdk-requirements.txt";

/**
 * scripts/setup.sh, which `npm test` and `npm run demo` run first, in a scratch copy of the repository's layout with
 * stand-ins for npm, python and the Pulumi installer that record what they were asked to do.
 */
describe("scripts/setup.sh installs only what is missing", () => {
  let repo: string;
  let calls: string;

  function writeJson(file: string, value: unknown): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value));
  }

  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "cws-setup-"));
    calls = path.join(repo, "calls.log");
    fs.mkdirSync(path.join(repo, "scripts"));
    fs.mkdirSync(path.join(repo, "harness"));
    fs.mkdirSync(path.join(repo, "bin"));
    fs.copyFileSync(path.join(ROOT, "scripts", "setup.sh"), path.join(repo, "scripts", "setup.sh"));
    fs.copyFileSync(path.join(ROOT, "harness", "requirements.txt"), path.join(repo, "harness", "requirements.txt"));
    fs.copyFileSync(
      path.join(ROOT, "harness", PYTHON_SDK_REQUIREMENTS),
      path.join(repo, "harness", PYTHON_SDK_REQUIREMENTS),
    );
    for (const dir of ["sdk", "examples/go-lab"]) fs.mkdirSync(path.join(repo, dir), { recursive: true });
    fs.writeFileSync(
      path.join(repo, "scripts", "install-pulumi.sh"),
      `echo install-pulumi >> ${calls}; echo /cache/bin\n`,
    );
    fs.writeFileSync(path.join(repo, "scripts", "install-chromium.sh"), `echo install-chromium >> ${calls}\n`);
    // The Node installer's stand-in: Node 24 is a directory whose \`node\` runs this test's node; 22 is only named.
    fs.mkdirSync(path.join(repo, "node24"));
    fs.writeFileSync(path.join(repo, "node24", "node"), `#!/bin/sh\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
    fs.writeFileSync(
      path.join(repo, "scripts", "install-node.sh"),
      `echo "install-node $*" >> ${calls}\nif [ "$1" = 22 ]; then echo /cache/node22/bin; else echo ${path.join(repo, "node24")}; fi\n`,
    );
    const stub = (name: string, body: string) =>
      fs.writeFileSync(path.join(repo, "bin", name), `#!/bin/sh\necho "${name} $*" >> ${calls}\n${body}\n`, {
        mode: 0o755,
      });
    stub("npm", `echo "npm ran on $(command -v node)" >> ${calls}\nexit 0`);
    // A python that reports the pinned moto installed, and imports flask and werkzeug.
    const moto = /^moto\[server\]==(.+)$/m.exec(
      fs.readFileSync(path.join(ROOT, "harness", "requirements.txt"), "utf8"),
    )![1];
    stub("python-stub", `case "$*" in *importlib*) echo ${moto};; esac\n${MAKE_VENV}\nexit 0`);
    stub("go", `echo "go ran in $(pwd)" >> ${calls}\ncase "$1" in env) echo /gomodcache;; esac\nexit 0`);
    // The Python SDK venv, complete for today's requirements (its python a stand-in too).
    makeVenv(venvDir());
    fs.copyFileSync(path.join(ROOT, "harness", PYTHON_SDK_REQUIREMENTS), path.join(venvDir(), "cws-requirements.txt"));
    writeJson(path.join(repo, "package-lock.json"), {
      packages: {
        "": { name: "x" },
        "node_modules/a": { version: "1.0.0" },
        "node_modules/a/node_modules/b": { version: "2.0.0", dev: true },
        "node_modules/fsevents": { version: "2.3.3", optional: true },
      },
    });
    writeJson(path.join(repo, "node_modules", "a", "package.json"), { version: "1.0.0" });
    writeJson(path.join(repo, "node_modules", "a", "node_modules", "b", "package.json"), { version: "2.0.0" });
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  /** Where setup keeps the Python SDK venv: under this test's XDG_CACHE_HOME, never the machine's own cache. */
  const venvDir = () => path.join(repo, "cache", "cloudworkstation", "python-sdk-venv");
  /** The stand-in python's `-m venv DIR`: a DIR/bin/python that records what it was asked. */
  const MAKE_VENV =
    'if [ "$1" = -m ] && [ "$2" = venv ]; then mkdir -p "$3/bin"; ' +
    `printf '#!/bin/sh\\necho "venv-python $*" >> %s\\n' "$CALLS" > "$3/bin/python"; chmod +x "$3/bin/python"; fi`;
  function makeVenv(dir: string): void {
    fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
    fs.writeFileSync(path.join(dir, "bin", "python"), `#!/bin/sh\necho "venv-python $*" >> ${calls}\n`, {
      mode: 0o755,
    });
  }

  function setup(...args: string[]) {
    const run = spawnSync("bash", [path.join(repo, "scripts", "setup.sh"), ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${path.join(repo, "bin")}:${process.env.PATH}`,
        CWS_PYTHON: "python-stub",
        XDG_CACHE_HOME: path.join(repo, "cache"),
        CALLS: calls,
      },
    });
    assert.equal(run.status, 0, run.stderr);
    return { stderr: run.stderr, calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "" };
  }

  it("does no installing on a machine where node_modules matches the lockfile, moto and Pulumi are there", () => {
    const { calls, stderr } = setup();
    assert.doesNotMatch(calls, /^npm /m);
    assert.doesNotMatch(calls, /pip install/);
    assert.match(stderr, /npm dependencies match package-lock.json/);
  });

  it("runs npm ci on a fresh clone (no node_modules)", () => {
    fs.rmSync(path.join(repo, "node_modules"), { recursive: true });
    const { calls, stderr } = setup();
    assert.match(calls, /^npm ci /m);
    assert.match(stderr, /no node_modules/);
  });

  it("runs npm ci when an installed package's version differs from the lockfile, and says which", () => {
    writeJson(path.join(repo, "node_modules", "a", "node_modules", "b", "package.json"), { version: "1.9.0" });
    const { calls, stderr } = setup();
    assert.match(calls, /^npm ci /m);
    assert.match(stderr, /node_modules\/a\/node_modules\/b is 1\.9\.0, the lockfile says 2\.0\.0/);
  });

  it("installs moto with pip when the pinned version is not installed", () => {
    fs.writeFileSync(
      path.join(repo, "bin", "python-stub"),
      `#!/bin/sh\necho "python-stub $*" >> ${calls}\ncase "$*" in *importlib*) exit 1;; esac\nexit 0\n`,
    );
    const { calls: made } = setup();
    assert.match(made, /python-stub -m pip install .*-r harness\/requirements.txt/);
  });

  it("asks for Node 24 and 22 before anything else, and runs npm ci on Node 24", () => {
    fs.rmSync(path.join(repo, "node_modules"), { recursive: true });
    const { calls: made } = setup();
    const lines = made.trim().split("\n");
    assert.deepEqual(lines.slice(0, 2), ["install-node ", "install-node 22"]);
    assert.ok(lines.includes(`npm ran on ${path.join(repo, "node24", "node")}`), made);
  });

  it("makes the Python SDK venv in the setup cache when it is missing or its requirements changed, and reuses it otherwise", () => {
    assert.doesNotMatch(setup().calls, /-m venv|pip install/);
    fs.appendFileSync(path.join(repo, "harness", PYTHON_SDK_REQUIREMENTS), "wheel==0.45.1\n");
    const { calls: changed } = setup();
    assert.match(changed, new RegExp(`python-stub -m venv ${venvDir()}`));
    assert.match(changed, /venv-python -m pip install .*-r harness\/python-sdk-requirements.txt/);
    assert.equal(
      fs.readFileSync(path.join(venvDir(), "cws-requirements.txt"), "utf8"),
      fs.readFileSync(path.join(repo, "harness", PYTHON_SDK_REQUIREMENTS), "utf8"),
    );
    fs.writeFileSync(calls, "");
    assert.doesNotMatch(setup().calls, /-m venv|pip install/);
  });

  it("downloads the Go modules of sdk/ and examples/go-lab", () => {
    const { calls: made } = setup();
    for (const dir of ["sdk", "examples/go-lab"])
      assert.match(made, new RegExp(`go mod download\ngo ran in ${path.join(repo, dir)}\n`));
  });

  it("always asks the Pulumi and chromium installers, which reuse what is there", () => {
    const { calls: made } = setup();
    assert.match(made, /install-pulumi/);
    assert.match(made, /install-chromium/);
  });
});

describe("the two commands the README leads with", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

  it("npm test and npm run demo install what is missing first (pretest, predemo)", () => {
    assert.equal(pkg.scripts.pretest, "bash scripts/setup.sh");
    assert.equal(pkg.scripts.predemo, "bash scripts/setup.sh");
  });

  it("npm test runs lint, the format check, the build and every suite", () => {
    const lint = pkg.scripts["lint:style"];
    assert.match(lint, /eslint \./);
    assert.match(lint, /prettier --check \./);
    assert.equal(pkg.scripts.test, "bash scripts/with-node.sh npm run test:suites");
    assert.match(
      pkg.scripts["test:suites"],
      /^node --version && npm run lint:style && npm run build && mocha 'test\/\*\*\/\*\.test\.ts' && npm run test:node22$/,
    );
    assert.match(
      pkg.scripts["test:node22"],
      /^bash scripts\/with-node\.sh 22 mocha .*test\/package\/consumer\.test\.ts/,
    );
  });

  it(".ci/run runs exactly npm test", () => {
    const commands = fs
      .readFileSync(path.join(ROOT, ".ci", "run"), "utf8")
      .split("\n")
      .filter((line) => line.trim() && !line.startsWith("#") && !/^(set|cd) /.test(line));
    assert.deepEqual(commands, ["exec npm test"]);
  });

  it("the README's first commands are npm run demo and npm test", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    const commands = firstBlock
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter(Boolean);
    assert.deepEqual(commands, ["npm run demo", "npm test"]);
  });
});
