import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROVIDER_SCHEMA_FILE, SDK_DIR, SDK_LANGUAGES, staleSdkFiles } from "../../scripts/generate-sdks";

/** The committed SDKs (sdk/python, sdk/go) are what `npm run sdk` makes from the committed schema.json. */

describe("the committed SDKs (sdk/)", function () {
  this.timeout(60_000);

  it("sdk/python and sdk/go are what npm run sdk generates from schema.json (run npm run sdk after changing it)", () => {
    assert.ok(fs.existsSync(PROVIDER_SCHEMA_FILE), `${PROVIDER_SCHEMA_FILE} is the schema the SDKs come from`);
    for (const language of SDK_LANGUAGES)
      assert.ok(fs.existsSync(path.join(SDK_DIR, language)), `sdk/${language} is committed`);
    assert.deepEqual(staleSdkFiles(), []);
  });
});
