import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import { allTags, defined, fromAwsTags, orMissing, toAwsTags } from "../context";
import type { Props, StandinContext, StandinResource } from "../resource";
import { ownTags } from "./ec2-common";

/** The Session Manager role, its managed-policy attachment, instance profile and the hibernate-self inline policy. */

/** IAM returns policy documents URL-encoded; compare and store them as the JSON text given (the provider normalizes). */
const policyText = (document: string | undefined) => {
  if (document === undefined) return undefined;
  const text = document.startsWith("%7B") || document.startsWith("%7b") ? decodeURIComponent(document) : document;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
};

async function describeRole(ctx: StandinContext, name: string, known: Props): Promise<Props | undefined> {
  const role = (await orMissing(() => ctx.aws.iam().send(new GetRoleCommand({ RoleName: name }))))?.Role;
  if (!role) return undefined;
  const tags = fromAwsTags(role.Tags);
  return defined({
    arn: role.Arn,
    name: role.RoleName,
    uniqueId: role.RoleId,
    path: role.Path,
    createDate: role.CreateDate?.toISOString(),
    description: role.Description ?? "",
    maxSessionDuration: role.MaxSessionDuration ?? 3600,
    assumeRolePolicy: policyText(role.AssumeRolePolicyDocument),
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
  });
}

export const iamRole: StandinResource = {
  token: "aws:iam/role:Role",
  regional: false,
  autoName: "name",
  inputs: { name: true, description: true, assumeRolePolicy: true, tags: true },
  outputs: {
    arn: true,
    name: true,
    uniqueId: true,
    path: true,
    createDate: true,
    description: true,
    maxSessionDuration: true,
    assumeRolePolicy: true,
    tags: true,
    tagsAll: true,
  },
  replaceOnChange: { name: "Terraform AWS provider, aws_iam_role: name is ForceNew" },
  async create(ctx, inputs) {
    const tags = allTags(ctx.config, inputs.tags);
    await ctx.aws.iam().send(
      new CreateRoleCommand({
        RoleName: inputs.name,
        Description: inputs.description,
        AssumeRolePolicyDocument: inputs.assumeRolePolicy,
        Tags: toAwsTags(tags),
      }),
    );
    return { id: inputs.name, outs: (await describeRole(ctx, inputs.name, inputs)) as Props };
  },
  read: (ctx, id, props) => describeRole(ctx, id, props),
  async update(ctx, id, olds, news, changed) {
    const iam = ctx.aws.iam();
    if (changed.includes("assumeRolePolicy"))
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: id, PolicyDocument: news.assumeRolePolicy }));
    if (changed.includes("description"))
      await iam.send(new UpdateRoleCommand({ RoleName: id, Description: news.description ?? "" }));
    if (changed.includes("tags")) {
      const wanted = allTags(ctx.config, news.tags);
      const gone = Object.keys(olds.tagsAll ?? {}).filter((key) => !(key in wanted));
      if (gone.length) await iam.send(new UntagRoleCommand({ RoleName: id, TagKeys: gone }));
      if (Object.keys(wanted).length) await iam.send(new TagRoleCommand({ RoleName: id, Tags: toAwsTags(wanted) }));
    }
    return (await describeRole(ctx, id, news)) as Props;
  },
  async delete(ctx, id) {
    await ctx.aws.iam().send(new DeleteRoleCommand({ RoleName: id }));
  },
};

export const iamRolePolicyAttachment: StandinResource = {
  token: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  regional: false,
  inputs: { role: true, policyArn: true },
  outputs: { role: true, policyArn: true },
  replaceOnChange: {
    role: "Terraform AWS provider, aws_iam_role_policy_attachment: role is ForceNew",
    policyArn: "Terraform AWS provider, aws_iam_role_policy_attachment: policy_arn is ForceNew",
  },
  async create(ctx, inputs) {
    await ctx.aws.iam().send(new AttachRolePolicyCommand({ RoleName: inputs.role, PolicyArn: inputs.policyArn }));
    return { id: `${inputs.role}/${inputs.policyArn}`, outs: { role: inputs.role, policyArn: inputs.policyArn } };
  },
  async read(ctx, _id, props) {
    const attached = await orMissing(() =>
      ctx.aws.iam().send(new ListAttachedRolePoliciesCommand({ RoleName: props.role })),
    );
    const found = attached?.AttachedPolicies?.some((policy) => policy.PolicyArn === props.policyArn);
    return found ? { role: props.role, policyArn: props.policyArn } : undefined;
  },
  async update(_ctx, _id, olds) {
    return olds; // every input replaces
  },
  async delete(ctx, _id, props) {
    await ctx.aws.iam().send(new DetachRolePolicyCommand({ RoleName: props.role, PolicyArn: props.policyArn }));
  },
};

