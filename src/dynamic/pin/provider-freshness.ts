import type { AwsClients } from "../../core/clients";
import { defaultImageCache } from "../../core/image-cache";
import { checkFreshness } from "../../resolver/freshness";
import type { Template } from "../../templates/schema";
import type { AmiResolutionState } from "../ami-resolution/state";
import type { AmiFreshness } from "./shared-freshness-line";

/**
 * Is the AMI this resolution launches still what the template would pick (resolver/freshness.ts)? Through the
 * process-wide cache (the fleet's prefetch has usually answered it already). Null while a copy is pending (nothing
 * is in use yet). Provider side; the line the program and `pulumi preview` show is in shared-freshness-line.ts.
 */
export async function freshnessOf(
  state: AmiResolutionState,
  template: Template,
  clients: AwsClients,
  now: Date,
): Promise<AmiFreshness | null> {
  if (!state.amiId) return null;
  const [freshness] = await checkFreshness(
    [
      {
        template,
        region: state.region,
        amiId: state.amiId,
        architecture: state.architecture,
        instanceType: state.instanceType,
      },
    ],
    clients,
    { cache: defaultImageCache, now },
  );
  const candidate = freshness.candidateDate ? ` (${freshness.candidateDate.slice(0, 10)})` : "";
  return {
    status: freshness.status,
    candidateAmiId: freshness.candidateAmiId ?? null,
    reason: freshness.status === "newer_available" ? `${freshness.candidateAmiId}${candidate}` : freshness.reason,
  };
}
