import type { CliCommand } from "./command";
import { amiBuildCommand } from "./commands/ami-build";
import { amiCopyCommand } from "./commands/ami-copy";
import { amiOutdatedCommand } from "./commands/ami-outdated";
import { amiRetireCommand } from "./commands/ami-retire";
import { amiUpgradeCommand } from "./commands/ami-upgrade";
import { amiInfoCommand } from "./commands/ami-info";
import { amiListCommand } from "./commands/ami-list";
import { amiResolveCommand } from "./commands/ami-resolve";
import { amiShareCommand } from "./commands/ami-share";
import { amiTestCommand } from "./commands/ami-test";
import { catalogBrowseCommand, catalogShowCommand, catalogVerifyCommand } from "./commands/catalog";
import {
  catalogPromoteCommand,
  catalogReviewCommand,
  catalogRevokeCommand,
  catalogSubmitCommand,
} from "./commands/catalog-write";
import { costsCommand } from "./commands/costs";
import { saveCommand } from "./commands/save";
import { serveCommand } from "./commands/serve";
import { templateListCommand, templateShowCommand, templateValidateCommand } from "./commands/template";

/**
 * Every `cws` command. Adding one: write a module exporting a CliCommand, import it here and add it to the list
 * (the dispatcher matches the longest `path`; help lists commands alphabetically, so order here does not matter).
 */
export const COMMANDS: readonly CliCommand[] = [
  amiResolveCommand,
  amiTestCommand,
  amiListCommand,
  amiInfoCommand,
  templateValidateCommand,
  templateListCommand,
  templateShowCommand,
  costsCommand,
  saveCommand,
  amiCopyCommand,
  amiShareCommand,
  catalogBrowseCommand,
  catalogShowCommand,
  catalogVerifyCommand,
  catalogSubmitCommand,
  catalogReviewCommand,
  catalogPromoteCommand,
  catalogRevokeCommand,
  serveCommand,
  amiBuildCommand,
  amiOutdatedCommand,
  amiRetireCommand,
  amiUpgradeCommand,
];
