import assert from "node:assert/strict";
import { ARCHITECTURES, BASES, templateSchema } from "../../src/templates/schema";
import { DEFAULT_BASE, baseImageSource, baseOfTemplate, systemPackageManager } from "../../src/resolver/base-images";

describe("baseImageSource", () => {
  it("uses Amazon's public SSM parameter for Amazon Linux 2023", () => {
    assert.deepEqual(baseImageSource("amazonlinux-2023", "x86_64"), {
      ssmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    });
    assert.deepEqual(baseImageSource("amazonlinux-2023", "arm64"), {
      ssmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    });
  });

  it("uses Canonical's parameters for Ubuntu, gp3 for 24.04 and gp2 for 22.04, with Debian architecture names", () => {
    assert.deepEqual(baseImageSource("ubuntu-24.04", "x86_64"), {
      ssmParameter: "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
    });
    assert.deepEqual(baseImageSource("ubuntu-24.04", "arm64"), {
      ssmParameter: "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
    });
    assert.deepEqual(baseImageSource("ubuntu-22.04", "x86_64"), {
      ssmParameter: "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id",
    });
    assert.deepEqual(baseImageSource("ubuntu-22.04", "arm64"), {
      ssmParameter: "/aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp2/ami-id",
    });
  });

  it("uses Debian's bookworm parameter", () => {
    assert.deepEqual(baseImageSource("debian-12", "x86_64"), {
      ssmParameter: "/aws/service/debian/release/bookworm/latest/amd64",
    });
    assert.deepEqual(baseImageSource("debian-12", "arm64"), {
      ssmParameter: "/aws/service/debian/release/bookworm/latest/arm64",
    });
  });

  it("searches Rocky 9 by the Rocky publisher's account, never by name alone", () => {
    assert.deepEqual(baseImageSource("rocky-9", "x86_64"), {
      search: { owners: ["792107900819"], namePattern: "Rocky-9-EC2-Base-9.*.x86_64" },
    });
    assert.deepEqual(baseImageSource("rocky-9", "arm64"), {
      search: { owners: ["792107900819"], namePattern: "Rocky-9-EC2-Base-9.*.aarch64" },
    });
  });

  it("gives every base and architecture exactly one kind of source, and every search an owner", () => {
    for (const base of BASES) {
      for (const architecture of ARCHITECTURES) {
        const source = baseImageSource(base, architecture);
        assert.equal(Boolean(source.ssmParameter) !== Boolean(source.search), true, `${base}/${architecture}`);
        if (source.search)
          assert.ok(source.search.owners.length > 0 && source.search.owners.every((o) => /^\d{12}$/.test(o)));
        if (source.ssmParameter) assert.ok(source.ssmParameter.startsWith("/aws/service/"));
      }
    }
  });
});

describe("baseOfTemplate", () => {
  it("defaults a template without a base to Ubuntu 24.04", () => {
    assert.equal(DEFAULT_BASE, "ubuntu-24.04");
    assert.equal(baseOfTemplate(templateSchema.parse({ name: "x" })), "ubuntu-24.04");
    assert.equal(baseOfTemplate(templateSchema.parse({ name: "x", base: "rocky-9" })), "rocky-9");
  });

  it("maps bases to their system package manager", () => {
    assert.deepEqual(
      BASES.map((b) => [b, systemPackageManager(b)]),
      [
        ["ubuntu-22.04", "apt"],
        ["ubuntu-24.04", "apt"],
        ["amazonlinux-2023", "dnf"],
        ["rocky-9", "dnf"],
        ["debian-12", "apt"],
      ],
    );
  });
});
