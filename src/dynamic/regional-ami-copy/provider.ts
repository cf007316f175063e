import { CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import * as imaging from "../../imaging";
import { checkAccountRegions } from "../../core/account-regions";
import { createAwsClients } from "../../core/clients";
import { InvalidInputError } from "../../core/errors";
import { providerLogic, UNKNOWN } from "../host";
import { switchDeregistrationProtection } from "../image-protection";
import {
  checkRegionalAmiCopyInputs,
  diffRegionalAmiCopy,
  type RegionalAmiCopyInputs,
  type RegionalAmiCopyOutputs,
} from "./inputs";

export const provider = providerLogic<RegionalAmiCopyInputs, RegionalAmiCopyOutputs>({
  async check(olds, news) {
    const checked = checkRegionalAmiCopyInputs(news as unknown as Record<string, unknown>);
    const { inputs, failures } = checked;
    // A region new to this resource is checked against the account before anything is copied (a typo would
    // otherwise surface as the SDK's raw endpoint error in the middle of an `up`). A region already in the state is
    // not asked about again, so existing stacks keep previewing without ec2:DescribeRegions.
    const regionIsNew = (olds as Partial<RegionalAmiCopyInputs>).region !== inputs.region;
    const known = (key: "region" | "sourceRegion") => inputs[key] !== "" && news[key] !== UNKNOWN;
    if (failures.length === 0 && regionIsNew && known("region") && known("sourceRegion")) {
      try {
        await checkAccountRegions(createAwsClients(), inputs.sourceRegion, [inputs.region], "region");
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        failures.push({ property: "region", reason: error.message });
      }
    }
    return checked;
  },

  async diff(_id, olds, news) {
    return diffRegionalAmiCopy(olds, news);
  },

  async create(inputs) {
    const clients = createAwsClients();
    if (inputs.region === inputs.sourceRegion) {
      // The source region maps to the source AMI itself; we only add the launch permissions.
      const ec2 = clients.ec2(inputs.region);
      const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [inputs.sourceAmiId] }));
      const snapshotIds = imaging.snapshotsOf(Images[0]?.BlockDeviceMappings);
      await imaging.shareImage(ec2, inputs.sourceAmiId, inputs.sharing, { snapshotIds });
      const outs = {
        ...inputs,
        amiId: inputs.sourceAmiId,
        snapshotIds,
        architecture: Images[0]?.Architecture ?? "x86_64",
        copied: false,
      };
      return { id: `${inputs.region}/${inputs.sourceAmiId}`, outs: outs };
    }
    // copyImage cleans up a copy it started but could not finish, so a failure here leaves nothing behind.
    const result = await imaging.copyImage(clients, {
      sourceAmiId: inputs.sourceAmiId,
      sourceRegion: inputs.sourceRegion,
      targetRegion: inputs.region,
      name: inputs.name,
      encrypted: inputs.encrypted,
      kmsKeyId: inputs.kmsKeyId,
      tags: inputs.tags,
      sharing: inputs.sharing,
      timeoutMs: inputs.timeoutMinutes * 60_000,
    });
    if (inputs.deregistrationProtection) {
      const ec2 = clients.ec2(inputs.region);
      try {
        await switchDeregistrationProtection(ec2, result.amiId, true, `RegionalAmiCopy ${inputs.region}`);
      } catch (error) {
        // Not recorded in state if we throw: the copy must not outlive this error.
        const deletion = imaging.describeDeletion(
          result.amiId,
          await imaging.deleteImageAndSnapshots(ec2, result.amiId),
          inputs.region,
        );
        throw new imaging.ImagingError(
          "EnableImageDeregistrationProtection",
          error,
          deletion.undone,
          deletion.notUndone,
        );
      }
    }
    const outs = {
      ...inputs,
      amiId: result.amiId,
      snapshotIds: result.snapshotIds,
      architecture: result.architecture,
      copied: true,
    };
    return { id: `${inputs.region}/${result.amiId}`, outs: outs };
  },

  async read(id, props) {
    const outputs = props as RegionalAmiCopyOutputs;
    const snapshotIds = await imaging.imageSnapshotIds(createAwsClients().ec2(outputs.region), outputs.amiId);
    if (snapshotIds.length === 0 && outputs.copied) return { id: "", props: {} as RegionalAmiCopyOutputs };
    return {
      id,
      props: { ...outputs, snapshotIds: snapshotIds.length ? snapshotIds : outputs.snapshotIds },
    };
  },

  async update(_id, olds, news) {
    const ec2 = createAwsClients().ec2(news.region);
    const removed = imaging.removedSharing(olds.sharing ?? {}, news.sharing);
    if (imaging.isSharing(removed))
      await imaging.shareImage(ec2, olds.amiId, removed, { snapshotIds: olds.snapshotIds, operation: "remove" });
    await imaging.shareImage(ec2, olds.amiId, news.sharing, { snapshotIds: olds.snapshotIds });
    if (olds.copied) {
      const resources = [olds.amiId, ...olds.snapshotIds];
      const removedTags = Object.keys(olds.tags ?? {}).filter((key) => !(key in news.tags));
      if (removedTags.length)
        await ec2.send(new DeleteTagsCommand({ Resources: resources, Tags: removedTags.map((Key) => ({ Key })) }));
      if (Object.keys(news.tags).length)
        await ec2.send(new CreateTagsCommand({ Resources: resources, Tags: imaging.toTagList(news.tags) }));
      // State from before the option existed has no value: its copy was never protected.
      if ((olds.deregistrationProtection ?? false) !== news.deregistrationProtection)
        await switchDeregistrationProtection(
          ec2,
          olds.amiId,
          news.deregistrationProtection,
          `RegionalAmiCopy ${news.region}`,
        );
    }
    return { outs: { ...olds, ...news } };
  },

  async delete(_id, props) {
    const ec2 = createAwsClients().ec2(props.region);
    if (!props.copied) {
      // Not ours to deregister: take back only the launch permissions we added.
      if (imaging.isSharing(props.sharing))
        await imaging
          .shareImage(ec2, props.amiId, props.sharing, { snapshotIds: props.snapshotIds, operation: "remove" })
          .catch(() => undefined);
      return;
    }
    if (props.retainOnDelete !== false) {
      console.log(`RegionalAmiCopy: keeping ${props.amiId} in ${props.region} (retainOnDelete)`);
      return;
    }
    // AWS refuses to deregister a protected image: turn protection off only now that the copy is really going.
    if (props.deregistrationProtection)
      await switchDeregistrationProtection(ec2, props.amiId, false, `RegionalAmiCopy ${props.region}`);
    const result = await imaging.deleteImageAndSnapshots(ec2, props.amiId);
    if (result.failedSnapshots.length) {
      throw new Error(
        `deregistered ${props.amiId} in ${props.region} but could not delete ${result.failedSnapshots.map((f) => `${f.snapshotId} (${f.reason})`).join(", ")}`,
      );
    }
  },
});
