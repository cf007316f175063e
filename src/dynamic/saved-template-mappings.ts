import * as pulumi from "@pulumi/pulumi";
import { CloudWorkstationResource, lazyProvider } from "./host";

/** The stored provider: a short module text that loads the logic by path (see host.ts). */
export const savedTemplateMappingsProvider = lazyProvider("saved-template-mappings/provider");

export interface SavedTemplateMappingsArgs {
  /** The SavedTemplate's `templateYaml`. */
  savedTemplateYaml: pulumi.Input<string>;
  /** region → AMI id (e.g. MultiRegionAmi's `amiIds`). */
  amiIds: pulumi.Input<Record<string, pulumi.Input<string>>>;
  architecture: pulumi.Input<string>;
  /** The SavedTemplate's `templateFile` (null: nothing to rewrite). */
  templateFile: pulumi.Input<string | null>;
}

/**
 * A saved template whose `ami_mappings` name the image in every region it was copied to, written over the
 * SavedTemplate's file once the copies exist (MultiRegionAmi makes one when given `savedTemplate`). On delete the
 * file gets back the SavedTemplate's own content, unless it was edited since.
 */
export class SavedTemplateMappings extends CloudWorkstationResource {
  /** The template YAML with an ami_mappings entry for every region. */
  declare public readonly templateYaml: pulumi.Output<string>;

  constructor(name: string, args: SavedTemplateMappingsArgs, opts?: pulumi.CustomResourceOptions) {
    super(savedTemplateMappingsProvider, "SavedTemplateMappings", name, { ...args, templateYaml: undefined }, opts);
  }
}
