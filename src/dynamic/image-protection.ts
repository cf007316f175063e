import type { EC2Client } from "@aws-sdk/client-ec2";
import { setDeregistrationProtection } from "../imaging";

/**
 * Deregistration protection for the images SavedTemplate and RegionalAmiCopy keep. Internal. Exported for testing.
 */

/**
 * True when the endpoint does not implement the call at all: an HTTP 5xx whose body is not an AWS error document.
 * AWS answers every error with an XML error code; moto answers an action it lacks with an HTML "500 Internal Server
 * Error" page.
 */
export function isUnimplementedCall(error: unknown): boolean {
  const failure = error as { $metadata?: { httpStatusCode?: number }; $responseBodyText?: string; Code?: string };
  const status = failure?.$metadata?.httpStatusCode ?? 0;
  return status >= 500 && !failure.Code && /<html/i.test(failure.$responseBodyText ?? "");
}

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
