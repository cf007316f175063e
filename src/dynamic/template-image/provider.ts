import * as fs from "node:fs";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import type { CheckResult } from "@pulumi/pulumi/dynamic";
import { entryPath } from "../../catalog/write";
import {
  buildTemplateImage,
  copyImage,
  deleteImageAndSnapshots,
  describeAwsError,
  findPreviousBuild,
  ImagingError,
  planBuild,
  snapshotsOf,
  type BuildClients,
} from "../../imaging";
import { isNotFound } from "../../core/aws-errors";
import { createAwsClients } from "../../core/clients";
import { loadTemplate, loadTemplateFromObject } from "../../templates";
import { canonicalJson } from "../../templates/hash";
import type { Architecture, Template } from "../../templates/schema";
import { providerLogic, unknownKeys } from "../host";
import {
  checkTemplateImageInputs,
  describeRebuild,
  diffTemplateImage,
  PLAN_INPUT_KEYS,
  PLAN_KEYS,
  templateContents,
  type TemplateImageInputs,
  type TemplateImageOutputs,
  type TemplateImagePlan,
} from "./inputs";
import { checkCatalogDirectory, protect, publishCatalogEntry } from "./publish";

/** The clients every method uses; tests replace them (moto endpoints, aws-sdk-client-mock). */
let clientsFactory: () => BuildClients = () => createAwsClients();

/** Internal. Exported for testing: the clients the provider's methods use. */
export function useClients(factory: () => BuildClients): void {
  clientsFactory = factory;
}

function loadTemplateInput(inputs: Pick<TemplateImageInputs, "template" | "templatesDirs" | "parameters">): Template {
  const options = { templatesDirs: inputs.templatesDirs, parameters: inputs.parameters };
  return typeof inputs.template === "string"
    ? loadTemplate(inputs.template, options).template
    : loadTemplateFromObject(inputs.template, options).template;
}

/**
 * The engine checks a resource it replaces a second time WITHOUT the old inputs (step_generator.go: "recompute the
 * default values"), which would lose the reason the first check found. Both checks run in this process one after the
 * other, so the first remembers its reason for exactly the same news and plan.
 */
const rebuildReasons = new Map<string, string>();
const reasonKey = (news: Record<string, unknown>, plan: { baseAmiId: string; templateHash: string }) =>
  canonicalJson({ news, baseAmiId: plan.baseAmiId, templateHash: plan.templateHash });

/**
 * Plans the build (read-only: the template hash, the base image the script path resolves, an earlier build to reuse),
 * so a preview shows whether `up` builds and why. Internal. Exported for testing.
 */
export async function check(olds: Record<string, unknown>, rawNews: Record<string, unknown>): Promise<CheckResult> {
  const news = Object.fromEntries(
    Object.entries(rawNews).filter(([key]) => !(PLAN_KEYS as readonly string[]).includes(key)),
  );
  const { inputs, failures } = checkTemplateImageInputs(news);
  if (failures.length) return { inputs: news, failures };
  if (unknownKeys(news, PLAN_INPUT_KEYS).length) return { inputs: inputs as unknown as Record<string, unknown> };
  let template: Template;
  try {
    template = loadTemplateInput(inputs);
  } catch (error) {
    // TemplateError's message lists every issue as file:line:column path: message.
    return { inputs: news, failures: [{ property: "template", reason: (error as Error).message }] };
  }
  const clients = clientsFactory();
  let plan;
  try {
    plan = await planBuild(template, inputs, clients);
  } catch (error) {
    const field = (error as { field?: string }).field;
    const property = field === "base" ? "template" : field === "copyToRegions" ? field : "region";
    return {
      inputs: news,
      failures: [{ property, reason: `${template.name} in ${inputs.region}: ${describeAwsError(error)}` }],
    };
  }
  const planned: TemplateImagePlan = {
    templateName: template.name,
    templateHash: plan.templateHash,
    templateContents: templateContents(template),
    baseAmiId: plan.baseAmiId,
    baseParameter: plan.baseParameter ?? null,
    buildReason: "",
  };
  const next = { ...inputs, architecture: plan.architecture, instanceType: plan.instanceType };
  const previous = olds as Partial<TemplateImageInputs & TemplateImagePlan>;
  const rebuild = typeof previous.templateHash === "string" ? describeRebuild(previous, { ...next, ...planned }) : "";
  if (rebuild === undefined) {
    // Nothing that makes the image changed: the old reason stands (a changed reason would show as a change).
    planned.buildReason = String(previous.buildReason ?? "");
  } else if (rebuild) {
    planned.buildReason = rebuild;
    rebuildReasons.set(reasonKey(news, planned), rebuild);
  } else {
    planned.buildReason =
      rebuildReasons.get(reasonKey(news, planned)) ?? (await firstBuildReason(clients, plan, inputs.force));
  }
  return { inputs: { ...next, ...planned } as unknown as Record<string, unknown> };
}

