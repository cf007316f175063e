import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The layering the README promises: templates → resolver → imaging/dynamic → components; the CLI and the server sit
// on top and the library never imports them; nothing in src/ imports test/ or harness/. Each layer lists what it may
// not import (relative paths and packages); lint fails on a violation, so the direction is enforced, not hoped for.
const layer = (forbidden, message) => ({
  "no-restricted-imports": [
    "error",
    {
      patterns: [
        {
          group: ["**/test/**", "**/harness/**", "../../test", "../../harness"],
          message: "src/ never imports tests or the test harness.",
        },
        ...forbidden.map((group) => ({ group: [`**/${group}`, `**/${group}/**`], message })),
      ],
    },
  ],
});
const PULUMI = ["@pulumi/*"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Dynamic providers must load the AWS SDK inside their methods (Pulumi serializes closures).
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["src/templates/**/*.ts"],
    rules: layer(
      ["resolver", "imaging", "dynamic", "components", "cli", "server", ...PULUMI],
      "templates import nothing above them (templates → resolver → imaging/dynamic → components).",
    ),
  },
  {
    files: ["src/resolver/**/*.ts"],
    rules: layer(
      ["imaging", "dynamic", "components", "cli", "server", ...PULUMI],
      "the resolver imports only templates, never @pulumi/* or the layers above it.",
    ),
  },
  {
    files: ["src/catalog/**/*.ts"],
    rules: layer(
      ["imaging", "dynamic", "components", "cli", "server", ...PULUMI],
      "the catalog sits in the resolver's layer: it imports only templates and the resolver, never @pulumi/* or the layers above.",
    ),
  },
  {
    files: ["src/imaging/**/*.ts"],
    rules: layer(
      ["dynamic", "components", "cli", "server", ...PULUMI],
      "imaging sits below dynamic resources and components, and never imports @pulumi/*.",
    ),
  },
  {
    files: ["src/dynamic/**/*.ts"],
    rules: layer(["components", "cli", "server"], "dynamic resources never import components, the CLI or the server."),
  },
  {
    files: ["src/components/**/*.ts"],
    rules: layer(["cli", "server"], "components never import the CLI or the server."),
  },
  {
    files: ["src/cli/**/*.ts", "src/server/**/*.ts", "src/testing/**/*.ts", "src/index.ts"],
    rules: layer([], ""),
  },
);
