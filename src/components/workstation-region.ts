import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "../core/errors";
import { chooseInstance } from "../resolver/instance-types";
import type { Template } from "../templates/schema";
import type { ResearchWorkstationArgs } from "./research-workstation-args";
import { chooseRegion, NO_REGION_MESSAGE, regionConflict } from "./workstation-plan";

/**
 * The region, validated against the instance-type choice as soon as it is known: a plain region is checked here
 * (so a size with no type in the region fails before anything is registered); a provider's region when it resolves.
 */
export function workstationRegion(
  parent: pulumi.Resource,
  name: string,
  args: ResearchWorkstationArgs,
  template: Template,
  provider: aws.Provider | undefined,
): pulumi.Input<string> {
  const fallback = chooseRegion({
    config: new pulumi.Config("aws").get("region"),
    environment: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
  });
  const validate = (region: string | undefined): string => {
    if (!region) throw new pulumi.ResourceError(`workstation "${name}": ${NO_REGION_MESSAGE}`, parent);
    validateInstanceChoice(parent, name, args, template, region);
    return region;
  };
  if (provider && args.region !== undefined) {
    return pulumi.all([args.region, provider.region]).apply(([argRegion, providerRegion]) => {
      const conflict = regionConflict(argRegion, providerRegion);
      if (conflict) throw new pulumi.ResourceError(`workstation "${name}": ${conflict}`, parent);
      return validate(chooseRegion({ arg: argRegion, provider: providerRegion }) ?? fallback);
    });
  }
  if (typeof args.region === "string") return validate(chooseRegion({ arg: args.region }));
  if (args.region !== undefined)
    return pulumi.output(args.region).apply((region) => validate(chooseRegion({ arg: region }) ?? fallback));
  if (provider) return provider.region.apply((region) => validate(chooseRegion({ provider: region }) ?? fallback));
  return validate(fallback);
}

function validateInstanceChoice(
  parent: pulumi.Resource,
  name: string,
  args: ResearchWorkstationArgs,
  template: Template,
  region: string,
): void {
  try {
    chooseInstance(template, {
      region,
      size: args.size,
      instanceType: args.instanceType,
      architecture: args.architecture,
    });
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new pulumi.ResourceError(`workstation "${name}" in ${region}: ${error.message}`, parent);
    throw error;
  }
}
