/**
 * What a template's `idle_detection` makes of a workstation, as pure functions (no Pulumi, no AWS): the CloudWatch
 * alarm that stops an idle instance, whether the instance can hibernate, the on-instance idle agent that hibernates
 * it, and the IAM policy that lets the agent stop only its own instance. Internal. Exported for testing.
 */
import { findInSizeTable, parseInstanceType } from "../resolver/instance-families";
import type { Template } from "../templates/schema";

type IdleDetection = NonNullable<Template["idle_detection"]>;

/** Used when `idle_detection` is enabled but names no threshold at all. */
export const DEFAULT_IDLE_THRESHOLD_MINUTES = 60;
export const DEFAULT_CHECK_INTERVAL_MINUTES = 5;
/** Average CPU below this percentage counts as idle for the stop alarm. */
export const IDLE_CPU_PERCENT = 5;
/** EC2 basic monitoring publishes CPUUtilization every 5 minutes; a shorter alarm period would only see gaps. */
const BASIC_MONITORING_MINUTES = 5;
/** CloudWatch limit: period × evaluation periods at most one day (for periods of a minute or more). */
const MAX_ALARM_WINDOW_MINUTES = 24 * 60;

export interface StopAlarmPlan {
  idleMinutes: number;
  /** Seconds per datapoint. */
  period: number;
  evaluationPeriods: number;
  cpuPercent: number;
}

export interface HibernationPlan {
  /** Minutes without logged-in users, Session Manager sessions or CPU load before the agent hibernates. */
  afterMinutes: number;
  checkIntervalMinutes: number;
}

export interface IdlePlan {
  stopAlarm?: StopAlarmPlan;
  hibernation?: HibernationPlan;
  /** Problems with the template's idle_detection, each naming the field and what to do. */
  errors: string[];
}

/**
 * The idle behaviour a template asks for. `idle_threshold_minutes` → a CloudWatch alarm that stops the instance;
 * `hibernate_threshold_minutes` → hibernation by the on-instance agent, which must come before the stop (a stopped
 * instance cannot hibernate); enabled with neither → the alarm at DEFAULT_IDLE_THRESHOLD_MINUTES.
 */
export function planIdle(idle: IdleDetection | undefined): IdlePlan {
  const plan: IdlePlan = { errors: [] };
  if (!idle || idle.enabled === false) return plan;
  const checkInterval = idle.check_interval_minutes ?? DEFAULT_CHECK_INTERVAL_MINUTES;
  const hibernateAfter = idle.hibernate_threshold_minutes;
  const idleMinutes =
    idle.idle_threshold_minutes ?? (hibernateAfter === undefined ? DEFAULT_IDLE_THRESHOLD_MINUTES : undefined);

  if (idleMinutes !== undefined) {
    const periodMinutes = Math.max(checkInterval, BASIC_MONITORING_MINUTES);
    const evaluationPeriods = Math.max(1, Math.ceil(idleMinutes / periodMinutes));
    if (periodMinutes * evaluationPeriods > MAX_ALARM_WINDOW_MINUTES) {
      plan.errors.push(
        `idle_detection.idle_threshold_minutes: ${idleMinutes} is longer than CloudWatch can watch in one alarm ` +
          `(${MAX_ALARM_WINDOW_MINUTES} minutes); give at most ${MAX_ALARM_WINDOW_MINUTES}, or set enabled: false`,
      );
    } else {
      plan.stopAlarm = { idleMinutes, period: periodMinutes * 60, evaluationPeriods, cpuPercent: IDLE_CPU_PERCENT };
    }
  }
  if (hibernateAfter !== undefined) {
    if (idleMinutes !== undefined && hibernateAfter >= idleMinutes) {
      plan.errors.push(
        `idle_detection.hibernate_threshold_minutes: ${hibernateAfter} is not below idle_threshold_minutes ` +
          `(${idleMinutes}), so the stop alarm would always act first and the workstation would never hibernate; ` +
          `make hibernate_threshold_minutes smaller, or drop idle_threshold_minutes`,
      );
    } else if (checkInterval > hibernateAfter) {
      plan.errors.push(
        `idle_detection.check_interval_minutes: ${checkInterval} is longer than hibernate_threshold_minutes ` +
          `(${hibernateAfter}); check at least as often as the threshold`,
      );
    } else {
      plan.hibernation = { afterMinutes: hibernateAfter, checkIntervalMinutes: checkInterval };
    }
  }
  return plan;
}