async function firstBuildReason(
  clients: BuildClients,
  plan: Awaited<ReturnType<typeof planBuild>>,
  force: boolean,
): Promise<string> {
  const on = `on base ${plan.baseAmiId}${plan.baseParameter ? ` (${plan.baseParameter})` : ""}`;
  const previous = force ? undefined : await findPreviousBuild(clients.ec2(plan.region), plan);
  if (previous?.ImageId)
    return `reuse ${previous.ImageId}: already built from this template (hash ${plan.templateHash.slice(0, 12)}) ${on}`;
  return `build ${plan.template} ${on}: no image of this template hash (${plan.templateHash.slice(0, 12)}) yet`;
}

async function create(inputs: TemplateImageInputs & TemplateImagePlan) {
  const clients = clientsFactory();
  const template = loadTemplateInput(inputs);
  const catalog = inputs.publish.catalog;
  const date = new Date();
  if (catalog) {
    // Before launching anything: a fixed version that is already published would fail after a whole build.
    checkCatalogDirectory(catalog);
    if (catalog.version && fs.existsSync(entryPath(catalog.directory, template.name, catalog.version)))
      throw new Error(
        `publish.catalog.version: ${template.name} ${catalog.version} is already in ${catalog.directory} and a ` +
          "published version never changes: give a new version, or leave version out (one per build)",
      );
  }
  const result = await buildTemplateImage(
    template,
    {
      region: inputs.region,
      architecture: inputs.architecture,
      instanceType: inputs.instanceType,
      ...(inputs.timeoutMinutes ? { timeoutMs: inputs.timeoutMinutes * 60_000 } : {}),
      publishSsmParameter: inputs.publish.ssmParameter,
      copyToRegions: inputs.copyToRegions,
      force: inputs.force,
      date: () => date,
    },
    clients,
  );
  const warnings: string[] = [];
  const kept = Object.entries(result.amiIds).map(([region, id]) => `${id} in ${region} is built and kept`);
  try {
    if (inputs.deregistrationProtection) await protect(clients, result.amiIds, true, warnings);
  } catch (error) {
    // Not recorded in state: the next `up` finds the image (same hash and base) and reuses it.
    throw new ImagingError("enable deregistration protection", error, [], kept);
  }
  let catalogEntry: string | null = null;
  if (catalog) {
    try {
      catalogEntry = await publishCatalogEntry(clients, catalog, template, { ...result, amiIds: result.amiIds }, date);
    } catch (error) {
      throw new ImagingError("publish catalog entry", error, [], kept);
    }
  }
  for (const warning of warnings) console.log(`TemplateImage ${template.name}: warning: ${warning}`);
  const outs: TemplateImageOutputs = {
    ...inputs,
    // What was really built on (the base may have moved between preview and up).
    baseAmiId: result.baseAmiId,
    baseParameter: result.baseParameter ?? null,
    templateHash: result.templateHash,
    architecture: result.architecture,
    amiId: result.amiId,
    amiIds: result.amiIds,
    snapshotIds: result.snapshotIds,
    imageName: result.imageName ?? null,
    publishedParameter: result.publishedParameter ?? null,
    catalogEntry,
    reused: result.reused,
    warnings,
  };
  return { id: result.amiId, outs };
}

