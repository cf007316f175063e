import { clip } from "../core/suggest";
import type { Base } from "./bases";

/**
 * What the user-data renderer (src/resolver/user-data.ts) refuses, as rules: validation enforces them first, with
 * the template's file and line, and the renderer calls the same functions, so no template that validates is refused
 * when it is rendered.
 */

/** The base OS of a template that names none. */
export const DEFAULT_BASE: Base = "ubuntu-24.04";

/** The system package manager of each base OS (`packages.system` is installed with it). */
export const BASE_PACKAGE_MANAGER: Readonly<Record<Base, "apt" | "dnf">> = {
  "ubuntu-22.04": "apt",
  "ubuntu-24.04": "apt",
  "debian-12": "apt",
  "amazonlinux-2023": "dnf",
  "rocky-9": "dnf",
};

/** Why no shell word can hold `value`, or undefined. Applies to every string of a template. */
export function shellTextProblem(value: string): string | undefined {
  return value.includes("\0")
    ? "contains a NUL character (\\0), which no shell word or file name can hold; remove it"
    : undefined;
}

/** Why `value` cannot be passed to a command as a name (package, service, user, group, shell), or undefined. */
export function commandArgumentProblem(value: string): string | undefined {
  const text = shellTextProblem(value);
  if (text) return text;
  if (value.startsWith("-")) {
    return `"${clip(value)}" starts with "-", so the command would read it as an option; remove the dash`;
  }
  return undefined;
}

/** Why `user_data` cannot be rendered (it must be a shell script), or undefined. */
export function userDataProblem(userData: string): string | undefined {
  return /^\s*(#cloud-config|#include|Content-Type:)/i.test(userData)
    ? "is cloud-config or MIME, but CloudWorkstation renders a bash script; give shell commands here, " +
        "and express packages, users and services with the template's own fields"
    : undefined;
}

/** Why `package_manager` contradicts the base OS, or undefined. */
export function packageManagerProblem(template: { base?: Base; package_manager?: string }): string | undefined {
  const base = template.base ?? DEFAULT_BASE;
  const pm = BASE_PACKAGE_MANAGER[base];
  const declared = template.package_manager;
  if ((declared === "apt" || declared === "dnf") && declared !== pm) {
    return (
      `package_manager ${declared} does not match base ${base}${template.base ? "" : " (the default base)"}, ` +
      `which uses ${pm}; set package_manager: ${pm} or choose a base that uses ${declared}`
    );
  }
  return undefined;
}
