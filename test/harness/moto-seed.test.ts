import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { startMoto, type MotoServer } from "../../harness/moto";
import { parseSeedArguments, seedPublicParameters } from "../../harness/moto-seed";
import { FIXTURE_BASE_IMAGES, FIXTURE_DLAMI_IMAGES, dlamiParameterName } from "../../harness/seed";
import { baseImageSource } from "../../src/resolver/base-images";

const ROOT = path.resolve(__dirname, "..", "..");
const UBUNTU_PARAMETER = baseImageSource("ubuntu-24.04", "x86_64").ssmParameter as string;

async function parameterValues(moto: MotoServer, region: string, names: string[]): Promise<Record<string, string>> {
  const { Parameters = [] } = await moto
    .clients()
    .ssm(region)
    .send(new GetParametersCommand({ Names: names }));
  return Object.fromEntries(Parameters.map((parameter) => [parameter.Name!, parameter.Value!]));
}

describe("npm run moto:seed: the public /aws/service/ parameters in a moto started by hand", function () {
  this.timeout(120_000);
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it("publishes every base OS's and the DLAMI's parameters in each region given, pointing at the fixture images", async () => {
    const dlami = dlamiParameterName("arm64", "2.11");
    assert.deepEqual(await parameterValues(moto, "eu-west-1", [UBUNTU_PARAMETER]), {}, "an empty moto has none");
    const run = spawnSync("npm", ["run", "--silent", "moto:seed", "--", moto.endpoint, "us-east-1", "eu-west-1"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /eu-west-1: published \d+ public parameters/);
    for (const region of ["us-east-1", "eu-west-1"]) {
      assert.deepEqual(await parameterValues(moto, region, [UBUNTU_PARAMETER, dlami]), {
        [UBUNTU_PARAMETER]: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
        [dlami]: FIXTURE_DLAMI_IMAGES.arm64,
      });
    }
  });

  it("refuses a moto started without the fixture images, saying how to start one", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-seed-"));
    const emptyFixture = path.join(dir, "amis.json");
    fs.writeFileSync(emptyFixture, "[]");
    const bare = await startMoto({ amisPath: emptyFixture });
    try {
      await assert.rejects(
        seedPublicParameters(bare.endpoint, ["us-east-1"]),
        /has no fixture image ami-00c41000000000002 in us-east-1: it was started without MOTO_AMIS_PATH=harness\/fixtures\/amis\.json[\s\S]*python3 harness\/moto_launcher\.py/,
      );
    } finally {
      await bare.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes an endpoint and known regions (default us-east-1), and shows the usage otherwise", () => {
    assert.deepEqual(parseSeedArguments(["http://127.0.0.1:5000/"]), {
      endpoint: "http://127.0.0.1:5000",
      regions: ["us-east-1"],
    });
    assert.throws(() => parseSeedArguments([]), /give moto's endpoint\nusage: npm run moto:seed/);
    assert.throws(() => parseSeedArguments(["127.0.0.1:5000"]), /is not an endpoint URL/);
    assert.throws(() => parseSeedArguments(["http://127.0.0.1:5000", "us-east1"]), /unknown region us-east1/);
  });
});
