/**
 * The AWS SDK prints an 8-line "NodeVersionSupportWarning" on Node < 22 the first time a client is made: SDK versions
 * published after the first week of January 2027 will need Node 22. It is about the SDK's future releases, not about
 * this run, so it must not appear in every `cws` output and every `pulumi preview`'s diagnostics. The SDK reads
 * exactly this variable before warning (@aws-sdk/core `emitWarningIfUnsupportedVersion`); other warnings are untouched.
 * Set it to "false" yourself to see the notice again.
 */
export const SDK_NODE_NOTICE_VARIABLE = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/** Turns the SDK's Node-version notice off for this process unless the user chose otherwise. Idempotent. */
export function silenceSdkNodeVersionNotice(env: NodeJS.ProcessEnv = process.env): void {
  if (env[SDK_NODE_NOTICE_VARIABLE] === undefined) env[SDK_NODE_NOTICE_VARIABLE] = "true";
}
