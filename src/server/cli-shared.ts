/**
 * The pure report builders that still live in src/cli and that the server serves unchanged, so the API's JSON is
 * exactly what `cws … --json` prints. They belong below the CLI; when they move, only this file changes.
 */
export { listOwnImages, listTemplateImages, type ImageListing } from "../cli/image-sources";
export { costsReport, type CostsReport } from "../cli/commands/costs";
