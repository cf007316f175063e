/**
 * The bundled on-demand price snapshot. Every figure derived from it is an ESTIMATE: AWS changes prices, and this
 * file cannot reach AWS. Regenerate it from the AWS Price List (or check https://aws.amazon.com/ec2/pricing/on-demand/)
 * before budgeting.
 *
 * How it is built:
 *  - `baseHourlyUsd`: us-east-1 on-demand list prices, Linux, shared tenancy, per instance type in SIZE_TABLE.
 *  - Other regions: us-east-1 price × `regionalMultipliers[region]` (rounded to 4 decimals). The multiplier is the
 *    ratio of the region's general-purpose list prices to us-east-1's; GPU families can deviate from it by a few
 *    per cent. Labels say "regional multiplier" whenever one was applied.
 *  - `regionLacksFamilies`: families not offered in a region in this snapshot; they have no price there, and
 *    instance-type selection skips them. Best effort — confirm with `aws ec2 describe-instance-type-offerings`.
 *  - A region or instance type not in the snapshot has NO price (undefined) — never a guessed one.
 */
export interface PriceSnapshot {
  /** Where the figures come from, in words. */
  source: string;
  /** When the snapshot was compiled (year-month). */
  date: string;
  /** The caveat every label carries. */
  caveat: string;
  currency: "USD";
  baseRegion: string;
  baseHourlyUsd: Readonly<Record<string, number>>;
  regionalMultipliers: Readonly<Record<string, number>>;
  regionLacksFamilies: Readonly<Record<string, readonly string[]>>;
  /** $/GB to transfer data out of a region to another AWS region (used for AMI copies); `default` elsewhere. */
  interRegionTransferUsdPerGb: Readonly<Record<string, number>> & { default: number };
  /** EBS snapshot storage, standard tier, $/GB-month (us-east-1 list price, applied everywhere). */
  snapshotStorageUsdPerGbMonth: number;
}

export const PRICE_SNAPSHOT: PriceSnapshot = {
  source: "AWS public on-demand pricing (EC2 Linux, shared tenancy)",
  date: "2026-11",
  caveat: "snapshot compiled 2026-11 from AWS public on-demand pricing, Linux, shared tenancy; verify before budgeting",
  currency: "USD",
  baseRegion: "us-east-1",
  baseHourlyUsd: {
    // Burstable (XS)
    "t3.medium": 0.0416,
    "t3a.medium": 0.0376,
    "t4g.medium": 0.0336,
    // General purpose, Intel
    "m7i.large": 0.1008,
    "m7i.xlarge": 0.2016,
    "m7i.2xlarge": 0.4032,
    "m7i.4xlarge": 0.8064,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "m6i.2xlarge": 0.384,
    "m6i.4xlarge": 0.768,
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m5.2xlarge": 0.384,
    "m5.4xlarge": 0.768,
    // General purpose, Graviton
    "m7g.large": 0.0816,
    "m7g.xlarge": 0.1632,
    "m7g.2xlarge": 0.3264,
    "m7g.4xlarge": 0.6528,
    "m8g.large": 0.0898,
    "m8g.xlarge": 0.1795,
    "m8g.2xlarge": 0.359,
    "m8g.4xlarge": 0.7181,
    "m6g.large": 0.077,
    "m6g.xlarge": 0.154,
    "m6g.2xlarge": 0.308,
    "m6g.4xlarge": 0.616,
    // GPU
    "g5.xlarge": 1.006,
    "g5.2xlarge": 1.212,
    "g5.12xlarge": 5.672,
    "g6.xlarge": 0.8048,
    "g6.2xlarge": 0.9776,
    "g6.12xlarge": 4.6016,
    "g4dn.xlarge": 0.526,
    "g4dn.2xlarge": 0.752,
    "g4dn.12xlarge": 3.912,
    "g5g.xlarge": 0.42,
    "g5g.2xlarge": 0.556,
    "p3.8xlarge": 12.24,
  },
  regionalMultipliers: {
    "us-east-1": 1.0,
    "us-east-2": 1.0,
    "us-west-1": 1.17,
    "us-west-2": 1.0,
    "ca-central-1": 1.11,
    "sa-east-1": 1.59,
    "eu-west-1": 1.11,
    "eu-west-2": 1.16,
    "eu-west-3": 1.17,
    "eu-central-1": 1.2,
    "eu-north-1": 1.06,
    "ap-south-1": 1.05,
    "ap-southeast-1": 1.25,
    "ap-southeast-2": 1.25,
    "ap-northeast-1": 1.29,
    "ap-northeast-2": 1.23,
    "ap-northeast-3": 1.29,
  },
  regionLacksFamilies: {
    "us-east-1": [],
    "us-east-2": ["g5g"],
    "us-west-1": ["g5", "g6", "g5g", "m8g", "p3"],
    "us-west-2": [],
    "ca-central-1": ["g5g"],
    "sa-east-1": ["g6", "g5g", "m8g", "p3"],
    "eu-west-1": ["g5g"],
    "eu-west-2": ["g5g"],
    "eu-west-3": ["g5", "g6", "g5g", "m8g", "p3"],
    "eu-central-1": ["g5g"],
    "eu-north-1": ["g5g", "p3"],
    "ap-south-1": ["g5g", "p3"],
    "ap-southeast-1": [],
    "ap-southeast-2": ["g5g"],
    "ap-northeast-1": [],
    "ap-northeast-2": [],
    "ap-northeast-3": ["g5", "g6", "g5g", "m8g", "p3"],
  },
  interRegionTransferUsdPerGb: {
    default: 0.02,
    "us-east-1": 0.02,
    "us-east-2": 0.02,
    "us-west-1": 0.02,
    "us-west-2": 0.02,
    "ca-central-1": 0.02,
    "eu-west-1": 0.02,
    "eu-west-2": 0.02,
    "eu-west-3": 0.02,
    "eu-central-1": 0.02,
    "eu-north-1": 0.02,
    "ap-south-1": 0.086,
    "ap-southeast-1": 0.09,
    "ap-southeast-2": 0.098,
    "ap-northeast-1": 0.09,
    "ap-northeast-2": 0.08,
    "ap-northeast-3": 0.09,
    "sa-east-1": 0.138,
  },
  snapshotStorageUsdPerGbMonth: 0.05,
};

/** True when the snapshot has prices (and availability) for the region. */
export function regionInPriceSnapshot(region: string): boolean {
  return Object.prototype.hasOwnProperty.call(PRICE_SNAPSHOT.regionalMultipliers, region);
}
