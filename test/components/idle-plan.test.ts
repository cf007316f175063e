import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DEFAULT_IDLE_THRESHOLD_MINUTES,
  HIBERNATION_FAMILIES,
  hibernateSelfPolicy,
  hibernationProblem,
  idleAgentSection,
  instanceMemoryGiB,
  planIdle,
  stopActionArn,
  withIdleAgent,
} from "../../src/components/idle-plan";
import { SIZE_TABLE } from "../../src/resolver/instance-families";

describe("idle behaviour decisions", () => {
  it("turns idle_threshold_minutes into a stop alarm whose period follows the check interval but never beats basic monitoring", () => {
    assert.deepEqual(planIdle({ enabled: true, idle_threshold_minutes: 60, check_interval_minutes: 5 }), {
      errors: [],
      stopAlarm: { idleMinutes: 60, period: 300, evaluationPeriods: 12, cpuPercent: 5 },
    });
    // A 1-minute interval would only see the gaps between 5-minute datapoints.
    assert.equal(
      planIdle({ enabled: true, idle_threshold_minutes: 30, check_interval_minutes: 1 }).stopAlarm?.period,
      300,
    );
    const slow = planIdle({ enabled: true, idle_threshold_minutes: 120, check_interval_minutes: 15 }).stopAlarm!;
    assert.equal(slow.period, 900);
    assert.equal(slow.evaluationPeriods, 8);
    // Rounds up: 62 minutes idle needs 13 five-minute datapoints.
    assert.equal(planIdle({ enabled: true, idle_threshold_minutes: 62 }).stopAlarm?.evaluationPeriods, 13);
  });

  it("does nothing when idle detection is absent or disabled, and uses the default threshold when enabled without one", () => {
    assert.deepEqual(planIdle(undefined), { errors: [] });
    assert.deepEqual(planIdle({ enabled: false, idle_threshold_minutes: 10 }), { errors: [] });
    assert.equal(planIdle({ enabled: true }).stopAlarm?.idleMinutes, DEFAULT_IDLE_THRESHOLD_MINUTES);
  });

  it("plans hibernation only before the stop, and says which field to change otherwise", () => {
    assert.deepEqual(planIdle({ enabled: true, hibernate_threshold_minutes: 20 }), {
      errors: [],
      hibernation: { afterMinutes: 20, checkIntervalMinutes: 5 },
    });
    const both = planIdle({ enabled: true, idle_threshold_minutes: 120, hibernate_threshold_minutes: 30 });
    assert.equal(both.stopAlarm?.idleMinutes, 120);
    assert.equal(both.hibernation?.afterMinutes, 30);
    const late = planIdle({ enabled: true, idle_threshold_minutes: 30, hibernate_threshold_minutes: 30 });
    assert.match(late.errors.join(), /hibernate_threshold_minutes: 30 is not below idle_threshold_minutes \(30\)/);
    assert.equal(late.hibernation, undefined);
    assert.match(
      planIdle({ enabled: true, idle_threshold_minutes: 2000 }).errors.join(),
      /idle_threshold_minutes: 2000 is longer than CloudWatch can watch in one alarm \(1440 minutes\)/,
    );
    assert.match(
      planIdle({ enabled: true, hibernate_threshold_minutes: 10, check_interval_minutes: 15 }).errors.join(),
      /check_interval_minutes: 15 is longer than hibernate_threshold_minutes/,
    );
  });

  it("stops through the region's EC2 automate action", () => {
    assert.equal(stopActionArn("eu-west-1"), "arn:aws:automate:eu-west-1:ec2:stop");
  });

  it("knows the RAM of size-table types and of m/c/r/t types by their size", () => {
    for (const row of Object.values(SIZE_TABLE))
      for (const options of Object.values(row))
        for (const option of options) assert.equal(instanceMemoryGiB(option.instanceType), option.memoryGiB);
    assert.equal(instanceMemoryGiB("c7i.large"), 4);
    assert.equal(instanceMemoryGiB("r7i.2xlarge"), 64);
    assert.equal(instanceMemoryGiB("t3.micro"), 1);
    assert.equal(instanceMemoryGiB("x2gd.medium"), undefined);
  });

  it("allows hibernation for capable families with an encrypted root large enough for RAM plus the OS, and refuses the rest", () => {
    assert.equal(hibernationProblem({ instanceType: "m7i.xlarge", rootVolumeGb: 50, encryptedRoot: true }), undefined);
    assert.equal(hibernationProblem({ instanceType: "t3.medium", rootVolumeGb: 20, encryptedRoot: true }), undefined);
    assert.match(
      hibernationProblem({ instanceType: "g5.xlarge", rootVolumeGb: 200, encryptedRoot: true }) ?? "",
      /g5\.xlarge cannot hibernate \(the g5 family do not support it\)/,
    );
    assert.match(
      hibernationProblem({ instanceType: "m7i.metal-24xl", rootVolumeGb: 800, encryptedRoot: true }) ?? "",
      /bare metal/,
    );
    assert.match(
      hibernationProblem({ instanceType: "m7i.4xlarge", rootVolumeGb: 50, encryptedRoot: true }) ?? "",
      /root volume \(50 GiB\) cannot hold m7i\.4xlarge's 64 GiB of RAM plus 16 GiB for the OS; set rootVolumeGb .* to at least 80/,
    );
    assert.match(
      hibernationProblem({ instanceType: "r7i.8xlarge", rootVolumeGb: 1000, encryptedRoot: true }) ?? "",
      /256 GiB of RAM; EC2 hibernates at most 150 GiB/,
    );
    assert.match(
      hibernationProblem({ instanceType: "m7i.large", rootVolumeGb: 50, encryptedRoot: false }) ?? "",
      /encrypted root/,
    );
  });

  it("keeps the hibernation family table to instance families only (one table, lowercase)", () => {
    for (const family of HIBERNATION_FAMILIES) assert.match(family, /^[a-z]+\d+[a-z]*(-flex)?$/);
    assert.ok(HIBERNATION_FAMILIES.has("m7g") && HIBERNATION_FAMILIES.has("t3"));
  });

  it("installs the idle agent first in the user data, keeping the original script's shebang and body", () => {
    const agent = idleAgentSection({ afterMinutes: 20, checkIntervalMinutes: 5 });
    const combined = withIdleAgent("#!/bin/bash\nset -euo pipefail\necho provisioning\n", agent);
    assert.ok(combined.startsWith(`#!/bin/bash\n${agent}\nset -euo pipefail\necho provisioning\n`));
    assert.equal(withIdleAgent(undefined, agent), `#!/bin/bash\n${agent}\n`);
  });

  it("renders an idle agent that bash accepts, with a systemd timer at the check interval and a hibernating stop of its own instance", () => {
    const agent = idleAgentSection({ afterMinutes: 20, checkIntervalMinutes: 5 });
    assert.match(agent, /OnUnitActiveSec=5min/);
    assert.match(agent, /after=\$\(\(20 \* 60\)\)/);
    assert.match(agent, /aws ec2 stop-instances --hibernate --instance-ids "\$\(meta instance-id\)"/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-idle-"));
    try {
      const file = path.join(dir, "user-data.sh");
      fs.writeFileSync(file, withIdleAgent(undefined, agent));
      execFileSync("bash", ["-n", file]);
      // The agent script itself (between the heredoc markers) parses too.
      const body = agent.split("<<'CWS_IDLE_AGENT'\n")[1].split("\nCWS_IDLE_AGENT\n")[0];
      fs.writeFileSync(path.join(dir, "agent.sh"), body);
      execFileSync("bash", ["-n", path.join(dir, "agent.sh")]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lets the agent stop only its own instance", () => {
    const arn = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc";
    assert.deepEqual(hibernateSelfPolicy(arn), {
      Version: "2012-10-17",
      Statement: [{ Sid: "HibernateOwnInstanceWhenIdle", Effect: "Allow", Action: "ec2:StopInstances", Resource: arn }],
    });
  });
});
