import assert from "node:assert/strict";
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { classifyAwsError, deniedAction, isNotFound } from "../../src/core/aws-errors";
import { AwsCallError } from "../../src/core/errors";

const sdkError = (name: string, status = 400, message = `${name} happened`) =>
  new EC2ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message,
  });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
const context = { service: "EC2", operation: "DescribeImages", region: "us-east-1", tier: "dynamic_search" };

describe("classifying AWS errors (one module for the resolver and imaging)", () => {
  it("reads AWS's 'not found' answers as ordinary verdicts, and nothing else", () => {
    for (const name of [
      "InvalidAMIID.NotFound",
      "InvalidAMIID.Malformed",
      "InvalidAMIID.Unavailable",
      "ParameterNotFound",
      "InvalidSnapshot.NotFound",
      "InvalidInstanceID.NotFound",
      "InvalidInstanceID.Malformed",
    ]) {
      assert.equal(isNotFound(sdkError(name)), true, name);
      assert.equal(classifyAwsError(sdkError(name), context), "not-found", name);
    }
    for (const name of ["ThrottlingException", "AccessDenied", "InternalError", "InvalidParameterValue"])
      assert.equal(isNotFound(sdkError(name)), false, name);
  });

  it("says a request AWS refused as invalid needs a different value, not another try", () => {
    const refused = classifyAwsError(
      sdkError("ValidationException", 400, 'Parameter name: can\'t be prefixed with "ssm"'),
      {
        ...context,
        service: "SSM",
        operation: "GetParameters",
        tier: "ssm_parameter",
      },
    );
    assert.ok(refused instanceof AwsCallError);
    assert.match(refused.message, /AWS refused the request as invalid \(ValidationException: Parameter name/);
    assert.match(refused.details.hint, /running it again will not help/);
    const outage = classifyAwsError(sdkError("InternalError", 500), context);
    assert.ok(outage instanceof AwsCallError);
    assert.match(outage.details.hint, /^run it again/);
  });

  it("tells credentials, permission, network, throttling and service failures apart", () => {
    const table: [unknown, string][] = [
      [sdkError("ExpiredToken"), "credentials"],
      [sdkError("ExpiredTokenException"), "credentials"],
      [sdkError("RequestExpired"), "credentials"],
      [sdkError("AuthFailure", 401), "credentials"],
      [sdkError("UnrecognizedClientException"), "credentials"],
      [sdkError("InvalidClientTokenId", 403), "credentials"],
      [sdkError("SignatureDoesNotMatch", 403), "credentials"],
      [
        Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
        "credentials",
      ],
      [sdkError("UnauthorizedOperation", 403), "permission"],
      [sdkError("AccessDenied", 403), "permission"],
      [sdkError("AccessDeniedException", 400), "permission"],
      [socketError("ECONNREFUSED"), "network"],
      [socketError("ENOTFOUND"), "network"],
      [socketError("ETIMEDOUT"), "network"],
      [socketError("CERT_HAS_EXPIRED"), "network"],
      [sdkError("RequestLimitExceeded", 503), "throttling"],
      [sdkError("ThrottlingException"), "throttling"],
      [sdkError("InternalError", 500), "service"],
      [sdkError("Unavailable", 503), "service"],
    ];
    for (const [error, kind] of table) {
      const classified = classifyAwsError(error, context);
      assert.ok(classified instanceof AwsCallError, `${String(error)} → ${String(classified)}`);
      assert.equal(classified.kind, kind, String(error));
      assert.equal(classified.details.tier, "dynamic_search");
      assert.equal(classified.details.region, "us-east-1");
      assert.ok(classified.details.hint.length > 20);
    }
  });

  it("names the denied action from the message when AWS gives it, else Service:Operation", () => {
    assert.equal(
      deniedAction(
        "User: arn:aws:iam::123456789012:user/lab is not authorized to perform: ssm:GetParameters on resource",
      ),
      "ssm:GetParameters",
    );
    const named = classifyAwsError(
      sdkError("AccessDeniedException", 400, "User x is not authorized to perform: ssm:GetParameters"),
      { ...context, service: "SSM", operation: "GetParameters" },
    ) as AwsCallError;
    assert.match(named.details.hint, /^allow ssm:GetParameters /);
    const unnamed = classifyAwsError(
      sdkError("UnauthorizedOperation", 403, "You are not authorized"),
      context,
    ) as AwsCallError;
    assert.match(unnamed.message, /may not call ec2:DescribeImages/);
    assert.equal(unnamed.details.operation, "DescribeImages");
  });

  it("leaves errors that are no AWS failure (bugs, aborts) alone", () => {
    assert.equal(classifyAwsError(new TypeError("x is undefined"), context), undefined);
    assert.equal(classifyAwsError(new DOMException("aborted", "AbortError"), context), undefined);
  });
});
