import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  amiPathBootScript,
  chooseRegion,
  connectionHints,
  ingressPorts,
  ingressRules,
  isIpv4Cidr,
  launchModeOf,
  regionConflict,
  rootVolumeSize,
  validateWorkstationArgs,
  workstationTags,
} from "../../src/components/workstation-plan";
import { templateSchema } from "../../src/templates/schema";

const rstudio = templateSchema.parse({
  name: "rstudio",
  base: "ubuntu-24.04",
  instance_defaults: { ports: [8787, 22], root_volume_gb: 80 },
  services: [
    { name: "rstudio-server", port: 8787 },
    { name: "jupyter", port: 8888 },
    { name: "disabled-thing", port: 9999, enable: false },
  ],
  users: [{ name: "researcher", groups: ["docker", "it's"], shell: "/bin/bash" }],
});

describe("workstation decisions", () => {
  it("sees a conflict only when the region argument and the explicit provider's region are both set and differ", () => {
    assert.equal(regionConflict("eu-west-1", "eu-west-1"), undefined);
    assert.equal(regionConflict(undefined, "eu-west-1"), undefined);
    assert.equal(regionConflict("eu-west-1", undefined), undefined);
    assert.match(
      regionConflict("eu-west-1", "us-east-1") ?? "",
      /region "eu-west-1" contradicts the explicit aws provider's region "us-east-1": drop the `region` argument/,
    );
  });

  it("takes the region from the argument, then the aws provider, then config, then the environment", () => {
    assert.equal(
      chooseRegion({ arg: "eu-west-1", provider: "us-west-2", config: "us-east-1", environment: "ap-south-1" }),
      "eu-west-1",
    );
    assert.equal(chooseRegion({ provider: "us-west-2", config: "us-east-1" }), "us-west-2");
    assert.equal(chooseRegion({ config: "us-east-1", environment: "ap-south-1" }), "us-east-1");
    assert.equal(chooseRegion({ environment: "ap-south-1" }), "ap-south-1");
    assert.equal(chooseRegion({ arg: " ", provider: undefined }), undefined);
  });

  it("opens the template's ports and enabled services, plus SSH only with a key", () => {
    assert.deepEqual(ingressPorts(rstudio, { ssh: false }), [22, 8787, 8888]);
    const noPorts = templateSchema.parse({ name: "plain", services: [{ name: "x", port: 8080 }] });
    assert.deepEqual(ingressPorts(noPorts, { ssh: false }), [8080]);
    assert.deepEqual(ingressPorts(noPorts, { ssh: true }), [22, 8080]);
    const rules = ingressRules(noPorts, ["203.0.113.0/24"], { ssh: true });
    assert.deepEqual(rules, [
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"], description: "SSH" },
      { protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["203.0.113.0/24"], description: "service x" },
    ]);
  });

  it("rejects contradictory or malformed arguments with the field and what to do", () => {
    const errors = validateWorkstationArgs({
      size: "M",
      instanceType: "m7i.large",
      vpcSecurityGroupIds: ["sg-1"],
      allowedCidrs: ["10.0.0.0/8", "10.0.0.300/8"],
      rootVolumeGb: 4,
    });
    assert.deepEqual(
      errors.map((error) => error.propertyPath),
      ["size", "allowedCidrs", "allowedCidrs[1]", "rootVolumeGb"],
    );
    assert.match(errors[2].reason, /"10\.0\.0\.300\/8" is not an IPv4 CIDR block; write e\.g\./);
    assert.deepEqual(validateWorkstationArgs({ size: "M", allowedCidrs: ["198.51.100.7/32"] }), []);
    assert.equal(isIpv4Cidr("0.0.0.0/0"), true);
    assert.equal(isIpv4Cidr("10.0.0.0/33"), false);
  });

  it("gives SSH, Session Manager and per-service hints, with port forwarding when there is no address", () => {
    const hints = connectionHints({
      template: rstudio,
      instanceId: "i-123",
      region: "eu-west-1",
      host: "198.51.100.7",
      keyName: "lab",
    });
    assert.equal(hints.ssh, "ssh -i ~/.ssh/lab.pem ubuntu@198.51.100.7");
    assert.equal(hints.sessionManager, "aws ssm start-session --target i-123 --region eu-west-1");
    assert.deepEqual(hints.serviceUrls, {
      "rstudio-server": "http://198.51.100.7:8787",
      jupyter: "http://198.51.100.7:8888",
    });
    const hidden = connectionHints({
      template: templateSchema.parse({ name: "al", base: "amazonlinux-2023", services: [{ name: "web", port: 443 }] }),
      instanceId: "i-9",
      region: "us-east-1",
    });
    assert.equal(hidden.ssh, undefined);
    assert.match(hidden.serviceUrls.web, /AWS-StartPortForwardingSession .*portNumber=443.*https:\/\/localhost:443/);
  });

  it("writes a boot script on the AMI path only when the template has users or services, and it is valid bash", () => {
    assert.equal(amiPathBootScript(templateSchema.parse({ name: "bare" })), undefined);
    const script = amiPathBootScript(rstudio) as string;
    assert.match(script, /^#!\/bin\/bash\n/);
    assert.match(
      script,
      /id -u researcher >\/dev\/null 2>&1 \|\| useradd -m -s \/bin\/bash -G 'docker,it'\\''s' researcher/,
    );
    assert.match(script, /systemctl enable --now rstudio-server\.service/);
    assert.doesNotMatch(script, /disabled-thing/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cws-boot-")), "boot.sh");
    fs.writeFileSync(file, script);
    execFileSync("bash", ["-n", file]);
  });

  it("tags the template, its version, the resolution method and the owner, letting user tags win", () => {
    const tags = workstationTags({
      name: "alice",
      templateName: "python-ml",
      templateVersion: "1.2",
      resolutionMethod: "dynamic_search",
      launchMode: "ami",
      owner: "alice",
      project: "genomics",
      tags: { Project: "override" },
    });
    assert.deepEqual(tags, {
      Name: "alice",
      "cloudworkstation:template": "python-ml",
      "cloudworkstation:template-version": "1.2",
      "cloudworkstation:resolution-method": "dynamic_search",
      "cloudworkstation:launch-mode": "ami",
      "cloudworkstation:owner": "alice",
      Owner: "alice",
      "cloudworkstation:project": "genomics",
      Project: "override",
    });
  });

  it("calls the script path 'script' and every AMI tier 'ami'; sizes the root volume from the argument or template", () => {
    assert.equal(launchModeOf("fallback_script"), "script");
    for (const method of ["direct_mapping", "ssm_parameter", "dynamic_search", "marketplace", "cross_region"])
      assert.equal(launchModeOf(method), "ami");
    assert.equal(rootVolumeSize(rstudio), 80);
    assert.equal(rootVolumeSize(rstudio, 200), 200);
    assert.equal(rootVolumeSize(templateSchema.parse({ name: "x" })), 50);
  });
});
