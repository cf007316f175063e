import assert from "node:assert/strict";
import { DeregisterImageCommand } from "@aws-sdk/client-ec2";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { ImageCache } from "../../src/core/image-cache";
import { resolveAmi } from "../../src/resolver/engine";
import type { FallbackStep, ResolutionResult, TierName } from "../../src/resolver/types";
import type { AwsClients } from "../../src/core/clients";
import { startMoto, type MotoServer } from "../../harness/moto";
import { createImageFromInstance, publishPublicParameter } from "../../harness/seed";
import {
  CANONICAL,
  MARKETPLACE_SELLER,
  NOBLE_AMD64_PATTERN,
  RSTUDIO_PRODUCT_CODE,
  SQUATTER,
  template,
  UBUNTU_2404_AMD64_PARAMETER,
} from "./support";

const step = (result: ResolutionResult, tier: TierName): FallbackStep => {
  const found = result.fallbackChain.find((s) => s.tier === tier);
  assert.ok(found, `no ${tier} step in the chain`);
  return found;
};

describe("resolver tiers against moto", () => {
  let moto: MotoServer;
  let clients: AwsClients;
  const resolve = (t: ReturnType<typeof template>, options: Partial<Parameters<typeof resolveAmi>[1]> = {}) =>
    resolveAmi(t, { region: "us-east-1", size: "M", ...options }, clients, { cache: new ImageCache() });

  before(async () => {
    moto = await startMoto();
  });
  beforeEach(async () => {
    await moto.reset();
    clients = moto.clients();
    // The stock Ubuntu 24.04 base for script provisioning (tests that need another value overwrite it).
    await publishPublicParameter(clients.ssm("us-east-1"), UBUNTU_2404_AMD64_PARAMETER, "ami-00c41000000000002");
  });
  after(async () => {
    await moto?.stop();
  });

  describe("direct mapping", () => {
    it("selects the mapped AMI for the region and the instance type's architecture", async () => {
      const t = template({
        ami_config: {
          ami_mappings: { "us-east-1": { x86_64: "ami-00c41000000000002", arm64: "ami-00c41000000000003" } },
        },
      });
      const arm = await resolve(t, { instanceType: "m7g.large" });
      assert.equal(arm.method, "direct_mapping");
      assert.equal(arm.amiId, "ami-00c41000000000003");
      assert.equal(arm.architecture, "arm64");
      const x86 = await resolve(t, { instanceType: "m7i.large" });
      assert.equal(x86.amiId, "ami-00c41000000000002");
      assert.equal(step(x86, "ssm_parameter").outcome, "skipped");
      assert.match(step(x86, "ssm_parameter").detail, /an earlier tier selected ami-00c41000000000002/);
    });

    it("says when the mapping only has the other architecture", async () => {
      const t = template({ ami_config: { ami_mappings: { "us-east-1": { arm64: "ami-00c41000000000003" } } } });
      const result = await resolve(t, { instanceType: "m7i.large" });
      assert.equal(step(result, "direct_mapping").outcome, "not_found");
      assert.match(
        step(result, "direct_mapping").detail,
        /has only arm64 \(ami-00c41000000000003\), but m7i.large is x86_64/,
      );
      assert.equal(result.method, "fallback_script");
    });

    it("lets a deregistered mapped AMI fall through to the SSM parameter", async () => {
      await clients.ec2("us-east-1").send(new DeregisterImageCommand({ ImageId: "ami-00c41000000000001" }));
      await publishPublicParameter(clients.ssm("us-east-1"), UBUNTU_2404_AMD64_PARAMETER, "ami-00c41000000000002");
      const t = template({
        ami_config: {
          ami_mappings: { "us-east-1": "ami-00c41000000000001" },
          ssm_parameter: UBUNTU_2404_AMD64_PARAMETER,
        },
      });
      const result = await resolve(t);
      assert.equal(step(result, "direct_mapping").outcome, "rejected");
      assert.match(
        step(result, "direct_mapping").detail,
        /rejected ami-00c41000000000001 : does not exist in the region/,
      );
      assert.equal(result.method, "ssm_parameter");
      assert.equal(result.amiId, "ami-00c41000000000002");
    });

    it("refuses a mapped AMI whose owner is not in trusted_owners", async () => {
      const t = template({
        ami_config: { ami_mappings: { "us-east-1": "ami-00bad000000000001" }, trusted_owners: [CANONICAL] },
      });
      const result = await resolve(t);
      assert.equal(step(result, "direct_mapping").outcome, "rejected");
      assert.match(
        step(result, "direct_mapping").detail,
        /rejected ami-00bad000000000001 : owner 210987654321 not in trusted_owners \[099720109477\]/,
      );
      assert.notEqual(result.amiId, "ami-00bad000000000001");
    });

    it("refuses a mapped AMI of the wrong architecture", async () => {
      const t = template({ ami_config: { ami_mappings: { "us-east-1": "ami-00c41000000000003" } } });
      const result = await resolve(t, { instanceType: "m7i.large" });
      assert.match(step(result, "direct_mapping").detail, /architecture arm64 does not match x86_64/);
      assert.equal(result.method, "fallback_script");
    });
  });

  describe("SSM parameter", () => {
    it("selects the AMI the parameter holds, per architecture", async () => {
      await publishPublicParameter(clients.ssm("us-east-1"), "/lab/ubuntu/arm64", "ami-00c41000000000003");
      const t = template({
        ami_config: { ssm_parameter: { x86_64: "/lab/ubuntu/x86_64", arm64: "/lab/ubuntu/arm64" } },
      });
      const result = await resolve(t, { instanceType: "m7g.large" });
      assert.equal(result.method, "ssm_parameter");
      assert.equal(result.amiId, "ami-00c41000000000003");
      assert.match(step(result, "ssm_parameter").detail, /from parameter \/lab\/ubuntu\/arm64/);
    });

    it("reports a missing parameter as not_found and moves on", async () => {
      const t = template({ ami_config: { ssm_parameter: "/lab/does-not-exist" } });
      const result = await resolve(t);
      assert.equal(step(result, "ssm_parameter").outcome, "not_found");
      assert.match(step(result, "ssm_parameter").detail, /parameter \/lab\/does-not-exist not found in us-east-1/);
      assert.equal(result.method, "fallback_script");
    });

    it("refuses a parameter pointing at an image that does not exist (moto's stock Amazon Linux parameters)", async () => {
      const t = template({
        base: "amazonlinux-2023",
        ami_config: { ssm_parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" },
      });
      const result = await resolve(t);
      assert.equal(step(result, "ssm_parameter").outcome, "rejected");
      assert.match(step(result, "ssm_parameter").detail, /does not exist in the region/);
    });

    it("refuses a parameter pointing at an untrusted owner's image", async () => {
      await publishPublicParameter(clients.ssm("us-east-1"), "/lab/ubuntu", "ami-00bad000000000001");
      const t = template({ ami_config: { ssm_parameter: "/lab/ubuntu", trusted_owners: [CANONICAL] } });
      const result = await resolve(t);
      assert.match(step(result, "ssm_parameter").detail, /owner 210987654321 not in trusted_owners/);
      assert.notEqual(result.amiId, "ami-00bad000000000001");
    });

    it("rejects a parameter value that is not an AMI id", async () => {
      await clients
        .ssm("us-east-1")
        .send(new PutParameterCommand({ Name: "/lab/bad", Value: "latest", Type: "String" }));
      const result = await resolve(template({ ami_config: { ssm_parameter: "/lab/bad" } }));
      assert.equal(step(result, "ssm_parameter").outcome, "rejected");
      assert.match(step(result, "ssm_parameter").detail, /holds "latest", not an AMI id/);
    });
  });

  describe("dynamic search", () => {
    it("never selects the newer name-squatting image when searching by owner", async () => {
      const t = template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN } } });
      const result = await resolve(t);
      assert.equal(result.method, "dynamic_search");
      assert.equal(result.amiId, "ami-00c41000000000002");
      assert.match(step(result, "dynamic_search").detail, /newest acceptable of 2 matching owners \[099720109477\]/);
    });

    it("never selects the squatter even when the owners list includes it, if trusted_owners excludes it", async () => {
      const t = template({
        ami_config: {
          ami_search: { owners: [CANONICAL, SQUATTER], name_pattern: NOBLE_AMD64_PATTERN },
          trusted_owners: [CANONICAL],
        },
      });
      const result = await resolve(t);
      assert.equal(result.amiId, "ami-00c41000000000002");
      assert.match(
        step(result, "dynamic_search").detail,
        /rejected ami-00bad000000000001 : owner 210987654321 not in trusted_owners/,
      );
      assert.ok(
        result.warnings.some((w) => w.includes("ami-00bad000000000001") && w.includes("name-squatting")),
        result.warnings.join("\n"),
      );
    });

    it("honours min_creation_date", async () => {
      const t = template({
        ami_config: {
          ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN, min_creation_date: "2026-12-01" },
        },
      });
      const result = await resolve(t);
      assert.equal(step(result, "dynamic_search").outcome, "not_found");
      assert.match(step(result, "dynamic_search").detail, /2 older than min_creation_date 2026-12-01/);
    });

    it("filters by architecture, required tags and the Version tag", async () => {
      const ec2 = clients.ec2("us-east-1");
      const v1 = await createImageFromInstance(ec2, {
        sourceAmiId: "ami-00c41000000000003",
        name: "cws-lab-arm64-1",
        tags: { Project: "cws", Version: "1.0.0" },
      });
      await createImageFromInstance(ec2, {
        sourceAmiId: "ami-00c41000000000003",
        name: "cws-lab-arm64-2",
        tags: { Project: "other", Version: "1.0.0" },
      });
      await createImageFromInstance(ec2, {
        sourceAmiId: "ami-00c41000000000002",
        name: "cws-lab-x86-1",
        tags: { Project: "cws", Version: "1.0.0" },
      });
      const t = template({
        ami_config: {
          ami_search: {
            owners: ["self"],
            name_pattern: "cws-lab-*",
            required_tags: { Project: "cws" },
            version_tag: "1.*",
          },
        },
      });
      const result = await resolve(t, { instanceType: "m7g.large" });
      assert.equal(result.method, "dynamic_search");
      assert.equal(result.amiId, v1);
      assert.match(step(result, "dynamic_search").detail, /tag:Project=cws tag:Version=1\.\*/);
    });
  });

  describe("marketplace", () => {
    it("selects the highest version satisfying the constraint", async () => {
      const latest = await resolve(
        template({
          ami_config: {
            marketplace_search: { product_code: RSTUDIO_PRODUCT_CODE },
            trusted_owners: [MARKETPLACE_SELLER],
          },
        }),
      );
      assert.equal(latest.method, "marketplace");
      assert.equal(latest.amiId, "ami-00e00000000000002");
      const pinned = await resolve(
        template({
          ami_config: {
            marketplace_search: { product_code: RSTUDIO_PRODUCT_CODE, version_constraint: ">=2 <3" },
            trusted_owners: [MARKETPLACE_SELLER],
          },
        }),
      );
      assert.equal(pinned.amiId, "ami-00e00000000000001");
      assert.match(step(pinned, "marketplace").detail, /version 2\.2\.4 \(satisfies >=2 <3\)/);
    });

    it("reports when no version satisfies the constraint", async () => {
      const result = await resolve(
        template({
          ami_config: {
            marketplace_search: { product_code: RSTUDIO_PRODUCT_CODE, version_constraint: "^4" },
            trusted_owners: [MARKETPLACE_SELLER],
          },
        }),
      );
      assert.equal(step(result, "marketplace").outcome, "not_found");
      assert.match(
        step(result, "marketplace").detail,
        /satisfies version \^4 \(found ami-00e00000000000001=2\.2\.4, ami-00e00000000000002=3\.0\.1\)/,
      );
    });

    it("finds nothing for an unknown product code", async () => {
      const result = await resolve(
        template({ ami_config: { marketplace_search: { product_code: "0000000000000000000000000" } } }),
      );
      assert.equal(step(result, "marketplace").outcome, "not_found");
    });
  });

  describe("script fallback", () => {
    it("renders user data on the distribution's base image found through its public parameter", async () => {
      await publishPublicParameter(clients.ssm("us-east-1"), UBUNTU_2404_AMD64_PARAMETER, "ami-00c41000000000002");
      const result = await resolve(template({ packages: { system: ["htop"] } }));
      assert.equal(result.method, "fallback_script");
      assert.equal(result.amiId, "ami-00c41000000000002");
      assert.ok(result.userData && result.userData.includes("htop"));
      assert.equal(step(result, "direct_mapping").outcome, "not_configured");
    });

    it("fails when the base parameter points at an image the distribution does not own", async () => {
      await publishPublicParameter(clients.ssm("us-east-1"), UBUNTU_2404_AMD64_PARAMETER, "ami-00bad000000000001");
      const result = await resolve(template({}));
      assert.equal(result.method, "failed");
      assert.match(step(result, "fallback_script").detail, /owner 210987654321 not in trusted_owners \[099720109477\]/);
    });

    it("finds a Rocky base by owner-scoped search (Rocky publishes no parameter)", async () => {
      const result = await resolve(template({ base: "rocky-9" }));
      assert.equal(result.method, "fallback_script");
      assert.equal(result.amiId, "ami-00d09000000000001");
    });
  });
});
