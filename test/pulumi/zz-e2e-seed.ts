import { createAwsClients } from "../../src/resolver/clients";
import { createImageFromInstance, deregisterInRegions } from "../helpers/seed";
(async () => {
  const clients = createAwsClients({ endpoint: process.env.AWS_ENDPOINT_URL, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  if (process.argv[2] === "newer") console.log(await createImageFromInstance(clients.ec2("us-east-1"), { sourceAmiId: "ami-00c41000000000002", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121" }));
  if (process.argv[2] === "deregister") await deregisterInRegions(clients, "ami-00c41000000000002", ["us-east-1"]);
})();
