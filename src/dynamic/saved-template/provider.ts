import * as fs from "node:fs";
import * as path from "node:path";
import { CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import {
  captureImage,
  deleteImageAndSnapshots,
  describeDeletion,
  ImagingError,
  isNotFound,
  renderSavedTemplateYaml,
  snapshotsOf,
  toTagList,
} from "../../imaging";
import { createAwsClients } from "../../core/clients";
import { providerLogic } from "../host";
import { switchDeregistrationProtection } from "../image-protection";
import {
  checkSavedTemplateInputs,
  diffSavedTemplate,
  type SavedTemplateInputs,
  type SavedTemplateOutputs,
} from "./inputs";

/** The YAML for a capture. */
function renderTemplate(
  inputs: SavedTemplateInputs,
  image: { amiId: string; architecture: "x86_64" | "arm64"; ownerId: string; capturedAt: string },
): string {
  return renderSavedTemplateYaml({
    templateName: inputs.templateName,
    description: inputs.description,
    baseTemplate: inputs.baseTemplate,
    amiMappings: { [inputs.region]: { [image.architecture]: image.amiId } },
    ownerId: image.ownerId,
    architecture: image.architecture,
    sourceInstanceId: inputs.instanceId,
    createdAt: new Date(image.capturedAt),
  });
}

/** Writes `<templatesDir>/<templateName>.yml` when a templatesDir is given; returns the file (or null). */
function writeTemplate(inputs: SavedTemplateInputs, templateYaml: string): string | null {
  if (!inputs.templatesDir) return null;
  const templateFile = path.resolve(inputs.templatesDir, `${inputs.templateName}.yml`);
  fs.mkdirSync(path.dirname(templateFile), { recursive: true });
  fs.writeFileSync(templateFile, templateYaml);
  return templateFile;
}

async function create(inputs: SavedTemplateInputs) {
  const ec2 = createAwsClients().ec2(inputs.region);
  const capturedAt = new Date();
  const result = await captureImage(ec2, {
    instanceId: inputs.instanceId,
    region: inputs.region,
    templateName: inputs.templateName,
    description: inputs.description,
    mode: inputs.mode,
    tags: inputs.tags,
    date: () => capturedAt,
  });
  let rendered;
  let step = "EnableImageDeregistrationProtection";
  try {
    if (inputs.deregistrationProtection)
      await switchDeregistrationProtection(ec2, result.amiId, true, `SavedTemplate ${inputs.templateName}`);
    step = "write template";
    const templateYaml = renderTemplate(inputs, { ...result, capturedAt: capturedAt.toISOString() });
    rendered = { templateYaml, templateFile: writeTemplate(inputs, templateYaml) };
  } catch (error) {
    // The resource will not be recorded, so the image must not outlive this error.
    const deletion = describeDeletion(result.amiId, await deleteImageAndSnapshots(ec2, result.amiId));
    throw new ImagingError(step, error, deletion.undone, deletion.notUndone);
  }
  const outs: SavedTemplateOutputs = {
    ...inputs,
    amiId: result.amiId,
    imageName: result.imageName,
    snapshotIds: result.snapshotIds,
    architecture: result.architecture,
    ownerId: result.ownerId,
    capturedAt: capturedAt.toISOString(),
    ...rendered,
  };
  return { id: result.amiId, outs };
}

/** Refresh: a deregistered image drops the resource from state; otherwise its snapshots are re-read. */
async function read(id: string, outputs: SavedTemplateOutputs) {
  try {
    const { Images = [] } = await createAwsClients()
      .ec2(outputs.region)
      .send(new DescribeImagesCommand({ ImageIds: [id] }));
    if (!Images[0]) return { id: "", props: {} as SavedTemplateOutputs };
    return { id, props: { ...outputs, snapshotIds: snapshotsOf(Images[0].BlockDeviceMappings) } };
  } catch (error) {
    if (isNotFound(error)) return { id: "", props: {} as SavedTemplateOutputs };
    throw error;
  }
}

async function update(id: string, olds: SavedTemplateOutputs, news: SavedTemplateInputs) {
  const ec2 = createAwsClients().ec2(news.region);
  const resources = [id, ...olds.snapshotIds];
  const removed = Object.keys(olds.tags ?? {}).filter((key) => !(key in news.tags));
  if (removed.length)
    await ec2.send(new DeleteTagsCommand({ Resources: resources, Tags: removed.map((Key) => ({ Key })) }));
  if (Object.keys(news.tags).length)
    await ec2.send(new CreateTagsCommand({ Resources: resources, Tags: toTagList(news.tags) }));
  // State from before the option existed has no value: its image was never protected.
  if ((olds.deregistrationProtection ?? false) !== news.deregistrationProtection)
    await switchDeregistrationProtection(ec2, id, news.deregistrationProtection, `SavedTemplate ${news.templateName}`);
  const templateYaml = renderTemplate(news, {
    amiId: olds.amiId,
    architecture: olds.architecture === "arm64" ? "arm64" : "x86_64",
    ownerId: olds.ownerId,
    capturedAt: olds.capturedAt,
  });
  // Rewrite the file only when the template or its place changed: it may hold more regions (SavedTemplateMappings).
  const unchanged = templateYaml === olds.templateYaml && news.templatesDir === olds.templatesDir;
  const templateFile = unchanged ? (olds.templateFile ?? null) : writeTemplate(news, templateYaml);
  const outs: SavedTemplateOutputs = { ...olds, ...news, templateYaml, templateFile };
  return { outs };
}

async function remove(id: string, props: SavedTemplateOutputs) {
  if (props.retainOnDelete !== false) {
    console.log(
      `SavedTemplate: keeping ${id} in ${props.region} (retainOnDelete); deregister it with aws ec2 deregister-image when no template uses it`,
    );
    return;
  }
  const ec2 = createAwsClients().ec2(props.region);
  // AWS refuses to deregister a protected image: turn protection off only now that the image is really going.
  if (props.deregistrationProtection)
    await switchDeregistrationProtection(ec2, id, false, `SavedTemplate ${props.templateName}`);
  const result = await deleteImageAndSnapshots(ec2, id);
  if (result.failedSnapshots.length) {
    throw new Error(
      `deregistered ${id} but could not delete ${result.failedSnapshots.map((f) => `${f.snapshotId} (${f.reason})`).join(", ")}`,
    );
  }
}

export const provider = providerLogic<SavedTemplateInputs, SavedTemplateOutputs>({
  check: async (_olds, news) => checkSavedTemplateInputs(news as unknown as Record<string, unknown>),
  diff: async (_id, olds, news) => diffSavedTemplate(olds, news),
  create,
  read: (id, props) => read(id, props as SavedTemplateOutputs),
  update,
  delete: remove,
});
