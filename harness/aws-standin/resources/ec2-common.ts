import { CreateTagsCommand, DeleteTagsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { toAwsTags, type Tags } from "../context";

/** Polls `done` (moto answers at once; a few tries cover its pending → running step) or fails naming what it awaited. */
export async function waitFor(what: string, done: () => Promise<boolean>, attempts = 50): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the AWS provider stand-in gave up waiting for ${what}`);
}

/** Makes an EC2 resource's tags `wanted`: deletes the keys that went, writes the rest. */
export async function syncTags(
  ec2: EC2Client,
  resourceId: string,
  current: Tags | undefined,
  wanted: Tags,
): Promise<void> {
  const gone = Object.keys(current ?? {}).filter((key) => !(key in wanted));
  if (gone.length)
    await ec2.send(
      new DeleteTagsCommand({ Resources: [resourceId], Tags: gone.map((Key) => ({ Key, Value: current?.[Key] })) }),
    );
  if (Object.keys(wanted).length)
    await ec2.send(new CreateTagsCommand({ Resources: [resourceId], Tags: toAwsTags(wanted) }));
}

/** The tags a resource was given, as the real provider's `tags` output: only the keys of its own `tags` input. */
export function ownTags(live: Tags, given: Tags | undefined): Tags | undefined {
  if (given === undefined) return undefined;
  return Object.fromEntries(
    Object.keys(given)
      .filter((key) => key in live)
      .map((key) => [key, live[key]]),
  );
}
