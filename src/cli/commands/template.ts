import YAML from "yaml";
import { validateTemplateAt, type ValidationReport } from "../../ops/validate-templates";
import { listTemplates } from "../../templates";
import { formatIssue, isError } from "../../templates/errors";
import { templateFilesIn } from "../../templates/template-files";
import { parseCommandArgs, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable, paint } from "../format";
import { styleOf, writeJson } from "../output";
import { loadTemplateForCli } from "../templates";

export const templateValidateCommand: CliCommand = {
  path: ["template", "validate"],
  summary: "Validate template files: every error of every file, as file:line:col",
  usage: "cws template validate [<file…>] [--json]",
  help: [
    "Options:",
    formatTable([["--json", "print [{ file, ok, issues: [{ file, line, column, path, message, severity? }] }]"]], "  "),
    "",
    "With no files: every template (*.yml, *.yaml) in the --templates-dir directories.",
    "Parents named by `inherits` are found in --templates-dir, then the bundled templates.",
    "Exit codes: 0 all valid (warnings allowed), 2 any file invalid.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } } as const, {
      min: 0,
      max: Infinity,
      names: "<file…>",
    });
    const files = positionals.length > 0 ? positionals : templateFilesOfDirs(context.templatesDirs);
    const style = styleOf(context, values.json === true);
    const reports: ValidationReport[] = files.map((file) =>
      validateTemplateAt(file, { templatesDirs: context.templatesDirs }),
    );
    if (values.json) writeJson(context, reports);
    else {
      for (const report of reports) {
        const errors = report.issues.filter(isError).length;
        const warnings = report.issues.length - errors;
        const status = report.ok
          ? paint(style, "green", "✓ valid")
          : paint(style, "red", `✗ ${errors} error${errors === 1 ? "" : "s"}`);
        context.stdout.write(
          `${report.file}: ${status}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}\n`,
        );
        for (const issue of report.issues) context.stdout.write(`  ${formatIssue(issue)}\n`);
      }
      const invalid = reports.filter((r) => !r.ok).length;
      if (reports.length > 1) context.stdout.write(`${reports.length - invalid} of ${reports.length} files valid\n`);
    }
    return reports.every((r) => r.ok) ? EXIT.ok : EXIT.invalidInput;
  },
};

/** Every template file in the --templates-dir directories, for `template validate` without file arguments. */
function templateFilesOfDirs(dirs: readonly string[]): string[] {
  if (dirs.length === 0)
    throw new UsageError(
      "missing <file…>: give template files, or --templates-dir DIR to validate every template in it",
    );
  const files = dirs.flatMap((dir) => templateFilesIn(dir));
  if (files.length === 0) throw new UsageError(`no template files (*.yml, *.yaml) in ${dirs.join(", ")}`);
  return files;
}

export const templateListCommand: CliCommand = {
  path: ["template", "list"],
  summary: "List the templates found in --templates-dir and the bundled templates",
  usage: "cws template list [--json]",
  help: ["Options:", formatTable([["--json", "print the loader's list of templates as JSON"]], "  ")].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, { json: { type: "boolean" } } as const, { min: 0, max: 0, names: "" });
    const templates = listTemplates({ templatesDirs: context.templatesDirs });
    if (values.json) {
      writeJson(context, templates);
      return EXIT.ok;
    }
    if (templates.length === 0) context.stdout.write("no templates found\n");
    else context.stdout.write(`${formatTable(templates.map((t) => [t.name, t.description ?? "", t.file]))}\n`);
    return EXIT.ok;
  },
};

export const templateShowCommand: CliCommand = {
  path: ["template", "show"],
  summary: "Print a template after inheritance and defaults, as YAML (or JSON)",
  usage: "cws template show <name> [--json]",
  help: [
    "Options:",
    formatTable([["--json", "print the merged template as JSON instead of YAML"]], "  "),
    "",
    "<name> is a template name (searched in --templates-dir, then the bundled templates) or a path to a YAML file.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } } as const, {
      min: 1,
      max: 1,
      names: "<name>",
    });
    const { template } = loadTemplateForCli(positionals[0], context);
    if (values.json) writeJson(context, template);
    else context.stdout.write(YAML.stringify(template, { lineWidth: 0 }));
    return EXIT.ok;
  },
};
