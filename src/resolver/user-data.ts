import {
  commandArgumentProblem,
  packageManagerProblem,
  shellTextProblem,
  userDataProblem,
} from "../templates/render-rules";
import type { Architecture, Base, Template } from "../templates/schema";
import { baseOfTemplate, systemPackageManager } from "./base-images";
import { InvalidInputError } from "../core/errors";

/**
 * Renders a template into the bash script that provisions a workstation on the script path (EC2 user data).
 *
 * Deterministic: the same template and options give byte-identical output (no timestamps in the text; lists whose
 * order does not matter are sorted and de-duplicated; spack installs, users and services keep the template's order,
 * which can matter). Every template-provided string that becomes a shell word goes through `shellQuote`; template
 * scripts (`post_install`, `user_data`) are written to files as single quoted words and run from there, so they cannot
 * change how this script parses. This module emits bash only — no YAML (YAML is always produced with the `yaml`
 * library, never by string concatenation).
 */

/** Written last; contains `template=<name>` and, when the template has one, `version=<version>`. */
export const READY_MARKER_PATH = "/var/lib/cloudworkstation/ready";
export const SETUP_LOG_PATH = "/var/log/cloudworkstation-setup.log";
export const CONDA_PREFIX = "/opt/miniforge3";
/** The conda environment that `packages.conda` go into (activated in login shells). */
export const CONDA_ENV_NAME = "workstation";
/** Where `packages.pip` go when the template has no conda packages (PEP 668: never into the distro's Python). */
export const PIP_VENV_PATH = "/opt/cloudworkstation/venv";
export const SPACK_ROOT = "/opt/spack";
export const SPACK_BRANCH = "releases/v1.0";
const SCRIPTS_DIR = "/var/lib/cloudworkstation/scripts";

/** Characters that never need quoting in bash (no globbing, expansion, word splitting or tilde/brace meaning). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes a string as ONE bash word that expands to exactly the string: bare when it only has safe characters,
 * otherwise in single quotes with each `'` written as `'\''`. Throws on NUL, which no shell word can hold.
 */
