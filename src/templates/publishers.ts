import type { Base } from "./bases";

/**
 * Who publishes the public images templates and the resolver rely on: one table, read by the template checks (is an
 * `ami_search` looking at stock OS images?) and by script provisioning (whose base image may it start from?).
 */

export interface Publisher {
  /** Who it is, as shown in messages. */
  label: string;
  /** The AWS account that owns the images. */
  account: string;
  /** Publishes stock operating-system images (as opposed to pre-built stacks such as the DLAMI). */
  stockOs: boolean;
  /** Prefix of the public SSM parameters naming its current images, when it publishes any. */
  ssmPrefix?: string;
}

export const PUBLISHERS = {
  canonical: {
    label: "Canonical (Ubuntu)",
    account: "099720109477",
    stockOs: true,
    ssmPrefix: "/aws/service/canonical/",
  },
  amazonLinux: {
    label: "Amazon (Amazon Linux)",
    account: "137112412989",
    stockOs: true,
    ssmPrefix: "/aws/service/ami-amazon-linux-latest/",
  },
  debian: { label: "Debian", account: "136693071363", stockOs: true, ssmPrefix: "/aws/service/debian/" },
  rocky: { label: "Rocky Enterprise Software Foundation (Rocky Linux)", account: "792107900819", stockOs: true },
  dlami: {
    label: "AWS Deep Learning AMIs",
    account: "898082745236",
    stockOs: false,
    ssmPrefix: "/aws/service/deeplearning/",
  },
} as const satisfies Record<string, Publisher>;

/** The DescribeImages owner alias of AWS Marketplace images. */
export const MARKETPLACE_OWNER_ALIAS = "aws-marketplace";

/** The publisher of each base OS's stock images (script provisioning refuses a base image owned by anyone else). */
export const BASE_PUBLISHER: Readonly<Record<Base, Publisher>> = {
  "ubuntu-22.04": PUBLISHERS.canonical,
  "ubuntu-24.04": PUBLISHERS.canonical,
  "amazonlinux-2023": PUBLISHERS.amazonLinux,
  "debian-12": PUBLISHERS.debian,
  "rocky-9": PUBLISHERS.rocky,
};

const ALL: readonly Publisher[] = Object.values(PUBLISHERS);

/** Accounts whose public images are stock operating systems, not images built from a template. */
export const STOCK_OS_ACCOUNTS: ReadonlySet<string> = new Set(ALL.filter((p) => p.stockOs).map((p) => p.account));

/** SSM parameter prefixes under which stock operating-system images are published. */
export const STOCK_OS_SSM_PREFIXES: readonly string[] = ALL.flatMap((p) =>
  p.stockOs && p.ssmPrefix ? [p.ssmPrefix] : [],
);

/** The publisher owning `account`, if it is one of ours. */
export function publisherOf(account: string): Publisher | undefined {
  return ALL.find((p) => p.account === account);
}
