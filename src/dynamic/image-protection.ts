import type { EC2Client } from "@aws-sdk/client-ec2";
import { setDeregistrationProtection } from "../imaging";
import { isUnimplementedCall } from "../core/aws-errors";

/**
 * Deregistration protection for the images SavedTemplate and RegionalAmiCopy keep. Internal. Exported for testing.
 */

/**
 * Turns protection on or off; returns false (after a warning that names the call) when the endpoint lacks it, so an
 * emulator never fails a capture. Any other failure (e.g. AccessDenied) is thrown: the caller undoes its work.
 */
export async function switchDeregistrationProtection(
  ec2: EC2Client,
  amiId: string,
  enabled: boolean,
  resource: string,
): Promise<boolean> {
  try {
    await setDeregistrationProtection(ec2, amiId, enabled);
    return true;
  } catch (error) {
    if (!isUnimplementedCall(error)) throw error;
    const call = enabled ? "EnableImageDeregistrationProtection" : "DisableImageDeregistrationProtection";
    console.warn(
      `${resource}: ${amiId} is ${enabled ? "NOT protected" : "left as it is"}: this endpoint does not implement ec2:${call} ` +
        "(an emulator such as moto answers HTTP 500); set deregistrationProtection: false to skip the call",
    );
    return false;
  }
}
