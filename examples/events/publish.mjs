// Publishes a message to my-topic with the AWS SDK for JavaScript v3, unchanged from AWS:
// only the endpoint points at Selfless.
//   node examples/events/publish.mjs "Hello from node"
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

const sns = new SNSClient({
  endpoint: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
  region: process.env.AWS_REGION ?? 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const { MessageId } = await sns.send(
  new PublishCommand({
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:my-topic',
    Message: process.argv[2] ?? 'Hello from node',
  }),
);
console.log(`published ${MessageId}`);
sns.destroy();
