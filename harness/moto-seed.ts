import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { createAwsClients } from "../src/core/clients";
import { isNotFound } from "../src/core/aws-errors";
import { isKnownRegion } from "../src/core/regions";
import { TEST_CREDENTIALS } from "./moto";
import { FIXTURE_BASE_IMAGES, publishBaseParameters, publishDlamiParameters } from "./seed";

/**
 * `npm run moto:seed -- <endpoint> [region …]`: publishes the public `/aws/service/…` parameters (every base OS, both
 * architectures, and the Deep Learning AMI ones) in a moto you started yourself, pointing at the fixture images, so
 * `cws` commands tried by hand against it resolve as they do in the tests and the demo. On AWS these parameters are
 * published by AWS and the distributions; an empty moto has none, and every SSM tier would say "not found".
 */

export const MOTO_SEED_USAGE =
  "usage: npm run moto:seed -- <endpoint> [region …]   (default region: us-east-1)\n" +
  "Start moto first with the fixture images and the launcher that allows /aws/service/ names:\n" +
  "  MOTO_AMIS_PATH=harness/fixtures/amis.json python3 harness/moto_launcher.py --port 5000\n" +
  "then: npm run moto:seed -- http://127.0.0.1:5000 us-east-1 us-west-2";

/** What was published, region → parameter names. Throws an Error saying what to do when moto is not fit for it. */
export async function seedPublicParameters(
  endpoint: string,
  regions: readonly string[],
): Promise<Record<string, string[]>> {
  const clients = createAwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 });
  const published: Record<string, string[]> = {};
  for (const region of regions) {
    const fixture = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;
    let found: boolean;
    try {
      const { Images = [] } = await clients.ec2(region).send(new DescribeImagesCommand({ ImageIds: [fixture] }));
      found = Images.length > 0;
    } catch (error) {
      if (!isNotFound(error))
        throw new Error(`cannot reach moto at ${endpoint} (${region}): ${describe(error)}\n${MOTO_SEED_USAGE}`, {
          cause: error,
        });
      found = false;
    }
    if (!found)
      throw new Error(
        `moto at ${endpoint} has no fixture image ${fixture} in ${region}: it was started without ` +
          `MOTO_AMIS_PATH=harness/fixtures/amis.json, so the parameters would point at nothing.\n${MOTO_SEED_USAGE}`,
      );
    try {
      published[region] = [
        ...(await publishBaseParameters(clients.ssm(region))),
        ...(await publishDlamiParameters(clients.ssm(region))),
      ];
    } catch (error) {
      throw new Error(
        `moto at ${endpoint} refused a /aws/service/ parameter in ${region} (${describe(error)}): stock moto ` +
          `lets nobody write those names; start it with harness/moto_launcher.py.\n${MOTO_SEED_USAGE}`,
        { cause: error },
      );
    }
  }
  return published;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Parses `<endpoint> [region …]`; an Error with the usage when they are not that. */
export function parseSeedArguments(argv: readonly string[]): { endpoint: string; regions: string[] } {
  const [endpoint, ...regions] = argv;
  if (!endpoint || !/^https?:\/\/[^/\s]+\/?$/.test(endpoint))
    throw new Error(
      `${endpoint ? `"${endpoint}" is not an endpoint URL` : "give moto's endpoint"}\n${MOTO_SEED_USAGE}`,
    );
  const unknown = regions.filter((region) => !isKnownRegion(region));
  if (unknown.length > 0) throw new Error(`unknown region ${unknown.join(", ")}\n${MOTO_SEED_USAGE}`);
  return { endpoint: endpoint.replace(/\/$/, ""), regions: regions.length > 0 ? regions : ["us-east-1"] };
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const { endpoint, regions } = parseSeedArguments(argv);
    const published = await seedPublicParameters(endpoint, regions);
    for (const [region, names] of Object.entries(published))
      console.log(`${region}: published ${names.length} public parameters\n  ${names.join("\n  ")}`);
    console.log(
      `Now, for example: AWS_ENDPOINT_URL=${endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing ` +
        `node dist/src/cli/main.js ami resolve python-ml --region ${regions[0]}`,
    );
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