/** Refresh: a deregistered image drops the resource; copies that are gone drop out of amiIds. */
async function read(id: string, props: TemplateImageOutputs) {
  const clients = clientsFactory();
  const exists = async (region: string, amiId: string) => {
    try {
      const { Images = [] } = await clients.ec2(region).send(new DescribeImagesCommand({ ImageIds: [amiId] }));
      return Images[0];
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const image = await exists(props.region, id);
  if (!image) return { id: "", props: {} as TemplateImageOutputs };
  const amiIds: Record<string, string> = {};
  for (const [region, amiId] of Object.entries(props.amiIds ?? { [props.region]: id }))
    if (region === props.region || (await exists(region, amiId))) amiIds[region] = amiId;
  return { id, props: { ...props, amiIds, snapshotIds: snapshotsOf(image.BlockDeviceMappings) } };
}

/** Whether an SSM parameter still names `amiId` (so removing it cannot break someone else's newer image). */
async function parameterHolds(clients: BuildClients, region: string, name: string, amiId: string): Promise<boolean> {
  try {
    const { Parameter } = await clients.ssm(region).send(new GetParameterCommand({ Name: name }));
    return Parameter?.Value?.trim() === amiId;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function update(id: string, olds: TemplateImageOutputs, news: TemplateImageInputs & TemplateImagePlan) {
  const clients = clientsFactory();
  const warnings: string[] = [];
  const amiIds = { ...olds.amiIds };
  const oldParameter = olds.publishedParameter;
  const newParameter = news.publish.ssmParameter ?? null;
  if (newParameter !== oldParameter) {
    if (newParameter) {
      await clients.ssm(news.region).send(
        new PutParameterCommand({
          Name: newParameter,
          Value: id,
          Type: "String",
          DataType: "aws:ec2:image",
          Overwrite: true,
          Description: `CloudWorkstation ${olds.templateName} (template hash ${olds.templateHash.slice(0, 12)})`,
        }),
      );
    }
    if (oldParameter && (await parameterHolds(clients, olds.region, oldParameter, id)))
      await clients.ssm(olds.region).send(new DeleteParameterCommand({ Name: oldParameter }));
  }
  for (const region of news.copyToRegions) {
    if (amiIds[region] || region === news.region) continue;
    const copy = await copyImage(clients, { sourceAmiId: id, sourceRegion: news.region, targetRegion: region });
    amiIds[region] = copy.amiId;
    if (news.deregistrationProtection) await protect(clients, { [region]: copy.amiId }, true, warnings);
  }
  for (const [region, amiId] of Object.entries(amiIds)) {
    if (region === news.region || news.copyToRegions.includes(region)) continue;
    delete amiIds[region];
    if (news.retainOnDelete) {
      warnings.push(`copy ${amiId} in ${region} is no longer managed and is kept (retainOnDelete)`);
      continue;
    }
    await removeImage(clients, region, amiId, olds.deregistrationProtection, warnings);
  }
  if (news.deregistrationProtection !== olds.deregistrationProtection)
    await protect(clients, amiIds, news.deregistrationProtection, warnings);
  let catalogEntry = olds.catalogEntry ?? null;
  if (news.publish.catalog && canonicalJson(news.publish.catalog) !== canonicalJson(olds.publish?.catalog ?? null)) {
    checkCatalogDirectory(news.publish.catalog);
    const template = loadTemplateInput(news);
    catalogEntry = await publishCatalogEntry(
      clients,
      news.publish.catalog,
      template,
      { region: news.region, amiId: id, architecture: olds.architecture as Architecture, amiIds },
      new Date(),
    );
  }
  const outs: TemplateImageOutputs = {
    ...olds,
    ...news,
    // The image's own facts stay those of the build.
    baseAmiId: olds.baseAmiId,
    templateHash: olds.templateHash,
    architecture: olds.architecture,
    amiIds,
    publishedParameter: newParameter,
    catalogEntry,
    warnings,
  };
  return { outs };
}

async function removeImage(
  clients: BuildClients,
  region: string,
  amiId: string,
  protectedImage: boolean,
  warnings: string[],
): Promise<string[]> {
  if (protectedImage) await protect(clients, { [region]: amiId }, false, warnings);
  const result = await deleteImageAndSnapshots(clients.ec2(region), amiId);
  return result.failedSnapshots.map((failed) => `${failed.snapshotId} in ${region} (${failed.reason})`);
}

async function remove(id: string, props: TemplateImageOutputs) {
  if (props.retainOnDelete !== false) {
    console.log(
      `TemplateImage: keeping ${Object.entries(props.amiIds ?? { [props.region]: id })
        .map(([region, amiId]) => `${amiId} (${region})`)
        .join(", ")} (retainOnDelete); retire it with cws ami retire when no template uses it`,
    );
    return;
  }
  const clients = clientsFactory();
  const warnings: string[] = [];
  const failed: string[] = [];
  for (const [region, amiId] of Object.entries(props.amiIds ?? { [props.region]: id }))
    failed.push(...(await removeImage(clients, region, amiId, props.deregistrationProtection !== false, warnings)));
  if (props.publishedParameter && (await parameterHolds(clients, props.region, props.publishedParameter, id)))
    await clients.ssm(props.region).send(new DeleteParameterCommand({ Name: props.publishedParameter }));
  for (const warning of warnings) console.log(`TemplateImage: warning: ${warning}`);
  if (failed.length) throw new Error(`deregistered ${id} but could not delete ${failed.join(", ")}`);
}

export const provider = providerLogic<TemplateImageInputs & TemplateImagePlan, TemplateImageOutputs>({
  check: (olds, news) => check(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>),
  diff: async (_id, olds, news) =>
    diffTemplateImage(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>),
  create,
  read: (id, props) => read(id, props as TemplateImageOutputs),
  update: (id, olds, news) => update(id, olds, news),
  delete: remove,
});
