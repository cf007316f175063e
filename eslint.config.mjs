import js from "@eslint/js";
import pulumiPlugin from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

// The floors (docs/architecture.md): core (AWS facts and plumbing) → templates → catalog → resolver (its catalog tier
// is the one file that reads the catalog) → imaging/dynamic → components → ops (the use cases the CLI and the API
// share); the CLI and the server sit on top, the library never imports them and the server never imports the CLI;
// nothing in src/ imports test/, harness/ or the package by its own name. Each layer lists what it may not import; the list is checked on
// `import`/`export … from`, on `require()`, on `import()` and on `typeof import()`, so no form of import escapes it.

// What every src/ file may not import, and why: tests and the harness, and the package by its own name.
const NEVER_IN_SRC = [
  ["(^|\\x2F)(test|harness)(\\x2F|$)", "src/ never imports tests or the test harness."],
  [
    "^cloudworkstation(\\x2F|$)",
    "src/ imports its own modules by relative path, never the package by name (tsconfig's paths resolve it here, not in dist/).",
  ],
];

// A forbidden folder `name` is any path through a folder called name (`../../resolver/engine`) or to its index
// (`../resolver`); a file of the same name in the layer itself (resolver/tiers/catalog.ts) is not it. `@scope/*` is
// every package of the scope. Slashes are written \\x2F because a selector's regular expression cannot hold one.
const forbiddenRegex = (group) =>
  group.endsWith("/*")
    ? `^${group.slice(0, -2).replace("/", "\\x2F")}\\x2F`
    : `(\\x2F${group}\\x2F|^(\\.\\.\\x2F)+${group}$)`;

// One regular expression per forbidden target, checked on `import`/`export … from` (no-restricted-imports) and on
// `require()`, `import()` and `typeof import()` (no-restricted-syntax), so no form of import escapes the layering.
const layer = (forbidden, message) => {
  const rules = [...NEVER_IN_SRC, ...forbidden.map((group) => [forbiddenRegex(group), message])];
  return {
    "no-restricted-imports": ["error", { patterns: rules.map(([regex, why]) => ({ regex, message: why })) }],
    "no-restricted-syntax": [
      "error",
      ...rules.flatMap(([regex, why]) => [
        {
          selector: `CallExpression[callee.name='require'][arguments.0.value=/${regex}/]`,
          message: `require(): ${why}`,
        },
        { selector: `ImportExpression[source.value=/${regex}/]`, message: `import(): ${why}` },
        { selector: `TSImportType[argument.literal.value=/${regex}/]`, message: `typeof import(): ${why}` },
      ]),
    ],
  };
};
const PULUMI = ["@pulumi/*"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The files that must load a module lazily or by a computed path: the CLI's command table (each command's
    // modules load when it runs), the CLI's SDK clients (not loaded for commands that make no AWS call) and the
    // provider host (loads the provider module the engine names), the workstation use cases (the Automation API and
    // the component load only when a stack runs) and the plugin's construct (@pulumi/aws loads only when a component
    // is built). Tests load fixtures and built files the same way.
    files: [
      "src/cli/registry.ts",
      "src/cli/cli.ts",
      "src/dynamic/host.ts",
      "src/ops/workstations/launch.ts",
      "src/ops/workstations/stack.ts",
      "src/provider/components.ts",
      "test/**/*.ts",
      "harness/**/*.ts",
    ],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: layer(
      [
        "templates",
        "resolver",
        "catalog",
        "imaging",
        "dynamic",
        "components",
        "provider",
        "ops",
        "cli",
        "server",
        ...PULUMI,
      ],
      "core is the ground floor: AWS facts and plumbing that import nothing of ours.",
    ),
  },
  {
    files: ["src/templates/**/*.ts"],
    rules: layer(
      ["resolver", "catalog", "imaging", "dynamic", "components", "provider", "ops", "cli", "server", ...PULUMI],
      "templates import only core (core → templates → catalog → resolver → imaging/dynamic → components).",
    ),
  },
  {
    files: ["src/resolver/**/*.ts"],
    ignores: ["src/resolver/tiers/catalog.ts"],
    rules: layer(
      ["catalog", "imaging", "dynamic", "components", "provider", "ops", "cli", "server", ...PULUMI],
      "the resolver imports only core and templates (and the catalog from its catalog tier only), never @pulumi/* or the layers above it.",
    ),
  },
  {
    // The catalog tier is the resolver's one door to the catalog; the catalog never imports the resolver back.
    files: ["src/resolver/tiers/catalog.ts"],
    rules: layer(
      ["imaging", "dynamic", "components", "provider", "ops", "cli", "server", ...PULUMI],
      "the resolver imports only core, templates and the catalog, never @pulumi/* or the layers above it.",
    ),
  },
  {
    files: ["src/catalog/**/*.ts"],
    rules: layer(
      ["resolver", "imaging", "dynamic", "components", "provider", "ops", "cli", "server", ...PULUMI],
      "the catalog sits below the resolver: it imports only core and templates, never the resolver, @pulumi/* or the layers above.",
    ),
  },
  {
    files: ["src/imaging/**/*.ts"],
    rules: layer(
      ["dynamic", "components", "provider", "ops", "cli", "server", ...PULUMI],
      "imaging sits below dynamic resources and components, and never imports @pulumi/*.",
    ),
  },
  {
    files: ["src/dynamic/**/*.ts"],
    rules: layer(
      ["components", "provider", "ops", "cli", "server"],
      "dynamic resources never import components, the provider plugin, the shared use cases, the CLI or the server.",
    ),
  },
  {
    files: ["src/components/**/*.ts"],
    rules: layer(
      ["provider", "ops", "cli", "server"],
      "components never import the provider plugin, the shared use cases, the CLI or the server.",
    ),
  },
  {
    // The provider plugin serves the components and the dynamic resources' logic to the engine: it sits above both.
    files: ["src/provider/**/*.ts"],
    rules: layer(
      ["ops", "cli", "server"],
      "the provider plugin builds components and serves resource logic; it never imports the use cases, the CLI or the server.",
    ),
  },
  {
    files: ["src/ops/**/*.ts"],
    rules: layer(
      ["cli", "server"],
      "the use cases the CLI and the API share sit below both front doors and never import them.",
    ),
  },
  {
    files: ["src/server/**/*.ts"],
    rules: layer(
      ["cli"],
      "the server never imports the CLI: what both need lives below them (catalog/views.ts is the model).",
    ),
  },
  {
    files: ["src/cli/**/*.ts", "src/testing/**/*.ts", "src/index.ts"],
    rules: layer([], ""),
  },
  {
    // Pulumi's own rules where Outputs are made: an Output in a plain template literal renders as a warning text,
    // not its value (use pulumi.interpolate). They read types, so these folders are linted with the type checker.
    files: ["src/dynamic/**/*.ts", "src/components/**/*.ts", "src/provider/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumiPlugin },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  },
);
