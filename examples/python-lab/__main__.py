"""The Smith lab's Python program: one research workstation and a look at what R users would get in Europe.

The resources are served by the `cloudworkstation` provider plugin (install it with the line `npm run plugin` prints);
pulumi_cloudworkstation is the SDK generated from its schema (sdk/python here, or `pulumi package add`).
"""

import pulumi
import pulumi_cloudworkstation as cloudworkstation

config = pulumi.Config()
region = config.get("region") or "us-east-1"
lab_cidr = config.get("labCidr") or "203.0.113.0/24"

# The AMI is resolved at preview time (the preview shows it and its fallback chain); `pulumi up` launches from it.
alice = cloudworkstation.ResearchWorkstation(
    "alice",
    template_name="python-ml",
    size=cloudworkstation.Size.M,
    region=region,
    allowed_cidrs=[lab_cidr],
    owner="alice@example.org",
    project="smith-lab",
    tags={"cost-centre": "4711"},
)

# A resolution on its own creates nothing in AWS: which image would an r-research workstation in eu-west-1 start from?
r_research_eu = cloudworkstation.AmiResolution(
    "r-research-eu",
    template="r-research",
    region="eu-west-1",
    size=cloudworkstation.Size.L,
)

pulumi.export("instanceId", alice.instance_id)
pulumi.export("amiId", alice.ami_id)
pulumi.export("resolutionMethod", alice.resolution_method)
pulumi.export("fallbackChain", alice.fallback_chain)
pulumi.export("estimatedCostPerHour", alice.estimated_cost_per_hour)  # an estimate, not a bill
pulumi.export("rResearchEuAmiId", r_research_eu.ami_id)
pulumi.export("rResearchEuMethod", r_research_eu.method)
