/**
 * The decisions behind ResearchWorkstation, as pure functions (no Pulumi, no AWS): region precedence, firewall
 * rules, tags, the boot script on the AMI path, connection hints. Internal. Exported for testing.
 */
import { baseOfTemplate } from "../resolver/base-images";
import { shellQuote } from "../resolver/user-data";
import { dataVolumeErrors, type WorkstationArgErrors } from "./data-volume-plan";
import type { Base, Template } from "../templates/schema";

export type { WorkstationArgErrors } from "./data-volume-plan";

export type LaunchMode = "ami" | "script";

/** `script` when the workstation is provisioned by user data at boot (5–8 min), `ami` when it boots a ready image. */
export function launchModeOf(method: string): LaunchMode {
  return method === "fallback_script" ? "script" : "ami";
}

export interface RegionSources {
  /** The component's `region` argument. */
  arg?: string;
  /** The region of the explicit aws provider passed to the component. */
  provider?: string;
  /** Stack config `aws:region`. */
  config?: string;
  /** AWS_REGION, then AWS_DEFAULT_REGION. */
  environment?: string;
}

/**
 * The region a workstation launches in: the `region` argument, else the explicit aws provider's region, else
 * `aws:region` config, else AWS_REGION/AWS_DEFAULT_REGION. Undefined when none is set (the caller reports it).
 */
export function chooseRegion(sources: RegionSources): string | undefined {
  for (const value of [sources.arg, sources.provider, sources.config, sources.environment]) {
    if (typeof value === "string" && value.trim().length > 0) return value.trim();
  }
  return undefined;
}

/**
 * Why a `region` argument cannot be honoured with this explicit aws provider (undefined when they agree): the
 * provider's credentials and endpoints belong to its own region, so resources must not be sent elsewhere through it.
 */
export function regionConflict(arg: string | undefined, provider: string | undefined): string | undefined {
  const wanted = arg?.trim();
  const given = provider?.trim();
  if (!wanted || !given || wanted === given) return undefined;
  return (
    `region "${wanted}" contradicts the explicit aws provider's region "${given}": drop the \`region\` argument ` +
    `(the provider's region is used), or pass an aws.Provider for ${wanted}`
  );
}

export const NO_REGION_MESSAGE =
  "no region for the workstation: set the `region` argument, pass an aws.Provider with a region, " +
  "or set stack config `pulumi config set aws:region us-east-1` (or AWS_REGION)";

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Whether `value` is an IPv4 CIDR block such as 203.0.113.0/24 (IPv6 is given via ipv6 rules, not here). */
export function isIpv4Cidr(value: string): boolean {
  const match = IPV4_CIDR.exec(value);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  return octets.every((octet) => octet <= 255) && Number(match[5]) <= 32;
}

/**
 * The TCP ports a workstation listens on for people: `instance_defaults.ports`, every enabled service's port, and 22
 * when an SSH key is given. Sorted, unique.
 */
export function ingressPorts(
  template: Pick<Template, "instance_defaults" | "services">,
  options: { ssh: boolean },
): number[] {
  const ports = new Set<number>(template.instance_defaults?.ports ?? []);
  for (const service of template.services ?? []) {
    if (service.enable !== false && service.port !== undefined) ports.add(service.port);
  }
  if (options.ssh) ports.add(22);
  return [...ports].sort((a, b) => a - b);
}

export interface IngressRule {
  protocol: "tcp";
  fromPort: number;
  toPort: number;
  cidrBlocks: string[];
  description: string;
}

/** One ingress rule per port, from the allowed CIDR blocks only. */
export function ingressRules(
  template: Pick<Template, "instance_defaults" | "services">,
  cidrs: readonly string[],
  options: { ssh: boolean },
): IngressRule[] {
  const serviceByPort = new Map<number, string>();
  for (const service of template.services ?? [])
    if (service.port !== undefined) serviceByPort.set(service.port, service.name);
  return ingressPorts(template, options).map((port) => ({
    protocol: "tcp",
    fromPort: port,
    toPort: port,
    cidrBlocks: [...cidrs],
    description:
      port === 22 && !serviceByPort.has(22)
        ? "SSH"
        : serviceByPort.has(port)
          ? `service ${serviceByPort.get(port)}`
          : `template port ${port}`,
  }));
}

/**
 * Mistakes in the component's arguments that no AWS call is needed to see, each with what to do about it.
 */
export function validateWorkstationArgs(args: {
  size?: unknown;
  instanceType?: unknown;
  vpcSecurityGroupIds?: unknown;
  allowedCidrs?: readonly unknown[];
  rootVolumeGb?: unknown;
  amiGeneration?: unknown;
  dataVolumeGb?: unknown;
  dataVolumeType?: unknown;
}): WorkstationArgErrors[] {
  const errors: WorkstationArgErrors[] = [];
  if (args.size !== undefined && args.instanceType !== undefined) {
    errors.push({
      propertyPath: "size",
      reason:
        "give size or instanceType, not both: instanceType pins one type, size picks one per region and architecture",
    });
  }
  if (args.vpcSecurityGroupIds !== undefined && args.allowedCidrs !== undefined) {
    errors.push({
      propertyPath: "allowedCidrs",
      reason: "give vpcSecurityGroupIds (your own groups) or allowedCidrs (the component makes a group), not both",
    });
  }
  for (const [index, cidr] of (args.allowedCidrs ?? []).entries()) {
    if (typeof cidr === "string" && !isIpv4Cidr(cidr)) {
      errors.push({
        propertyPath: `allowedCidrs[${index}]`,
        reason: `"${cidr}" is not an IPv4 CIDR block; write e.g. "203.0.113.0/24" (or "198.51.100.7/32" for one address)`,
      });
    }
  }
  if (
    typeof args.rootVolumeGb === "number" &&
    (!Number.isInteger(args.rootVolumeGb) || args.rootVolumeGb < 8 || args.rootVolumeGb > 16384)
  ) {
    errors.push({
      propertyPath: "rootVolumeGb",
      reason: `${args.rootVolumeGb} is not a root volume size; give whole GiB between 8 and 16384`,
    });
  }
  const generation = args.amiGeneration;
  if (generation !== undefined && !(typeof generation === "number" && Number.isInteger(generation) && generation >= 0))
    errors.push({
      propertyPath: "amiGeneration",
      reason: `${String(generation)} is not a generation; give a whole number ≥ 0 (bump it by one to move to a newer image)`,
    });
  errors.push(...dataVolumeErrors(args));
  return errors;
}

