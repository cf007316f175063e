import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { pluginVersion } from "./plugin-version";

/**
 * The base of CloudWorkstation's custom resources and what their logic modules share. The resources are served by the
 * `cloudworkstation` provider plugin (src/provider); stacks made before it hold dynamic resources whose `__provider`
 * input is a short loader naming the logic module (lazyProvider), which `refresh`/`destroy` of such a stack still run
 * until its next `up` moves it to the plugin — so those modules stay where the loaders name them.
 */

/** The type token a dynamic resource of a version before the plugin had: `pulumi-nodejs:dynamic/cloudworkstation:<Type>`. */
export const DYNAMIC_MODULE = "cloudworkstation";

export function dynamicType(type: string): string {
  return `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:${type}`;
}

/** What the engine passes for a value not known yet (in preview). Dynamic providers see it as this literal string. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** The keys among `keys` whose value in `news` is (or holds) an unknown. */
export function unknownKeys(news: Record<string, unknown>, keys: readonly string[]): string[] {
  return keys.filter((key) => containsUnknown(news[key]));
}

/**
 * Drops undefined at every depth. The provider host turns results into a protobuf Struct, which throws on undefined
 * ("Unexpected struct type"), even nested; absent keys are what undefined means anyway.
 */
export function stripUndefined<T>(value: T): T {
  const strip = (entry: unknown): unknown => {
    if (Array.isArray(entry)) return entry.filter((item) => item !== undefined).map(strip);
    if (entry && typeof entry === "object") {
      return Object.fromEntries(
        Object.entries(entry as Record<string, unknown>)
          .filter(([, item]) => item !== undefined)
          .map(([key, item]) => [key, strip(item)]),
      );
    }
    return entry;
  };
  return strip(value) as T;
}

/**
 * The diff of a resource whose inputs decide everything: a change in a `replaceOn` key replaces it, one in an
 * `updatable` key updates it in place; `stables` (outputs an in-place update never changes) apply without a replace.
 */
export function diffInputs<T>(
  olds: Partial<T>,
  news: T,
  keys: { replaceOn: readonly (keyof T & string)[]; updatable: readonly (keyof T & string)[]; stables: string[] },
): pulumi.dynamic.DiffResult {
  const same = (key: keyof T) => JSON.stringify(olds[key] ?? null) === JSON.stringify(news[key] ?? null);
  const replaces = keys.replaceOn.filter((key) => !same(key));
  const updates = keys.updatable.filter((key) => !same(key));
  return {
    changes: replaces.length + updates.length > 0,
    replaces,
    deleteBeforeReplace: false,
    stables: replaces.length ? [] : keys.stables,
  };
}

/** A resource's logic: every method of the SDK's provider contract (our resources always implement all of them). */
export type ProviderLogic<Inputs = Record<string, unknown>, Outputs = Record<string, unknown>> = Required<
  Pick<pulumi.dynamic.ResourceProvider<Inputs, Outputs>, "check" | "diff" | "create" | "read" | "update" | "delete">
>;

/** Wraps a logic module's methods so every result the engine receives is Struct-safe. Logic modules export this. */
export function providerLogic<Inputs, Outputs>(logic: ProviderLogic<Inputs, Outputs>): ProviderLogic<Inputs, Outputs> {
  return {
    check: async (olds, news) => {
      const result = await logic.check(olds, news);
      return { ...result, inputs: stripUndefined(result.inputs) };
    },
    diff: (id, olds, news) => logic.diff(id, olds, news),
    create: async (inputs) => {
      const result = await logic.create(inputs);
      return { id: result.id, outs: stripUndefined(result.outs) };
    },
    read: async (id, props) => {
      const result = await logic.read(id, props);
      return stripUndefined(result);
    },
    update: async (id, olds, news) => stripUndefined(await logic.update(id, olds, news)),
    delete: (id, props) => logic.delete(id, props),
  };
}

/** Where the compiled logic lives inside the installed package (`cloudworkstation/dist/src/dynamic/<module>`). */
export const PACKAGED_DYNAMIC_DIR = "cloudworkstation/dist/src/dynamic";

