// The Smith lab's Go program: one research workstation and a look at what R users would get in Europe.
//
// The resources are served by the `cloudworkstation` provider plugin (install it with the line `npm run plugin`
// prints); the cloudworkstation package is the SDK generated from its schema (sdk/go here).
package main

import (
	"github.com/cloudworkstation/cloudworkstation/sdk/go/cloudworkstation"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(program)
}

// program is the lab's stack; main_test.go runs it under Pulumi's mocks.
func program(ctx *pulumi.Context) error {
	conf := config.New(ctx, "")
	region := conf.Get("region")
	if region == "" {
		region = "us-east-1"
	}
	labCidr := conf.Get("labCidr")
	if labCidr == "" {
		labCidr = "203.0.113.0/24"
	}

	size := cloudworkstation.SizeM // plain (not Input) component arguments are pointers
	// The AMI is resolved at preview time (the preview shows it and its fallback chain); `pulumi up` launches
	// from it.
	alice, err := cloudworkstation.NewResearchWorkstation(ctx, "alice", &cloudworkstation.ResearchWorkstationArgs{
		TemplateName: pulumi.StringRef("python-ml"),
		Size:         &size,
		Region:       pulumi.String(region),
		AllowedCidrs: pulumi.StringArray{pulumi.String(labCidr)},
		Owner:        pulumi.StringRef("alice@example.org"),
		Project:      pulumi.StringRef("smith-lab"),
		Tags:         pulumi.StringMap{"cost-centre": pulumi.String("4711")},
	})
	if err != nil {
		return err
	}

	// A resolution on its own creates nothing in AWS: which image would an r-research workstation in eu-west-1
	// start from?
	rResearchEu, err := cloudworkstation.NewAmiResolution(ctx, "r-research-eu", &cloudworkstation.AmiResolutionArgs{
		Template: pulumi.String("r-research"),
		Region:   pulumi.String("eu-west-1"),
		Size:     cloudworkstation.SizeL,
	})
	if err != nil {
		return err
	}

	ctx.Export("instanceId", alice.InstanceId)
	ctx.Export("amiId", alice.AmiId)
	ctx.Export("resolutionMethod", alice.ResolutionMethod)
	ctx.Export("fallbackChain", alice.FallbackChain)
	ctx.Export("estimatedCostPerHour", alice.EstimatedCostPerHour) // an estimate, not a bill
	ctx.Export("rResearchEuAmiId", rResearchEu.AmiId)
	ctx.Export("rResearchEuMethod", rResearchEu.Method)
	return nil
}