/** The default login user of each base distribution's stock image. */
export function loginUser(base: Base): string {
  switch (base) {
    case "ubuntu-22.04":
    case "ubuntu-24.04":
      return "ubuntu";
    case "amazonlinux-2023":
      return "ec2-user";
    case "rocky-9":
      return "rocky";
    case "debian-12":
      return "admin";
  }
}

export interface ConnectionHints {
  /** Present when a key pair was given. */
  ssh?: string;
  /** Works without open ports or keys (the instance profile has AmazonSSMManagedInstanceCore). */
  sessionManager: string;
  /** service name → URL, for enabled services with a port. */
  serviceUrls: Record<string, string>;
}

const WEB_PORTS = new Set([443, 8443]);

/** How to reach a workstation: SSH (when keyed), Session Manager, and a URL per service. */
export function connectionHints(input: {
  template: Pick<Template, "base" | "services">;
  instanceId: string;
  region: string;
  host?: string;
  keyName?: string;
}): ConnectionHints {
  const host = input.host && input.host.length > 0 ? input.host : undefined;
  const hints: ConnectionHints = {
    sessionManager: `aws ssm start-session --target ${input.instanceId} --region ${input.region}`,
    serviceUrls: {},
  };
  if (input.keyName) {
    hints.ssh = `ssh -i ~/.ssh/${input.keyName}.pem ${loginUser(baseOfTemplate(input.template))}@${host ?? "<no reachable address: use Session Manager>"}`;
  }
  for (const service of input.template.services ?? []) {
    if (service.enable === false || service.port === undefined) continue;
    const scheme = WEB_PORTS.has(service.port) ? "https" : "http";
    hints.serviceUrls[service.name] = host
      ? `${scheme}://${host}:${service.port}`
      : `aws ssm start-session --target ${input.instanceId} --region ${input.region} --document-name AWS-StartPortForwardingSession --parameters portNumber=${service.port},localPortNumber=${service.port}  # then ${scheme}://localhost:${service.port}`;
  }
  return hints;
}

/**
 * On the AMI path, a short boot script when the template declares users or services: it creates missing users
 * (with their groups and shell) and enables services whose units exist. Idempotent, so images that already have
 * them are unchanged. Undefined when the template needs nothing at boot. (The script path's user data does all of
 * this and more.)
 */
export function amiPathBootScript(template: Pick<Template, "name" | "users" | "services">): string | undefined {
  const users = template.users ?? [];
  const services = (template.services ?? []).filter((service) => service.enable !== false);
  if (users.length === 0 && services.length === 0) return undefined;
  const lines = [
    "#!/bin/bash",
    `# CloudWorkstation boot settings for template ${template.name} (AMI path): users and services only.`,
    "set -uo pipefail",
  ];
  for (const user of users) {
    const groups = user.groups ?? [];
    for (const group of groups)
      lines.push(`getent group ${shellQuote(group)} >/dev/null || groupadd ${shellQuote(group)}`);
    const options = [
      "-m",
      ...(user.shell ? ["-s", shellQuote(user.shell)] : []),
      ...(groups.length > 0 ? ["-G", shellQuote(groups.join(","))] : []),
    ];
    lines.push(
      `id -u ${shellQuote(user.name)} >/dev/null 2>&1 || useradd ${options.join(" ")} ${shellQuote(user.name)}`,
    );
  }
  for (const service of services) {
    const unit = shellQuote(`${service.name}.service`);
    lines.push(
      `if systemctl list-unit-files ${unit} >/dev/null 2>&1; then systemctl enable --now ${unit} || echo "could not start ${service.name}" >&2; fi`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Tags every workstation carries: what it is, where it came from, and whose it is. User tags win on conflict. */
export function workstationTags(input: {
  name: string;
  templateName: string;
  templateVersion?: string;
  resolutionMethod: string;
  launchMode: LaunchMode;
  owner?: string;
  project?: string;
  tags?: Record<string, string>;
}): Record<string, string> {
  return {
    Name: input.name,
    "cloudworkstation:template": input.templateName,
    ...(input.templateVersion ? { "cloudworkstation:template-version": input.templateVersion } : {}),
    "cloudworkstation:resolution-method": input.resolutionMethod,
    "cloudworkstation:launch-mode": input.launchMode,
    ...(input.owner ? { "cloudworkstation:owner": input.owner, Owner: input.owner } : {}),
    ...(input.project ? { "cloudworkstation:project": input.project, Project: input.project } : {}),
    ...(input.tags ?? {}),
  };
}

/** The root volume size: the argument, else the template's `instance_defaults.root_volume_gb`, else 50 GiB. */
export function rootVolumeSize(template: Pick<Template, "instance_defaults">, arg?: number): number {
  return arg ?? template.instance_defaults?.root_volume_gb ?? DEFAULT_ROOT_VOLUME_GB;
}
export const DEFAULT_ROOT_VOLUME_GB = 50;
