import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeImageAttributeCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { AwsCallError } from "../../src/core/errors";
import { KNOWN_REGIONS } from "../../src/core/regions";
import type { AwsClients } from "../../src/core/clients";
import { toApiError } from "../../src/server/errors";
import { startFaultProxy } from "../../harness/fault-proxy";
import { startMoto, type MotoServer } from "../../harness/moto";
import { seedDemoLandscape } from "../../harness/seed";
import { instanceState, runInstance } from "../imaging/helpers";
import { call, cliJson, listen, startDelayProxy, TOKEN, waitForJob } from "./helpers";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];

const UNRESOLVABLE = `name: lab-only
description: Only the lab's own image will do
base: ubuntu-24.04
ami_config:
  strategy: ami_required
  ami_search:
    owners: [self]
    name_pattern: "lab-only-never-built-*"
`;

describe("cws serve: the REST API over real HTTP, against moto", function () {
  this.timeout(120_000);
  let moto: MotoServer;
  let clients: AwsClients;
  let templatesDir: string;
  let server: Awaited<ReturnType<typeof listen>>;
  let base: string;

  before(async () => {
    moto = await startMoto();
    clients = moto.clients();
    await seedDemoLandscape(clients, REGIONS);
    templatesDir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-serve-templates-"));
    fs.writeFileSync(path.join(templatesDir, "lab-only.yml"), UNRESOLVABLE);
    fs.writeFileSync(path.join(templatesDir, "broken.yml"), "name: broken\nbase: ubuntu-24.04\nports: [not-a-port]\n");
    // A symlink in a templates directory pointing outside it must not be served.
    fs.symlinkSync("/etc/hostname", path.join(templatesDir, "escape.yml"));
    server = await listen({ clients, templatesDirs: [templatesDir] });
    base = server.url;
  });
  after(async () => {
    await server?.close();
    await moto?.stop();
    if (templatesDir) fs.rmSync(templatesDir, { recursive: true, force: true });
  });

  describe("read endpoints answer with exactly what cws … --json prints", () => {
    it("GET /ami/resolve/{template} equals cws ami resolve --json", async () => {
      const reply = await call(base, "GET", "/api/v1/ami/resolve/python-ml?region=us-east-1");
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, await cliJson(["ami", "resolve", "python-ml", "--region", "us-east-1"], clients));
      assert.equal(reply.body.template, "python-ml");
    });

    it("GET /ami/resolve passes the CLI's flags through (size, arch, strategy, allowCopy)", async () => {
      const reply = await call(
        base,
        "GET",
        "/api/v1/ami/resolve/python-ml?region=us-west-2&allowCopy=true&size=S&arch=x86_64",
      );
      assert.equal(reply.status, 200);
      const cli = await cliJson(
        ["ami", "resolve", "python-ml", "--region", "us-west-2", "--allow-copy", "--size", "S", "--arch", "x86_64"],
        clients,
      );
      assert.deepEqual(reply.body, cli);
      assert.equal(reply.body.region, "us-west-2");
    });

    it("GET /ami/test/{template}?regions= equals cws ami test --regions --json", async () => {
      const reply = await call(base, "GET", `/api/v1/ami/test/r-research?regions=${REGIONS.join(",")}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(
        reply.body,
        await cliJson(["ami", "test", "r-research", "--regions", REGIONS.join(",")], clients),
      );
      assert.deepEqual(
        reply.body.map((r: { region: string }) => r.region),
        REGIONS,
      );
    });

    it("GET /ami/list without a template lists the lab's own images, as cws ami list --json", async () => {
      const reply = await call(base, "GET", "/api/v1/ami/list?region=us-east-1");
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, await cliJson(["ami", "list", "--region", "us-east-1"], clients));
      assert.ok(reply.body.images.some((i: { name: string }) => i.name === "cws-python-ml-x86_64-20261101"));
    });

    it("GET /ami/list?template= lists what the template's sources consider, as cws ami list --template --json", async () => {
      const reply = await call(base, "GET", "/api/v1/ami/list?region=eu-west-1&template=ubuntu-24.04-base");
      assert.equal(reply.status, 200);
      assert.deepEqual(
        reply.body,
        await cliJson(["ami", "list", "--template", "ubuntu-24.04-base", "--region", "eu-west-1"], clients),
      );
    });

    it("GET /ami/costs equals cws costs --json", async () => {
      const reply = await call(base, "GET", "/api/v1/ami/costs?template=deep-learning-gpu&region=eu-west-1&size=GPU-S");
      assert.equal(reply.status, 200);
      assert.deepEqual(
        reply.body,
        await cliJson(["costs", "deep-learning-gpu", "--region", "eu-west-1", "--size", "GPU-S"], clients),
      );
    });

    it("GET /regions/fallbacks gives the whole map, or one region's neighbours and search order", async () => {
      const all = await call(base, "GET", "/api/v1/regions/fallbacks");
      assert.deepEqual(all.body.fallbacks["eu-north-1"], ["eu-central-1", "eu-west-1"]);
      const one = await call(base, "GET", "/api/v1/regions/fallbacks?region=ca-central-1&maxHops=2");
      assert.deepEqual(one.body.fallbacks, ["us-east-1", "us-east-2"]);
      assert.ok(one.body.searchOrder.length > 2, "two hops reach beyond the direct neighbours");
    });

    it("GET /templates and /templates/{name} equal cws template list / show --json", async () => {
      const list = await call(base, "GET", "/api/v1/templates");
      assert.deepEqual(list.body, await cliJson(["template", "list"], clients, [templatesDir]));
      const show = await call(base, "GET", "/api/v1/templates/data-science");
      assert.deepEqual(show.body, await cliJson(["template", "show", "data-science"], clients, [templatesDir]));
    });

    it("serves a template file's new content as soon as the file changes (the template cache is keyed on the files)", async () => {
      const file = path.join(templatesDir, "changing.yml");
      fs.writeFileSync(file, "name: changing\ndescription: first\nbase: ubuntu-24.04\n");
      assert.equal((await call(base, "GET", "/api/v1/templates/changing")).body.description, "first");
      fs.writeFileSync(file, "name: changing\ndescription: second version\nbase: ubuntu-24.04\n");
      assert.equal((await call(base, "GET", "/api/v1/templates/changing")).body.description, "second version");
      fs.rmSync(file);
      assert.equal((await call(base, "GET", "/api/v1/templates/changing")).status, 404);
    });

    it("POST /templates/validate reports every issue at its line, by name or for YAML sent in the body", async () => {
      const named = await call(base, "POST", "/api/v1/templates/validate", {
        body: { names: ["broken", "python-ml"] },
      });
      assert.equal(named.status, 200);
      assert.equal(named.body[0].ok, false);
      assert.equal(named.body[0].issues[0].line, 3);
      assert.equal(named.body[1].ok, true);
      const sent = await call(base, "POST", "/api/v1/templates/validate", {
        body: { content: "name: mine\nbase: ubuntu-24.04\ninherits: nonexistent-parent\n", file: "mine.yml" },
      });
      assert.equal(sent.body[0].file, "mine.yml");
      assert.equal(sent.body[0].ok, false);
      assert.ok(sent.body[0].issues.every((i: { file: string }) => !i.file.includes(os.tmpdir())));
      assert.ok(sent.body[0].issues.some((i: { line: number }) => i.line === 3));
    });

    it("GET /openapi.json documents every endpoint with the request schemas that validate it", async () => {
      const reply = await call(base, "GET", "/api/v1/openapi.json");
      assert.equal(reply.status, 200);
      const paths = Object.keys(reply.body.paths);
      for (const p of [
        "/api/v1/ami/resolve/{template}",
        "/api/v1/ami/create",
        "/api/v1/ami/list",
        "/api/v1/ami/share",
        "/api/v1/ami/test/{template}",
        "/api/v1/regions/fallbacks",
        "/api/v1/ami/copy-region",
        "/api/v1/ami/costs",
        "/api/v1/templates",
        "/api/v1/templates/{name}",
        "/api/v1/templates/validate",
        "/api/v1/jobs/{id}",
      ])
        assert.ok(paths.includes(p), `${p} missing from ${paths.join(", ")}`);
      const create = reply.body.paths["/api/v1/ami/create"].post;
      const schema = create.requestBody.content["application/json"].schema;
      assert.deepEqual(schema.required.sort(), ["instanceId", "templateName"]);
      assert.deepEqual(create.security, [{ bearer: [] }]);
      const share = reply.body.paths["/api/v1/ami/share"].post.requestBody.content["application/json"].schema;
      assert.match(share.properties.confirmPublic.description, /every AWS account/);
      const resolve = reply.body.paths["/api/v1/ami/resolve/{template}"].get.parameters;
      const region = resolve.find((p: { name: string }) => p.name === "region");
      assert.deepEqual(region.schema.enum, [...KNOWN_REGIONS], "the regions the server accepts");
    });
  });

  describe("errors are JSON {error: {code, message, details}} with the right status, never a stack", () => {
    it("400 for an unknown region in ?regions=, naming the entry", async () => {
      const reply = await call(base, "GET", "/api/v1/ami/test/python-ml?regions=us-east-1,mars-north-1");
      assert.equal(reply.status, 400);
      assert.equal(reply.body.error.code, "invalid_request");
      assert.match(reply.body.error.message, /regions\/1/);
    });

    it("400 for a misspelt region names it and suggests the right one (the CLI's rule), instead of listing every region", async () => {
      const query = await call(base, "GET", "/api/v1/ami/resolve/python-ml?region=us-east1");
      assert.equal(query.status, 400);
      assert.equal(query.body.error.code, "invalid_request");
      assert.match(query.body.error.message, /unknown region "us-east1"; did you mean "us-east-1"\?/);
      assert.doesNotMatch(query.body.error.message, /ap-southeast-7/, "not the whole region list");
      const list = await call(base, "GET", "/api/v1/ami/test/python-ml?regions=us-east-1,eu-wset-1");
      assert.equal(list.status, 400);
      assert.match(list.body.error.message, /regions\/1 unknown region "eu-wset-1"; did you mean "eu-west-1"\?/);
      // Well-formed but not a region this server knows (the CLI warns and goes on; the server has no warnings).
      const unknown = await call(base, "GET", "/api/v1/ami/list?region=eu-west-9");
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error.message, /unknown region "eu-west-9"; did you mean "eu-west-1"\?/);
      const body = await call(base, "POST", "/api/v1/ami/copy-region", {
        token: true,
        body: { amiId: "ami-00c41000000000002", sourceRegion: "us-east-1", targetRegions: ["us-wesst-2"] },
      });
      assert.equal(body.status, 400);
      assert.match(body.body.error.message, /targetRegions\/0 unknown region "us-wesst-2"; did you mean "us-west-2"\?/);
    });

    it("400 for ../../etc/passwd (and other paths) as a template name; nothing outside the templates dirs is read", async () => {
      for (const name of ["..%2F..%2Fetc%2Fpasswd", "python-ml..", "%2Fetc%2Fpasswd", "python-ml.yml"]) {
        const reply = await call(base, "GET", `/api/v1/templates/${name}`);
        assert.equal(reply.status, 400, name);
        assert.equal(reply.body.error.code, "invalid_template_name");
        assert.ok(!reply.text.includes("root:"), "no file content leaks");
      }
      const viaResolve = await call(base, "GET", "/api/v1/ami/resolve/..%2F..%2Fetc%2Fpasswd");
      assert.equal(viaResolve.status, 400);
      const viaQuery = await call(base, "GET", "/api/v1/ami/costs?template=../../etc/passwd");
      assert.equal(viaQuery.status, 400);
      const viaValidate = await call(base, "POST", "/api/v1/templates/validate", {
        body: { names: ["../../etc/passwd"] },
      });
      assert.equal(viaValidate.status, 400);
    });

    it("a template sent to /templates/validate may inherit only by name: a path is refused unread, its secrets never echoed", async () => {
      const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-serve-secrets-"));
      const secrets = path.join(secretsDir, "secrets.yml");
      fs.writeFileSync(secrets, "db_password: hunter2-db-password\n");
      try {
        for (const inherits of [secrets, `../../../../..${secrets}`, "escape"]) {
          const reply = await call(base, "POST", "/api/v1/templates/validate", {
            body: { content: `name: mine\ninherits: ${JSON.stringify(inherits)}\n`, file: "mine.yml" },
          });
          assert.equal(reply.status, 200, inherits);
          assert.equal(reply.body[0].ok, false, inherits);
          assert.ok(!reply.text.includes("hunter2") && !reply.text.includes("db_password"), reply.text);
          const issue = reply.body[0].issues.find((i: { path: string[] }) => i.path[0] === "inherits");
          assert.equal(`${issue.file}:${issue.line}`, "mine.yml:2", inherits);
          assert.match(issue.message, /a submitted template may inherit only|a link to a file outside/, inherits);
        }
        const byName = await call(base, "POST", "/api/v1/templates/validate", {
          body: { content: "name: mine\ninherits: lab-only\n", file: "mine.yml" },
        });
        assert.equal(byName.body[0].ok, true, JSON.stringify(byName.body));
      } finally {
        fs.rmSync(secretsDir, { recursive: true, force: true });
      }
    });

    it("404 for a symlink in a templates directory that points outside it", async () => {
      const reply = await call(base, "GET", "/api/v1/templates/escape");
      assert.equal(reply.status, 404);
      assert.equal(reply.body.error.code, "template_not_found");
    });

    it("404 for an unknown template, an unknown endpoint and an unknown job", async () => {
      assert.equal(
        (await call(base, "GET", "/api/v1/templates/no-such-template")).body.error.code,
        "template_not_found",
      );
      const route = await call(base, "GET", "/api/v1/nothing-here");
      assert.equal(route.status, 404);
      assert.equal(route.body.error.code, "not_found");
      const job = await call(base, "GET", "/api/v1/jobs/00000000-0000-4000-8000-000000000000");
      assert.equal(job.status, 404);
      assert.equal(job.body.error.code, "job_not_found");
    });

    it("400 with the template's file:line issues for a template that does not validate", async () => {
      const reply = await call(base, "GET", "/api/v1/ami/resolve/broken?region=us-east-1");
      assert.equal(reply.status, 400);
      assert.equal(reply.body.error.code, "invalid_template");
      assert.equal(reply.body.error.details.issues[0].line, 3);
      assert.match(reply.body.error.details.issues[0].file, /broken\.yml$/);
    });

    it("422 with the whole resolution (its fallback chain) when a template cannot be resolved", async () => {
      const reply = await call(base, "GET", "/api/v1/ami/resolve/lab-only?region=eu-west-1");
      assert.equal(reply.status, 422);
      assert.equal(reply.body.error.code, "unresolvable");
      assert.equal(reply.body.error.details.method, "failed");
      assert.ok(reply.body.error.details.fallbackChain.length >= 6);
    });

    it("413 for a body over the limit, 400 for malformed JSON", async () => {
      const big = await call(base, "POST", "/api/v1/templates/validate", {
        body: { content: "# ".repeat(300 * 1024) },
      });
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, "body_too_large");
      const malformed = await call(base, "POST", "/api/v1/templates/validate", { raw: "{not json" });
      assert.equal(malformed.status, 400);
      assert.ok(malformed.body.error.code);
    });

    it("500 says only that something unexpected happened: no message internals, no stack", async () => {
      const exploding: AwsClients = {
        ec2: () => {
          throw new TypeError("secret internal detail at /home/lab/.aws/credentials");
        },
        ssm: () => {
          throw new TypeError("secret internal detail");
        },
      };
      const broken = await listen({ clients: exploding });
      try {
        const reply = await call(broken.url, "GET", "/api/v1/ami/list?region=us-east-1");
        assert.equal(reply.status, 500);
        assert.equal(reply.body.error.code, "internal");
        assert.ok(!reply.text.includes("secret") && !reply.text.includes("    at "), reply.text);
      } finally {
        await broken.close();
      }
    });

    it("a denied AWS call answers 502 with AWS's error code, not 500 (fault proxy)", async () => {
      const proxy = await startFaultProxy(moto.endpoint);
      const denied = await listen({ clients: proxy.clients() });
      try {
        proxy.fail({ action: "DescribeImages", always: true, code: "UnauthorizedOperation" });
        const reply = await call(denied.url, "GET", "/api/v1/ami/list?region=us-east-1");
        assert.equal(reply.status, 502);
        assert.match(reply.body.error.code, /^aws_/);
        assert.match(JSON.stringify(reply.body.error.details), /UnauthorizedOperation|permission/);
      } finally {
        await denied.close();
        await proxy.stop();
      }
    });

    it("an AWS SDK exception nobody classified is a 502 aws_error naming AWS's code, not a 500", () => {
      const denied = Object.assign(new Error("You are not authorized to perform this operation."), {
        name: "UnauthorizedOperation",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
      });
      const mapped = toApiError(denied);
      assert.equal(mapped.statusCode, 502);
      assert.equal(mapped.code, "aws_error");
      assert.deepEqual(mapped.details, { code: "UnauthorizedOperation", fault: "client", httpStatusCode: 403 });
    });

    it("an AwsCallError maps to 502 (503 with Retry-After when throttled) carrying its toJSON() in details", () => {
      const denied = toApiError(
        new AwsCallError("permission", "not allowed to DescribeImages", {
          operation: "DescribeImages",
          hint: "allow ec2:DescribeImages",
        }),
      );
      assert.equal(denied.statusCode, 502);
      assert.equal(denied.code, "aws_permission");
      assert.deepEqual(denied.details, {
        kind: "permission",
        message: "not allowed to DescribeImages",
        operation: "DescribeImages",
        hint: "allow ec2:DescribeImages",
      });
      const throttled = toApiError(new AwsCallError("throttling", "slow down", { hint: "retry later" }));
      assert.equal(throttled.statusCode, 503);
      assert.equal(throttled.headers["retry-after"], "30");
    });
  });

  describe("security: loopback Host names only, a bearer token for everything that changes AWS", () => {
    it("401 without a token or with a wrong one, on every mutating endpoint, and nothing is started", async () => {
      const mutating: [string, string, unknown][] = [
        ["POST", "/api/v1/ami/create", { instanceId: "i-0123456789abcdef0", templateName: "x" }],
        ["POST", "/api/v1/ami/copy-region", { amiId: "ami-00c41000000000002", targetRegions: ["us-west-2"] }],
        ["POST", "/api/v1/ami/share", { amiId: "ami-00c41000000000002", accounts: ["111122223333"] }],
        ["DELETE", "/api/v1/jobs/00000000-0000-4000-8000-000000000000", undefined],
      ];
      const before = (await call(base, "GET", "/api/v1/jobs")).body.length;
      for (const [method, url, body] of mutating) {
        const none = await call(base, method, url, { body });
        assert.equal(none.status, 401, `${method} ${url}`);
        assert.equal(none.body.error.code, "unauthorized");
        assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
        const wrong = await call(base, method, url, { body, token: "x".repeat(TOKEN.length) });
        assert.equal(wrong.status, 401);
      }
      assert.equal((await call(base, "GET", "/api/v1/jobs")).body.length, before);
    });

    it("accepts the Bearer scheme in any letter case (RFC 7235), and still checks the token", async () => {
      const unknownJob = "/api/v1/jobs/00000000-0000-4000-8000-000000000000";
      for (const scheme of ["Bearer", "bearer", "BEARER"]) {
        const reply = await call(base, "DELETE", unknownJob, { headers: { authorization: `${scheme} ${TOKEN}` } });
        assert.equal(reply.status, 404, `${scheme}: ${reply.text}`);
        assert.equal(reply.body.error.code, "job_not_found");
      }
      const wrong = await call(base, "DELETE", unknownJob, {
        headers: { authorization: `bearer ${"x".repeat(TOKEN.length)}` },
      });
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error.message, /not this server's token/);
    });

    it("read endpoints need no token", async () => {
      assert.equal((await call(base, "GET", "/api/v1/templates")).status, 200);
    });

    it("403 for a request whose Host is not a loopback name (DNS rebinding)", async () => {
      const reply = await new Promise<number>((resolve, reject) => {
        const url = new URL(`${base}/api/v1/templates`);
        // fetch does not let us set Host; node:http does.
        http
          .get(
            { host: url.hostname, port: url.port, path: url.pathname, headers: { host: "attacker.example:8080" } },
            (r) => {
              r.resume();
              resolve(r.statusCode ?? 0);
            },
          )
          .on("error", reject);
      });
      assert.equal(reply, 403);
    });
  });

  describe("jobs: 202 with an id, then status, steps with elapsed times, and the result", () => {
    it("POST /ami/create captures an instance, leaves it running, and reports each step", async () => {
      const ec2 = clients.ec2("us-east-1");
      const instanceId = await runInstance(ec2);
      const started = await call(base, "POST", "/api/v1/ami/create", {
        token: true,
        body: { instanceId, templateName: "my-env", region: "us-east-1", description: "my environment" },
      });
      assert.equal(started.status, 202);
      assert.equal(started.headers.get("location"), `/api/v1/jobs/${started.body.id}`);
      const job = await waitForJob(base, started.body.id);
      assert.equal(job.body.status, "succeeded", JSON.stringify(job.body.error));
      assert.match(job.body.result.amiId, /^ami-/);
      assert.match(job.body.result.templateYaml, /ami_mappings:/);
      assert.ok(job.body.steps.some((s: { step: string }) => s.step.startsWith("stop instance")));
      assert.ok(job.body.steps.every((s: { elapsedMs: number }) => typeof s.elapsedMs === "number"));
      assert.equal(await instanceState(ec2, instanceId), "running");
    });

    it("a failed capture is a failed job whose error says what was wrong", async () => {
      const started = await call(base, "POST", "/api/v1/ami/create", {
        token: true,
        body: { instanceId: "i-0123456789abcdef0", templateName: "ghost" },
      });
      const job = await waitForJob(base, started.body.id);
      assert.equal(job.body.status, "failed");
      assert.equal(job.body.error.code, "invalid_input");
      assert.match(job.body.error.message, /does not exist/);
    });

    it("POST /ami/copy-region copies an image and reports cws ami copy's JSON as the result", async () => {
      const listing = (await cliJson(["ami", "list", "--region", "us-east-1"], clients)) as {
        images: { amiId: string }[];
      };
      const amiId = listing.images[0].amiId;
      const started = await call(base, "POST", "/api/v1/ami/copy-region", {
        token: true,
        body: { amiId, sourceRegion: "us-east-1", targetRegions: ["eu-west-1"] },
      });
      assert.equal(started.status, 202, started.text);
      const job = await waitForJob(base, started.body.id);
      assert.equal(job.body.status, "succeeded", JSON.stringify(job.body.error));
      assert.deepEqual(Object.keys(job.body.result.copies), ["eu-west-1"]);
      assert.deepEqual(job.body.result.failures, {});
      const { Images = [] } = await clients
        .ec2("eu-west-1")
        .send(new DescribeImagesCommand({ ImageIds: [job.body.result.copies["eu-west-1"]] }));
      assert.equal(Images.length, 1);
    });

    it("POST /ami/share grants launch permission and reports cws ami share's JSON as the result", async () => {
      const listing = (await cliJson(["ami", "list", "--region", "us-east-1"], clients)) as {
        images: { amiId: string }[];
      };
      const started = await call(base, "POST", "/api/v1/ami/share", {
        token: true,
        body: { amiId: listing.images[0].amiId, region: "us-east-1", accounts: ["111122223333"] },
      });
      const job = await waitForJob(base, started.body.id);
      assert.equal(job.body.status, "succeeded", JSON.stringify(job.body.error));
      assert.equal(job.body.result.operation, "add");
      assert.deepEqual(job.body.result.launchPermissions, [{ UserId: "111122223333" }]);
    });

    it("POST /ami/share {public: true} is refused (400, nothing started) until the body also says confirmPublic: true", async () => {
      const ec2 = clients.ec2("us-east-1");
      const listing = (await cliJson(["ami", "list", "--region", "us-east-1"], clients)) as {
        images: { amiId: string }[];
      };
      const amiId = listing.images[listing.images.length - 1].amiId;
      const jobsBefore = (await call(base, "GET", "/api/v1/jobs")).body.length;
      const unconfirmed = await call(base, "POST", "/api/v1/ami/share", {
        token: true,
        body: { amiId, region: "us-east-1", public: true },
      });
      assert.equal(unconfirmed.status, 400, unconfirmed.text);
      assert.equal(unconfirmed.body.error.code, "confirmation_required");
      assert.match(unconfirmed.body.error.message, /every AWS account/);
      assert.match(unconfirmed.body.error.message, /add "confirmPublic": true/);
      assert.equal((await call(base, "GET", "/api/v1/jobs")).body.length, jobsBefore, "no job was started");
      const { LaunchPermissions = [] } = await ec2.send(
        new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: "launchPermission" }),
      );
      assert.deepEqual(LaunchPermissions, [], "the image is still private");

      const stray = await call(base, "POST", "/api/v1/ami/share", {
        token: true,
        body: { amiId, region: "us-east-1", accounts: ["111122223333"], confirmPublic: true },
      });
      assert.equal(stray.status, 400);
      assert.match(stray.body.error.message, /confirmPublic only goes with "public": true/);

      const confirmed = await call(base, "POST", "/api/v1/ami/share", {
        token: true,
        body: { amiId, region: "us-east-1", public: true, confirmPublic: true },
      });
      assert.equal(confirmed.status, 202, confirmed.text);
      const job = await waitForJob(base, confirmed.body.id);
      assert.equal(job.body.status, "succeeded", JSON.stringify(job.body.error));
      assert.deepEqual(job.body.result.launchPermissions, [{ Group: "all" }]);
      assert.equal(job.body.result.warnings.length, 1);
    });

    it("409 when cancelling a job that already finished", async () => {
      const started = await call(base, "POST", "/api/v1/ami/create", {
        token: true,
        body: { instanceId: "i-0123456789abcdef1", templateName: "ghost" },
      });
      await waitForJob(base, started.body.id);
      const reply = await call(base, "DELETE", `/api/v1/jobs/${started.body.id}`, { token: true });
      assert.equal(reply.status, 409);
      assert.equal(reply.body.error.code, "job_finished");
    });
  });

  describe("bounded jobs (a proxy holds CreateImage so jobs stay running)", () => {
    it("409 for a second capture of the same instance, 429 past the per-client limit, and DELETE cancels with compensation", async () => {
      const proxy = await startDelayProxy(moto.endpoint, { CreateImage: 1500 });
      const held = await listen({ clients: proxy.clients(), maxJobsPerClient: 1 });
      try {
        const ec2 = clients.ec2("us-east-1");
        const [first, second] = [await runInstance(ec2), await runInstance(ec2)];
        const body = (instanceId: string) => ({ token: true as const, body: { instanceId, templateName: "held" } });
        const job = await call(held.url, "POST", "/api/v1/ami/create", body(first));
        assert.equal(job.status, 202);
        await proxy.seen("CreateImage");
        const same = await call(held.url, "POST", "/api/v1/ami/create", body(first));
        assert.equal(same.status, 409);
        assert.equal(same.body.error.code, "job_conflict");
        const over = await call(held.url, "POST", "/api/v1/ami/create", body(second));
        assert.equal(over.status, 429);
        assert.equal(over.body.error.code, "too_many_jobs");
        const cancel = await call(held.url, "DELETE", `/api/v1/jobs/${job.body.id}`, { token: true });
        assert.equal(cancel.status, 202);
        const done = await waitForJob(held.url, job.body.id);
        assert.equal(done.body.status, "cancelled");
        assert.match(done.body.error.message, /restarted/);
        assert.equal(await instanceState(ec2, first), "running");
        const { Images = [] } = await ec2.send(
          new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: ["held-*"] }] }),
        );
        assert.deepEqual(Images, [], "the unfinished image was deregistered");
      } finally {
        await held.close();
        await proxy.stop();
      }
    });
  });
});
