/**
 * Runs a Pulumi program under the moto-backed mocks in its own Node process, from the program's directory, the way
 * `pulumi` runs it: so the program resolves its imports (e.g. "cloudworkstation" from its own node_modules) as a
 * lab's repository would, without this repository's tsconfig paths. Used by lab-fleet-program.test.ts.
 *
 *   node --require tsx/cjs program-runner.ts   (cwd: the program's directory)
 *   CWS_RUNNER_INPUT = {"program": "index.ts", "endpoint": "http://127.0.0.1:…", "config": {…}, "preview": false}
 *
 * Prints one line `CWS_RUNNER_RESULT <json>`: the program's `workstations` output, every registered resource
 * (type, name, region, inputs) and the modules the program loaded from a dist/ build.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { createAwsClients } from "../../src/core/clients";
import { MotoBackedMocks, valueOf } from "./moto-mocks";

interface RunnerInput {
  program: string;
  endpoint: string;
  config: Record<string, string>;
  preview: boolean;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.CWS_RUNNER_INPUT ?? "{}") as RunnerInput;
  const moto = {
    endpoint: input.endpoint,
    clients: () => createAwsClients({ endpoint: input.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 }),
  } as unknown as MotoServer;
  pulumi.runtime.setAllConfig(input.config);
  const mocks = await new MotoBackedMocks(moto, { preview: input.preview }).install("lab", "dev");
  const program = require(path.resolve(input.program)) as { workstations: pulumi.Output<unknown> };
  const workstations = await valueOf(program.workstations);
  const distModules = Object.keys(require.cache).filter((key) => key.includes(`${path.sep}dist${path.sep}`));
  const registered = mocks.registered.map(({ type, name, region, inputs }) => ({ type, name, region, inputs }));
  process.stdout.write(`CWS_RUNNER_RESULT ${JSON.stringify({ workstations, registered, distModules })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
