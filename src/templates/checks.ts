import { STOCK_OS_ACCOUNTS, STOCK_OS_SSM_PREFIXES } from "./publishers";
import { checkRegionName } from "../core/regions";
import { BASE_PACKAGE_MANAGER, DEFAULT_BASE, packageManagerProblem } from "./render-rules";
import type { Template } from "./schema";
import type { Problem } from "./zod-issues";

/**
 * Checks of a complete (merged, parameter-substituted, schema-valid) template for settings that are valid but do not
 * do what they appear to: the resolver runs the provisioning script only on the script path (see
 * src/resolver/engine.ts), so software listed in a template can silently never be installed.
 */

function provisioningContent(template: Template): string[] {
  const present: string[] = [];
  const packages = template.packages ?? {};
  if (Object.values(packages).some((list) => (list ?? []).length > 0)) present.push("packages");
  if ((template.services ?? []).length > 0) present.push("services");
  if ((template.users ?? []).length > 0) present.push("users");
  if (template.post_install?.trim()) present.push("post_install");
  if (template.user_data?.trim()) present.push("user_data");
  return present;
}

function stockImageSources(template: Template): string[] {
  const config = template.ami_config;
  if (!config) return [];
  // trusted_owners without any stock-OS publisher: the resolver refuses every stock image these sources find (a
  // saved template inheriting its parent's sources is the common case), so they can never launch one as is.
  if (config.trusted_owners && !config.trusted_owners.some((owner) => STOCK_OS_ACCOUNTS.has(owner))) return [];
  const sources: string[] = [];
  const ssm = config.ssm_parameter;
  const ssmNames =
    ssm === undefined
      ? []
      : typeof ssm === "string"
        ? [ssm]
        : [ssm.x86_64, ssm.arm64].filter((name): name is string => !!name);
  if (ssmNames.some((name) => STOCK_OS_SSM_PREFIXES.some((prefix) => name.startsWith(prefix))))
    sources.push("ssm_parameter");
  if (config.ami_search?.owners.some((owner) => STOCK_OS_ACCOUNTS.has(owner))) sources.push("ami_search");
  return sources;
}

export function provisioningWarnings(template: Template): Problem[] {
  const content = provisioningContent(template);
  const config = template.ami_config;
  if (!config || content.length === 0) return [];
  const at = ["ami_config", "strategy"];
  if (config.strategy === "ami_required") {
    return [
      {
        at,
        anchor: "value",
        path: at,
        severity: "warning",
        message:
          `ami_required never runs the provisioning script, so this template's ${content.join(", ")} are not applied: ` +
          "bake them into the image, or use ami_fallback to run the script on the image found",
      },
    ];
  }
  const stock = stockImageSources(template);
  if (config.strategy === "ami_preferred" && stock.length > 0) {
    return [
      {
        at,
        anchor: "value",
        path: at,
        severity: "warning",
        message:
          `${stock.join(" and ")} find${stock.length === 1 ? "s" : ""} a stock OS image, which ami_preferred launches as is: ` +
          `this template's ${content.join(", ")} would not be applied. Use strategy: ami_fallback to provision on that image`,
      },
    ];
  }
  return [];
}

/** The commands of each system package manager, as a script calls them. */
const PACKAGE_MANAGER_COMMANDS: Readonly<Record<"apt" | "dnf", readonly string[]>> = {
  apt: ["apt-get", "apt", "add-apt-repository"],
  dnf: ["dnf", "yum"],
};

/** Where a command starts: a line, `;`, `&&`, `|`, `(`, `$(`, a shell keyword or sudo, then options and `VAR=value`s. */
const COMMAND_START = String.raw`(?:^|[;&|({]|\$\(|\b(?:then|do|else|sudo|exec)\s)\s*(?:-\S+\s+)*(?:[A-Za-z_]\w*=\S*\s+)*`;

/**
 * The lines (0-based) of `script` that run one of `commands`: at the start of a command (after `;`, `&&`, `|`,
 * `then`, `do`, `sudo` and its options, or `VAR=value` assignments), not in a comment. `command -v yum` does not count.
 */
function linesRunning(script: string, commands: readonly string[]): { line: number; command: string }[] {
  const command = new RegExp(`${COMMAND_START}(${commands.join("|")})(?=\\s|;|$)`);
  return script.split("\n").flatMap((text, line) => {
    const match = command.exec(text.replace(/(^|\s)#.*$/, ""));
    return match ? [{ line, command: match[1] }] : [];
  });
}

/**
 * A `user_data` or `post_install` script that calls the other family's package manager (`yum` on the default Ubuntu,
 * `apt-get` on Amazon Linux) fails at boot with "command not found", long after validation. A script that calls the
 * base's own manager too is taken as written for both (`if command -v dnf …; else apt-get …`) and left alone.
 */
export function scriptPackageManagerWarnings(template: Template): Problem[] {
  const base = template.base ?? DEFAULT_BASE;
  const own = BASE_PACKAGE_MANAGER[base];
  const other = own === "apt" ? "dnf" : "apt";
  return (["post_install", "user_data"] as const).flatMap((field) => {
    const script = template[field];
    if (!script || linesRunning(script, PACKAGE_MANAGER_COMMANDS[own]).length > 0) return [];
    const first = linesRunning(script, PACKAGE_MANAGER_COMMANDS[other])[0];
    if (!first) return [];
    return [
      {
        at: [field],
        anchor: "value" as const,
        path: [field],
        textLine: first.line,
        severity: "warning" as const,
        message:
          `line ${first.line + 1} of ${field} runs ${first.command}, but base ${base}` +
          `${template.base ? "" : " (the default base)"} has ${own}, not ${other}, so the command would not be found ` +
          `at boot: use ${PACKAGE_MANAGER_COMMANDS[own][0]}, list the packages under packages.system, or choose a base ` +
          `that uses ${other}`,
      },
    ];
  });
}

/** Regions that are well-formed but not known (see checkRegionName): accepted, with a warning at the region's key. */
export function regionWarnings(template: Template): Problem[] {
  return Object.keys(template.ami_config?.ami_mappings ?? {}).flatMap((region) => {
    const check = checkRegionName(region);
    if (!check.ok || !check.warning) return [];
    const at = ["ami_config", "ami_mappings", region];
    return [{ at, anchor: "key" as const, path: at, severity: "warning" as const, message: check.warning }];
  });
}

/**
 * What the user-data renderer would refuse in the whole template (the base may come from a parent), as errors; the
 * field-level rules (command words, user_data) are in the schema.
 */
export function renderProblems(template: Template): Problem[] {
  const problem = packageManagerProblem(template);
  return problem ? [{ at: ["package_manager"], anchor: "value", path: ["package_manager"], message: problem }] : [];
}
