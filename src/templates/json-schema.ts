import { z } from "zod";
import { templateFileSchema } from "./schema";

/** Stable identifier of the template schema; templates point at the copy next to them (`templates/schema.json`). */
export const TEMPLATE_SCHEMA_ID = "urn:cloudworkstation:schema:template:v1";

/**
 * The template format as JSON Schema (draft 2020-12), generated from the zod schema so the two cannot drift.
 * Input mode: keys with defaults are optional, as they are when writing a file. Checks zod expresses as code
 * (ami_required needs a source, type or size, …) are not in it: editors catch shape and spelling, the loader the rest.
 * The deprecated `amis` key is allowed and marked deprecated, so older files are not flagged while they still load.
 */
export function templateJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(templateFileSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: TEMPLATE_SCHEMA_ID,
    title: "CloudWorkstation template",
    description:
      "A research workstation template: software, services, users, instance defaults and where its image comes from. See docs/templates.md.",
    ...rest,
  };
}