export function shellQuote(value: string): string {
  const problem = shellTextProblem(value);
  if (problem) throw new InvalidInputError(problem);
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A template string used as a command argument: quoted, and refused if it would be read as an option. The rule is
 * the one template validation enforces (render-rules.ts), so a validated template never fails here.
 */
function argument(value: string, field: string): string {
  const problem = commandArgumentProblem(value);
  if (problem) throw new InvalidInputError(problem, field);
  return shellQuote(value);
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** Name part of a conda spec ("python=3.12" → "python"). */
function condaName(spec: string): string {
  return spec.split(/[=<>!~ []/, 1)[0];
}

/** Packages the script itself needs, per feature, per package manager. */
const PREREQUISITES: Record<"apt" | "dnf", { conda: string[]; pipVenv: string[]; spack: string[] }> = {
  apt: {
    conda: ["ca-certificates", "curl"],
    pipVenv: ["python3-venv", "python3-pip"],
    spack: ["build-essential", "gfortran", "git", "python3", "unzip", "bzip2", "xz-utils", "file", "patch"],
  },
  dnf: {
    // AL2023 ships curl-minimal (installing "curl" conflicts with it) and Rocky 9 ships curl.
    conda: ["ca-certificates"],
    pipVenv: ["python3-pip"],
    spack: ["gcc", "gcc-c++", "gcc-gfortran", "make", "patch", "git", "python3", "unzip", "bzip2", "xz", "file", "tar"],
  },
};

export interface RenderUserDataOptions {
  architecture: Architecture;
  region?: string;
}

/**
 * The provisioning script for `template` on `options.architecture`. Throws InvalidInputError (with the field) when
 * `package_manager` contradicts the base OS, a package/service/group name starts with "-", or `user_data` is
 * cloud-config/MIME rather than a script.
 */
export function renderUserData(template: Template, options: RenderUserDataOptions): string {
  const base: Base = baseOfTemplate(template);
  const pm = systemPackageManager(base);
  const mismatch = packageManagerProblem(template);
  if (mismatch) throw new InvalidInputError(mismatch, "package_manager");
  const notScript = template.user_data !== undefined ? userDataProblem(template.user_data) : undefined;
  if (notScript) throw new InvalidInputError(notScript, "user_data");

  const system = template.packages?.system ?? [];
  const conda = template.packages?.conda ?? [];
  const pip = template.packages?.pip ?? [];
  const spack = template.packages?.spack ?? [];
  const useConda = conda.length > 0;
  const usePipVenv = pip.length > 0 && !useConda;

  const out: string[] = [];
  const blank = () => out.push("");
  const section = (title: string) => {
    blank();
    out.push(`# --- ${title} ---`);
  };
  const log = (message: string) => out.push(`cw_log ${shellQuote(message)}`);

  out.push(
    "#!/bin/bash",
    "# CloudWorkstation provisioning script, rendered from a workstation template. Do not edit: re-render instead.",
    "# Deterministic: the same template renders byte-identical text.",
    "set -euo pipefail",
    "umask 022",
    `exec > >(tee -a ${SETUP_LOG_PATH}) 2>&1`,
    "",
    `export CW_TEMPLATE=${shellQuote(template.name)}`,
    `export CW_TEMPLATE_VERSION=${shellQuote(template.version ?? "")}`,
    `export CW_BASE=${shellQuote(base)}`,
    `export CW_ARCHITECTURE=${shellQuote(options.architecture)}`,
    `export CW_REGION=${shellQuote(options.region ?? "")}`,
    `cw_log() { printf '%s [cloudworkstation] %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }`,
    `trap 'cw_log "setup FAILED (exit $?) near line $LINENO; see ${SETUP_LOG_PATH}"' ERR`,
    `cw_log "setup started for template $CW_TEMPLATE on $CW_BASE ($CW_ARCHITECTURE)"`,
  );

  // System packages: the template's, plus what conda/pip/spack need, in one transaction.
  // Validate every template-provided word up front, so errors name the field and index as written.
  system.forEach((p, i) => argument(p, `packages.system[${i}]`));
  conda.forEach((p, i) => argument(p, `packages.conda[${i}]`));
  pip.forEach((p, i) => argument(p, `packages.pip[${i}]`));

  const systemPackages = sortedUnique([
    ...system,
    ...(useConda ? PREREQUISITES[pm].conda : []),
    ...(usePipVenv ? PREREQUISITES[pm].pipVenv : []),
    ...(spack.length > 0 ? PREREQUISITES[pm].spack : []),
  ]);
  if (systemPackages.length > 0) {
    section(`system packages (${pm})`);
    log(`installing ${systemPackages.length} system packages with ${pm}`);
    const words = systemPackages.map((p) => shellQuote(p)).join(" ");
    if (pm === "apt") {
      out.push(
        "export DEBIAN_FRONTEND=noninteractive",
        "apt-get -o DPkg::Lock::Timeout=600 -y update",
        `apt-get -o DPkg::Lock::Timeout=600 -y install --no-install-recommends ${words}`,
      );
    } else {
      out.push(`dnf install -y ${words}`);
    }
  }

  if (useConda) {
    const miniforgeArch = options.architecture === "arm64" ? "aarch64" : "x86_64";
    const specs = [...conda];
    if (pip.length > 0) {
      // pip packages go into the conda environment, which then needs its own python and pip.
      for (const needed of ["python", "pip"]) if (!specs.some((s) => condaName(s) === needed)) specs.push(needed);
    }
    const condaWords = sortedUnique(specs).map(shellQuote).join(" ");
    section(`conda (Miniforge for ${miniforgeArch}, environment ${CONDA_ENV_NAME})`);
    log(`installing ${specs.length} conda packages into ${CONDA_ENV_NAME}`);
    out.push(
      `if [ ! -x ${CONDA_PREFIX}/bin/conda ]; then`,
      `  curl -fsSL --retry 5 -o /tmp/cloudworkstation-miniforge.sh https://github.com/conda-forge/miniforge/releases/latest/download/Miniforge3-Linux-${miniforgeArch}.sh`,
      `  bash /tmp/cloudworkstation-miniforge.sh -b -p ${CONDA_PREFIX}`,
      "  rm -f /tmp/cloudworkstation-miniforge.sh",
      "fi",
      `if [ ! -d ${CONDA_PREFIX}/envs/${CONDA_ENV_NAME} ]; then`,
      `  ${CONDA_PREFIX}/bin/conda create -y -n ${CONDA_ENV_NAME}`,
      "fi",
      `${CONDA_PREFIX}/bin/conda install -y -n ${CONDA_ENV_NAME} -c conda-forge ${condaWords}`,
      "cat > /etc/profile.d/cloudworkstation-conda.sh <<'CW_PROFILE'",
      `. ${CONDA_PREFIX}/etc/profile.d/conda.sh`,
      `conda activate ${CONDA_ENV_NAME}`,
      "CW_PROFILE",
    );
  }

  if (pip.length > 0) {
    const python = useConda ? `${CONDA_PREFIX}/envs/${CONDA_ENV_NAME}/bin/python3` : `${PIP_VENV_PATH}/bin/python3`;
    const pipWords = sortedUnique(pip).map(shellQuote).join(" ");
    section(
      useConda
        ? `pip (into the conda environment ${CONDA_ENV_NAME})`
        : `pip (into the virtual environment ${PIP_VENV_PATH})`,
    );
    log(`installing ${sortedUnique(pip).length} pip packages`);
    if (!useConda) {
      out.push(
        `if [ ! -x ${PIP_VENV_PATH}/bin/python3 ]; then`,
        `  python3 -m venv ${PIP_VENV_PATH}`,
        "fi",
        "cat > /etc/profile.d/cloudworkstation-venv.sh <<'CW_PROFILE'",
        `export PATH=${PIP_VENV_PATH}/bin:$PATH`,
        "CW_PROFILE",
      );
    }
    out.push(`${python} -m pip install --no-input ${pipWords}`);
  }

  if (spack.length > 0) {
    section(`spack (${SPACK_ROOT}, branch ${SPACK_BRANCH}; packages built in the template's order)`);
    out.push(
      `if [ ! -x ${SPACK_ROOT}/bin/spack ]; then`,
      `  git clone --depth=1 --branch ${SPACK_BRANCH} https://github.com/spack/spack.git ${SPACK_ROOT}`,
      "fi",
      "cat > /etc/profile.d/cloudworkstation-spack.sh <<'CW_PROFILE'",
      `. ${SPACK_ROOT}/share/spack/setup-env.sh`,
      "CW_PROFILE",
    );
    spack.forEach((spec, i) => {
      const word = argument(spec, `packages.spack[${i}]`);
      log(`spack install ${spec}`);
      out.push(`${SPACK_ROOT}/bin/spack install ${word}`);
    });
  }

  if (template.users && template.users.length > 0) {
    section("users (idempotent: existing users are updated, not recreated)");
    template.users.forEach((user, i) => {
      const name = argument(user.name, `users[${i}].name`);
      const groups = sortedUnique(user.groups ?? []);
      groups.forEach((group) => {
        const g = argument(group, `users[${i}].groups[${(user.groups ?? []).indexOf(group)}]`);
        out.push(`getent group ${g} >/dev/null || groupadd ${g}`);
      });
      const shell = user.shell !== undefined ? argument(user.shell, `users[${i}].shell`) : "/bin/bash";
      out.push(`if ! id -u ${name} >/dev/null 2>&1; then useradd --create-home --shell ${shell} ${name}; fi`);
      if (user.shell !== undefined) out.push(`usermod --shell ${shell} ${name}`);
      if (groups.length > 0) out.push(`usermod -a -G ${shellQuote(groups.join(","))} ${name}`);
    });
  }

  if (template.services && template.services.length > 0) {
    section("services");
    template.services.forEach((service, i) => {
      const name = argument(service.name, `services[${i}].name`);
      if (service.enable) {
        out.push(`systemctl enable --now ${name}`);
      } else {
        log(`service ${service.name}: enable is false, left as installed`);
      }
    });
  }

  const scripts: Array<{ field: "post_install" | "user_data"; file: string; body: string | undefined }> = [
    { field: "post_install", file: `${SCRIPTS_DIR}/post-install.sh`, body: template.post_install },
    { field: "user_data", file: `${SCRIPTS_DIR}/user-data.sh`, body: template.user_data },
  ];
  for (const { field, file, body } of scripts) {
    if (body === undefined || body.trim() === "") continue;
    section(`${field} (from the template, verbatim, run as its own script)`);
    log(`running ${field}`);
    const text = body.replace(/\n+$/, "");
    out.push(
      `install -d -m 0700 ${SCRIPTS_DIR}`,
      `printf '%s\\n' ${shellQuote(text)} > ${file}`,
      `chmod 0700 ${file}`,
      // A script with its own interpreter line runs with it; anything else runs under bash.
      text.startsWith("#!") ? file : `bash ${file}`,
    );
  }

  section("ready marker (always last)");
  log("setup complete");
  const marker = template.version !== undefined ? "template=%s\\nversion=%s\\n" : "template=%s\\n";
  const markerArgs = [template.name, ...(template.version !== undefined ? [template.version] : [])]
    .map(shellQuote)
    .join(" ");
  const markerDir = READY_MARKER_PATH.slice(0, READY_MARKER_PATH.lastIndexOf("/"));
  out.push(
    `install -d -m 0755 ${markerDir}`,
    `printf '${marker}' ${markerArgs} > ${READY_MARKER_PATH}.tmp`,
    `mv -f ${READY_MARKER_PATH}.tmp ${READY_MARKER_PATH}`,
  );
  return `${out.join("\n")}\n`;
}
