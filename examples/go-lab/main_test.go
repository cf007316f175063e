package main

import (
	"reflect"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// registrations records what the program asked the engine for (type token, name, inputs), as a Python or YAML
// program's would be recorded: the inputs must carry the schema's names and enum values.
type registrations struct {
	mu     sync.Mutex
	inputs map[string]resource.PropertyMap
}

func (r *registrations) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inputs[args.TypeToken+"::"+args.Name] = args.Inputs
	outputs := args.Inputs.Copy()
	outputs["amiId"] = resource.NewStringProperty("ami-0abc")
	return args.Name + "-id", outputs, nil
}

func (r *registrations) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func TestTheLabRegistersAWorkstationAndAResolutionWithTheSchemasNames(t *testing.T) {
	mocks := &registrations{inputs: map[string]resource.PropertyMap{}}
	if err := pulumi.RunErr(program, pulumi.WithMocks("smith-lab-go", "test", mocks)); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]interface{}{
		"cloudworkstation:index:ResearchWorkstation::alice": {
			"templateName": "python-ml",
			"size":         "M",
			"region":       "us-east-1",
			"allowedCidrs": []interface{}{"203.0.113.0/24"},
			"owner":        "alice@example.org",
			"project":      "smith-lab",
			"tags":         map[string]interface{}{"cost-centre": "4711"},
		},
		"cloudworkstation:index:AmiResolution::r-research-eu": {
			"template": "r-research",
			"region":   "eu-west-1",
			"size":     "L",
		},
	}
	if len(mocks.inputs) != len(want) {
		t.Fatalf("registered %d resources, want %d: %v", len(mocks.inputs), len(want), mocks.inputs)
	}
	for key, inputs := range want {
		got, ok := mocks.inputs[key]
		if !ok {
			t.Fatalf("%s was not registered; registered: %v", key, mocks.inputs)
		}
		if !reflect.DeepEqual(got.Mappable(), inputs) {
			t.Errorf("%s inputs = %v, want %v", key, got.Mappable(), inputs)
		}
	}
}
