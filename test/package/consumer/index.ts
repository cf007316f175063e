// A consumer's Pulumi program, compiled against the packed package: every public component and type.
import * as pulumi from "@pulumi/pulumi";
import {
  AmiResolution,
  MultiRegionAmi,
  ResearchWorkstation,
  SavedTemplate,
  loadTemplate,
  type Architecture,
  type ConnectionHints,
  type LaunchMode,
  type MultiRegionAmiArgs,
  type RefreshMode,
  type ResearchWorkstationArgs,
  type ResolutionResult,
  type SavedTemplateArgs,
  type SharingOptions,
  type Size,
  type Strategy,
} from "cloudworkstation";
import { resolveAmi, TIER_ORDER } from "cloudworkstation/resolver";
import { KNOWN_REGIONS } from "cloudworkstation/templates";
import type { AmiAnswers, WorkstationMocksOptions } from "cloudworkstation/testing";

const size: Size = "M";
const strategy: Strategy = "ami_preferred";
const refresh: RefreshMode = "pinned";
const architecture: Architecture = "x86_64";
const args: ResearchWorkstationArgs = {
  template: "ubuntu-24.04-base",
  region: "us-east-1",
  size,
  strategy,
  refresh,
  architecture,
  allowedCidrs: ["203.0.113.0/24"],
  owner: "alice@example.org",
};
const alice = new ResearchWorkstation("alice", args);
const launchMode: pulumi.Output<LaunchMode> = alice.launchMode;
const connection: pulumi.Output<ConnectionHints> = alice.connection;

const resolution = new AmiResolution("bob-ami", { template: "python-ml", region: "us-east-1" });

const sharing: SharingOptions = { accountIds: ["123456789012"] };
const copiesArgs: MultiRegionAmiArgs = {
  sourceAmiId: "ami-00c41000000000001",
  sourceRegion: "us-east-1",
  regions: ["us-west-2"],
  sharing,
};
const copies = new MultiRegionAmi("lab-image", copiesArgs);
const savedArgs: SavedTemplateArgs | undefined = undefined;
void savedArgs;
void SavedTemplate;

// The Pulumi-free entry points type-check as plain functions.
const resolve: (template: Parameters<typeof resolveAmi>[0]) => unknown = (template) => template;
void resolve;
const tiers: readonly string[] = TIER_ORDER;
const regionCount: number = KNOWN_REGIONS.length;
const template = loadTemplate("python-ml");
const methodOf = (result: ResolutionResult): string => result.method;
void methodOf;
// The testing entry point's types (a lab's unit tests import workstationMocks from it).
const answers: AmiAnswers = { "python-ml": { "us-east-1": "ami-0123456789abcdef0" } };
const testingOptions: WorkstationMocksOptions = { answers };
void testingOptions;

export const outputs = {
  amiId: alice.amiId,
  launchMode,
  connection,
  resolvedAmi: resolution.amiId,
  copies: copies.amiIds,
  tiers,
  regionCount,
  templateName: template.template.name,
};
