import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { copyImage, deleteImageAndSnapshots } from "../../imaging";
import type { AwsClients } from "../../core/clients";
import type { AmiResolutionState } from "./state";

/** The imaging engine's provenance tag on every copy it makes (value `<source region>/<source AMI>`). */
const COPIED_FROM_TAG = "cloudworkstation:copied-from";
/** What copies made before the imaging engine made them were tagged with instead (same value). */
const LEGACY_COPY_TAG = "cloudworkstation:copy-of";
/** Which AmiResolution made a copy (`<project>/<stack>/<name>`), so its next check finds it again. */
const COPY_OWNER_TAG = "cloudworkstation:copy-owner";

/** Bound on waiting for a copy (AWS copies of large images can take an hour). */
const DEFAULT_COPY_TIMEOUT_SECONDS = 3600;

/** A copy we made earlier for this resource (same owner, same source) that is available in the target region. */
export async function findOurCopy(clients: AwsClients, state: AmiResolutionState): Promise<Image | undefined> {
  if (!state.copyOwner || !state.sourceRegion) return undefined;
  const source = `${state.sourceRegion}/${state.resolvedAmiId}`;
  const { Images = [] } = await clients.ec2(state.region).send(
    new DescribeImagesCommand({
      Owners: ["self"],
      Filters: [{ Name: `tag:${COPY_OWNER_TAG}`, Values: [state.copyOwner] }],
    }),
  );
  const fromSource = (image: Image) =>
    (image.Tags ?? []).some(
      (tag) => (tag.Key === COPIED_FROM_TAG || tag.Key === LEGACY_COPY_TAG) && tag.Value === source,
    );
  return Images.filter((image) => image.State === "available" && fromSource(image)).sort((a, b) =>
    (a.ImageId ?? "") < (b.ImageId ?? "") ? -1 : 1,
  )[0];
}

/**
 * Makes the consented cross-region copy through the imaging engine (never in check) and records it. A copy that
 * fails or outlasts copyTimeoutSeconds is deregistered by the engine before the error, so nothing is left untracked.
 */
export async function ensureCopy(state: AmiResolutionState, clients: AwsClients): Promise<AmiResolutionState> {
  if (!state.copyPending) return state;
  if (!state.sourceRegion)
    throw new Error(
      `AmiResolution: a cross-region copy of ${state.resolvedAmiId} is pending but its source region is not recorded`,
    );
  let copyId = (await findOurCopy(clients, state))?.ImageId;
  if (!copyId) {
    const copy = await copyImage(clients, {
      sourceAmiId: state.resolvedAmiId,
      sourceRegion: state.sourceRegion,
      targetRegion: state.region,
      name: `cloudworkstation-${state.templateName}-${state.resolvedAmiId}-from-${state.sourceRegion}`.slice(0, 128),
      description: `Copy of ${state.resolvedAmiId} (${state.sourceRegion}) for CloudWorkstation template ${state.templateName}`,
      tags: { [COPY_OWNER_TAG]: state.copyOwner ?? "", "cloudworkstation:template": state.templateName },
      timeoutMs: (state.copyTimeoutSeconds ?? DEFAULT_COPY_TIMEOUT_SECONDS) * 1000,
    });
    copyId = copy.amiId;
  }
  const recorded: AmiResolutionState = { ...state, amiId: copyId, copiedImageId: copyId, copyMadeByUs: true };
  delete recorded.copyPending;
  return recorded;
}

/** Removes a copy we made (image and its snapshots) unless retainCopyOnDelete. Nothing else is ours to delete. */
export async function removeCopy(state: AmiResolutionState, clients: AwsClients): Promise<void> {
  if (!state.copyMadeByUs || !state.copiedImageId || state.retainCopyOnDelete) return;
  const result = await deleteImageAndSnapshots(clients.ec2(state.region), state.copiedImageId);
  if (result.failedSnapshots.length) {
    throw new Error(
      `AmiResolution: deregistered ${state.copiedImageId} in ${state.region} but could not delete ` +
        `${result.failedSnapshots.map((failed) => `${failed.snapshotId} (${failed.reason})`).join(", ")}; delete them with aws ec2 delete-snapshot`,
    );
  }
}
