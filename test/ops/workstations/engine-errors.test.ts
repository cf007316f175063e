import assert from "node:assert/strict";
import { engineDiagnostics, lockHolder } from "../../../src/ops/workstations/engine-errors";

/** The shapes of the Automation API's CommandError messages, as Pulumi CLI 3.276.0 writes them. */
const CANCELLED = [
  "code: -2",
  " stdout: ",
  " stderr: Command failed with exit code 1: pulumi up --yes --skip-preview --stack ctrlc-two --non-interactive",
  "Updating (ctrlc-two):",
  "",
  " +  pulumi:pulumi:Stack cloudworkstation-workstations-ctrlc-two creating (0s) ",
  " +  pulumi:pulumi:Stack cloudworkstation-workstations-ctrlc-two **creating failed** 1 error",
  "Diagnostics:",
  "  pulumi:pulumi:Stack (cloudworkstation-workstations-ctrlc-two):",
  "    error: update canceled",
  "",
  "Resources:",
  "    + 2 created",
  "",
  "Duration: 7s",
].join("\n");

const LOCKED = [
  "code: 255",
  " stdout: ",
  " stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
  "  s3://lab-state/.pulumi/locks/organization/cloudworkstation-workstations/team-alice/0b5c.json?disable_https=true&endpoint=http%3A%2F%2F127.0.0.1%3A34695&region=us-east-1: created by alice@alice-laptop (pid 4242) at 2026-12-07T05:00:00Z",
].join("\n");

describe("reading the engine's errors (src/ops/workstations/engine-errors.ts)", () => {
  it("engineDiagnostics keeps the Diagnostics section and drops the progress display and the summary", () => {
    assert.equal(
      engineDiagnostics(CANCELLED),
      "  pulumi:pulumi:Stack (cloudworkstation-workstations-ctrlc-two):\n    error: update canceled",
    );
  });

  it("engineDiagnostics falls back to the last lines when there is no Diagnostics section", () => {
    assert.match(engineDiagnostics(LOCKED), /currently locked by 1 lock/);
  });

  it("lockHolder names who holds the lock, since when, and the lock file without the backend's query string", () => {
    assert.deepEqual(lockHolder(LOCKED), {
      holder: "alice@alice-laptop (pid 4242, since 2026-12-07T05:00:00Z)",
      file: "s3://lab-state/.pulumi/locks/organization/cloudworkstation-workstations/team-alice/0b5c.json",
    });
  });

  it("lockHolder is undefined for an error that is not a lock", () => {
    assert.equal(lockHolder(CANCELLED), undefined);
  });
});
