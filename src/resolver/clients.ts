// Stacks made before the one provider host keep serialized read/delete code in their state that require()s this
// module path of the installed package for createAwsClients (test/e2e/fixtures/before-host.stack.json): it stays.
export { createAwsClients, DEFAULT_MAX_ATTEMPTS, type AwsClientOptions } from "../core/clients";