async function describeProfile(ctx: StandinContext, name: string): Promise<Props | undefined> {
  const profile = (
    await orMissing(() => ctx.aws.iam().send(new GetInstanceProfileCommand({ InstanceProfileName: name })))
  )?.InstanceProfile;
  if (!profile) return undefined;
  return defined({
    arn: profile.Arn,
    name: profile.InstanceProfileName,
    uniqueId: profile.InstanceProfileId,
    path: profile.Path,
    createDate: profile.CreateDate?.toISOString(),
    role: profile.Roles?.[0]?.RoleName,
    tagsAll: fromAwsTags(profile.Tags),
  });
}

async function setProfileRole(iam: IAMClient, profile: string, from: string | undefined, to: string | undefined) {
  if (from) await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile, RoleName: from }));
  if (to) await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: to }));
}

export const iamInstanceProfile: StandinResource = {
  token: "aws:iam/instanceProfile:InstanceProfile",
  regional: false,
  autoName: "name",
  inputs: { name: true, role: true },
  outputs: { arn: true, name: true, uniqueId: true, path: true, createDate: true, role: true, tagsAll: true },
  replaceOnChange: { name: "Terraform AWS provider, aws_iam_instance_profile: name is ForceNew" },
  async create(ctx, inputs) {
    const tags = allTags(ctx.config, inputs.tags);
    await ctx.aws
      .iam()
      .send(new CreateInstanceProfileCommand({ InstanceProfileName: inputs.name, Tags: toAwsTags(tags) }));
    await setProfileRole(ctx.aws.iam(), inputs.name, undefined, inputs.role);
    return { id: inputs.name, outs: (await describeProfile(ctx, inputs.name)) as Props };
  },
  read: (ctx, id) => describeProfile(ctx, id),
  async update(ctx, id, olds, news, changed) {
    if (changed.includes("role")) await setProfileRole(ctx.aws.iam(), id, olds.role, news.role);
    return (await describeProfile(ctx, id)) as Props;
  },
  async delete(ctx, id, props) {
    if (props.role) await setProfileRole(ctx.aws.iam(), id, props.role, undefined);
    await ctx.aws.iam().send(new DeleteInstanceProfileCommand({ InstanceProfileName: id }));
  },
};

export const iamRolePolicy: StandinResource = {
  token: "aws:iam/rolePolicy:RolePolicy",
  regional: false,
  autoName: "name",
  inputs: { name: true, role: true, policy: true },
  outputs: { name: true, role: true, policy: true },
  replaceOnChange: {
    name: "Terraform AWS provider, aws_iam_role_policy: name is ForceNew",
    role: "Terraform AWS provider, aws_iam_role_policy: role is ForceNew",
  },
  async create(ctx, inputs) {
    await ctx.aws
      .iam()
      .send(
        new PutRolePolicyCommand({ RoleName: inputs.role, PolicyName: inputs.name, PolicyDocument: inputs.policy }),
      );
    return {
      id: `${inputs.role}:${inputs.name}`,
      outs: { name: inputs.name, role: inputs.role, policy: policyText(inputs.policy) },
    };
  },
  async read(ctx, _id, props) {
    const policy = await orMissing(() =>
      ctx.aws.iam().send(new GetRolePolicyCommand({ RoleName: props.role, PolicyName: props.name })),
    );
    return policy && { name: policy.PolicyName, role: policy.RoleName, policy: policyText(policy.PolicyDocument) };
  },
  async update(ctx, _id, _olds, news) {
    await ctx.aws
      .iam()
      .send(new PutRolePolicyCommand({ RoleName: news.role, PolicyName: news.name, PolicyDocument: news.policy }));
    return { name: news.name, role: news.role, policy: policyText(news.policy) };
  },
  async delete(ctx, _id, props) {
    await ctx.aws.iam().send(new DeleteRolePolicyCommand({ RoleName: props.role, PolicyName: props.name }));
  },
};
