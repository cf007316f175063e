import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { didYouMean } from "./suggest";
import { throwAwsCallError } from "./aws-errors";
import { InvalidInputError } from "./errors";
import type { AwsClients } from "./clients";

/** A region of the account's partition as DescribeRegions (AllRegions) lists it. */
export interface AccountRegion {
  name: string;
  /** "opt-in-not-required" | "opted-in" | "not-opted-in": only the last one cannot be used. */
  optInStatus: string;
}

/** The regions of the account's partition, enabled or not: one DescribeRegions call (AllRegions), asked in `askIn`. */
export async function describeAccountRegions(
  clients: AwsClients,
  askIn: string,
  signal?: AbortSignal,
): Promise<AccountRegion[]> {
  try {
    const { Regions = [] } = await clients
      .ec2(askIn)
      .send(new DescribeRegionsCommand({ AllRegions: true }), { abortSignal: signal });
    return Regions.filter((region) => region.RegionName).map((region) => ({
      name: region.RegionName as string,
      optInStatus: region.OptInStatus ?? "opt-in-not-required",
    }));
  } catch (error) {
    return throwAwsCallError(error, { service: "EC2", operation: "DescribeRegions", region: askIn });
  }
}

/**
 * Checks every region a command is about to act in against the account's regions, before anything is touched (a
 * typo found after `cws save` stopped an instance costs minutes of downtime): a name the partition does not have is
 * an InvalidInputError with a "did you mean", a region that exists but is not enabled for the account says how to
 * enable it. Every problem of the list is reported at once; `field` names where the list came from. One AWS call.
 */
export async function checkAccountRegions(
  clients: AwsClients,
  askIn: string,
  regions: readonly string[],
  field: string,
  signal?: AbortSignal,
): Promise<void> {
  if (regions.length === 0) return;
  const known = new Map((await describeAccountRegions(clients, askIn, signal)).map((r) => [r.name, r.optInStatus]));
  const problems = [...new Set(regions)].flatMap((region) => {
    const status = known.get(region);
    if (status === undefined) {
      const suggestion = didYouMean(region, [...known.keys()]);
      return [`"${region}" is not a region of this AWS account's partition${suggestion || " (DescribeRegions)"}`];
    }
    if (status === "not-opted-in")
      return [
        `region "${region}" exists but is not enabled for this account (opt-in status ${status}): enable it in the ` +
          `AWS console (Account → AWS Regions) or with \`aws account enable-region --region-name ${region}\`, wait ` +
          `until \`aws account get-region-opt-status --region-name ${region}\` says ENABLED, then run this again`,
      ];
    return [];
  });
  if (problems.length > 0) throw new InvalidInputError(`${problems.join("; ")}; nothing was changed`, field);
}
