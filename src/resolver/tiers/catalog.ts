import { candidateEntries, describeCatalog, ownerMismatch, preCheckEntry } from "../../catalog/select";
import { CatalogSourceError } from "../../catalog/source";
import { defaultCatalogStore, type OpenedCatalog } from "../../catalog/store";
import { formatIssue } from "../../templates/errors";
import { didYouMean } from "../../core/suggest";
import { imageLabel, firstAcceptable, type Tier, type TierResult } from "./tier";

/**
 * `catalog`: the newest version of this template in a lab catalog (docs/catalog.md) that is in the channel, not
 * revoked, signed by its creator, rated at least min_rating, has an AMI for the region and architecture, and whose
 * AMI passes image validation and is really owned by the entry's owner_account. Runs right after ami_mappings: a
 * reviewed, signed choice outranks publisher parameters and searches. The catalog is fetched once per source and ref
 * per process (defaultCatalogStore). AWS failures propagate; only "the AMI does not exist" is a skip.
 */
export const catalogTier: Tier = {
  name: "catalog",
  kind: "image",
  async run(context): Promise<TierResult> {
    const config = context.config?.catalog;
    if (!config) return { outcome: "not_configured", detail: "no catalog in ami_config" };
    const channel = config.channel ?? "stable";
    let opened: OpenedCatalog;
    try {
      opened = await defaultCatalogStore.open(config.source);
    } catch (error) {
      if (error instanceof CatalogSourceError)
        return { outcome: "error", detail: `catalog ${config.source}: ${error.message}` };
      throw error;
    }
    const catalogName = describeCatalog(opened);
    const manifest = opened.catalog.manifest;
    if (!manifest) {
      const first = opened.catalog.issues[0];
      return {
        outcome: "error",
        detail: `${catalogName} is not a valid catalog: ${first ? formatIssue(first) : "no manifest"} (check it with cws catalog verify)`,
      };
    }
    if (!manifest.channels.includes(channel))
      return {
        outcome: "rejected",
        detail: `ami_config.catalog.channel "${channel}" is not a channel of ${catalogName} (${manifest.channels.join(", ")})${didYouMean(channel, manifest.channels)}`,
      };
    const template = context.template.name;
    const candidates = candidateEntries(opened, { template, channel });
    if (candidates.length === 0)
      return { outcome: "not_found", detail: `${catalogName} has no ${template} version in channel ${channel}` };

    const request = {
      template,
      channel,
      region: context.region,
      architecture: context.architecture,
      ...(config.min_rating !== undefined ? { minRating: config.min_rating } : {}),
    };
    const skipped: string[] = [];
    const ec2 = context.clients.ec2(context.region);
    for (const loaded of candidates) {
      const check = await preCheckEntry(opened, loaded, request);
      if (!check.ok) {
        skipped.push(`${loaded.version}: ${check.reason}`);
        continue;
      }
      const image = await context.cache.getImage(ec2, check.amiId, context.signal);
      const mismatch = image ? ownerMismatch(image, check.entry) : undefined;
      if (mismatch) {
        skipped.push(`${loaded.version}: ${mismatch}`);
        continue;
      }
      const { selected, rejections } = await firstAcceptable(context, [{ amiId: check.amiId, image: image ?? null }]);
      if (!selected) {
        skipped.push(`${loaded.version}: ${rejections.map((line) => line.replace(/^rejected /, "")).join("; ")}`);
        continue;
      }
      const skippedText = skipped.length > 0 ? `; skipped newer: ${skipped.join("; ")}` : "";
      return {
        outcome: "selected",
        amiId: check.amiId,
        image: selected.image,
        detail:
          `selected ${check.amiId}: ${template}@${check.entry.version} (channel ${channel}) from ${catalogName} ` +
          `${check.field}, creator ${check.entry.creator}, signed by ${check.signer}${imageLabel(selected.image)}${skippedText}`,
      };
    }
    return {
      outcome: "rejected",
      detail: `no ${template} version in channel ${channel} of ${catalogName} passes: ${skipped.join("; ")}`,
    };
  },
};
