import * as pulumi from "@pulumi/pulumi";

/**
 * Program side of the fleet prefetch (its provider side, which answers the wave and keeps the fleet's pins, is
 * provider-fleet-prefetch.ts). The engine calls `check` for one resource at a time, so a fleet's resolutions never
 * reach the batched resolver together on their own. Every AmiResolution constructed in the same turn of the
 * program's event loop joins one wave; the wave's first resolution (the carrier) takes all the wave's questions as its
 * `fleetQuestions` input, and the others depend on it. All dynamic resources of a program share one provider process,
 * so the carrier's check answers every question at once into the process-wide cache, and the later checks read it.
 * A resolution made in a later turn (inside an apply, after an await) starts a wave of its own: nothing is missed.
 */

/** The inputs that decide a resolution's AWS lookups (the question; refresh and copy bookkeeping do not). */
export const FLEET_QUESTION_KEYS = [
  "template",
  "templatesDirs",
  "templateObject",
  "parameters",
  "region",
  "architecture",
  "instanceType",
  "size",
  "strategy",
  "allowCrossRegionCopy",
] as const;

export type FleetQuestionInputs = Partial<Record<(typeof FLEET_QUESTION_KEYS)[number], unknown>>;

interface Wave {
  carrier?: pulumi.Resource;
  questions: Promise<unknown>[];
  /** Settles if the carrier's question fails: the SDK then never registers it, and nobody may wait for that. */
  carrierFailed: Promise<void>;
}

/** The open wave per stack (`<project>/<stack>`): inline Automation API programs may run in one process at once. */
const openWaves = new Map<string, Wave>();

/**
 * What joining a wave adds to an AmiResolution's inputs: for the carrier, the wave's questions; for the others, a
 * value that settles (as nothing) once the carrier is registered, so they are checked after it. A wait, not
 * `dependsOn`: no dependency is recorded in state, and a carrier that fails does not fail the others.
 */
export interface FleetMembership {
  fleetQuestions: pulumi.Output<unknown[] | undefined>;
  /** Call with the constructed resource (the carrier is known only after its constructor ran). */
  joined(resource: pulumi.Resource): void;
}

/** Adds one resolution's question to the open wave (opening one when none is). */
export function joinFleet(args: FleetQuestionInputs): FleetMembership {
  const output = pulumi.output(
    Object.fromEntries(FLEET_QUESTION_KEYS.filter((key) => args[key] !== undefined).map((key) => [key, args[key]])),
  );
  const question = settled(output);
  const stack = `${pulumi.getProject()}/${pulumi.getStack()}`;
  const wave = openWaves.get(stack);
  if (wave?.carrier) {
    wave.questions.push(question);
    const carrierRegistered = Promise.race([settled(wave.carrier.urn), wave.carrierFailed]).then(() => undefined);
    return { fleetQuestions: pulumi.output(carrierRegistered), joined: () => undefined };
  }
  const carrierFailed = new Promise<void>((resolve) =>
    (output as unknown as { promise(): Promise<unknown> }).promise().then(undefined, () => resolve()),
  );
  const opened: Wave = { questions: [question], carrierFailed };
  openWaves.set(stack, opened);
  // The wave closes after this turn of the event loop: the program's synchronous construction is done by then.
  const closed = new Promise<void>((resolve) =>
    setTimeout(() => {
      if (openWaves.get(stack) === opened) openWaves.delete(stack);
      resolve();
    }, 0),
  );
  const questions = closed.then(async () => dedupe(await Promise.all(opened.questions)));
  return { fleetQuestions: pulumi.output(questions), joined: (resource) => (opened.carrier = resource) };
}

/**
 * An output's value, or undefined when it is unknown (preview), secret (the carrier's state must not hold another
 * resolution's secret in plain text) or failed: another resolution's bad input is its own error to report.
 */
function settled<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  // Output has no public way to observe a failure without failing; these promises are what its apply uses.
  const internal = output as unknown as {
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    promise(): Promise<T>;
  };
  return Promise.all([internal.isKnown, internal.isSecret])
    .then(([known, secret]) => (known && !secret ? internal.promise() : undefined))
    .catch(() => undefined);
}

function dedupe(questions: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const question of questions) if (question !== undefined) seen.set(JSON.stringify(question), question);
  return [...seen.values()];
}
