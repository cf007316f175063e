import type { Image } from "@aws-sdk/client-ec2";
import { isNotFound } from "./aws-errors";

/**
 * The images with these ids, each id answered (undefined: it does not exist), despite an AWS quirk: one missing or
 * malformed id fails the whole by-id DescribeImages. The error names it ("The image id '[ami-…]' does not exist"), so
 * ask once more without the ids it names; else look the ids up one by one. `describe` is one by-id call (all pages);
 * `answered` hears each id as soon as its answer is known (the image cache stores it). Any other failure is thrown.
 */
export async function describeImagesById(
  ids: string[],
  describe: (ids: string[]) => Promise<Image[]>,
  answered: (id: string, image: Image | undefined) => void,
): Promise<Map<string, Image | undefined>> {
  const found = new Map<string, Image | undefined>();
  const record = (images: Image[], asked: string[]) => {
    for (const id of asked) found.set(id, undefined);
    for (const image of images) if (image.ImageId && asked.includes(image.ImageId)) found.set(image.ImageId, image);
    for (const id of asked) answered(id, found.get(id));
  };
  try {
    record(await describe(ids), ids);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const message = String((error as Error).message ?? "");
    const named = ids.filter((id) => mentionsId(message, id));
    if (ids.length === 1) {
      record([], ids);
    } else if (named.length > 0) {
      record([], named);
      const rest = ids.filter((id) => !named.includes(id));
      if (rest.length)
        for (const [id, image] of await describeImagesById(rest, describe, answered)) found.set(id, image);
    } else {
      await Promise.all(
        ids.map(async (id) => {
          try {
            record(await describe([id]), [id]);
          } catch (single) {
            if (!isNotFound(single)) throw single;
            record([], [id]);
          }
        }),
      );
    }
  }
  return found;
}

/** Whether `text` names `id` as a whole id (not as the start of a longer one: ami-1234abcd vs ami-1234abcd0…). */
function mentionsId(text: string, id: string): boolean {
  for (let at = text.indexOf(id); at >= 0; at = text.indexOf(id, at + 1)) {
    if (!/[0-9a-z]/i.test(text.charAt(at + id.length))) return true;
  }
  return false;
}
