import { PUBLISHERS } from "../templates/publishers";
import { BASE_PACKAGE_MANAGER, DEFAULT_BASE } from "../templates/render-rules";
import type { Architecture, Base, Template } from "../templates/schema";

/**
 * Where the script path's base OS image comes from. Prefer the distribution's public SSM parameter (published by the
 * vendor, always the current patched image, no owner guessing); where a distribution publishes none, search by the
 * vendor's account id — never by name alone, since anyone can publish an image with a matching name.
 */
export interface BaseImageSource {
  ssmParameter?: string;
  search?: { owners: string[]; namePattern: string };
}

/** The base OS of a template that names none (one fact, kept with the render rules). */
export { DEFAULT_BASE };

/** Rocky Enterprise Software Foundation's AWS account (publisher of the official Rocky Linux AMIs). */
export const ROCKY_OWNER_ID = PUBLISHERS.rocky.account;

/** The template's base OS, or DEFAULT_BASE (ubuntu-24.04) when it names none. */
export function baseOfTemplate(template: Pick<Template, "base">): Base {
  return template.base ?? DEFAULT_BASE;
}

/** Which system package manager a base uses for `packages.system`. */
export function systemPackageManager(base: Base): "apt" | "dnf" {
  return BASE_PACKAGE_MANAGER[base];
}

/** The public SSM parameter (or owner-scoped search) that yields the current image of `base` for `architecture`. */
export function baseImageSource(base: Base, architecture: Architecture): BaseImageSource {
  const debianArch = architecture === "x86_64" ? "amd64" : "arm64";
  switch (base) {
    case "amazonlinux-2023":
      return { ssmParameter: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}` };
    case "ubuntu-24.04":
      return {
        ssmParameter: `/aws/service/canonical/ubuntu/server/24.04/stable/current/${debianArch}/hvm/ebs-gp3/ami-id`,
      };
    case "ubuntu-22.04":
      return {
        ssmParameter: `/aws/service/canonical/ubuntu/server/22.04/stable/current/${debianArch}/hvm/ebs-gp2/ami-id`,
      };
    case "debian-12":
      return { ssmParameter: `/aws/service/debian/release/bookworm/latest/${debianArch}` };
    case "rocky-9":
      // Rocky publishes no public SSM parameter; its images are found by owner + name.
      return {
        search: {
          owners: [ROCKY_OWNER_ID],
          namePattern: `Rocky-9-EC2-Base-9.*.${architecture === "x86_64" ? "x86_64" : "aarch64"}`,
        },
      };
  }
}
