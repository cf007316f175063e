import assert from "node:assert/strict";
import { listOwnImages, listTemplateImages } from "../../src/ops/image-sources";
import { createAwsClients } from "../../src/core/clients";
import { AwsCallError } from "../../src/core/errors";
import { resolveAmi } from "../../src/resolver/engine";
import { ImageCache } from "../../src/core/image-cache";
import { amiSearchQuery, marketplaceQuery } from "../../src/resolver/tiers";
import { startMoto, TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { publishPublicParameter } from "../../harness/seed";
import {
  CANONICAL,
  MARKETPLACE_SELLER,
  NOBLE_AMD64_PATTERN,
  RSTUDIO_PRODUCT_CODE,
  template,
  UBUNTU_2404_AMD64_PARAMETER,
} from "../resolver/support";

describe("cws ami list uses the tiers' own queries", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
    await publishPublicParameter(moto.clients().ssm("us-east-1"), UBUNTU_2404_AMD64_PARAMETER, "ami-00c41000000000002");
  });
  after(async () => {
    await moto?.stop();
  });

  it("lists the marketplace image that ami resolve selects (moto returns no ProductCodes, which resolve accepts)", async () => {
    const t = template({
      ami_config: {
        marketplace_search: { product_code: RSTUDIO_PRODUCT_CODE, version_constraint: ">=3.0.0" },
        trusted_owners: [MARKETPLACE_SELLER],
        strategy: "ami_required",
      },
    });
    const clients = moto.clients();
    const resolved = await resolveAmi(t, { region: "us-east-1", size: "M" }, clients, { cache: new ImageCache() });
    assert.equal(resolved.method, "marketplace");
    const listing = await listTemplateImages(t, "us-east-1", clients);
    const listed = listing.images.filter((row) => row.source === "marketplace_search").map((row) => row.amiId);
    assert.ok(listed.includes(resolved.amiId as string), `ami list shows [${listed.join(", ")}]`);
  });

  it("lists every image the search tier considers, in both architectures", async () => {
    const t = template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: "ubuntu/images/*" } } });
    const listing = await listTemplateImages(t, "us-east-1", moto.clients());
    const rows = listing.images.filter((row) => row.source === "ami_search");
    assert.ok(rows.some((row) => row.architecture === "arm64") && rows.some((row) => row.architecture === "x86_64"));
    const resolved = await resolveAmi(t, { region: "us-east-1", size: "M" }, moto.clients(), {
      cache: new ImageCache(),
    });
    assert.ok(rows.some((row) => row.amiId === resolved.amiId));
  });

  it("builds the resolver's query and the listing's from one function: the listing only drops architecture and state", () => {
    const search = {
      owners: [CANONICAL],
      name_pattern: NOBLE_AMD64_PATTERN,
      required_tags: { Team: "bio" },
      include_deprecated: false,
    };
    const resolving = amiSearchQuery(search, "x86_64");
    const listing = amiSearchQuery(search);
    assert.deepEqual(
      resolving.filters.filter((f) => f.Name !== "architecture" && f.Name !== "state"),
      listing.filters,
    );
    assert.deepEqual(resolving.owners, listing.owners);
    const market = { product_code: RSTUDIO_PRODUCT_CODE };
    assert.deepEqual(marketplaceQuery(market, [MARKETPLACE_SELLER, "self"]).owners, [
      "aws-marketplace",
      MARKETPLACE_SELLER,
    ]);
  });

  it("fails with a network AwsCallError, not an SDK error, when the endpoint cannot be reached (closed loopback port)", async () => {
    const clients = createAwsClients({ endpoint: "http://127.0.0.1:9", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const error = await listOwnImages("us-east-1", clients).catch((e: unknown) => e);
    assert.ok(error instanceof AwsCallError, String(error));
    assert.equal(error.kind, "network");
    const t = template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN } } });
    const listing = await listTemplateImages(t, "us-east-1", clients).catch((e: unknown) => e);
    assert.ok(listing instanceof AwsCallError && listing.kind === "network", String(listing));
  });
});