/**
 * Loads a logic module's `provider`: by the path recorded when the resource was registered, else (the project moved
 * since) from the installed package. Its source is the body of every `__provider` module text, so it must stay
 * self-contained: no closures, no imports, no comments or string literals inside.
 */
function loadLogic(local: string, packaged: string): ProviderLogic {
  let resolved: string;
  try {
    resolved = require.resolve(local);
  } catch {
    resolved = require.resolve(packaged);
  }
  return require(resolved).provider;
}

/** A dynamic resource's provider: callable in this process, and the module text stored in state as `__provider`. */
export interface LazyProvider<
  Inputs = Record<string, unknown>,
  Outputs = Record<string, unknown>,
> extends ProviderLogic<Inputs, Outputs> {
  /**
   * What Pulumi's provider host (`pulumi-resource-pulumi-nodejs`) evaluates, `requireFromString(text).handler()`:
   * a few hundred bytes naming the logic module, instead of a serialized closure (about 2.5 kB, stored twice per
   * resource — once in its inputs and once in its outputs).
   */
  readonly moduleText: string;
}

/**
 * The provider of the logic module `logicModule` (a path relative to src/dynamic, without extension, exporting
 * `provider` made by `providerLogic`). The logic is loaded at call time, so the resolver, the imaging engine and the
 * AWS SDK are never serialized, and state written by any version runs the logic of the version installed now.
 */
export function lazyProvider<Inputs = Record<string, unknown>, Outputs = Record<string, unknown>>(
  logicModule: string,
): LazyProvider<Inputs, Outputs> {
  // Without an extension: Node picks the .js in dist/, tsx the .ts in tests.
  const local = path.join(__dirname, logicModule);
  const packaged = `${PACKAGED_DYNAMIC_DIR}/${logicModule}`;
  const load = () => loadLogic(local, packaged) as unknown as ProviderLogic<Inputs, Outputs>;
  return {
    // Whitespace collapsed: loadLogic holds no string literal or comment it could change.
    moduleText: `exports.handler = () => (${loadLogic.toString().replace(/\s+/g, " ")})(${JSON.stringify(local)}, ${JSON.stringify(packaged)});\n`,
    check: async (olds, news) => load().check(olds, news),
    diff: async (id, olds, news) => load().diff(id, olds, news),
    create: async (inputs) => load().create(inputs),
    read: async (id, props) => load().read(id, props),
    update: async (id, olds, news) => load().update(id, olds, news),
    delete: async (id, props) => load().delete(id, props),
  };
}

/** The `cloudworkstation` provider plugin's package: its resources' type tokens are `cloudworkstation:index:<Type>`. */
export const PLUGIN_PACKAGE = "cloudworkstation";

export function pluginType(type: string): string {
  return `${PLUGIN_PACKAGE}:index:${type}`;
}

/**
 * Internal, for the migration proof only (test/e2e/migration.test.ts): makes every resource registered from now on
 * in this process a dynamic resource as versions before the plugin registered them (`__provider` and all), so a test
 * can make the kind of stack users have today and move it over.
 */
let dynamicRegistration = false;

export function registerAsDynamicResources(on: boolean): void {
  dynamicRegistration = on;
}

/**
 * Base of our custom resources: `cloudworkstation:index:<Type>` of the `cloudworkstation` provider plugin of this
 * package's version, so state holds no module path and every language's program writes the same state. Aliases name
 * every type the resource had before — `pulumi-nodejs:dynamic/cloudworkstation:<Type>` and older — so a stack made
 * with dynamic resources keeps its resources (the plugin rewrites their state in place, with no AWS write).
 */
export abstract class CloudWorkstationResource extends pulumi.CustomResource {
  constructor(
    provider: Pick<LazyProvider, "moduleText">,
    type: string,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    previousTypes: string[] = [],
  ) {
    const aliases = [...(opts?.aliases ?? []), ...previousTypes.map((previous) => ({ type: previous }))];
    if (dynamicRegistration) {
      super(
        dynamicType(type),
        name,
        { ...props, __provider: provider.moduleText },
        aliases.length ? { ...opts, aliases } : opts,
      );
      return;
    }
    aliases.push({ type: dynamicType(type) });
    super(pluginType(type), name, props, { ...opts, aliases, version: pluginVersion() });
  }
}
