import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImageAttributeCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { parse as parseYaml } from "yaml";
import { startMoto, type MotoServer } from "../../harness/moto";
import { TEST_ACCOUNT_ID } from "../../harness/seed";
import { verifyEntrySignature } from "../../src/catalog/signatures";
import { allowedSignersLine, makeKey, tempDir, writeCatalog, type TestKey } from "../catalog/helpers";
import { instanceState, runInstance } from "../imaging/helpers";
import { runCws } from "./in-process";

/** `cws save --publish` and `cws ami share --community`: the catalog's submit step after a save or a share (moto). */
describe("publishing to a lab catalog from cws save and cws ami share (runCli in-process, moto, real ssh-keygen)", () => {
  let moto: MotoServer;
  let dir: string;
  let catalog: string;
  let key: TestKey;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = tempDir("cws-publish-");
    key = makeKey(dir, "ml@uni.edu");
    catalog = path.join(dir, "catalog");
    writeCatalog(catalog, { signers: [key], entries: [] });
    fs.writeFileSync(path.join(catalog, "allowed_signers"), `${allowedSignersLine(key)}\n`);
    fs.mkdirSync(path.join(dir, "templates"));
  });

  const run = (argv: string[]) => runCws(argv, { clients: moto.clients(), templatesDir: path.join(dir, "templates") });

  it("cws save --publish writes a signed beta entry for the captured image and its copy", async () => {
    const instanceId = await runInstance(moto.clients().ec2("us-east-1"));
    const { code, out, err } = await run([
      "save",
      instanceId,
      "lab-env",
      "--copy-to-regions",
      "us-west-2",
      "--publish",
      catalog,
      "--publish-version",
      "1.0.0",
      "--sign-key",
      key.privateKey,
      "--yes",
      "--json",
    ]);
    assert.equal(code, 0, err);
    const report = JSON.parse(out);
    const file = path.join(catalog, "entries", "lab-env", "1.0.0.yml");
    assert.equal(path.resolve(report.catalogEntry), file);
    const entry = parseYaml(fs.readFileSync(file, "utf8"));
    assert.equal(entry.template, "lab-env");
    assert.equal(entry.version, "1.0.0");
    assert.equal(entry.creator, "ml@uni.edu");
    assert.equal(entry.owner_account, TEST_ACCOUNT_ID);
    assert.deepEqual(entry.channels, ["beta"]);
    assert.deepEqual(Object.keys(entry.regions).sort(), ["us-east-1", "us-west-2"]);
    const verdict = await verifyEntrySignature(file, path.join(catalog, "allowed_signers"), "ml@uni.edu");
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
  });

  it("cws save refuses --publish without a version, and --publish-version without --publish, before stopping anything", async () => {
    const instanceId = await runInstance(moto.clients().ec2("us-east-1"));
    for (const flags of [
      ["--publish", catalog],
      ["--publish-version", "1.0.0"],
      ["--publish", catalog, "--publish-version", "one"],
      ["--publish", path.join(dir, "no-such-catalog"), "--publish-version", "1.0.0", "--creator", "x@y"],
    ]) {
      const { code, err } = await run(["save", instanceId, "lab-env", ...flags, "--yes"]);
      assert.equal(code, 2, `${flags.join(" ")}: ${err}`);
    }
    assert.equal(await instanceState(moto.clients().ec2("us-east-1"), instanceId), "running");
    const { Images = [] } = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(Images, []);
  });

  it("cws ami share --community publishes the AMI without granting anything when no accounts are given", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const saved = await run(["save", instanceId, "base-env", "--yes", "--json"]);
    const amiId = JSON.parse(saved.out).amiId as string;
    const { code, err } = await run([
      "ami",
      "share",
      amiId,
      "--community",
      catalog,
      "--template",
      "base-env",
      "--publish-version",
      "0.3.0",
      "--sign-key",
      key.privateKey,
    ]);
    assert.equal(code, 0, err);
    const entry = parseYaml(fs.readFileSync(path.join(catalog, "entries", "base-env", "0.3.0.yml"), "utf8"));
    assert.equal(entry.regions["us-east-1"], amiId);
    const attribute = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: "launchPermission" }),
    );
    assert.deepEqual(attribute.LaunchPermissions ?? [], []);
    const refused = await run(["ami", "share", amiId, "--template", "base-env", "--accounts", "210987654321"]);
    assert.equal(refused.code, 2, "--template without --community is refused, never ignored");
  });
});
