import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { provider as amiResolution } from "../dynamic/ami-resolution/provider";
import type { ProviderLogic } from "../dynamic/host";
import { provider as regionalAmiCopy } from "../dynamic/regional-ami-copy/provider";
import { provider as savedTemplateMappings } from "../dynamic/saved-template-mappings/provider";
import { provider as savedTemplate } from "../dynamic/saved-template/provider";
import { provider as templateImage } from "../dynamic/template-image/provider";
import { adaptLogic, type CustomResourceMethods, type PreviewsUpdates } from "./adapter";
import { constructComponent } from "./components";
import { nameOfToken, renderProviderSchema, RESOURCE_SPECS, token } from "./schema";

/**
 * The `cloudworkstation` provider plugin: one dispatch table from type token to each custom resource's logic module
 * (the same modules the dynamic resources ran), and `construct` for the components. Every resource of a program is
 * served by this one process, so the fleet prefetch's process-wide cache is shared as it was under the dynamic host.
 */

/** Custom resource → its logic module (check/diff/create/read/update/delete), by type token. */
export const CUSTOM_RESOURCES: ReadonlyMap<string, CustomResourceMethods> = new Map(
  (
    [
      ["AmiResolution", amiResolution],
      ["SavedTemplate", savedTemplate],
      ["RegionalAmiCopy", regionalAmiCopy],
      ["SavedTemplateMappings", savedTemplateMappings],
      ["TemplateImage", templateImage],
    ] as unknown as [string, ProviderLogic][]
  ).map(([name, logic]) => [token(name), adaptLogic(logic)]),
);

/** The type token of a URN (`urn:pulumi:stack::project::parent$type::name`: the last type). */
export function typeOfUrn(urn: string): string {
  return urn.split("::")[2]?.split("$").pop() ?? "";
}

export class CloudWorkstationProvider implements provider.Provider, PreviewsUpdates {
  readonly schema: string;

  constructor(readonly version: string) {
    this.schema = renderProviderSchema(version);
  }

  private custom(urn: string): CustomResourceMethods {
    const type = typeOfUrn(urn);
    const methods = CUSTOM_RESOURCES.get(type);
    if (!methods)
      throw new Error(
        `the cloudworkstation plugin ${this.version} has no custom resource ${type}: it serves ` +
          `${[...CUSTOM_RESOURCES.keys()].join(", ")}. Is the plugin older than the program's package?`,
      );
    return methods;
  }

  async check(urn: string, olds: unknown, news: unknown): Promise<provider.CheckResult> {
    return this.custom(urn).check(urn, olds, news);
  }

  async diff(id: string, urn: string, olds: unknown, news: unknown): Promise<provider.DiffResult> {
    return this.custom(urn).diff(id, urn, olds, news);
  }

  async create(urn: string, inputs: unknown): Promise<provider.CreateResult> {
    return this.custom(urn).create(urn, inputs);
  }

  async read(id: string, urn: string, props?: unknown): Promise<provider.ReadResult> {
    return this.custom(urn).read(id, urn, props);
  }

  async update(id: string, urn: string, olds: unknown, news: unknown): Promise<provider.UpdateResult> {
    return this.custom(urn).update(id, urn, olds, news);
  }

  async previewUpdate(id: string, urn: string, olds: unknown, news: unknown): Promise<{ outs?: unknown }> {
    return this.custom(urn).previewUpdate(id, urn, olds, news);
  }

  async delete(id: string, urn: string, props: unknown): Promise<void> {
    return this.custom(urn).delete(id, urn, props);
  }

  async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<provider.ConstructResult> {
    const spec = RESOURCE_SPECS.get(type);
    if (!spec?.component)
      throw new Error(
        `the cloudworkstation plugin ${this.version} has no component ${nameOfToken(type) ?? type}: it builds ` +
          `${[...RESOURCE_SPECS.values()]
            .filter((s) => s.component)
            .map((s) => s.name)
            .join(", ")}`,
      );
    return constructComponent(spec, name, inputs, options);
  }
}