/** The CloudWatch alarm action that stops an EC2 instance in `region`. */
export function stopActionArn(region: string): string {
  return `arn:aws:automate:${region}:ec2:stop`;
}

/**
 * Instance families that can hibernate (Linux), per the EC2 User Guide's "Prerequisites for EC2 instance
 * hibernation". The one table every hibernation decision reads. GPU families are left out.
 */
export const HIBERNATION_FAMILIES: ReadonlySet<string> = new Set([
  // General purpose
  ..."m3 m4 m5 m5a m5ad m5d m6a m6g m6gd m6i m6id m6idn m6in m7a m7g m7gd m7i m7i-flex m8g t2 t3 t3a t4g".split(" "),
  // Compute optimized
  ..."c3 c4 c5 c5d c6a c6g c6gd c6i c6id c6in c7a c7g c7gd c7i c7i-flex c8g".split(" "),
  // Memory optimized
  ..."r3 r4 r5 r5a r5ad r5d r6a r6g r6gd r6i r6id r6idn r6in r7a r7g r7gd r7i r7iz r8g x2gd".split(" "),
  // Storage optimized
  "i3",
  "i3en",
]);
/** EC2 cannot hibernate an instance with more RAM than this. */
export const HIBERNATION_MAX_RAM_GIB = 150;
/** Room on the root volume for the OS and packages, on top of the RAM image hibernation writes there. */
export const HIBERNATION_OS_ALLOWANCE_GIB = 16;

const GIB_PER_VCPU: Readonly<Record<string, number>> = { m: 4, c: 2, r: 8 };
const BURSTABLE_GIB: Readonly<Record<string, number>> = {
  nano: 0.5,
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  "2xlarge": 32,
};

/**
 * RAM of an instance type in GiB: from the size table, else from the family's class (m: 4 GiB per vCPU, c: 2,
 * r: 8; t: the burstable sizes). Undefined when it cannot be told.
 */
export function instanceMemoryGiB(instanceType: string): number | undefined {
  const inTable = findInSizeTable(instanceType);
  if (inTable) return inTable.option.memoryGiB;
  const { family, suffix } = parseInstanceType(instanceType);
  if (/^t\d/.test(family)) return BURSTABLE_GIB[suffix];
  const perVcpu = GIB_PER_VCPU[family[0]];
  const match = /^(\d*)x?large$/.exec(suffix);
  if (perVcpu === undefined || !match) return undefined;
  const vcpus = suffix === "large" ? 2 : 4 * (match[1] ? Number(match[1]) : 1);
  return vcpus * perVcpu;
}

/** Why this instance cannot hibernate with this root volume (undefined when it can), with what to do. */
export function hibernationProblem(input: {
  instanceType: string;
  rootVolumeGb: number;
  encryptedRoot: boolean;
}): string | undefined {
  const { family, suffix } = parseInstanceType(input.instanceType);
  if (!HIBERNATION_FAMILIES.has(family) || suffix.includes("metal")) {
    return (
      `${input.instanceType} cannot hibernate (the ${family} family${suffix.includes("metal") ? "'s bare metal sizes" : ""} ` +
      `do not support it); choose a size or type of a family that does (e.g. m7i, m7g, t3, c7i, r7i), ` +
      `or drop idle_detection.hibernate_threshold_minutes`
    );
  }
  const memory = instanceMemoryGiB(input.instanceType);
  if (memory === undefined) {
    return `cannot tell how much RAM ${input.instanceType} has, so not whether its root volume can hold it; choose a size (XS…XL) or drop idle_detection.hibernate_threshold_minutes`;
  }
  if (memory > HIBERNATION_MAX_RAM_GIB) {
    return `${input.instanceType} has ${memory} GiB of RAM; EC2 hibernates at most ${HIBERNATION_MAX_RAM_GIB} GiB. Choose a smaller size or drop idle_detection.hibernate_threshold_minutes`;
  }
  if (!input.encryptedRoot) return "hibernation needs an encrypted root volume";
  const needed = Math.ceil(memory + HIBERNATION_OS_ALLOWANCE_GIB);
  if (input.rootVolumeGb < needed) {
    return (
      `the root volume (${input.rootVolumeGb} GiB) cannot hold ${input.instanceType}'s ${memory} GiB of RAM plus ` +
      `${HIBERNATION_OS_ALLOWANCE_GIB} GiB for the OS; set rootVolumeGb (or the template's instance_defaults.root_volume_gb) ` +
      `to at least ${needed}, or drop idle_detection.hibernate_threshold_minutes`
    );
  }
  return undefined;
}

