import {
  DisableImageDeregistrationProtectionCommand,
  EnableImageDeregistrationProtectionCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";

/**
 * Deregistration protection: an image we keep as a lab asset (saved, copied, built) cannot be deregistered, by us or
 * by `cws ami retire`, until protection is turned off. AWS's own switch, so it also guards against the console.
 * moto does not implement it: test with aws-sdk-client-mock.
 */
export async function setDeregistrationProtection(
  ec2: EC2Client,
  amiId: string,
  enabled: boolean,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  if (enabled) {
    await ec2.send(new EnableImageDeregistrationProtectionCommand({ ImageId: amiId, WithCooldown: false }), {
      abortSignal: options.signal,
    });
  } else {
    await ec2.send(new DisableImageDeregistrationProtectionCommand({ ImageId: amiId }), {
      abortSignal: options.signal,
    });
  }
}
