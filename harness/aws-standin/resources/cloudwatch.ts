import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-cloudwatch";
import { allTags, defined, fromAwsTags, regionOf, toAwsTags } from "../context";
import type { Props, StandinContext, StandinResource } from "../resource";
import { ownTags } from "./ec2-common";

/** aws.cloudwatch.MetricAlarm: the idle-stop alarm, written with PutMetricAlarm (create and update alike). */

const put = (cloudwatch: CloudWatchClient, inputs: Props, tags?: Record<string, string>) =>
  cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: inputs.name,
      AlarmDescription: inputs.alarmDescription,
      Namespace: inputs.namespace,
      MetricName: inputs.metricName,
      Dimensions: Object.entries(inputs.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value: String(Value) })),
      Statistic: inputs.statistic,
      ComparisonOperator: inputs.comparisonOperator,
      Threshold: inputs.threshold,
      Period: inputs.period,
      EvaluationPeriods: inputs.evaluationPeriods,
      DatapointsToAlarm: inputs.datapointsToAlarm,
      TreatMissingData: inputs.treatMissingData,
      AlarmActions: inputs.alarmActions,
      ActionsEnabled: inputs.actionsEnabled ?? true,
      ...(tags ? { Tags: toAwsTags(tags) } : {}),
    }),
  );

async function describe(ctx: StandinContext, region: string, name: string, known: Props): Promise<Props | undefined> {
  const cloudwatch = ctx.aws.cloudwatch(region);
  const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  const alarm = MetricAlarms[0];
  if (!alarm) return undefined;
  const { Tags = [] } = await cloudwatch.send(new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }));
  const tags = fromAwsTags(Tags);
  return defined({
    region,
    arn: alarm.AlarmArn,
    name: alarm.AlarmName,
    alarmDescription: alarm.AlarmDescription,
    namespace: alarm.Namespace,
    metricName: alarm.MetricName,
    dimensions: Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name as string, d.Value as string])),
    statistic: alarm.Statistic,
    comparisonOperator: alarm.ComparisonOperator,
    threshold: alarm.Threshold,
    period: alarm.Period,
    evaluationPeriods: alarm.EvaluationPeriods,
    datapointsToAlarm: alarm.DatapointsToAlarm,
    treatMissingData: alarm.TreatMissingData,
    alarmActions: alarm.AlarmActions ?? [],
    actionsEnabled: alarm.ActionsEnabled ?? true,
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
  });
}

export const cloudwatchMetricAlarm: StandinResource = {
  token: "aws:cloudwatch/metricAlarm:MetricAlarm",
  regional: true,
  autoName: "name",
  inputs: {
    region: true,
    name: true,
    alarmDescription: true,
    namespace: true,
    metricName: true,
    dimensions: true,
    statistic: true,
    comparisonOperator: true,
    threshold: true,
    period: true,
    evaluationPeriods: true,
    datapointsToAlarm: true,
    treatMissingData: true,
    alarmActions: true,
    actionsEnabled: true,
    tags: true,
  },
  outputs: {
    region: true,
    arn: true,
    name: true,
    alarmDescription: true,
    namespace: true,
    metricName: true,
    dimensions: true,
    statistic: true,
    comparisonOperator: true,
    threshold: true,
    period: true,
    evaluationPeriods: true,
    datapointsToAlarm: true,
    treatMissingData: true,
    alarmActions: true,
    actionsEnabled: true,
    tags: true,
    tagsAll: true,
  },
  replaceOnChange: {
    region: "@pulumi/aws v7: every regional resource is replaced when its region changes",
    name: "Terraform AWS provider, aws_cloudwatch_metric_alarm: alarm_name is ForceNew",
  },
  sets: ["alarmActions"],
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    await put(ctx.aws.cloudwatch(region), inputs, allTags(ctx.config, inputs.tags));
    return { id: inputs.name, outs: (await describe(ctx, region, inputs.name, inputs)) as Props };
  },
  read: (ctx, id, props) => describe(ctx, regionOf(props, ctx.config), id, props),
  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const cloudwatch = ctx.aws.cloudwatch(region);
    await put(cloudwatch, news);
    if (changed.includes("tags")) {
      const wanted = allTags(ctx.config, news.tags);
      const gone = Object.keys(olds.tagsAll ?? {}).filter((key) => !(key in wanted));
      if (gone.length) await cloudwatch.send(new UntagResourceCommand({ ResourceARN: olds.arn, TagKeys: gone }));
      await cloudwatch.send(new TagResourceCommand({ ResourceARN: olds.arn, Tags: toAwsTags(wanted) }));
    }
    return (await describe(ctx, region, id, news)) as Props;
  },
  async delete(ctx, id, props) {
    await ctx.aws.cloudwatch(regionOf(props, ctx.config)).send(new DeleteAlarmsCommand({ AlarmNames: [id] }));
  },
};
