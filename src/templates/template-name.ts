/**
 * The template-name rule, in one place: a template's name is also its file name (`<name>.yml`), its catalog entry
 * and how other templates inherit from it, so the schema, the catalog, the API, `cws save` and SavedTemplate all
 * check it here and never disagree about a name.
 */

export const TEMPLATE_NAME_MAX_LENGTH = 100;
const TEMPLATE_NAME = `[a-z0-9][a-z0-9._-]{0,${TEMPLATE_NAME_MAX_LENGTH - 1}}`;

export const TEMPLATE_NAME_PATTERN = new RegExp(`^${TEMPLATE_NAME}$`);
/** `python-ml` (a catalog entry's newest version) or `python-ml@2.1.0`. */
export const TEMPLATE_REFERENCE_PATTERN = new RegExp(`^${TEMPLATE_NAME}(@[0-9A-Za-z.+-]{1,64})?$`);
/** What a name may be, for error messages. */
export const TEMPLATE_NAME_RULE = `lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most ${TEMPLATE_NAME_MAX_LENGTH} characters`;

export function isTemplateName(value: string): boolean {
  return TEMPLATE_NAME_PATTERN.test(value);
}
