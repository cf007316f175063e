import { baseImageSource, baseOfTemplate } from "../base-images";
import { renderUserData } from "../user-data";
import type { Image } from "@aws-sdk/client-ec2";
import type { Base, FallbackStrategy } from "../../templates/schema";
import { BASE_PUBLISHER } from "../../templates/publishers";
import {
  imageLabel,
  firstAcceptable,
  newestFirst,
  summariseRejections,
  type Tier,
  type TierContext,
  type TierResult,
} from "./tier";

/**
 * Script provisioning: the template rendered as user_data (renderUserData) on a base image.
 * - ami_preferred: runs only when no image tier selected an AMI and fallback_strategy is not `error`; the base is the
 *   distribution's stock image, found through its public SSM parameter (then its owner-scoped search).
 * - ami_fallback: always runs; the base is the AMI an image tier selected in the target region, else the stock image.
 * - ami_required: never runs.
 * The base image is validated like any candidate; its owner must be the distribution's publisher (BASE_PUBLISHERS)
 * or in trusted_owners. A template naming no base gets DEFAULT_BASE (ubuntu-24.04).
 */
export const fallbackScriptTier: Tier = {
  name: "fallback_script",
  kind: "provision",
  async run(context): Promise<TierResult> {
    if (context.strategy === "ami_required") {
      return { outcome: "skipped", detail: "strategy ami_required does not allow script provisioning" };
    }
    const selected = context.selected;
    if (context.strategy !== "ami_fallback") {
      if (selected) return { outcome: "skipped", detail: `an earlier tier selected ${selected.amiId}` };
      if (context.fallbackStrategy === ("error" satisfies FallbackStrategy)) {
        return { outcome: "skipped", detail: "fallback_strategy: error does not allow script provisioning" };
      }
    }
    const userData = () =>
      renderUserData(context.template, { architecture: context.architecture, region: context.targetRegion });
    if (selected && selected.region === context.targetRegion) {
      return {
        outcome: "selected",
        amiId: selected.amiId,
        image: selected.image,
        userData: userData(),
        detail: `provisioning by script on ${selected.amiId} selected by ${selected.tier} (strategy ami_fallback)`,
      };
    }
    const base = baseOfTemplate(context.template);
    const found = await findBaseImage(context, base);
    if ("amiId" in found) {
      return {
        outcome: "selected",
        amiId: found.amiId,
        image: found.image,
        userData: userData(),
        detail: `provisioning by script on ${base} base image ${found.amiId}${imageLabel(found.image)} from ${found.from}`,
      };
    }
    return {
      outcome: "not_found",
      detail: `no ${base} ${context.architecture} base image in ${context.targetRegion}: ${found.why}`,
    };
  },
};

/**
 * The publishers of each base OS's stock images (from the one publishers table, src/templates/publishers.ts): the
 * base is refused unless one of them (or trusted_owners) owns it.
 */
export const BASE_PUBLISHERS: Readonly<Record<Base, readonly string[]>> = {
  "ubuntu-22.04": [BASE_PUBLISHER["ubuntu-22.04"].account],
  "ubuntu-24.04": [BASE_PUBLISHER["ubuntu-24.04"].account],
  "amazonlinux-2023": [BASE_PUBLISHER["amazonlinux-2023"].account],
  "debian-12": [BASE_PUBLISHER["debian-12"].account],
  "rocky-9": [BASE_PUBLISHER["rocky-9"].account],
};

async function findBaseImage(
  context: TierContext,
  base: Base,
): Promise<{ amiId: string; image: Image; from: string } | { why: string }> {
  const source = baseImageSource(base, context.architecture);
  const trusted = [
    ...new Set([...BASE_PUBLISHERS[base], ...(source.search?.owners ?? []), ...(context.config?.trusted_owners ?? [])]),
  ];
  const overrides = { trustedOwners: trusted.length ? trusted : undefined, includeDeprecated: false };
  const regional: TierContext = { ...context, region: context.targetRegion };
  const why: string[] = [];
  if (source.ssmParameter) {
    const value = await context.cache.getParameter(
      context.clients.ssm(context.targetRegion),
      source.ssmParameter,
      context.signal,
    );
    if (value === undefined) {
      why.push(`parameter ${source.ssmParameter} not found`);
    } else {
      const { selected, rejections } = await firstAcceptable(regional, [{ amiId: value.trim() }], overrides);
      if (selected) return { amiId: selected.amiId, image: selected.image, from: `parameter ${source.ssmParameter}` };
      why.push(`${rejections.join("; ")} (from parameter ${source.ssmParameter})`);
    }
  }
  if (source.search && source.search.owners.length > 0) {
    const images = await context.cache.searchImages(
      context.clients.ec2(context.targetRegion),
      {
        owners: source.search.owners,
        filters: [
          { Name: "name", Values: [source.search.namePattern] },
          { Name: "architecture", Values: [context.architecture] },
          { Name: "state", Values: ["available"] },
        ],
      },
      context.signal,
    );
    const { selected, rejections } = await firstAcceptable(
      regional,
      newestFirst(images).map((image) => ({ amiId: image.ImageId as string, image })),
      overrides,
    );
    const query = `owners [${source.search.owners.join(", ")}] name=${source.search.namePattern}`;
    if (selected) return { amiId: selected.amiId, image: selected.image, from: `search ${query}` };
    why.push(images.length ? `search ${query}: ${summariseRejections(rejections)}` : `no image matches ${query}`);
  }
  return { why: why.join("; ") || "the base has no image source" };
}