export const IDLE_AGENT_PATH = "/usr/local/sbin/cloudworkstation-idle-agent";

/**
 * The user-data section installing the idle agent: a systemd timer that runs every check interval; the agent
 * counts the instance idle while nobody is logged in, no Session Manager session is open and the load is below
 * 10% of the CPUs, and after `afterMinutes` idle calls `aws ec2 stop-instances --hibernate` on its own instance
 * (id and region from IMDSv2). A gap between checks longer than two intervals (the instance was asleep) restarts
 * the count.
 */
export function idleAgentSection(plan: HibernationPlan): string {
  const interval = plan.checkIntervalMinutes;
  return [
    `# CloudWorkstation idle agent: hibernate after ${plan.afterMinutes} idle minutes (checked every ${interval}).`,
    "mkdir -p /var/lib/cloudworkstation",
    `cat > ${IDLE_AGENT_PATH} <<'CWS_IDLE_AGENT'`,
    "#!/bin/bash",
    "set -uo pipefail",
    "state=/var/lib/cloudworkstation/idle",
    `after=$((${plan.afterMinutes} * 60))`,
    `gap=$((${interval} * 120))`,
    "now=$(date +%s)",
    "busy() {",
    '  [ -n "$(who)" ] && return 0',
    "  pgrep -f ssm-session-worker >/dev/null && return 0",
    "  awk -v n=\"$(nproc)\" '{ exit !($1 >= 0.1 * n) }' /proc/loadavg",
    "}",
    'read -r since last 2>/dev/null <"$state" || { since=$now; last=$now; }',
    'if busy || [ $((now - last)) -gt "$gap" ]; then since=$now; fi',
    'echo "$since $now" > "$state"',
    '[ $((now - since)) -ge "$after" ] || exit 0',
    "command -v aws >/dev/null || snap install aws-cli --classic || dnf -y install awscli-2 || exit 1",
    'token=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")',
    'meta() { curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"; }',
    'rm -f "$state"',
    'aws ec2 stop-instances --hibernate --instance-ids "$(meta instance-id)" --region "$(meta placement/region)"',
    "CWS_IDLE_AGENT",
    `chmod 0755 ${IDLE_AGENT_PATH}`,
    "cat > /etc/systemd/system/cloudworkstation-idle.service <<'CWS_IDLE_UNIT'",
    "[Unit]",
    "Description=CloudWorkstation idle check (hibernates this instance when idle)",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${IDLE_AGENT_PATH}`,
    "CWS_IDLE_UNIT",
    "cat > /etc/systemd/system/cloudworkstation-idle.timer <<'CWS_IDLE_TIMER'",
    "[Unit]",
    "Description=CloudWorkstation idle check timer",
    "[Timer]",
    `OnBootSec=${interval}min`,
    `OnUnitActiveSec=${interval}min`,
    "[Install]",
    "WantedBy=timers.target",
    "CWS_IDLE_TIMER",
    "systemctl daemon-reload && systemctl enable --now cloudworkstation-idle.timer",
  ].join("\n");
}

/**
 * User data with the idle agent installed first (right after the shebang), so a provisioning step that fails
 * later cannot leave a workstation that never hibernates.
 */
export function withIdleAgent(userData: string | undefined, agent: string): string {
  return withBootSection(userData, agent);
}

/** Puts a bash section first in the user data, after its shebang (a script without one gets `#!/bin/bash`). */
export function withBootSection(userData: string | undefined, section: string): string {
  if (!userData) return `#!/bin/bash\n${section}\n`;
  const newline = userData.indexOf("\n");
  if (!userData.startsWith("#!") || newline < 0) return `#!/bin/bash\n${section}\n${userData}`;
  return `${userData.slice(0, newline + 1)}${section}\n${userData.slice(newline + 1)}`;
}

/** The instance role's inline policy for the agent: stop (hibernate) this one instance, nothing else. */
export function hibernateSelfPolicy(instanceArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "HibernateOwnInstanceWhenIdle",
        Effect: "Allow",
        Action: "ec2:StopInstances",
        Resource: instanceArn,
      },
    ],
  };
}
